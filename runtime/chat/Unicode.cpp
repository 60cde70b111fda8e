//===- Unicode.cpp - UTF-8 helpers with Python's string semantics ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Unicode.h"

#include "runtime/Utf8.h"

#include <algorithm>

namespace moec::runtime::jinja {

/// Returns the length of the UTF-8 sequence that starts with `lead`, or 0
/// when `lead` cannot start one.
static size_t sequenceLength(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

bool isValidUtf8(std::string_view text, size_t *errorOffset) {
  size_t pos = 0;
  auto fail = [&] {
    if (errorOffset)
      *errorOffset = pos;
    return false;
  };
  while (pos < text.size()) {
    size_t length = sequenceLength(static_cast<unsigned char>(text[pos]));
    if (length == 0 || pos + length > text.size())
      return fail();
    for (size_t i = 1; i < length; ++i)
      if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80)
        return fail();
    size_t next = pos;
    uint32_t codePoint = decodeUtf8(text, next);
    // Overlong three- and four-byte forms, surrogates and code points past
    // U+10FFFF pass the lead-byte test above.
    if ((length == 3 && codePoint < 0x800) ||
        (length == 4 && (codePoint < 0x10000 || codePoint > 0x10FFFF)) ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF))
      return fail();
    pos = next;
  }
  return true;
}

uint32_t decodeUtf8(std::string_view text, size_t &pos) {
  unsigned char lead = static_cast<unsigned char>(text[pos]);
  size_t length = sequenceLength(lead);
  if (length <= 1 || pos + length > text.size()) {
    ++pos;
    return lead;
  }
  uint32_t codePoint = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i)
    codePoint =
        (codePoint << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  pos += length;
  return codePoint;
}

void appendUtf8(std::string &out, uint32_t codePoint) {
  runtime::appendUtf8(codePoint, out);
}

std::vector<uint32_t> toCodePoints(std::string_view text) {
  std::vector<uint32_t> codePoints;
  for (size_t pos = 0; pos < text.size();)
    codePoints.push_back(decodeUtf8(text, pos));
  return codePoints;
}

size_t codePointCount(std::string_view text) {
  size_t count = 0;
  for (char c : text)
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::vector<size_t> codePointOffsets(std::string_view text) {
  std::vector<size_t> offsets;
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    decodeUtf8(text, pos);
  }
  offsets.push_back(text.size());
  return offsets;
}

bool isPyWhitespace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string pyStrip(std::string_view text,
                    std::optional<std::string_view> chars, bool left,
                    bool right) {
  std::vector<uint32_t> stripSet;
  if (chars)
    stripSet = toCodePoints(*chars);
  auto strips = [&](uint32_t c) {
    if (!chars)
      return isPyWhitespace(c);
    return std::find(stripSet.begin(), stripSet.end(), c) != stripSet.end();
  };
  std::vector<size_t> offsets = codePointOffsets(text);
  size_t first = 0, last = offsets.size() - 1;
  while (left && first < last) {
    size_t pos = offsets[first];
    if (!strips(decodeUtf8(text, pos)))
      break;
    ++first;
  }
  while (right && last > first) {
    size_t pos = offsets[last - 1];
    if (!strips(decodeUtf8(text, pos)))
      break;
    --last;
  }
  return std::string(
      text.substr(offsets[first], offsets[last] - offsets[first]));
}

std::vector<std::string> pySplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  bool pending = false;
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    bool isBreak = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C ||
                   (c >= 0x1C && c <= 0x1E) || c == 0x85 || c == 0x2028 ||
                   c == 0x2029;
    if (!isBreak) {
      appendUtf8(line, c);
      pending = true;
      continue;
    }
    if (c == '\r' && pos < text.size() && text[pos] == '\n')
      ++pos;
    lines.push_back(std::move(line));
    line.clear();
    pending = false;
  }
  if (pending)
    lines.push_back(std::move(line));
  return lines;
}

/// One range of a simple case mapping: the upper-case code points in
/// [first, last] map to lower case by adding `delta`; an alternating range
/// holds upper/lower pairs one after the other (Latin Extended-A style).
struct CaseRange {
  uint32_t first, last;
  int32_t delta;
  bool alternating;
};

// Upper-case ranges and how to reach their lower-case partners.
static const CaseRange kUpperRanges[] = {
    {0x41, 0x5A, 32, false},   {0xC0, 0xD6, 32, false},
    {0xD8, 0xDE, 32, false},   {0x100, 0x12F, 1, true},
    {0x132, 0x137, 1, true},   {0x139, 0x148, 1, true},
    {0x14A, 0x177, 1, true},   {0x179, 0x17E, 1, true},
    {0x386, 0x386, 38, false}, {0x388, 0x38A, 37, false},
    {0x38C, 0x38C, 64, false}, {0x38E, 0x38F, 63, false},
    {0x391, 0x3A1, 32, false}, {0x3A3, 0x3AB, 32, false},
    {0x400, 0x40F, 80, false}, {0x410, 0x42F, 32, false},
    {0x460, 0x481, 1, true},   {0x48A, 0x4BF, 1, true},
};

/// Returns true when `c` is the upper-case member of `range`.
static bool isUpperIn(const CaseRange &range, uint32_t c) {
  if (c < range.first || c > range.last)
    return false;
  return !range.alternating || (c - range.first) % 2 == 0;
}

uint32_t toLowerCodePoint(uint32_t c) {
  if (c == 0x178)
    return 0xFF;
  for (const CaseRange &range : kUpperRanges)
    if (isUpperIn(range, c))
      return c + range.delta;
  return c;
}

uint32_t toUpperCodePoint(uint32_t c) {
  if (c == 0xFF)
    return 0x178;
  if (c == 0x3C2) // Final sigma.
    return 0x3A3;
  for (const CaseRange &range : kUpperRanges) {
    if (c < static_cast<uint32_t>(range.delta))
      continue;
    uint32_t upper = c - range.delta;
    if (isUpperIn(range, upper))
      return upper;
  }
  return c;
}

/// Applies `map` to every code point of `text`.
static std::string mapCodePoints(std::string_view text,
                                 uint32_t (*map)(uint32_t)) {
  std::string result;
  result.reserve(text.size());
  for (size_t pos = 0; pos < text.size();)
    appendUtf8(result, map(decodeUtf8(text, pos)));
  return result;
}

std::string toUpper(std::string_view text) {
  return mapCodePoints(text, toUpperCodePoint);
}

std::string toLower(std::string_view text) {
  return mapCodePoints(text, toLowerCodePoint);
}

} // namespace moec::runtime::jinja
