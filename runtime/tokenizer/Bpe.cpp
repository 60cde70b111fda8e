//===- Bpe.cpp - Byte-level BPE model -------------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file reads the BPE model of tokenizer.json and implements the merge
// loop of HF's Word::merge_all: repeatedly merge the adjacent pair with the
// lowest merge rank, the leftmost one on ties. Short pieces (nearly all of
// them) scan a small array per merge; long ones (a paragraph of Chinese is
// one piece) keep the pairs in a min-tree, O(log n) per merge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Bpe.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/JsonFields.h"

#include <algorithm>
#include <limits>

namespace moec::runtime::tokenizer {

static constexpr std::string_view kModelPath = "model";
/// Pieces of up to this many symbols merge by scanning; longer ones use the
/// min-tree (scanning is O(n^2) but has no bookkeeping).
static constexpr size_t kScanLimit = 48;
/// Pieces of this many bytes go through the word cache: shorter ones merge
/// faster than a lookup; longer ones rarely repeat.
static constexpr size_t kMinCachedPiece = 4;
static constexpr size_t kMaxCachedPiece = 64;
static constexpr uint32_t kNoMerge = std::numeric_limits<uint32_t>::max();

/// Returns the key of the pair (left, right) in the merge map.
static uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

/// Checks a string option that this tokenizer supports only unset (null or
/// empty), such as continuing_subword_prefix.
static absl::Status requireUnset(const JsonValue &model, std::string_view key,
                                 std::string_view why) {
  const JsonValue *value = model.find(key);
  if (!value || value->isNull())
    return absl::OkStatus();
  if (const std::string *text = value->asString(); text && text->empty())
    return absl::OkStatus();
  return fieldError(childPath(kModelPath, key),
                    strCat("is set, which is not supported (", why, ")"));
}

/// Checks the options of the model that change how it encodes.
static absl::Status checkUnsupportedOptions(const JsonValue &model) {
  if (const JsonValue *dropout = model.find("dropout");
      dropout && !dropout->isNull() && dropout->asDouble() != 0.0)
    return fieldError(childPath(kModelPath, "dropout"),
                      "BPE dropout is not supported (it is for training; "
                      "set it to null)");
  for (std::string_view key :
       {"continuing_subword_prefix", "end_of_word_suffix"})
    if (absl::Status status =
            requireUnset(model, key, "byte-level BPE does not use it");
        !status.ok())
      return status;
  absl::StatusOr<bool> byteFallback =
      optionalBool(model, "byte_fallback", kModelPath, false);
  if (!byteFallback.ok())
    return byteFallback.status();
  if (*byteFallback)
    return fieldError(childPath(kModelPath, "byte_fallback"),
                      "true is not supported (byte-level BPE has every byte "
                      "in its vocabulary)");
  return absl::OkStatus();
}

absl::StatusOr<BpeModel> BpeModel::fromJson(const JsonValue &model) {
  absl::StatusOr<std::string> type = componentType(model, kModelPath);
  if (!type.ok())
    return type.status();
  if (*type != "BPE")
    return unsupportedType(kModelPath, *type, "BPE");
  if (absl::Status status = checkUnsupportedOptions(model); !status.ok())
    return status;
  BpeModel result;
  absl::StatusOr<bool> ignoreMerges =
      optionalBool(model, "ignore_merges", kModelPath, false);
  absl::StatusOr<bool> fuseUnk =
      optionalBool(model, "fuse_unk", kModelPath, false);
  if (!ignoreMerges.ok())
    return ignoreMerges.status();
  if (!fuseUnk.ok())
    return fuseUnk.status();
  result.ignoreMerges = *ignoreMerges;
  result.fuseUnk = *fuseUnk;

  const JsonValue *vocab = model.find("vocab");
  if (!vocab)
    return fieldError(childPath(kModelPath, "vocab"),
                      "missing (expected an object of token: id)");
  if (absl::Status status = result.readVocab(*vocab); !status.ok())
    return status;
  // Merges name tokens by their spelling in the file (views of `model`).
  absl::flat_hash_map<absl::string_view, int32_t> ids;
  ids.reserve(vocab->asObject()->size());
  for (const JsonMember &member : *vocab->asObject())
    ids.emplace(toAbslView(member.key),
                static_cast<int32_t>(*member.value.asInt()));
  const JsonValue *merges = model.find("merges");
  if (!merges)
    return fieldError(childPath(kModelPath, "merges"),
                      "missing (expected an array of merges)");
  if (absl::Status status = result.readMerges(*merges, ids); !status.ok())
    return status;

  if (const JsonValue *unk = model.find("unk_token"); unk && !unk->isNull()) {
    const std::string *name = unk->asString();
    auto it = name ? ids.find(toAbslView(*name)) : ids.end();
    if (it == ids.end())
      return fieldError(childPath(kModelPath, "unk_token"),
                        "is not a string naming a vocabulary entry");
    result.unkId = it->second;
  }
  return result;
}

absl::Status BpeModel::readVocab(const JsonValue &vocab) {
  std::string path = childPath(kModelPath, "vocab");
  const JsonValue::Object *entries = vocab.asObject();
  if (!entries)
    return fieldError(path, strCat("expected an object of token: id, found ",
                                   jsonKindName(vocab.kind())));
  byteIds.fill(-1);
  bytesToId.reserve(entries->size());
  for (const JsonMember &entry : *entries) {
    std::optional<int64_t> id = entry.value.asInt();
    if (!id || *id < 0 || *id > std::numeric_limits<int32_t>::max())
      return fieldError(childPath(path, strCat("\"", entry.key, "\"")),
                        "expected a token id (an integer from 0 to "
                        "2147483647)");
    auto tokenId = static_cast<int32_t>(*id);
    std::optional<std::string> bytes = byteLevelToBytes(entry.key);
    if (!bytes) {
      otherTokens.emplace(entry.key, tokenId);
      continue;
    }
    if (bytes->size() == 1)
      byteIds[static_cast<uint8_t>((*bytes)[0])] = tokenId;
    bytesToId.emplace(*std::move(bytes), tokenId);
  }
  return absl::OkStatus();
}

/// Reads merge `index` of `merges`: ["left", "right"] or "left right".
static absl::Status readMergePair(const JsonValue &merge, std::string_view path,
                                  std::string_view &left,
                                  std::string_view &right) {
  if (const std::string *line = merge.asString()) {
    size_t space = line->find(' ');
    if (space == std::string::npos ||
        line->find(' ', space + 1) != std::string::npos)
      return fieldError(path, strCat("\"", *line,
                                     "\" is not two tokens separated by "
                                     "one space"));
    left = std::string_view(*line).substr(0, space);
    right = std::string_view(*line).substr(space + 1);
    return absl::OkStatus();
  }
  const JsonValue::Array *pair = merge.asArray();
  if (!pair || pair->size() != 2 || !(*pair)[0].isString() ||
      !(*pair)[1].isString())
    return fieldError(path, "expected [\"left\", \"right\"] or "
                            "\"left right\"");
  left = *(*pair)[0].asString();
  right = *(*pair)[1].asString();
  return absl::OkStatus();
}

absl::Status BpeModel::readMerges(
    const JsonValue &mergesValue,
    const absl::flat_hash_map<absl::string_view, int32_t> &ids) {
  std::string path = childPath(kModelPath, "merges");
  const JsonValue::Array *list = mergesValue.asArray();
  if (!list)
    return fieldError(path, strCat("expected an array, found ",
                                   jsonKindName(mergesValue.kind())));
  merges.reserve(list->size());
  std::string joined;
  uint32_t rank = 0;
  for (size_t i = 0; i < list->size(); ++i) {
    const JsonValue &merge = (*list)[i];
    // Old merges.txt files start with a "#version" line, which HF skips.
    if (const std::string *line = merge.asString();
        line && line->rfind("#version", 0) == 0)
      continue;
    std::string_view left, right;
    std::string mergePath = indexPath(path, i);
    if (absl::Status status = readMergePair(merge, mergePath, left, right);
        !status.ok())
      return status;
    joined.assign(left).append(right);
    std::string_view tokens[] = {left, right, joined};
    int32_t tokenIds[3];
    for (int k = 0; k < 3; ++k) {
      auto it = ids.find(toAbslView(tokens[k]));
      if (it == ids.end())
        return fieldError(mergePath, strCat("token \"", tokens[k],
                                            "\" is not in the vocabulary"));
      tokenIds[k] = it->second;
    }
    // Like HF's map construction, a repeated pair keeps its last rank.
    merges[pairKey(tokenIds[0], tokenIds[1])] = Merge{rank++, tokenIds[2]};
  }
  return absl::OkStatus();
}

std::optional<int32_t> BpeModel::tokenId(std::string_view token) const {
  if (std::optional<std::string> bytes = byteLevelToBytes(token)) {
    auto it = bytesToId.find(*bytes);
    if (it != bytesToId.end())
      return it->second;
  }
  auto it = otherTokens.find(toAbslView(token));
  if (it != otherTokens.end())
    return it->second;
  return std::nullopt;
}

const BpeModel::Merge *BpeModel::findMerge(int32_t left, int32_t right) const {
  auto it = merges.find(pairKey(left, right));
  return it == merges.end() ? nullptr : &it->second;
}

uint64_t BpeModel::findMergeCached(int32_t left, int32_t right,
                                   BpeScratch &scratch) const {
  constexpr size_t kSlots = 4096;
  if (scratch.pairKeys.empty()) {
    scratch.pairKeys.assign(kSlots, ~uint64_t(0));
    scratch.pairValues.resize(kSlots);
  }
  uint64_t key = pairKey(left, right);
  // Fibonacci hashing: the top bits of key * 2^64/phi pick the slot.
  size_t slot = (key * 0x9E3779B97F4A7C15ull) >> 52;
  if (scratch.pairKeys[slot] == key)
    return scratch.pairValues[slot];
  const Merge *merge = findMerge(left, right);
  uint64_t value = merge ? (uint64_t(merge->rank) << 32) | uint32_t(merge->id)
                         : ~uint64_t(0);
  scratch.pairKeys[slot] = key;
  scratch.pairValues[slot] = value;
  return value;
}

void BpeModel::initialSymbols(std::string_view piece,
                              std::vector<int32_t> &symbols) const {
  symbols.clear();
  // A run of bytes missing from the vocabulary becomes unk (one per byte,
  // or one for the run with fuse_unk); without unk they are dropped, as HF
  // drops them.
  bool pendingUnk = false;
  for (char c : piece) {
    int32_t id = byteIds[static_cast<uint8_t>(c)];
    if (id >= 0) {
      if (pendingUnk)
        symbols.push_back(*unkId);
      pendingUnk = false;
      symbols.push_back(id);
      continue;
    }
    if (!unkId)
      continue;
    if (pendingUnk && !fuseUnk)
      symbols.push_back(*unkId);
    pendingUnk = true;
  }
  if (pendingUnk)
    symbols.push_back(*unkId);
}

void BpeModel::mergeByScanning(BpeScratch &scratch) const {
  std::vector<int32_t> &symbols = scratch.symbols;
  std::vector<uint32_t> &ranks = scratch.ranks;
  std::vector<int32_t> &mergedIds = scratch.mergedIds;
  // ranks[i] and mergedIds[i] describe the pair (symbols[i], symbols[i+1]).
  auto describePair = [&](size_t i) {
    const Merge *merge = findMerge(symbols[i], symbols[i + 1]);
    ranks[i] = merge ? merge->rank : kNoMerge;
    mergedIds[i] = merge ? merge->id : -1;
  };
  size_t pairs = symbols.size() - 1;
  ranks.resize(pairs);
  mergedIds.resize(pairs);
  for (size_t i = 0; i < pairs; ++i)
    describePair(i);
  while (!ranks.empty()) {
    size_t best = 0;
    for (size_t i = 1; i < ranks.size(); ++i)
      if (ranks[i] < ranks[best])
        best = i;
    if (ranks[best] == kNoMerge)
      break;
    symbols[best] = mergedIds[best];
    symbols.erase(symbols.begin() + best + 1);
    ranks.erase(ranks.begin() + best);
    mergedIds.erase(mergedIds.begin() + best);
    if (best > 0)
      describePair(best - 1);
    if (best < ranks.size())
      describePair(best);
  }
}

void BpeModel::mergeWithTree(BpeScratch &scratch) const {
  std::vector<int32_t> &ids = scratch.symbols;
  std::vector<int32_t> &next = scratch.next, &prev = scratch.prev;
  std::vector<int32_t> &mergedAt = scratch.mergedAt;
  std::vector<uint64_t> &tree = scratch.tree;
  auto size = static_cast<int32_t>(ids.size());
  next.resize(size);
  prev.resize(size);
  mergedAt.resize(size);
  // A min-tree over one key per symbol: (rank << 32 | position) of the pair
  // it starts, so the root is the lowest rank and, among equal ranks, the
  // leftmost pair: the merge HF's heap would pop next. Unlike the heap it
  // holds no stale entries.
  size_t leaves = 1;
  while (leaves < size_t(size))
    leaves <<= 1;
  constexpr uint64_t kNone = ~uint64_t(0);
  tree.assign(2 * leaves, kNone);
  auto pairKeyAt = [&](int32_t pos) -> uint64_t {
    if (next[pos] < 0)
      return kNone;
    uint64_t merge = findMergeCached(ids[pos], ids[next[pos]], scratch);
    if (merge == kNone)
      return kNone;
    mergedAt[pos] = static_cast<int32_t>(merge & 0xFFFFFFFFu);
    return (merge & 0xFFFFFFFF00000000ull) | uint32_t(pos);
  };
  auto update = [&](int32_t pos, uint64_t key) {
    size_t node = leaves + pos;
    tree[node] = key;
    for (node >>= 1; node >= 1; node >>= 1) {
      uint64_t least = std::min(tree[2 * node], tree[2 * node + 1]);
      if (tree[node] == least)
        break;
      tree[node] = least;
    }
  };
  for (int32_t i = 0; i < size; ++i) {
    next[i] = i + 1 < size ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (int32_t i = 0; i < size; ++i)
    tree[leaves + i] = pairKeyAt(i);
  for (size_t node = leaves - 1; node >= 1; --node)
    tree[node] = std::min(tree[2 * node], tree[2 * node + 1]);
  while (tree[1] != kNone) {
    auto pos = static_cast<int32_t>(tree[1] & 0xFFFFFFFFu);
    int32_t right = next[pos];
    ids[pos] = mergedAt[pos];
    next[pos] = next[right];
    if (next[pos] >= 0)
      prev[next[pos]] = pos;
    update(right, kNone);
    update(pos, pairKeyAt(pos));
    if (prev[pos] >= 0)
      update(prev[pos], pairKeyAt(prev[pos]));
  }
  size_t count = 0;
  for (int32_t i = 0; i >= 0; i = next[i])
    ids[count++] = ids[i];
  ids.resize(count);
}

void BpeModel::encode(std::string_view piece, BpeScratch &scratch,
                      std::vector<int64_t> &ids) const {
  if (piece.empty())
    return;
  if (ignoreMerges) {
    auto it = bytesToId.find(toAbslView(piece));
    if (it != bytesToId.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  bool cacheable =
      piece.size() >= kMinCachedPiece && piece.size() <= kMaxCachedPiece;
  if (cacheable && cache->lookup(piece, ids))
    return;
  initialSymbols(piece, scratch.symbols);
  if (scratch.symbols.size() > kScanLimit)
    mergeWithTree(scratch);
  else if (scratch.symbols.size() > 1)
    mergeByScanning(scratch);
  ids.insert(ids.end(), scratch.symbols.begin(), scratch.symbols.end());
  if (cacheable)
    cache->insert(piece, scratch.symbols);
}

} // namespace moec::runtime::tokenizer
