//===- FakeModelArtifact.cpp - An artifact around FakeModel.c -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file builds the fake model's artifact (two steps per plan, binding
// every kind the CPU supports) and packed weights, and its reference.
//
//===----------------------------------------------------------------------===//

#include "FakeModelArtifact.h"

#include "runtime/ArtifactBuilder.h"
#include "runtime/File.h"
#include "runtime/SharedObject.h"
#include "runtime/StringUtil.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#ifndef MOEC_FAKE_MODEL_SO
#error "MOEC_FAKE_MODEL_SO must name the MoecFakeModel shared object"
#endif

namespace moec::runtime::testutil {

/// table[v] = (7 v + 3) % 11, a permutation of the vocabulary.
static std::vector<int32_t> fakeTable() {
  std::vector<int32_t> table(kFakeVocab);
  for (uint32_t v = 0; v < kFakeVocab; ++v)
    table[v] = int32_t((7 * v + 3) % kFakeVocab);
  return table;
}

absl::StatusOr<std::string> fakeModelSharedObject() {
  return readTextFile(MOEC_FAKE_MODEL_SO);
}

// KV cache: layer 0 values at [0, 96), keys at [96, 192), 256 bytes in all.
// Arena: the "ids" buffer (8 bytes per token) at 64.
static constexpr uint64_t kKeysOffset = 96;

ArtifactContents fakeModelContents(const std::string &sharedObject) {
  ArtifactContents c;
  c.compilerVersion = "moec fake model (test)";
  ModelConfig &m = c.config;
  m.vocabSize = kFakeVocab;
  m.hiddenSize = 4;
  m.intermediateSize = 4;
  m.intermediateSizeMlp = 4;
  m.numLayers = 1;
  m.numAttentionHeads = 1;
  m.numKeyValueHeads = 1;
  m.headDim = 1;
  m.maxPositionEmbeddings = kFakePositions;
  m.layerUsesRope = {true};
  m.layerIsMoe = {false};
  m.eosTokenIds = {kFakeEos};
  c.kernels.push_back(
      Kernel{"fake", KernelKind::CpuSharedObject, std::string(hostCpuTarget()),
             absl::Span<const uint8_t>(
                 reinterpret_cast<const uint8_t *>(sharedObject.data()),
                 sharedObject.size())});
  c.launches.push_back(LaunchConfig{"moec_fake_embed", {}, {}, {}, 0, 0});
  c.launches.push_back(LaunchConfig{"moec_fake_head", {}, {}, {}, 0, 0});
  PlanStep embed{0,
                 0,
                 {{BindingKind::InputTokenIds, 0, 0, 0},
                  {BindingKind::InputPositions, 0, 0, 0},
                  {BindingKind::KvCacheKeys, 0, 0, 0},
                  {BindingKind::KvCacheValues, 0, 0, 0},
                  {BindingKind::ArenaBuffer, 0, 0, 0},
                  {BindingKind::NumTokens, 0, 0, 0},
                  {BindingKind::Immediate, 0, 0, 1234}}};
  PlanStep head{0,
                1,
                {{BindingKind::ArenaBuffer, 0, 0, 0},
                 {BindingKind::InputPositions, 0, 0, 0},
                 {BindingKind::KvCache, 0, kKeysOffset, 0},
                 {BindingKind::KvCacheValues, 0, 0, 0},
                 {BindingKind::Weight, 0, 0, 0},
                 {BindingKind::PackedWeights, 0, 8, 0},
                 {BindingKind::OutputLogits, 0, 0, 0},
                 {BindingKind::NumTokens, 0, 0, 0}}};
  c.prefill.steps = {embed, head};
  c.decode.steps = {embed, head};
  BufferPlan &p = c.bufferPlan;
  p.maxTokens = kFakeMaxTokens;
  p.alignment = 64;
  p.arenaSize = Affine{64, 8};
  p.buffers.push_back(BufferSpec{"ids", {64, 0}, {0, 8}, {}});
  WeightManifest &w = c.weights;
  w.packedFile = kFakeWeightsName;
  w.packedSize = 8 + 4 * kFakeVocab;
  w.tensors.push_back(
      WeightEntry{"shift", DType::I64, {1}, WeightLayout::RowMajor, 0, 8, {}});
  w.tensors.push_back(WeightEntry{"table",
                                  DType::I32,
                                  {kFakeVocab},
                                  WeightLayout::RowMajor,
                                  8,
                                  4 * kFakeVocab,
                                  {}});
  c.kvCache.push_back(KvCacheLayer{KvCacheKind::Full, kFakePositions, 0, 1, 1,
                                   DType::I64, kKeysOffset, 0});
  c.kvCacheBytes = 256;
  return c;
}

SafetensorsBuilder fakeModelWeights() {
  SafetensorsBuilder b;
  b.add("shift", "I64", {1}, bytesOf(std::vector<int64_t>{kFakeShift}));
  b.add("table", "I32", {kFakeVocab}, bytesOf(fakeTable()));
  return b;
}

/// Writes `bytes` to `path`.
static absl::Status writeBytes(const std::string &path,
                               const std::string &bytes) {
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return absl::InternalError(strCat("cannot open ", path));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = std::fclose(file) == 0 && ok;
  return ok ? absl::OkStatus()
            : absl::InternalError(strCat("cannot write ", path));
}

absl::Status writeFakeModel(const std::string &dir,
                            const ArtifactContents &contents,
                            const SafetensorsBuilder &weights) {
  // The digest of the weights written here, so that tests may vary them.
  ArtifactContents sealed = contents;
  std::string bytes = weights.bytes();
  sealed.weights.packedSha256 = treeSha256(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  if (absl::Status s = writeArtifact(sealed, joinPath(dir, kFakeArtifactName));
      !s.ok())
    return s;
  return writeBytes(joinPath(dir, kFakeWeightsName), bytes);
}

absl::Status writeFakeModel(const std::string &dir) {
  absl::StatusOr<std::string> so = fakeModelSharedObject();
  if (!so.ok())
    return so.status();
  return writeFakeModel(dir, fakeModelContents(*so), fakeModelWeights());
}

int64_t fakeNextToken(const std::vector<int64_t> &sequence) {
  int64_t sum = std::accumulate(sequence.begin(), sequence.end(), int64_t(0));
  return fakeTable()[(sequence.back() + sum + kFakeShift) % kFakeVocab];
}

std::vector<int64_t> fakeGreedy(std::vector<int64_t> prompt,
                                uint64_t maxNewTokens,
                                const std::vector<int32_t> &stopIds) {
  std::vector<int64_t> generated;
  while (generated.size() < maxNewTokens) {
    int64_t next = fakeNextToken(prompt);
    generated.push_back(next);
    prompt.push_back(next);
    if (std::find(stopIds.begin(), stopIds.end(), next) != stopIds.end())
      break;
  }
  return generated;
}

std::vector<float> fakeLogits(const std::vector<int64_t> &prompt) {
  std::vector<float> logits(prompt.size() * kFakeVocab, 0.0f);
  for (size_t t = 0; t < prompt.size(); ++t) {
    std::vector<int64_t> prefix(prompt.begin(), prompt.begin() + t + 1);
    logits[t * kFakeVocab + fakeNextToken(prefix)] = 1.0f;
  }
  return logits;
}

} // namespace moec::runtime::testutil
