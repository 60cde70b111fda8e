//===- AddedVocabulary.cpp - Added and special tokens ---------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file reads added_tokens and cuts them out of the input the way HF's
// AddedVocabulary::find_matches does, including its quirks: a match that is
// skipped (a special token while special parsing is off, or a single_word
// token inside a word) still consumes its text, and rstrip's whitespace can
// overlap the next match.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/AddedVocabulary.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/JsonFields.h"
#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Utf8.h"

#include <limits>

namespace moec::runtime::tokenizer {

static constexpr std::string_view kPath = "added_tokens";

//===----------------------------------------------------------------------===//
// Word and space tests of HF's single_word, lstrip and rstrip
//===----------------------------------------------------------------------===//

/// Returns true when `codePoint` is a word character of Rust's regex `\w`
/// (Unicode: Alphabetic, marks, decimal digits, connector punctuation and
/// the joiners), which HF's single_word check uses.
static bool isWordCharacter(uint32_t codePoint) {
  if (codePoint < 0x80)
    return (codePoint >= '0' && codePoint <= '9') ||
           (codePoint >= 'a' && codePoint <= 'z') ||
           (codePoint >= 'A' && codePoint <= 'Z') || codePoint == '_';
  static const absl::StatusOr<Regex> word = Regex::compile(
      R"(\A[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]\z)");
  if (!word.ok())
    return false;
  std::string text;
  appendUtf8(codePoint, text);
  RegexMatcher matcher;
  std::vector<RegexSpan> spans;
  if (!word->findMatches(text, matcher, spans).ok())
    return false;
  return !spans.empty() && spans.front().isMatch;
}

/// Returns where the run of White_Space that ends `text` starts.
static size_t trailingSpaceStart(std::string_view text) {
  size_t start = text.size();
  while (start > 0) {
    size_t charStart = start - 1;
    while (charStart > 0 &&
           (static_cast<unsigned char>(text[charStart]) & 0xC0) == 0x80)
      --charStart;
    size_t pos = charStart;
    if (!isWhiteSpace(decodeUtf8(text, pos)))
      break;
    start = charStart;
  }
  return start;
}

/// Returns the length of the run of White_Space that starts `text`.
static size_t leadingSpaceLength(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    if (!isWhiteSpace(decodeUtf8(text, next)))
      break;
    pos = next;
  }
  return pos;
}

//===----------------------------------------------------------------------===//
// Trie
//===----------------------------------------------------------------------===//

void AddedVocabulary::Trie::insert(std::string_view content, int32_t token) {
  int32_t node = 0;
  for (char c : content) {
    uint64_t key = (uint64_t(node) << 8) | static_cast<uint8_t>(c);
    auto [it, inserted] =
        edges.try_emplace(key, static_cast<int32_t>(tokenAt.size()));
    if (inserted)
      tokenAt.push_back(-1);
    node = it->second;
  }
  tokenAt[node] = token;
  firstByte[static_cast<uint8_t>(content.front())] = true;
}

int32_t AddedVocabulary::Trie::longestAt(std::string_view text, size_t pos,
                                         size_t &length) const {
  int32_t node = 0, best = -1;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = edges.find((uint64_t(node) << 8) | static_cast<uint8_t>(text[i]));
    if (it == edges.end())
      break;
    node = it->second;
    if (tokenAt[node] >= 0) {
      best = tokenAt[node];
      length = i + 1 - pos;
    }
  }
  return best;
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

static absl::StatusOr<AddedToken> parseAddedToken(const JsonValue &value,
                                                  std::string_view path) {
  if (absl::Status status = requireObject(value, path); !status.ok())
    return status;
  AddedToken token;
  const JsonValue *id = value.find("id");
  std::optional<int64_t> idValue = id ? id->asInt() : std::nullopt;
  if (!idValue || *idValue < 0 ||
      *idValue > std::numeric_limits<int32_t>::max())
    return fieldError(childPath(path, "id"),
                      "expected a token id (an integer from 0 to "
                      "2147483647)");
  // HF checks that "id" is there but assigns ids itself (see add()).
  absl::StatusOr<std::string> content = requireString(value, "content", path);
  if (!content.ok())
    return content.status();
  token.content = *std::move(content);
  struct Flag {
    std::string_view key;
    bool *field;
  };
  absl::StatusOr<bool> special = optionalBool(value, "special", path, false);
  if (!special.ok())
    return special.status();
  token.special = *special;
  // HF's default: special tokens are not normalized, others are.
  token.normalized = !token.special;
  for (Flag flag :
       {Flag{"single_word", &token.singleWord}, Flag{"lstrip", &token.lstrip},
        Flag{"rstrip", &token.rstrip}, Flag{"normalized", &token.normalized}}) {
    absl::StatusOr<bool> parsed =
        optionalBool(value, flag.key, path, *flag.field);
    if (!parsed.ok())
      return parsed.status();
    *flag.field = *parsed;
  }
  return token;
}

/// Returns true when `a` and `b` are the same added token (HF skips such a
/// repetition).
static bool sameToken(const AddedToken &a, const AddedToken &b) {
  return a.content == b.content && a.singleWord == b.singleWord &&
         a.lstrip == b.lstrip && a.rstrip == b.rstrip &&
         a.normalized == b.normalized && a.special == b.special;
}

void AddedVocabulary::add(AddedToken token, const BpeModel &model,
                          int32_t &nextId) {
  auto existing = byContent.find(token.content);
  if (existing != byContent.end() &&
      sameToken(addedTokens[existing->second], token))
    return;
  // HF's ids: a known content keeps its id, then the model's id for the
  // same text, else the next id after the model's vocabulary.
  if (existing != byContent.end()) {
    AddedToken &previous = addedTokens[existing->second];
    // Once special, a content stays special (HF's special_tokens_set).
    token.special = token.special || previous.special;
    token.id = previous.id;
    previous = std::move(token);
    return;
  }
  std::optional<int32_t> modelId = model.tokenId(token.content);
  token.id = modelId ? *modelId : nextId++;
  byContent[token.content] = static_cast<int32_t>(addedTokens.size());
  addedTokens.push_back(std::move(token));
}

absl::StatusOr<AddedVocabulary>
AddedVocabulary::fromJson(const JsonValue *value, const BpeModel &model) {
  AddedVocabulary result;
  if (!value || value->isNull())
    return result;
  const JsonValue::Array *list = value->asArray();
  if (!list)
    return fieldError(kPath, strCat("expected an array, found ",
                                    jsonKindName(value->kind())));
  auto nextId = static_cast<int32_t>(model.vocabEntries());
  for (size_t i = 0; i < list->size(); ++i) {
    absl::StatusOr<AddedToken> token =
        parseAddedToken((*list)[i], indexPath(kPath, i));
    if (!token.ok())
      return token.status();
    // HF ignores added tokens with empty content.
    if (!token->content.empty())
      result.add(*std::move(token), model, nextId);
  }
  for (size_t i = 0; i < result.addedTokens.size(); ++i) {
    const AddedToken &token = result.addedTokens[i];
    Trie &trie = token.normalized ? result.normalized : result.nonNormalized;
    trie.insert(token.content, static_cast<int32_t>(i));
  }
  return result;
}

const AddedToken *AddedVocabulary::find(std::string_view content) const {
  auto it = byContent.find(toAbslView(content));
  return it == byContent.end() ? nullptr : &addedTokens[it->second];
}

//===----------------------------------------------------------------------===//
// Splitting
//===----------------------------------------------------------------------===//

void AddedVocabulary::splitWith(const Trie &trie, std::string_view text,
                                size_t base, bool parseSpecial,
                                std::vector<TextSegment> &out) const {
  size_t n = text.size(), pos = 0, startOffset = 0;
  while (pos < n) {
    while (pos < n && !trie.firstByte[static_cast<uint8_t>(text[pos])])
      ++pos;
    if (pos >= n)
      break;
    size_t length = 0;
    int32_t index = trie.longestAt(text, pos, length);
    if (index < 0) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    // The matcher resumes after the match even if it is skipped below.
    pos = stop;
    const AddedToken &token = addedTokens[index];
    if (token.special && !parseSpecial)
      continue;
    if (token.singleWord) {
      bool wordBefore =
          start > 0 && isWordCharacter(decodeUtf8Before(text, start));
      size_t after = stop;
      bool wordAfter = stop < n && isWordCharacter(decodeUtf8(text, after));
      if (wordBefore || wordAfter)
        continue;
    }
    if (token.lstrip)
      start = std::max(trailingSpaceStart(text.substr(0, start)), startOffset);
    if (token.rstrip)
      stop += leadingSpaceLength(text.substr(stop));
    if (startOffset < start)
      out.push_back({base + startOffset, base + start, -1});
    out.push_back({base + start, base + stop, token.id});
    startOffset = stop;
  }
  if (startOffset != n)
    out.push_back({base + startOffset, base + n, -1});
}

void AddedVocabulary::split(std::string_view text, bool parseSpecial,
                            std::vector<TextSegment> &segments) const {
  segments.clear();
  if (text.empty())
    return;
  if (nonNormalized.empty())
    segments.push_back({0, text.size(), -1});
  else
    splitWith(nonNormalized, text, 0, parseSpecial, segments);
  if (normalized.empty())
    return;
  // There is no normalizer (the loader rejects them), so normalized tokens
  // match the text between the non-normalized ones as it is.
  std::vector<TextSegment> refined;
  for (const TextSegment &segment : segments) {
    if (segment.id >= 0)
      refined.push_back(segment);
    else
      splitWith(normalized,
                text.substr(segment.begin, segment.end - segment.begin),
                segment.begin, parseSpecial, refined);
  }
  segments.swap(refined);
}

} // namespace moec::runtime::tokenizer
