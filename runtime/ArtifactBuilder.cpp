//===- ArtifactBuilder.cpp - Serializing compiled moec artifacts ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements serializeArtifact and writeArtifact with
// flatbuffers::FlatBufferBuilder. Children (strings, vectors, sub-tables)
// are always created before the table builder that refers to them starts.
//
//===----------------------------------------------------------------------===//

#include "runtime/ArtifactBuilder.h"

#include "runtime/File.h"
#include "runtime/Integrity.h"
#include "runtime/StringUtil.h"
#include "runtime/schema/artifact_generated.h"

#include <cerrno>
#include <cstdio>

namespace moec::runtime {

namespace {
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::Vector;
} // namespace

template <typename E> static auto raw(E value) {
  return static_cast<std::underlying_type_t<E>>(value);
}

static fb::DType toFb(DType d) { return static_cast<fb::DType>(raw(d)); }

static fb::Dim3 toFb(const Dim3 &d) { return fb::Dim3(d.x, d.y, d.z); }

static fb::Affine toFb(const Affine &a) {
  return fb::Affine(a.base, a.perToken);
}

static Offset<Vector<uint8_t>> boolVector(FlatBufferBuilder &fbb,
                                          const std::vector<bool> &values) {
  std::vector<uint8_t> bytes(values.begin(), values.end());
  return fbb.CreateVector(bytes);
}

static Offset<fb::ModelConfig> buildConfig(FlatBufferBuilder &fbb,
                                           const ModelConfig &m) {
  auto usesRope = boolVector(fbb, m.layerUsesRope);
  auto isMoe = boolVector(fbb, m.layerIsMoe);
  auto eos = fbb.CreateVector(m.eosTokenIds);
  auto stop = fbb.CreateVector(m.stopTokenIds);
  Offset<fb::Llama3RopeScaling> scaling;
  if (const std::optional<Llama3RopeScaling> &s = m.ropeScaling)
    scaling = fb::CreateLlama3RopeScaling(fbb, s->factor, s->lowFreqFactor,
                                          s->highFreqFactor,
                                          s->originalMaxPositionEmbeddings);
  fb::ModelConfigBuilder b(fbb);
  b.add_vocab_size(m.vocabSize);
  b.add_hidden_size(m.hiddenSize);
  b.add_intermediate_size(m.intermediateSize);
  b.add_intermediate_size_mlp(m.intermediateSizeMlp);
  b.add_num_layers(m.numLayers);
  b.add_num_attention_heads(m.numAttentionHeads);
  b.add_num_key_value_heads(m.numKeyValueHeads);
  b.add_head_dim(m.headDim);
  b.add_num_local_experts(m.numLocalExperts);
  b.add_num_experts_per_tok(m.numExpertsPerTok);
  b.add_attention_chunk_size(m.attentionChunkSize);
  b.add_max_position_embeddings(m.maxPositionEmbeddings);
  b.add_rope_theta(m.ropeTheta);
  if (!scaling.IsNull())
    b.add_rope_scaling(scaling);
  b.add_use_qk_norm(m.useQkNorm);
  b.add_attn_temperature_tuning(m.attnTemperatureTuning);
  b.add_floor_scale(m.floorScale);
  b.add_attn_scale(m.attnScale);
  b.add_rms_norm_eps(m.rmsNormEps);
  b.add_layer_uses_rope(usesRope);
  b.add_layer_is_moe(isMoe);
  b.add_bos_token_id(m.bosTokenId);
  b.add_eos_token_ids(eos);
  b.add_stop_token_ids(stop);
  b.add_pad_token_id(m.padTokenId);
  return b.Finish();
}

static Offset<fb::Binding> buildBinding(FlatBufferBuilder &fbb,
                                        const Binding &b) {
  return fb::CreateBinding(fbb, static_cast<fb::BindingKind>(raw(b.kind)),
                           b.index, b.byteOffset, b.value);
}

static Offset<fb::TmaDescriptor> buildTma(FlatBufferBuilder &fbb,
                                          const TmaDescriptor &t) {
  auto name = fbb.CreateString(t.tensorName);
  auto tensor = buildBinding(fbb, t.tensor);
  auto dims = fbb.CreateVector(t.globalDims);
  auto strides = fbb.CreateVector(t.globalStrides);
  auto box = fbb.CreateVector(t.boxDims);
  auto elementStrides = fbb.CreateVector(t.elementStrides);
  fb::TmaDescriptorBuilder b(fbb);
  b.add_tensor_name(name);
  b.add_tensor(tensor);
  b.add_dtype(toFb(t.dtype));
  b.add_rank(t.rank);
  b.add_global_dims(dims);
  b.add_global_strides(strides);
  b.add_box_dims(box);
  b.add_element_strides(elementStrides);
  b.add_swizzle(static_cast<fb::TmaSwizzle>(raw(t.swizzle)));
  b.add_interleave(static_cast<fb::TmaInterleave>(raw(t.interleave)));
  b.add_l2_promotion(static_cast<fb::TmaL2Promotion>(raw(t.l2Promotion)));
  b.add_oob_fill(static_cast<fb::TmaOobFill>(raw(t.oobFill)));
  return b.Finish();
}

static Offset<fb::ExecutionPlan> buildPlan(FlatBufferBuilder &fbb,
                                           const ExecutionPlan &p) {
  std::vector<Offset<fb::PlanStep>> steps;
  for (const PlanStep &s : p.steps) {
    std::vector<Offset<fb::Binding>> args;
    for (const Binding &a : s.args)
      args.push_back(buildBinding(fbb, a));
    steps.push_back(
        fb::CreatePlanStep(fbb, s.kernel, s.launch, fbb.CreateVector(args)));
  }
  return fb::CreateExecutionPlan(fbb, fbb.CreateVector(steps));
}

static Offset<fb::BufferPlan> buildBufferPlan(FlatBufferBuilder &fbb,
                                              const BufferPlan &p) {
  std::vector<Offset<fb::Buffer>> buffers;
  for (const BufferSpec &s : p.buffers) {
    std::vector<fb::Liveness> live;
    for (const Liveness &l : s.live)
      live.emplace_back(static_cast<fb::PlanKind>(raw(l.plan)), l.firstStep,
                        l.lastStep);
    auto name = fbb.CreateString(s.name);
    auto liveVector = fbb.CreateVectorOfStructs(live);
    fb::Affine offset = toFb(s.offset), size = toFb(s.size);
    buffers.push_back(fb::CreateBuffer(fbb, name, &offset, &size, liveVector));
  }
  fb::Affine arena = toFb(p.arenaSize);
  return fb::CreateBufferPlan(fbb, p.maxTokens, p.alignment, &arena,
                              fbb.CreateVector(buffers));
}

static Offset<fb::Weight> buildWeight(FlatBufferBuilder &fbb,
                                      const WeightEntry &w) {
  auto name = fbb.CreateString(w.name);
  auto shape = fbb.CreateVector(w.shape);
  Offset<fb::WeightScale> scale;
  if (w.scale)
    scale = fb::CreateWeightScale(
        fbb, fbb.CreateString(w.scale->tensor),
        static_cast<fb::ScaleGranularity>(raw(w.scale->granularity)),
        fbb.CreateVector(w.scale->blockDims));
  fb::WeightBuilder b(fbb);
  b.add_name(name);
  b.add_dtype(toFb(w.dtype));
  b.add_shape(shape);
  b.add_layout(static_cast<fb::WeightLayout>(raw(w.layout)));
  b.add_byte_offset(w.byteOffset);
  b.add_byte_size(w.byteSize);
  if (!scale.IsNull())
    b.add_scale(scale);
  return b.Finish();
}

static Offset<fb::WeightManifest> buildManifest(FlatBufferBuilder &fbb,
                                                const WeightManifest &m) {
  std::vector<Offset<fb::Weight>> tensors;
  for (const WeightEntry &w : m.tensors)
    tensors.push_back(buildWeight(fbb, w));
  fb::Sha256 digest(flatbuffers::make_span(m.packedSha256));
  return fb::CreateWeightManifest(fbb, fbb.CreateString(m.packedFile),
                                  m.packedSize, fbb.CreateVector(tensors),
                                  &digest);
}

/// Builds the code objects, launches, TMA descriptors and KV-cache layers.
struct Tables {
  Offset<Vector<Offset<fb::Kernel>>> kernels;
  Offset<Vector<Offset<fb::LaunchConfig>>> launches;
  Offset<Vector<Offset<fb::TmaDescriptor>>> tma;
  Offset<Vector<Offset<fb::KvCacheLayer>>> kvCache;
};

static Tables buildTables(FlatBufferBuilder &fbb, const ArtifactContents &c) {
  std::vector<Offset<fb::Kernel>> kernels;
  for (const Kernel &k : c.kernels) {
    Offset<flatbuffers::String> cpu;
    Offset<Vector<Offset<flatbuffers::String>>> cpuFeatures;
    if (!k.cpu.empty())
      cpu = fbb.CreateString(k.cpu);
    if (!k.cpuFeatures.empty())
      cpuFeatures = fbb.CreateVectorOfStrings(k.cpuFeatures);
    kernels.push_back(fb::CreateKernel(
        fbb, fbb.CreateString(k.name), static_cast<fb::KernelKind>(raw(k.kind)),
        fbb.CreateString(k.target),
        fbb.CreateVector(k.bytes.data(), k.bytes.size()), cpu, cpuFeatures));
  }
  std::vector<Offset<fb::LaunchConfig>> launches;
  for (const LaunchConfig &l : c.launches) {
    fb::Dim3 grid = toFb(l.grid), block = toFb(l.block),
             cluster = toFb(l.cluster);
    launches.push_back(fb::CreateLaunchConfig(
        fbb, fbb.CreateString(l.kernelName), &grid, &block, &cluster,
        l.dynamicSharedMemoryBytes, l.gridTokenTile));
  }
  std::vector<Offset<fb::TmaDescriptor>> tma;
  for (const TmaDescriptor &t : c.tmaDescriptors)
    tma.push_back(buildTma(fbb, t));
  std::vector<Offset<fb::KvCacheLayer>> kv;
  for (const KvCacheLayer &l : c.kvCache)
    kv.push_back(fb::CreateKvCacheLayer(
        fbb, static_cast<fb::KvCacheKind>(raw(l.kind)), l.maxPositions,
        l.chunkWindow, l.kvHeads, l.headDim, toFb(l.dtype), l.keysByteOffset,
        l.valuesByteOffset));
  return {fbb.CreateVector(kernels), fbb.CreateVector(launches),
          fbb.CreateVector(tma), fbb.CreateVector(kv)};
}

absl::StatusOr<std::string> serializeArtifact(const ArtifactContents &contents,
                                              ArtifactValidation validation) {
  if (validation == ArtifactValidation::Validate)
    if (absl::Status s = validateArtifact(contents, "artifact being written");
        !s.ok())
      return s;
  uint64_t kernelBytes = 0;
  for (const Kernel &k : contents.kernels)
    kernelBytes += k.bytes.size();
  for (const TextFile &f : contents.textFiles)
    kernelBytes += f.bytes.size();
  if (kernelBytes > Artifact::kMaxBytes / 2)
    return absl::InvalidArgumentError(
        strCat("artifact being written: kernels and text files hold ",
               kernelBytes, " bytes, too many for one artifact (limit 2 GiB)"));
  FlatBufferBuilder fbb(1 << 16);
  auto compilerVersion = fbb.CreateString(contents.compilerVersion);
  auto config = buildConfig(fbb, contents.config);
  Tables tables = buildTables(fbb, contents);
  auto prefill = buildPlan(fbb, contents.prefill);
  auto decode = buildPlan(fbb, contents.decode);
  auto bufferPlan = buildBufferPlan(fbb, contents.bufferPlan);
  auto manifest = buildManifest(fbb, contents.weights);
  std::vector<Offset<fb::TextFile>> textFiles;
  for (const TextFile &f : contents.textFiles)
    textFiles.push_back(
        fb::CreateTextFile(fbb, fbb.CreateString(f.name),
                           fbb.CreateVector(f.bytes.data(), f.bytes.size())));
  // Zeros for now: sealArtifact hashes the finished buffer with these.
  fb::Sha256 zeros;
  auto root = fb::CreateArtifact(
      fbb, contents.schemaVersion, compilerVersion, config, tables.kernels,
      tables.launches, tables.tma, prefill, decode, bufferPlan, manifest,
      tables.kvCache, contents.kvCacheBytes,
      textFiles.empty() ? 0 : fbb.CreateVector(textFiles), &zeros);
  fb::FinishSizePrefixedArtifactBuffer(fbb, root);
  std::string bytes(reinterpret_cast<const char *>(fbb.GetBufferPointer()),
                    fbb.GetSize());
  if (absl::Status s = sealArtifact(absl::MakeSpan(
          reinterpret_cast<uint8_t *>(bytes.data()), bytes.size()));
      !s.ok())
    return s;
  return bytes;
}

absl::Status writeArtifact(const ArtifactContents &contents,
                           const std::string &path) {
  absl::StatusOr<std::string> bytes = serializeArtifact(contents);
  if (!bytes.ok())
    return bytes.status();
  // A failed write must not leave a truncated artifact behind.
  return writeFileAtomically(path, *bytes);
}

} // namespace moec::runtime
