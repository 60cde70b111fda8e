//===- ArtifactValidation.cpp - Semantic checks of artifacts --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements validateArtifact: the cross-reference, range and
// consistency checks a decoded artifact must pass before the runtime uses
// it (and before the builder writes one).
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"

#include "runtime/File.h"
#include "runtime/StringUtil.h"

#include <algorithm>
#include <vector>

namespace moec::runtime {

//===----------------------------------------------------------------------===//
// Semantic checks
//===----------------------------------------------------------------------===//

namespace {
/// Runs the semantic checks, keeping the first failure.
class Validator {
public:
  Validator(const ArtifactContents &contents, std::string_view where)
      : c(contents), where(where) {}

  absl::Status status = absl::OkStatus();

  /// Records "<where>: <field>: <message>" unless `ok`; returns `ok`.
  bool check(bool ok, const std::string &field, std::string_view message) {
    if (!ok && status.ok())
      status =
          absl::InvalidArgumentError(strCat(where, ": ", field, ": ", message));
    return ok;
  }

  /// Checks that `index` of `field` is below `count` elements of `what`.
  bool checkIndex(uint64_t index, size_t count, const std::string &field,
                  std::string_view what) {
    return check(index < count, field,
                 strCat("index ", index, " is out of range (the artifact has ",
                        count, " ", what, ")"));
  }

  void config();
  void kernels();
  void binding(const Binding &b, const std::string &field);
  void tma();
  void plan(PlanKind kind, const std::string &name);
  void bufferPlan();
  void buffer(const BufferSpec &b, const std::string &field);
  void weights();
  void weight(const WeightEntry &w, const std::string &field);
  void kvCache();
  void kvRegions();
  void textFiles();

private:
  const ArtifactContents &c;
  std::string_view where;
};
} // namespace

void Validator::config() {
  const ModelConfig &m = c.config;
  check(m.vocabSize > 0 && m.hiddenSize > 0 && m.numLayers > 0 &&
            m.numAttentionHeads > 0 && m.numKeyValueHeads > 0 && m.headDim > 0,
        "config",
        "vocab_size, hidden_size, num_layers, num_attention_heads, "
        "num_key_value_heads and head_dim must all be positive");
  check(m.numKeyValueHeads == 0 ||
            m.numAttentionHeads % m.numKeyValueHeads == 0,
        "config.num_key_value_heads",
        strCat(m.numKeyValueHeads, " does not divide num_attention_heads ",
               m.numAttentionHeads));
  check(m.layerUsesRope.size() == m.numLayers, "config.layer_uses_rope",
        strCat("has ", m.layerUsesRope.size(), " entries, expected num_layers ",
               m.numLayers));
  check(m.layerIsMoe.size() == m.numLayers, "config.layer_is_moe",
        strCat("has ", m.layerIsMoe.size(), " entries, expected num_layers ",
               m.numLayers));
  bool anyMoe = false;
  for (bool moe : m.layerIsMoe)
    anyMoe |= moe;
  check(!anyMoe ||
            (m.numExpertsPerTok > 0 && m.numExpertsPerTok <= m.numLocalExperts),
        "config.num_experts_per_tok",
        strCat(m.numExpertsPerTok, " must be in [1, num_local_experts = ",
               m.numLocalExperts, "] when a layer is MoE"));
  check(m.ropeTheta > 0 && m.rmsNormEps > 0, "config",
        "rope_theta and rms_norm_eps must be positive");
  auto tokenOk = [&](int32_t id) {
    return id >= 0 && uint32_t(id) < m.vocabSize;
  };
  check(m.bosTokenId == -1 || tokenOk(m.bosTokenId), "config.bos_token_id",
        strCat(m.bosTokenId, " is outside the vocabulary"));
  for (int32_t id : m.eosTokenIds)
    check(tokenOk(id), "config.eos_token_ids",
          strCat(id, " is outside the vocabulary of ", m.vocabSize));
  for (int32_t id : m.stopTokenIds)
    check(tokenOk(id), "config.stop_token_ids",
          strCat(id, " is outside the vocabulary of ", m.vocabSize));
}

void Validator::kernels() {
  absl::flat_hash_map<std::string, size_t> names;
  for (size_t i = 0; i < c.kernels.size(); ++i) {
    const Kernel &k = c.kernels[i];
    std::string field = strCat("kernels[", i, "]");
    check(!k.name.empty() && !k.target.empty() && !k.bytes.empty(), field,
          "name, target and bytes must be non-empty");
    check(k.cpu.empty() || k.kind == KernelKind::CpuSharedObject,
          field + ".cpu", "only CPU shared objects name a CPU");
    check(!k.cpu.empty() || k.cpuFeatures.empty(), field + ".cpu_features",
          "features without the CPU they belong to");
    for (const std::string &feature : k.cpuFeatures)
      check(!feature.empty(), field + ".cpu_features", "an empty name");
    auto [it, inserted] = names.emplace(k.name, i);
    check(
        inserted, field + ".name",
        strCat("'", k.name, "' is also the name of kernels[", it->second, "]"));
  }
  for (size_t i = 0; i < c.launches.size(); ++i) {
    const LaunchConfig &l = c.launches[i];
    std::string field = strCat("launches[", i, "]");
    check(!l.kernelName.empty(), field + ".kernel_name", "is empty");
    for (const Dim3 &d : {l.grid, l.block, l.cluster})
      check(d.x > 0 && d.y > 0 && d.z > 0, field,
            "grid, block and cluster dimensions must be positive");
  }
}

void Validator::binding(const Binding &b, const std::string &field) {
  std::string indexField = field + ".index";
  switch (b.kind) {
  case BindingKind::ArenaBuffer:
    checkIndex(b.index, c.bufferPlan.buffers.size(), indexField,
               "arena buffers");
    break;
  case BindingKind::Weight:
    if (checkIndex(b.index, c.weights.tensors.size(), indexField,
                   "weight manifest entries")) {
      const WeightEntry &w = c.weights.tensors[b.index];
      check(b.byteOffset <= w.byteSize, field + ".byte_offset",
            strCat(b.byteOffset, " runs past weight '", w.name, "' (",
                   w.byteSize, " bytes)"));
    }
    break;
  case BindingKind::KvCacheKeys:
  case BindingKind::KvCacheValues:
    if (checkIndex(b.index, c.kvCache.size(), indexField, "KV-cache layers")) {
      std::optional<uint64_t> region = c.kvCache[b.index].regionBytes();
      check(!region || b.byteOffset <= *region, field + ".byte_offset",
            strCat(b.byteOffset, " runs past the ",
                   b.kind == BindingKind::KvCacheKeys ? "keys" : "values",
                   " of KV-cache layer ", b.index, " (", region.value_or(0),
                   " bytes)"));
    }
    break;
  case BindingKind::TmaDescriptor:
    checkIndex(b.index, c.tmaDescriptors.size(), indexField, "TMA descriptors");
    break;
  case BindingKind::PackedWeights:
    check(b.byteOffset <= c.weights.packedSize, field + ".byte_offset",
          strCat(b.byteOffset, " runs past the packed weights (",
                 c.weights.packedSize, " bytes)"));
    break;
  case BindingKind::KvCache:
    check(b.byteOffset < c.kvCacheBytes, field + ".byte_offset",
          strCat(b.byteOffset, " is not inside the KV cache (kv_cache_bytes ",
                 c.kvCacheBytes, ")"));
    break;
  default:
    break;
  }
}

void Validator::tma() {
  for (size_t i = 0; i < c.tmaDescriptors.size(); ++i) {
    const TmaDescriptor &t = c.tmaDescriptors[i];
    std::string field = strCat("tma_descriptors[", i, "]");
    binding(t.tensor, field + ".tensor");
    if (!check(t.rank >= 1 && t.rank <= 5, field + ".rank",
               strCat(t.rank, " is not in [1, 5]")))
      continue;
    check(t.globalDims.size() == t.rank && t.boxDims.size() == t.rank &&
              t.globalStrides.size() == t.rank - 1 &&
              (t.elementStrides.empty() || t.elementStrides.size() == t.rank),
          field,
          "global_dims, box_dims (and element_strides) need rank "
          "entries, global_strides rank - 1");
    for (uint64_t d : t.globalDims)
      check(d > 0, field + ".global_dims", "dimensions must be positive");
    for (uint32_t d : t.boxDims)
      check(d > 0 && d <= 256, field + ".box_dims",
            strCat(d, " is not in [1, 256]"));
    for (uint32_t d : t.elementStrides)
      check(d > 0 && d <= 8, field + ".element_strides",
            strCat(d, " is not in [1, 8]"));
  }
}

void Validator::plan(PlanKind kind, const std::string &name) {
  const ExecutionPlan &p = c.plan(kind);
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const PlanStep &s = p.steps[i];
    std::string field = strCat(name, ".steps[", i, "]");
    checkIndex(s.kernel, c.kernels.size(), field + ".kernel", "kernels");
    checkIndex(s.launch, c.launches.size(), field + ".launch", "launches");
    for (size_t a = 0; a < s.args.size(); ++a)
      binding(s.args[a], strCat(field, ".args[", a, "]"));
  }
}

void Validator::buffer(const BufferSpec &b, const std::string &field) {
  const BufferPlan &p = c.bufferPlan;
  uint64_t align = p.alignment;
  check(align == 0 ||
            (b.offset.base % align == 0 && b.offset.perToken % align == 0),
        field + ".offset",
        strCat("is not a multiple of the alignment ", align));
  check(b.size.base > 0 || b.size.perToken > 0, field + ".size",
        "is zero for every token count");
  // Offsets, sizes and the arena size are affine in T, so a buffer that fits
  // at T = 1 and T = max_tokens fits for every T in between.
  for (uint64_t tokens : {uint64_t(1), uint64_t(p.maxTokens)}) {
    std::optional<uint64_t> offset = b.offset.at(tokens);
    std::optional<uint64_t> size = b.size.at(tokens);
    std::optional<uint64_t> arena = p.arenaSize.at(tokens);
    uint64_t end = 0;
    if (!check(offset && size && arena &&
                   !__builtin_add_overflow(*offset, *size, &end),
               field, strCat("offset + size overflows at ", tokens, " tokens")))
      return;
    check(end <= *arena, field,
          strCat("bytes [", *offset, ", ", end, ") at ", tokens,
                 " tokens run past the arena of ", *arena, " bytes"));
  }
  for (size_t i = 0; i < b.live.size(); ++i) {
    const Liveness &l = b.live[i];
    size_t steps = c.plan(l.plan).steps.size();
    check(l.firstStep <= l.lastStep && l.lastStep < steps,
          strCat(field, ".live[", i, "]"),
          strCat("steps [", l.firstStep, ", ", l.lastStep,
                 "] are not an interval inside the ",
                 l.plan == PlanKind::Prefill ? "prefill" : "decode", " plan's ",
                 steps, " steps"));
  }
}

void Validator::bufferPlan() {
  const BufferPlan &p = c.bufferPlan;
  check(p.maxTokens > 0, "buffer_plan.max_tokens", "must be positive");
  check(p.alignment > 0 && (p.alignment & (p.alignment - 1)) == 0,
        "buffer_plan.alignment", strCat(p.alignment, " is not a power of two"));
  check(p.arenaSize.at(p.maxTokens).has_value(), "buffer_plan.arena_size",
        "overflows at max_tokens");
  absl::flat_hash_map<std::string, size_t> names;
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    std::string field = strCat("buffer_plan.buffers[", i, "]");
    auto [it, inserted] = names.emplace(p.buffers[i].name, i);
    check(inserted, field + ".name",
          strCat("'", p.buffers[i].name, "' is also the name of buffers[",
                 it->second, "]"));
    buffer(p.buffers[i], field);
  }
}

void Validator::weight(const WeightEntry &w, const std::string &field) {
  check(!w.name.empty(), field + ".name", "is empty");
  uint64_t bytes = dtypeSize(w.dtype);
  for (int64_t d : w.shape)
    if (!check(d > 0 && !__builtin_mul_overflow(bytes, uint64_t(d), &bytes),
               field + ".shape",
               strCat("dimension ", d, " of '", w.name,
                      "' is not positive or the size overflows")))
      return;
  check(bytes == w.byteSize, field + ".byte_size",
        strCat(w.byteSize, " for '", w.name, "' does not match shape x dtype (",
               bytes, " bytes)"));
  uint64_t end = 0;
  check(!__builtin_add_overflow(w.byteOffset, w.byteSize, &end) &&
            end <= c.weights.packedSize,
        field + ".byte_offset",
        strCat("'", w.name, "' at bytes [", w.byteOffset, ", +", w.byteSize,
               ") runs past the packed weights (", c.weights.packedSize,
               " bytes)"));
  if (!w.scale)
    return;
  bool block = w.scale->granularity == ScaleGranularity::Block;
  check(block != w.scale->blockDims.empty(), field + ".scale.block_dims",
        "must be given exactly for block granularity");
  for (int64_t d : w.scale->blockDims)
    check(d > 0, field + ".scale.block_dims", "dimensions must be positive");
  check(w.scale->tensor != w.name, field + ".scale.tensor",
        "a tensor cannot be its own scale");
}

void Validator::weights() {
  const WeightManifest &m = c.weights;
  check(!m.packedFile.empty(), "weights.packed_file", "is empty");
  // The packed weights are opened beside the artifact: a path must not
  // reach any other file.
  check(m.packedFile.empty() || isPlainFileName(m.packedFile),
        "weights.packed_file",
        strCat("'", m.packedFile,
               "' is not a plain file name (it contains '/', '\\\\', '..' "
               "or a NUL byte); the packed weights must be a file beside the "
               "artifact"));
  absl::flat_hash_map<std::string, size_t> names;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    std::string field = strCat("weights.tensors[", i, "]");
    auto [it, inserted] = names.emplace(m.tensors[i].name, i);
    check(inserted, field + ".name",
          strCat("'", m.tensors[i].name, "' is also the name of tensors[",
                 it->second, "]"));
    weight(m.tensors[i], field);
  }
  for (size_t i = 0; i < m.tensors.size(); ++i)
    if (m.tensors[i].scale)
      check(names.contains(m.tensors[i].scale->tensor),
            strCat("weights.tensors[", i, "].scale.tensor"),
            strCat("'", m.tensors[i].scale->tensor,
                   "' is not in the weight manifest"));
}

void Validator::kvCache() {
  check(c.kvCache.size() == c.config.numLayers, "kv_cache",
        strCat("has ", c.kvCache.size(), " layers, expected num_layers ",
               c.config.numLayers));
  for (size_t i = 0; i < c.kvCache.size(); ++i) {
    const KvCacheLayer &l = c.kvCache[i];
    std::string field = strCat("kv_cache[", i, "]");
    check(l.kvHeads > 0 && l.headDim > 0, field,
          "kv_heads and head_dim must be positive");
    if (l.kind == KvCacheKind::Full)
      check(l.maxPositions > 0, field + ".max_positions",
            "must be positive for a full cache");
    else
      check(l.chunkWindow > 0, field + ".chunk_window",
            "must be positive for a chunked cache");
  }
  kvRegions();
}

void Validator::kvRegions() {
  struct Region {
    uint64_t begin, end;
    std::string field;
  };
  std::vector<Region> regions;
  for (size_t i = 0; i < c.kvCache.size(); ++i) {
    const KvCacheLayer &l = c.kvCache[i];
    std::optional<uint64_t> size = l.regionBytes();
    if (!check(size.has_value(), strCat("kv_cache[", i, "]"),
               "max_positions x kv_heads x head_dim x dtype size overflows"))
      return;
    for (bool keys : {true, false}) {
      std::string field = strCat("kv_cache[", i, "].", keys ? "keys" : "values",
                                 "_byte_offset");
      uint64_t begin = keys ? l.keysByteOffset : l.valuesByteOffset, end = 0;
      if (!check(!__builtin_add_overflow(begin, *size, &end) &&
                     end <= c.kvCacheBytes,
                 field,
                 strCat("bytes [", begin, ", +", *size,
                        ") run past the KV cache (kv_cache_bytes ",
                        c.kvCacheBytes, ")")))
        return;
      if (*size > 0)
        regions.push_back(Region{begin, end, field});
    }
  }
  // Sorted by start, disjoint regions only need each to end before the next
  // one starts.
  std::sort(regions.begin(), regions.end(),
            [](const Region &a, const Region &b) { return a.begin < b.begin; });
  for (size_t i = 1; i < regions.size(); ++i)
    check(regions[i - 1].end <= regions[i].begin, regions[i].field,
          strCat("bytes [", regions[i].begin, ", ", regions[i].end,
                 ") overlap those of ", regions[i - 1].field, " [",
                 regions[i - 1].begin, ", ", regions[i - 1].end, ")"));
}

/// Text files: known names (never a path), each once, of a bounded size.
void Validator::textFiles() {
  for (size_t i = 0; i < c.textFiles.size(); ++i) {
    const TextFile &f = c.textFiles[i];
    std::string field = strCat("text_files[", i, "]");
    bool known = false;
    std::string names;
    for (std::string_view name : kArtifactTextFileNames) {
      known |= f.name == name;
      names += strCat(names.empty() ? "" : ", ", name);
    }
    if (!check(known, field + ".name",
               strCat("'", f.name, "' is not a file an artifact carries (",
                      names, ")")))
      return;
    for (size_t j = 0; j < i; ++j)
      if (!check(c.textFiles[j].name != f.name, field + ".name",
                 strCat("'", f.name, "' appears twice")))
        return;
    check(f.bytes.size() <= kMaxArtifactTextFileBytes, field + ".bytes",
          strCat(f.bytes.size(), " bytes exceed the limit of ",
                 kMaxArtifactTextFileBytes));
  }
}

absl::Status validateArtifact(const ArtifactContents &contents,
                              std::string_view where) {
  if (contents.schemaVersion != kArtifactSchemaVersion)
    return absl::InvalidArgumentError(
        strCat(where, ": schema_version is ", contents.schemaVersion,
               ", expected ", kArtifactSchemaVersion));
  Validator v(contents, where);
  v.config();
  v.kernels();
  v.tma();
  v.plan(PlanKind::Prefill, "prefill");
  v.plan(PlanKind::Decode, "decode");
  v.bufferPlan();
  v.weights();
  v.kvCache();
  v.textFiles();
  return v.status;
}

} // namespace moec::runtime
