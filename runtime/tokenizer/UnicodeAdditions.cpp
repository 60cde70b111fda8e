//===- UnicodeAdditions.cpp - Unicode 16.0 on a Unicode 14.0 PCRE2 --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file holds the generated table and answers, quickly, whether a text
// needs it: regexes with the added ranges are much slower (PCRE2 tries the
// ranges one by one), so Regex uses them only for texts that hold such a
// code point, which is rare.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/UnicodeAdditions.h"

#include "runtime/tokenizer/Utf8.h"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

namespace moec::runtime::tokenizer {

namespace {

/// The code points one two-letter General_Category gained.
struct CategoryAdditions {
  std::string_view category;
  std::string_view ranges;
};

constexpr CategoryAdditions kAdditions[] = {
#include "runtime/tokenizer/UnicodeAdditions.inc"
};

/// Every added code point, for containsUnicodeAdditions.
struct AddedSet {
  std::bitset<0x10000> basic;
  /// Sorted, disjoint [first, last] ranges above U+FFFF.
  std::vector<std::pair<uint32_t, uint32_t>> supplementary;
  uint32_t lowest = 0x10FFFF;
};

/// Reads the number after "\x{" at `text[pos]` and moves `pos` past '}'.
uint32_t readHex(std::string_view text, size_t &pos) {
  pos += 3;
  size_t close = text.find('}', pos);
  uint32_t value = static_cast<uint32_t>(std::strtoul(
      std::string(text.substr(pos, close - pos)).c_str(), nullptr, 16));
  pos = close + 1;
  return value;
}

AddedSet buildAddedSet() {
  AddedSet set;
  for (const CategoryAdditions &entry : kAdditions) {
    std::string_view ranges = entry.ranges;
    for (size_t pos = 0; pos < ranges.size();) {
      uint32_t first = readHex(ranges, pos), last = first;
      if (pos < ranges.size() && ranges[pos] == '-') {
        ++pos;
        last = readHex(ranges, pos);
      }
      set.lowest = std::min(set.lowest, first);
      for (uint32_t cp = first; cp <= last && cp < 0x10000; ++cp)
        set.basic.set(cp);
      if (last >= 0x10000)
        set.supplementary.emplace_back(std::max(first, 0x10000u), last);
    }
  }
  std::sort(set.supplementary.begin(), set.supplementary.end());
  return set;
}

const AddedSet &addedSet() {
  static const AddedSet set = buildAddedSet();
  return set;
}

bool isAdded(const AddedSet &set, uint32_t cp) {
  if (cp < 0x10000)
    return set.basic.test(cp);
  auto it = std::upper_bound(set.supplementary.begin(), set.supplementary.end(),
                             std::make_pair(cp, uint32_t(0x10FFFF)));
  return it != set.supplementary.begin() && std::prev(it)->second >= cp;
}

/// The smallest UTF-8 lead byte of a code point >= `cp`.
unsigned char leadByteOf(uint32_t cp) {
  std::string text;
  appendUtf8(cp, text);
  return static_cast<unsigned char>(text[0]);
}

} // namespace

std::string categoryAdditions(std::string_view name) {
  std::string ranges;
  if (name.empty() || name.size() > 2)
    return ranges;
  for (const CategoryAdditions &entry : kAdditions)
    if (entry.category == name ||
        (name.size() == 1 && entry.category.front() == name.front()))
      ranges.append(entry.ranges);
  return ranges;
}

bool containsUnicodeAdditions(std::string_view text) {
  const AddedSet &set = addedSet();
  // Characters below the first addition (all of ASCII, Latin, Cyrillic,
  // Arabic, Devanagari, ...) have smaller lead bytes and are skipped
  // without decoding.
  static const unsigned char minLead = leadByteOf(set.lowest);
  for (size_t pos = 0; pos < text.size();) {
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < minLead || (byte & 0xC0) == 0x80) {
      ++pos;
      continue;
    }
    if (isAdded(set, decodeUtf8(text, pos)))
      return true;
  }
  return false;
}

} // namespace moec::runtime::tokenizer
