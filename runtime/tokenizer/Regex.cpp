//===- Regex.cpp - PCRE2 regular expressions for the tokenizer ------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file wraps PCRE2: compilation with UTF, Unicode properties and JIT,
// the rewriting of patterns for Oniguruma's meaning, and the match iteration
// of Hugging Face's onig binding (which defines Split's pieces).
//
//===----------------------------------------------------------------------===//

#define PCRE2_CODE_UNIT_WIDTH 8
#include "runtime/tokenizer/Regex.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/UnicodeAdditions.h"

#include <pcre2.h>

namespace moec::runtime::tokenizer {

/// Unicode White_Space, as the body of a character class.
static constexpr std::string_view kWhiteSpaceClass =
    "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}"
    "\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

/// Copies the escape at `pattern[i]` ('\\') to `out`, rewritten for
/// Oniguruma's meaning where PCRE2's differs, and returns the index after
/// it. `inClass` tells whether it is inside a character class.
static size_t translateEscape(std::string_view pattern, size_t i, bool inClass,
                              bool unicode16, std::string &out) {
  if (i + 1 >= pattern.size()) {
    out.push_back(pattern[i]);
    return i + 1;
  }
  char escaped = pattern[i + 1];
  if (escaped == 's') {
    out.append(inClass ? "" : "[").append(kWhiteSpaceClass);
    out.append(inClass ? "" : "]");
    return i + 2;
  }
  if (escaped == 'S' && !inClass) {
    out.append("[^").append(kWhiteSpaceClass).append("]");
    return i + 2;
  }
  if (escaped == 'Q') {
    // \Q...\E quotes its text; copy it untouched.
    size_t close = pattern.find("\\E", i + 2);
    size_t stop = close == std::string_view::npos ? pattern.size() : close + 2;
    out.append(pattern.substr(i, stop - i));
    return stop;
  }
  if ((escaped == 'p' || escaped == 'P') && i + 2 < pattern.size()) {
    // \pL or \p{Lu}.
    size_t stop = i + 3;
    std::string_view name = pattern.substr(i + 2, 1);
    if (pattern[i + 2] == '{') {
      size_t close = pattern.find('}', i + 3);
      stop = close == std::string_view::npos ? pattern.size() : close + 1;
      name = pattern.substr(i + 3, stop - 1 - (i + 3));
    }
    std::string additions = unicode16 ? categoryAdditions(name) : "";
    // A negated property inside a class cannot take additions.
    if (additions.empty() || (escaped == 'P' && inClass)) {
      out.append(pattern.substr(i, stop - i));
      return stop;
    }
    if (!inClass)
      out.append(escaped == 'p' ? "[" : "[^");
    out.append("\\p{").append(name).append("}").append(additions);
    if (!inClass)
      out.append("]");
    return stop;
  }
  out.append(pattern.substr(i, 2));
  return i + 2;
}

/// Copies the character class that starts at `pattern[i]` ('[') to `out`,
/// translating its escapes, and returns the index after its closing ']'.
static size_t translateClass(std::string_view pattern, size_t i, bool unicode16,
                             std::string &out) {
  out.push_back(pattern[i++]);
  if (i < pattern.size() && pattern[i] == '^')
    out.push_back(pattern[i++]);
  // A ']' right after '[' or '[^' is a literal.
  if (i < pattern.size() && pattern[i] == ']')
    out.push_back(pattern[i++]);
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == ']') {
      out.push_back(c);
      return i + 1;
    }
    if (c == '\\') {
      i = translateEscape(pattern, i, /*inClass=*/true, unicode16, out);
      continue;
    }
    if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      // A POSIX class such as [:alpha:] inside the class.
      size_t close = pattern.find(":]", i + 2);
      size_t stop =
          close == std::string_view::npos ? pattern.size() : close + 2;
      out.append(pattern.substr(i, stop - i));
      i = stop;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return i;
}

std::string translatePattern(std::string_view pattern, bool unicode16) {
  std::string out;
  out.reserve(pattern.size() + 64);
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '[')
      i = translateClass(pattern, i, unicode16, out);
    else if (pattern[i] == '\\')
      i = translateEscape(pattern, i, /*inClass=*/false, unicode16, out);
    else
      out.push_back(pattern[i++]);
  }
  return out;
}

RegexMatcher::RegexMatcher() : data(pcre2_match_data_create(1, nullptr)) {}

RegexMatcher::~RegexMatcher() { pcre2_match_data_free(data); }

Pcre2Code::Pcre2Code(Pcre2Code &&other) noexcept
    : code(other.code), jit(other.jit) {
  other.code = nullptr;
}

Pcre2Code &Pcre2Code::operator=(Pcre2Code &&other) noexcept {
  if (this != &other) {
    pcre2_code_free(code);
    code = other.code;
    jit = other.jit;
    other.code = nullptr;
  }
  return *this;
}

Pcre2Code::~Pcre2Code() { pcre2_code_free(code); }

int Pcre2Code::search(std::string_view subject, size_t offset,
                      RegexMatcher &matcher, size_t &begin, size_t &end) const {
  auto *data = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = PCRE2_ERROR_JIT_STACKLIMIT;
  // The input was validated once, so PCRE2 need not check it per call.
  if (jit)
    rc = pcre2_jit_match(code, data, subject.size(), offset, PCRE2_NO_UTF_CHECK,
                         matcher.data, nullptr);
  // The interpreter keeps its backtracking state on the heap, so it takes
  // over when a long subject exhausts the JIT's stack.
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
    rc = pcre2_match(code, data, subject.size(), offset, PCRE2_NO_UTF_CHECK,
                     matcher.data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH)
    return 0;
  if (rc < 0)
    return rc;
  PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(matcher.data);
  begin = ovector[0];
  end = ovector[1];
  return 1;
}

absl::StatusOr<Pcre2Code> Regex::compileCode(std::string_view pattern,
                                             std::string_view original,
                                             uint32_t options) {
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code *code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                    pattern.size(), options, &errorCode, &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return absl::InvalidArgumentError(
        strCat("cannot compile the regular expression '", original,
               "': ", reinterpret_cast<const char *>(message), " (at offset ",
               errorOffset, " of the PCRE2 pattern '", pattern, "')"));
  }
  // Without JIT (a PCRE2 built without it) matching still works, slower.
  bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return Pcre2Code(code, jit);
}

absl::StatusOr<Regex> Regex::compile(std::string_view pattern) {
  constexpr uint32_t kOptions = PCRE2_UTF | PCRE2_UCP;
  std::string plainPattern = translatePattern(pattern, /*unicode16=*/false);
  std::string extendedPattern = translatePattern(pattern, /*unicode16=*/true);
  absl::StatusOr<Pcre2Code> plain =
      compileCode(plainPattern, pattern, kOptions);
  if (!plain.ok())
    return plain.status();
  Regex regex;
  regex.plain = *std::move(plain);
  if (extendedPattern == plainPattern)
    return regex;
  absl::StatusOr<Pcre2Code> extended =
      compileCode(extendedPattern, pattern, kOptions);
  if (!extended.ok())
    return extended.status();
  regex.unicode16 = *std::move(extended);
  return regex;
}

absl::StatusOr<Regex> Regex::compileLiteral(std::string_view text) {
  // PCRE2_LITERAL admits PCRE2_UTF but not PCRE2_UCP.
  absl::StatusOr<Pcre2Code> code =
      compileCode(text, text, PCRE2_LITERAL | PCRE2_UTF);
  if (!code.ok())
    return code.status();
  Regex regex;
  regex.plain = *std::move(code);
  return regex;
}

size_t Regex::charLengthAt(std::string_view subject, size_t pos) {
  if (pos >= subject.size())
    return 1;
  auto lead = static_cast<unsigned char>(subject[pos]);
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

absl::Status Regex::matchError(int rc) {
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(rc, message, sizeof(message));
  return absl::ResourceExhaustedError(
      strCat("regular expression matching failed: ",
             reinterpret_cast<const char *>(message)));
}

absl::Status Regex::findMatches(std::string_view subject, RegexMatcher &matcher,
                                std::vector<RegexSpan> &spans) const {
  spans.clear();
  return forEachSpan(subject, matcher,
                     [&](RegexSpan span) { spans.push_back(span); });
}

} // namespace moec::runtime::tokenizer
