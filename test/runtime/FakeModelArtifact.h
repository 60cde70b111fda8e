//===- FakeModelArtifact.h - An artifact around FakeModel.c -----*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the artifact and packed weights that run FakeModel.c
// (built as the MoecFakeModel shared object), and the model's reference:
// next(t) = table[(id + sum of the ids at positions 0..t + shift) % vocab].
// Vocabulary 11, eos token 10, 12 positions, at most 4 tokens per forward.
// The session tests and the moec-run end-to-end tests both use it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_FAKEMODELARTIFACT_H
#define MOEC_TEST_RUNTIME_FAKEMODELARTIFACT_H

#include "TestUtil.h"

#include "runtime/Artifact.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace moec::runtime::testutil {

constexpr uint32_t kFakeVocab = 11;
constexpr uint32_t kFakePositions = 12;
constexpr uint32_t kFakeMaxTokens = 4;
constexpr int32_t kFakeEos = 10;
constexpr int64_t kFakeShift = 5;

/// The file names writeFakeModel uses inside its directory.
constexpr const char *kFakeArtifactName = "fake.moec";
constexpr const char *kFakeWeightsName = "fake.weights.safetensors";

/// Returns the bytes of the MoecFakeModel shared object.
absl::StatusOr<std::string> fakeModelSharedObject();

/// Returns the artifact contents running `sharedObject` (whose bytes must
/// outlive the contents).
ArtifactContents fakeModelContents(const std::string &sharedObject);

/// Returns the packed weights: "shift" I64 [1], then "table" I32 [11].
SafetensorsBuilder fakeModelWeights();

/// Writes `contents` (validated) and `weights` as DIR/fake.moec and
/// DIR/fake.weights.safetensors.
absl::Status writeFakeModel(const std::string &dir,
                            const ArtifactContents &contents,
                            const SafetensorsBuilder &weights);

/// Same with the default contents and weights.
absl::Status writeFakeModel(const std::string &dir);

/// Returns the token the model predicts after `sequence` (every token from
/// position 0 on).
int64_t fakeNextToken(const std::vector<int64_t> &sequence);

/// Returns the greedy continuation of `prompt`: up to `maxNewTokens` tokens,
/// ending early after a token of `stopIds`.
std::vector<int64_t>
fakeGreedy(std::vector<int64_t> prompt, uint64_t maxNewTokens,
           const std::vector<int32_t> &stopIds = {kFakeEos});

/// Returns the logits of every prompt position ([prompt * vocab]).
std::vector<float> fakeLogits(const std::vector<int64_t> &prompt);

} // namespace moec::runtime::testutil

#endif // MOEC_TEST_RUNTIME_FAKEMODELARTIFACT_H
