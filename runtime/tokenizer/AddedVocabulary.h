//===- AddedVocabulary.h - Added and special tokens -------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares AddedVocabulary: the `added_tokens` of tokenizer.json
// (Llama 4's 2,048 special tokens) and how they are cut out of the input
// before pre-tokenization, following HF's AddedVocabulary: leftmost-longest
// matching, non-normalized tokens first, then normalized ones in the text
// between them, and the per-token single_word, lstrip and rstrip rules.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H
#define MOEC_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H

#include "runtime/Json.h"
#include "runtime/tokenizer/Bpe.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::tokenizer {

/// One entry of `added_tokens`.
struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool singleWord = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

/// A stretch of the input: an added token (id >= 0) or text to pre-tokenize
/// (id == -1).
struct TextSegment {
  size_t begin;
  size_t end;
  int32_t id;
};

class AddedVocabulary {
public:
  /// Reads the `added_tokens` member of tokenizer.json (absent or null: no
  /// added tokens). Ids are assigned as HF assigns them when it loads the
  /// file, not taken from its "id" fields: a content in `model`'s
  /// vocabulary gets that id, others count up from the number of
  /// vocabulary entries. Files written by HF agree with their "id"s.
  static absl::StatusOr<AddedVocabulary> fromJson(const JsonValue *value,
                                                  const BpeModel &model);

  /// Replaces `segments` with the segments of `text` (well-formed UTF-8).
  /// With `parseSpecial` false, special tokens are left in the text (HF's
  /// encode_special_tokens); other added tokens are still cut out.
  void split(std::string_view text, bool parseSpecial,
             std::vector<TextSegment> &segments) const;

  const std::vector<AddedToken> &tokens() const { return addedTokens; }
  /// Returns the added token with `content`, or nullptr.
  const AddedToken *find(std::string_view content) const;

private:
  /// A byte trie over token contents, for leftmost-longest matching.
  struct Trie {
    /// Child of (node, byte) → node.
    absl::flat_hash_map<uint64_t, int32_t> edges;
    /// Per node: index into addedTokens of the token ending there, or -1.
    std::vector<int32_t> tokenAt{-1};
    /// Bytes that start some token, to skip the rest quickly.
    std::array<bool, 256> firstByte{};
    bool empty() const { return tokenAt.size() == 1; }
    void insert(std::string_view content, int32_t token);
    /// Returns the index of the longest token that starts at text[pos] and
    /// sets `length`, or -1.
    int32_t longestAt(std::string_view text, size_t pos, size_t &length) const;
  };

  /// Adds `token` as HF's AddedVocabulary::add_tokens does.
  void add(AddedToken token, const BpeModel &model, int32_t &nextId);
  void splitWith(const Trie &trie, std::string_view text, size_t base,
                 bool parseSpecial, std::vector<TextSegment> &out) const;

  std::vector<AddedToken> addedTokens;
  absl::flat_hash_map<std::string, int32_t> byContent;
  Trie nonNormalized;
  Trie normalized;
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H
