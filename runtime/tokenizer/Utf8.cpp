//===- Utf8.cpp - UTF-8 helpers for the tokenizer -------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements UTF-8 validation, stepping and lossy conversion with
// the well-formedness table of the Unicode Standard (table 3-7).
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Utf8.h"

#include <cstring>

namespace moec::runtime::tokenizer {

namespace {

/// How one UTF-8 sequence at some position reads.
struct Utf8Step {
  /// Bytes of the character when `valid`; otherwise the length of the
  /// maximal subpart to replace with one U+FFFD (at least 1).
  size_t length;
  bool valid;
  /// The bytes ran out before the sequence was complete or proven invalid.
  bool truncated;
};

} // namespace

/// Reads the sequence that starts at `p` (`n` > 0 bytes available). The
/// second byte's range depends on the lead byte (no overlongs, surrogates or
/// code points above U+10FFFF); later bytes are plain continuation bytes.
static Utf8Step readUtf8(const unsigned char *p, size_t n) {
  unsigned char lead = p[0];
  if (lead < 0x80)
    return {1, true, false};
  size_t need;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0)
      low = 0xA0;
    else if (lead == 0xED)
      high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0)
      low = 0x90;
    else if (lead == 0xF4)
      high = 0x8F;
  } else {
    return {1, false, false};
  }
  for (size_t i = 1; i <= need; ++i) {
    if (i >= n)
      return {i, false, true};
    if (p[i] < low || p[i] > high)
      return {i, false, false};
    low = 0x80;
    high = 0xBF;
  }
  return {need + 1, true, false};
}

/// Returns the length of the ASCII run at the start of [p, p + n), eight
/// bytes at a time: most text is mostly ASCII.
static size_t asciiPrefix(const unsigned char *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ull)
      break;
  }
  while (i < n && p[i] < 0x80)
    ++i;
  return i;
}

size_t findInvalidUtf8(std::string_view text) {
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    i += asciiPrefix(p + i, n - i);
    if (i >= n)
      break;
    Utf8Step step = readUtf8(p + i, n - i);
    if (!step.valid)
      return i;
    i += step.length;
  }
  return n;
}

uint32_t decodeUtf8(std::string_view text, size_t &pos) {
  auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(text[i]));
  };
  uint32_t lead = byte(pos);
  if (lead < 0x80) {
    pos += 1;
    return lead;
  }
  if (lead < 0xE0) {
    uint32_t cp = ((lead & 0x1F) << 6) | (byte(pos + 1) & 0x3F);
    pos += 2;
    return cp;
  }
  if (lead < 0xF0) {
    uint32_t cp = ((lead & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) |
                  (byte(pos + 2) & 0x3F);
    pos += 3;
    return cp;
  }
  uint32_t cp = ((lead & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
                ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F);
  pos += 4;
  return cp;
}

uint32_t decodeUtf8Before(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    --start;
  return decodeUtf8(text, start);
}

size_t appendUtf8Lossy(std::string_view bytes, bool atEnd, std::string &out) {
  const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t n = bytes.size(), i = 0;
  while (i < n) {
    // Copy the longest well-formed run in one append.
    size_t runStart = i;
    while (i < n) {
      i += asciiPrefix(p + i, n - i);
      if (i >= n)
        break;
      Utf8Step step = readUtf8(p + i, n - i);
      if (!step.valid)
        break;
      i += step.length;
    }
    out.append(bytes.data() + runStart, i - runStart);
    if (i >= n)
      break;
    Utf8Step step = readUtf8(p + i, n - i);
    if (step.truncated && !atEnd)
      return i;
    out.append(kReplacementCharacter);
    i += step.length;
  }
  return n;
}

bool isWhiteSpace(uint32_t cp) {
  if (cp <= 0x20)
    return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85)
    return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

} // namespace moec::runtime::tokenizer
