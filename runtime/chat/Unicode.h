//===- Unicode.h - UTF-8 helpers with Python's string semantics -*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Templates are written for Python, where a string is a sequence of code
// points: len(), indexing, slicing, strip() and upper() all work on code
// points. The interpreter keeps strings as UTF-8; these helpers give them the
// Python meaning.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_UNICODE_H
#define MOEC_RUNTIME_CHAT_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::jinja {

/// Returns true when `text` is well-formed UTF-8 (no surrogates, no overlong
/// forms). Otherwise stores the offset of the first bad byte in
/// `*errorOffset` when it is given.
bool isValidUtf8(std::string_view text, size_t *errorOffset = nullptr);

/// Decodes the code point at `pos` of well-formed UTF-8 and advances `pos`.
uint32_t decodeUtf8(std::string_view text, size_t &pos);

/// Appends the UTF-8 encoding of `codePoint`.
void appendUtf8(std::string &out, uint32_t codePoint);

/// Returns the code points of `text`.
std::vector<uint32_t> toCodePoints(std::string_view text);

/// Returns the number of code points in `text` (Python's len()).
size_t codePointCount(std::string_view text);

/// Returns the byte offset of every code point of `text`, plus text.size().
std::vector<size_t> codePointOffsets(std::string_view text);

/// Python's str.isspace() for one code point.
bool isPyWhitespace(uint32_t codePoint);

/// Python's str.strip/lstrip/rstrip: removes whitespace (or, when `chars` is
/// given, any of its code points) from the chosen ends.
std::string pyStrip(std::string_view text,
                    std::optional<std::string_view> chars, bool left,
                    bool right);

/// Python's str.splitlines(): splits at \n, \r\n, \r, \v, \f, \x1c-\x1e,
/// U+0085, U+2028 and U+2029, dropping the line breaks.
std::vector<std::string> pySplitLines(std::string_view text);

/// Simple (one-to-one) case mappings for ASCII, Latin-1, Latin Extended-A,
/// Greek and Cyrillic; other code points are returned unchanged.
uint32_t toUpperCodePoint(uint32_t codePoint);
uint32_t toLowerCodePoint(uint32_t codePoint);

/// Python's str.upper() and str.lower() within the mappings above.
std::string toUpper(std::string_view text);
std::string toLower(std::string_view text);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_UNICODE_H
