//===- Regex.h - PCRE2 regular expressions for the tokenizer ----*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares Regex, a PCRE2 pattern compiled with Unicode properties
// (PCRE2_UTF | PCRE2_UCP) and JIT, that iterates over matches as Hugging
// Face's tokenizers iterate over Oniguruma matches. Patterns are rewritten
// where PCRE2 and HF's Oniguruma differ: PCRE2's `\s` includes U+180E
// MONGOLIAN VOWEL SEPARATOR (through `\h`) while Oniguruma's is exactly
// Unicode White_Space; and Debian 12's PCRE2 (10.42) knows Unicode 14.0
// while HF's Oniguruma (6.9.10) knows 16.0, so each \p{category} also gets
// the code points assigned to it since (UnicodeAdditions.inc).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_REGEX_H
#define MOEC_RUNTIME_TOKENIZER_REGEX_H

#include "runtime/tokenizer/UnicodeAdditions.h"

#include "absl/status/statusor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// PCRE2's types, declared here so that pcre2.h stays out of this header.
struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace moec::runtime::tokenizer {

/// Returns `pattern` rewritten so that PCRE2 matches as Oniguruma 6.9.10:
/// `\s` and `\S` spelled out as the Unicode White_Space set and, with
/// `unicode16`, each General_Category property (\p{L}, \pN, \P{Lu}, ...)
/// extended with the code points Unicode 16.0 assigned to it after 14.0.
/// Inside a character class, `\S` and \P{..} cannot be rewritten and are
/// kept.
std::string translatePattern(std::string_view pattern, bool unicode16);

/// One match, or one stretch between matches, of a pattern in a subject.
struct RegexSpan {
  size_t begin;
  size_t end;
  bool isMatch;
};

/// Per-thread matching state (PCRE2 match data). Regex is immutable and may
/// be shared between threads; each thread brings its own RegexMatcher.
class RegexMatcher {
public:
  RegexMatcher();
  RegexMatcher(const RegexMatcher &) = delete;
  RegexMatcher &operator=(const RegexMatcher &) = delete;
  ~RegexMatcher();

private:
  friend class Pcre2Code;
  pcre2_real_match_data_8 *data;
};

/// One compiled PCRE2 pattern (owned).
class Pcre2Code {
public:
  Pcre2Code() = default;
  Pcre2Code(pcre2_real_code_8 *code, bool jit) : code(code), jit(jit) {}
  Pcre2Code(Pcre2Code &&other) noexcept;
  Pcre2Code &operator=(Pcre2Code &&other) noexcept;
  Pcre2Code(const Pcre2Code &) = delete;
  Pcre2Code &operator=(const Pcre2Code &) = delete;
  ~Pcre2Code();

  explicit operator bool() const { return code != nullptr; }
  /// Finds the first match at or after `offset`: 1 found, 0 none, <0 error.
  int search(std::string_view subject, size_t offset, RegexMatcher &matcher,
             size_t &begin, size_t &end) const;

private:
  pcre2_real_code_8 *code = nullptr;
  bool jit = false;
};

/// A compiled pattern.
class Regex {
public:
  /// Compiles `pattern` (Oniguruma/Rust syntax as found in tokenizer.json;
  /// the common subset with PCRE2). The error names the pattern and the
  /// offset PCRE2 stopped at.
  static absl::StatusOr<Regex> compile(std::string_view pattern);
  /// Compiles a pattern that matches `text` literally.
  static absl::StatusOr<Regex> compileLiteral(std::string_view text);

  Regex() = default;

  /// Replaces `spans` with the matches of this pattern in `subject` (well-
  /// formed UTF-8) and the stretches between them, in order, as Hugging
  /// Face's Pattern::find_matches does: an empty subject gives one empty
  /// non-match; an empty match right after the previous match is skipped.
  /// Fails only when PCRE2 gives up (resource limits).
  absl::Status findMatches(std::string_view subject, RegexMatcher &matcher,
                           std::vector<RegexSpan> &spans) const;

  /// Calls `onSpan(RegexSpan)` for each span that findMatches would list,
  /// in order, without storing them (a 64 KB text has ~16,000).
  template <typename OnSpan>
  absl::Status forEachSpan(std::string_view subject, RegexMatcher &matcher,
                           OnSpan &&onSpan) const;

private:
  static absl::StatusOr<Pcre2Code> compileCode(std::string_view pattern,
                                               std::string_view original,
                                               uint32_t options);
  /// Returns the status for the PCRE2 error code `rc`.
  static absl::Status matchError(int rc);
  /// Returns the length of the UTF-8 character at `subject[pos]`, or 1 at
  /// the end, for stepping over an empty match.
  static size_t charLengthAt(std::string_view subject, size_t pos);

  /// The pattern for Unicode 14.0, and, when the pattern uses categories,
  /// for Unicode 16.0: slower, so used only on texts that need it.
  Pcre2Code plain;
  Pcre2Code unicode16;
};

template <typename OnSpan>
absl::Status Regex::forEachSpan(std::string_view subject, RegexMatcher &matcher,
                                OnSpan &&onSpan) const {
  if (subject.empty()) {
    onSpan(RegexSpan{0, 0, false});
    return absl::OkStatus();
  }
  const Pcre2Code &code =
      unicode16 && containsUnicodeAdditions(subject) ? unicode16 : plain;
  size_t previous = 0, searchFrom = 0;
  bool matchedBefore = false;
  while (searchFrom <= subject.size()) {
    size_t begin = 0, end = 0;
    int rc = code.search(subject, searchFrom, matcher, begin, end);
    if (rc < 0)
      return matchError(rc);
    if (rc == 0)
      break;
    // Oniguruma's iterator skips an empty match where the last one ended.
    if (begin == end && matchedBefore && previous == end) {
      searchFrom += charLengthAt(subject, searchFrom);
      continue;
    }
    // `onSpan` may run other patterns with `matcher`: nothing of this
    // match is read after it.
    if (previous != begin)
      onSpan(RegexSpan{previous, begin, false});
    onSpan(RegexSpan{begin, end, true});
    previous = searchFrom = end;
    matchedBefore = true;
  }
  if (previous != subject.size())
    onSpan(RegexSpan{previous, subject.size(), false});
  return absl::OkStatus();
}

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_REGEX_H
