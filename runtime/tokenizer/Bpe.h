//===- Bpe.h - Byte-level BPE model -----------------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares BpeModel, the `model` of a byte-level BPE tokenizer.json
// (type BPE): it turns one pre-token, given as raw bytes, into token ids.
// The vocabulary is kept as raw bytes (converted from the byte-level
// alphabet at load time) and merges as a hash map from a pair of token ids
// to the merge's rank and result, so encoding touches no strings after the
// whole-piece lookup.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_BPE_H
#define MOEC_RUNTIME_TOKENIZER_BPE_H

#include "runtime/Json.h"
#include "runtime/tokenizer/WordCache.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::tokenizer {

/// Reusable buffers for BpeModel::encode (one per thread).
struct BpeScratch {
  std::vector<int32_t> symbols;
  // For short pieces: per adjacent pair, its merge rank and result.
  std::vector<uint32_t> ranks;
  std::vector<int32_t> mergedIds;
  // For long pieces: the symbols as a linked list, the result of merging
  // each symbol with its successor, and a min-tree over the pairs' keys.
  std::vector<int32_t> next;
  std::vector<int32_t> prev;
  std::vector<int32_t> mergedAt;
  std::vector<uint64_t> tree;
  /// A direct-mapped cache of merge lookups for long pieces, whose pairs
  /// repeat (filled on first use; `pairKeys` all ones marks empty slots).
  std::vector<uint64_t> pairKeys;
  std::vector<uint64_t> pairValues;
};

class BpeModel {
public:
  /// Reads the `model` member of tokenizer.json. Supports HF's BPE options
  /// as Llama 3/4 files set them; dropout, continuing_subword_prefix,
  /// end_of_word_suffix and byte_fallback are rejected with a message.
  static absl::StatusOr<BpeModel> fromJson(const JsonValue &model);

  /// Appends the ids of the pre-token `piece` (raw bytes) to `ids`, as HF's
  /// BPE::tokenize does for its byte-level spelling.
  void encode(std::string_view piece, BpeScratch &scratch,
              std::vector<int64_t> &ids) const;

  /// Returns the id of the vocabulary entry `token` (as written in
  /// tokenizer.json, byte-level spelling), or nullopt.
  std::optional<int32_t> tokenId(std::string_view token) const;

  /// The number of vocabulary entries (HF's get_vocab_size for the model).
  size_t vocabEntries() const { return bytesToId.size() + otherTokens.size(); }

private:
  struct Merge {
    uint32_t rank;
    int32_t id;
  };

  absl::Status readVocab(const JsonValue &vocab);
  absl::Status
  readMerges(const JsonValue &merges,
             const absl::flat_hash_map<absl::string_view, int32_t> &ids);
  const Merge *findMerge(int32_t left, int32_t right) const;
  /// findMerge through scratch's cache: (rank << 32 | merged id), or all
  /// ones when the pair does not merge.
  uint64_t findMergeCached(int32_t left, int32_t right,
                           BpeScratch &scratch) const;
  /// Splits `piece` into one symbol per byte (with HF's unknown handling).
  void initialSymbols(std::string_view piece,
                      std::vector<int32_t> &symbols) const;
  void mergeByScanning(BpeScratch &scratch) const;
  void mergeWithTree(BpeScratch &scratch) const;

  /// Vocabulary entries spelled in the byte-level alphabet, by raw bytes.
  absl::flat_hash_map<std::string, int32_t> bytesToId;
  /// Entries with characters outside the alphabet (BPE never produces
  /// them; they can still be looked up), by their text.
  absl::flat_hash_map<std::string, int32_t> otherTokens;
  absl::flat_hash_map<uint64_t, Merge> merges;
  /// The id of each single byte, -1 when the vocabulary lacks it.
  std::array<int32_t, 256> byteIds;
  bool ignoreMerges = false;
  std::optional<int32_t> unkId;
  bool fuseUnk = false;
  /// Results for pieces that needed merging (behind a pointer: its mutexes
  /// cannot move).
  std::unique_ptr<WordCache> cache = std::make_unique<WordCache>();
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_BPE_H
