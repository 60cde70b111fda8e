//===- Integrity.h - Artifact and packed-weights digests --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the integrity checks of an artifact (SHA-256 of the
// whole file with its own digest field read as zeros, runtime/schema/
// artifact.fbs Artifact.sha256) and of its packed weights (the tree hash of
// runtime/Sha256.h, WeightManifest.packed_sha256), and the sealing the
// writer does. These detect corruption and accidental edits; they are not
// signatures: whoever can edit an artifact can recompute its digest.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_INTEGRITY_H
#define MOEC_RUNTIME_INTEGRITY_H

#include "runtime/Sha256.h"

#include "absl/status/status.h"
#include "absl/types/span.h"

#include <optional>
#include <string_view>

namespace moec::runtime {

/// Returns the file offset of the 32 bytes of Artifact.sha256 in `file` (a
/// size-prefixed artifact), found through the root table's vtable with
/// explicit bounds checks (before the FlatBuffers verifier runs); nullopt
/// when the field is absent or does not lie inside the file.
std::optional<uint64_t> locateArtifactSha256(absl::Span<const uint8_t> file);

/// Returns the SHA-256 of `file` with the 32 bytes at `digestOffset` read as
/// zeros.
Sha256Digest artifactSha256(absl::Span<const uint8_t> file,
                            uint64_t digestOffset);

/// Checks the recorded SHA-256 of the artifact `file`; errors start with
/// `where` (the artifact's path).
absl::Status checkArtifactSha256(absl::Span<const uint8_t> file,
                                 std::string_view where);

/// Computes the artifact's SHA-256 and writes it into its digest field.
/// Fails when `file` has no digest field (the writer always adds one).
absl::Status sealArtifact(absl::Span<uint8_t> file);

/// Checks that the tree hash of `file` (the whole packed weights file) is
/// `recorded`; `weightsPath` and `artifactPath` name both in the error.
absl::Status checkWeightsSha256(absl::Span<const uint8_t> file,
                                const Sha256Digest &recorded,
                                std::string_view weightsPath,
                                std::string_view artifactPath);

/// The environment variable that, set to a non-empty value other than "0",
/// skips the packed-weights check (for trusted local files, where hashing
/// gigabytes on every start costs more than it protects).
constexpr const char *kNoVerifyWeightsEnv = "MOEC_NO_VERIFY_WEIGHTS";

/// Returns whether kNoVerifyWeightsEnv asks to skip the weights check.
bool weightsCheckDisabledByEnvironment();

} // namespace moec::runtime

#endif // MOEC_RUNTIME_INTEGRITY_H
