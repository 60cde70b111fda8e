//===- CpuAbiCheck.cpp - Artifact metadata against the code's ABI ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/CpuAbiCheck.h"

#include "runtime/CpuAbi.h"
#include "runtime/StringUtil.h"

namespace moec::runtime {

using namespace cpuabi;

static_assert(uint64_t(BindingKind::ArenaBuffer) == ArenaBufferKind &&
                  uint64_t(BindingKind::InputTokenIds) == InputTokenIdsKind &&
                  uint64_t(BindingKind::InputPositions) == InputPositionsKind &&
                  uint64_t(BindingKind::OutputLogits) == OutputLogitsKind &&
                  uint64_t(BindingKind::PackedWeights) == PackedWeightsKind &&
                  uint64_t(BindingKind::KvCache) == KvCacheAllKind,
              "runtime/CpuAbi.h's kinds must match artifact.fbs");

std::string_view bindingKindName(BindingKind kind) {
  static constexpr std::string_view kNames[] = {
      "arena_buffer",    "weight",          "kv_cache_keys",  "kv_cache_values",
      "input_token_ids", "input_positions", "output_logits",  "num_tokens",
      "tma_descriptor",  "immediate",       "packed_weights", "kv_cache"};
  size_t index = size_t(kind);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

static std::string kindName(uint64_t kind) {
  return kind <= uint64_t(BindingKind::KvCache)
             ? std::string(bindingKindName(BindingKind(kind)))
             : strCat("unknown kind ", kind);
}

/// "<where>: <field> is <actual> but the code was compiled for <expected>".
static absl::Status mismatch(std::string_view where, std::string_view field,
                             uint64_t actual, uint64_t expected) {
  return absl::FailedPreconditionError(
      strCat(where, ": ", field, " is ", actual,
             " but the artifact's code was "
             "compiled for ",
             expected,
             " (its metadata and code disagree: an edited "
             "or mismatched artifact; recompile it)"));
}

static uint64_t layoutHash(const WeightManifest &m) {
  LayoutHasher hash;
  for (const WeightEntry &w : m.tensors)
    hash.addWeight(w.name, w.byteOffset, w.byteSize);
  return hash.get();
}

absl::StatusOr<const uint64_t *> loadCpuAbi(const SharedObject &object,
                                            const Artifact &artifact,
                                            std::string_view where) {
  absl::StatusOr<void *> address = object.symbol(kSymbol);
  if (!address.ok())
    return absl::FailedPreconditionError(
        strCat(where, ": the code carries no ABI record (", kSymbol,
               "), so its metadata cannot be checked; recompile it with "
               "this moec"));
  const uint64_t *record = static_cast<const uint64_t *>(*address);
  if (record[Magic] != kMagic || record[WordCount] < FirstEntry ||
      record[WordCount] > kMaxWords)
    return absl::FailedPreconditionError(
        strCat(where, ": the code's ABI record (", kSymbol, ") is malformed"));
  const BufferPlan &plan = artifact.bufferPlan();
  struct Field {
    const char *name;
    uint64_t actual;
    Word word;
  } fields[] = {
      {"config.vocab_size", artifact.config().vocabSize, VocabSize},
      {"buffer_plan.arena_size.base", plan.arenaSize.base, ArenaBase},
      {"buffer_plan.arena_size.per_token", plan.arenaSize.perToken,
       ArenaPerToken},
      {"kv_cache_bytes", artifact.kvCacheBytes(), KvCacheBytes},
      {"weights.packed_size", artifact.manifest().packedSize, PackedSize},
      {"the layout hash of weights.tensors", layoutHash(artifact.manifest()),
       LayoutHash}};
  for (const Field &f : fields)
    if (f.actual != record[f.word])
      return mismatch(where, f.name, f.actual, record[f.word]);
  if (record[MaxTokens] != 0 && plan.maxTokens != record[MaxTokens])
    return mismatch(where, "buffer_plan.max_tokens", plan.maxTokens,
                    record[MaxTokens]);
  return record;
}

absl::Status checkCpuAbiStep(const uint64_t *record, const PlanStep &step,
                             const std::string &symbol,
                             const std::string &field, std::string_view where) {
  uint64_t words = record[WordCount], at = FirstEntry;
  uint64_t name = entryNameHash(symbol);
  for (uint64_t e = 0; e < record[EntryCount]; ++e) {
    if (at + 2 > words || record[at + 1] > words - at - 2)
      break;
    uint64_t count = record[at + 1];
    if (record[at] != name) {
      at += 2 + count;
      continue;
    }
    if (count != step.args.size())
      return mismatch(where, strCat(field, ": the number of arguments"),
                      step.args.size(), count);
    for (size_t a = 0; a < count; ++a)
      if (uint64_t(step.args[a].kind) != record[at + 2 + a])
        return absl::FailedPreconditionError(strCat(
            where, ": ", field, ".args[", a, "] is a ",
            bindingKindName(step.args[a].kind), " binding but entry '", symbol,
            "' was compiled for ", kindName(record[at + 2 + a]),
            " there (its metadata and code disagree: an edited or mismatched "
            "artifact; recompile it)"));
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      strCat(where, ": ", field, " calls '", symbol,
             "', which the code's ABI record does not list as an entry"));
}

} // namespace moec::runtime
