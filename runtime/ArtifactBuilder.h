//===- ArtifactBuilder.h - Serializing compiled moec artifacts --*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the writer of .moec artifacts: the compiler's codegen
// fills an ArtifactContents (runtime/Artifact.h) and serializes it here with
// FlatBuffers, finished with the "MOEC" file identifier. The contents are
// validated first with the loader's rules, so that the compiler never writes
// an artifact the runtime would reject.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_ARTIFACTBUILDER_H
#define MOEC_RUNTIME_ARTIFACTBUILDER_H

#include "runtime/Artifact.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <string>

namespace moec::runtime {

/// Whether serializeArtifact runs validateArtifact first. Skip exists for
/// tests that need malformed artifacts.
enum class ArtifactValidation { Validate, Skip };

/// Returns the bytes of the artifact holding `contents` (its schemaVersion
/// field is written as is). Fails with validateArtifact's error when
/// `validation` is Validate and the contents break a rule, or when the
/// artifact would exceed FlatBuffers' 2 GiB limit.
absl::StatusOr<std::string>
serializeArtifact(const ArtifactContents &contents,
                  ArtifactValidation validation = ArtifactValidation::Validate);

/// Serializes `contents` and writes it to `path`; errors name the path.
absl::Status writeArtifact(const ArtifactContents &contents,
                           const std::string &path);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_ARTIFACTBUILDER_H
