//===- WordCache.cpp - Cache of BPE results per piece ---------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements WordCache's sharded, never-blocking storage.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/WordCache.h"

#include "runtime/StringUtil.h"

#include "absl/hash/hash.h"

namespace moec::runtime::tokenizer {

WordCache::Shard &WordCache::shardFor(std::string_view piece) const {
  size_t hash = absl::Hash<absl::string_view>()(toAbslView(piece));
  // The map uses the low bits of the same hash; pick shards by high bits.
  return shards[(hash >> 56) % kShards];
}

bool WordCache::lookup(std::string_view piece,
                       std::vector<int64_t> &ids) const {
  Shard &shard = shardFor(piece);
  std::unique_lock<std::mutex> lock(shard.mutex, std::try_to_lock);
  if (!lock.owns_lock())
    return false;
  auto it = shard.entries.find(toAbslView(piece));
  if (it == shard.entries.end())
    return false;
  ids.insert(ids.end(), it->second.begin(), it->second.end());
  return true;
}

void WordCache::insert(std::string_view piece,
                       absl::Span<const int32_t> ids) const {
  Shard &shard = shardFor(piece);
  std::unique_lock<std::mutex> lock(shard.mutex, std::try_to_lock);
  if (!lock.owns_lock())
    return;
  if (shard.entries.size() >= kEntriesPerShard)
    shard.entries.clear();
  shard.entries.emplace(std::string(piece),
                        std::vector<int32_t>(ids.begin(), ids.end()));
}

} // namespace moec::runtime::tokenizer
