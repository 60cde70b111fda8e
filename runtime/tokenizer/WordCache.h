//===- WordCache.h - Cache of BPE results per piece -------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares WordCache: the ids BPE produced for recent pieces, so
// that a word that is not one vocabulary entry is merged once, not at every
// occurrence (text repeats its words; HF's BPE keeps a cache for the same
// reason). It is shared by every thread that uses a Tokenizer: lookups and
// insertions only try the lock of their shard and give up when it is busy,
// so the cache never makes a thread wait.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_WORDCACHE_H
#define MOEC_RUNTIME_TOKENIZER_WORDCACHE_H

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::tokenizer {

class WordCache {
public:
  /// Appends the cached ids of `piece` to `ids` and returns true; returns
  /// false when `piece` is not cached (or its shard is busy).
  bool lookup(std::string_view piece, std::vector<int64_t> &ids) const;

  /// Remembers `ids` for `piece`. A full shard is emptied first, so the
  /// cache follows the text being encoded and its size stays bounded.
  void insert(std::string_view piece, absl::Span<const int32_t> ids) const;

private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntriesPerShard = 4096;
  struct Shard {
    std::mutex mutex;
    absl::flat_hash_map<std::string, std::vector<int32_t>> entries;
  };
  Shard &shardFor(std::string_view piece) const;

  mutable std::array<Shard, kShards> shards;
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_WORDCACHE_H
