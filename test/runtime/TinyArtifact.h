//===- TinyArtifact.h - A small valid artifact for tests --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file provides tinyArtifactContents: a two-layer model with one CPU
// kernel, two launches, a TMA descriptor, prefill and decode plans, three
// arena buffers, four manifest tensors (one FP8 weight with a per-channel
// scale) and a KV cache of two layers in one allocation. It uses every table of
// the schema, so the unit tests and the fuzz seeds start from it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_TINYARTIFACT_H
#define MOEC_TEST_RUNTIME_TINYARTIFACT_H

#include "runtime/Artifact.h"

namespace moec::runtime::testutil {

/// Returns the contents of a small valid artifact. Its kernel bytes are
/// static. Packed weights: embed [8, 4] BF16 at 0, w [4, 4] F8E4M3 at 64,
/// w_scale [4] F32 at 80, norm [4] F32 at 96; 112 bytes in all.
inline ArtifactContents tinyArtifactContents() {
  static const uint8_t kKernelBytes[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  ArtifactContents c;
  c.compilerVersion = "moec 0.1.0 (test)";
  ModelConfig &m = c.config;
  m.vocabSize = 8;
  m.hiddenSize = 4;
  m.intermediateSize = 4;
  m.intermediateSizeMlp = 8;
  m.numLayers = 2;
  m.numAttentionHeads = 2;
  m.numKeyValueHeads = 1;
  m.headDim = 2;
  m.numLocalExperts = 2;
  m.numExpertsPerTok = 1;
  m.attentionChunkSize = 16;
  m.maxPositionEmbeddings = 64;
  m.ropeScaling = Llama3RopeScaling{};
  m.useQkNorm = true;
  m.attnTemperatureTuning = true;
  m.layerUsesRope = {true, false};
  m.layerIsMoe = {false, true};
  m.bosTokenId = 0;
  m.eosTokenIds = {7};
  m.stopTokenIds = {6, 7};
  c.kernels.push_back(Kernel{"model", KernelKind::CpuSharedObject, "x86_64",
                             absl::MakeConstSpan(kKernelBytes)});
  c.launches.push_back(LaunchConfig{"embed", {1, 1, 1}, {1, 1, 1}, {}, 0, 0});
  c.launches.push_back(
      LaunchConfig{"layer", {2, 1, 1}, {128, 1, 1}, {1, 1, 1}, 1024, 64});
  TmaDescriptor t;
  t.tensorName = "w";
  t.tensor = Binding{BindingKind::Weight, 1, 0, 0};
  t.dtype = DType::F8E4M3;
  t.rank = 2;
  t.globalDims = {4, 4};
  t.globalStrides = {4};
  t.boxDims = {4, 4};
  t.swizzle = TmaSwizzle::Bytes128;
  c.tmaDescriptors.push_back(t);
  c.prefill.steps.push_back(PlanStep{0,
                                     0,
                                     {{BindingKind::InputTokenIds, 0, 0, 0},
                                      {BindingKind::Weight, 0, 0, 0},
                                      {BindingKind::ArenaBuffer, 0, 0, 0}}});
  c.prefill.steps.push_back(PlanStep{0,
                                     1,
                                     {{BindingKind::ArenaBuffer, 0, 0, 0},
                                      {BindingKind::TmaDescriptor, 0, 0, 0},
                                      {BindingKind::KvCacheKeys, 1, 0, 0},
                                      {BindingKind::KvCacheValues, 1, 0, 0},
                                      {BindingKind::ArenaBuffer, 1, 0, 0},
                                      {BindingKind::NumTokens, 0, 0, 0},
                                      {BindingKind::Immediate, 0, 0, -5}}});
  c.decode = c.prefill;
  c.decode.steps.push_back(PlanStep{0,
                                    1,
                                    {{BindingKind::ArenaBuffer, 1, 0, 0},
                                     {BindingKind::PackedWeights, 0, 96, 0},
                                     {BindingKind::KvCache, 0, 128, 0},
                                     {BindingKind::OutputLogits, 0, 0, 0}}});
  BufferPlan &p = c.bufferPlan;
  p.maxTokens = 32;
  p.alignment = 64;
  p.arenaSize = Affine{128, 192};
  p.buffers.push_back(
      BufferSpec{"hidden", {0, 0}, {0, 64}, {{PlanKind::Prefill, 0, 1}}});
  p.buffers.push_back(
      BufferSpec{"attn",
                 {0, 64},
                 {64, 64},
                 {{PlanKind::Prefill, 1, 1}, {PlanKind::Decode, 1, 2}}});
  p.buffers.push_back(BufferSpec{"scratch", {128, 128}, {0, 64}, {}});
  WeightManifest &w = c.weights;
  w.packedFile = "tiny.weights.safetensors";
  w.packedSize = 112;
  w.tensors.push_back(WeightEntry{
      "embed", DType::BF16, {8, 4}, WeightLayout::RowMajor, 0, 64, {}});
  w.tensors.push_back(
      WeightEntry{"w",
                  DType::F8E4M3,
                  {4, 4},
                  WeightLayout::KMajor,
                  64,
                  16,
                  WeightScale{"w_scale", ScaleGranularity::PerChannel, {}}});
  w.tensors.push_back(WeightEntry{
      "w_scale", DType::F32, {4}, WeightLayout::RowMajor, 80, 16, {}});
  w.tensors.push_back(
      WeightEntry{"norm", DType::F32, {4}, WeightLayout::RowMajor, 96, 16, {}});
  // Regions: layer 0 keys [0, 64) values [64, 128), layer 1 keys [128, 384)
  // values [384, 640).
  c.kvCache.push_back(
      KvCacheLayer{KvCacheKind::Chunked, 16, 16, 1, 2, DType::BF16, 0, 64});
  c.kvCache.push_back(
      KvCacheLayer{KvCacheKind::Full, 64, 0, 1, 2, DType::BF16, 128, 384});
  c.kvCacheBytes = 640;
  return c;
}

} // namespace moec::runtime::testutil

#endif // MOEC_TEST_RUNTIME_TINYARTIFACT_H
