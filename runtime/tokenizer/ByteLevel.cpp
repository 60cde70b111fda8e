//===- ByteLevel.cpp - GPT-2 byte-level alphabet --------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file builds the byte-to-unicode table of GPT-2's `bytes_to_unicode`
// and its inverse. The printable Latin-1 bytes stand for themselves; the
// other 68 bytes get U+0100 onwards in byte order, so every code point of
// the alphabet is below U+0144.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ByteLevel.h"

#include "runtime/tokenizer/Utf8.h"

#include <array>

namespace moec::runtime::tokenizer {

namespace {

/// One past the largest code point of the alphabet.
constexpr uint32_t kAlphabetEnd = 0x144;

/// The table in both directions.
struct ByteLevelTables {
  std::array<uint32_t, 256> toCodePoint;
  /// -1 for code points outside the alphabet.
  std::array<int16_t, kAlphabetEnd> toByte;
};

/// Whether GPT-2 keeps `byte` as its own character: '!'..'~', '¡'..'¬' and
/// '®'..'ÿ' (printable, not space, not the soft hyphen).
bool standsForItself(uint32_t byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

ByteLevelTables buildTables() {
  ByteLevelTables tables;
  tables.toByte.fill(-1);
  uint32_t next = 0x100;
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t cp = standsForItself(byte) ? byte : next++;
    tables.toCodePoint[byte] = cp;
    tables.toByte[cp] = static_cast<int16_t>(byte);
  }
  return tables;
}

const ByteLevelTables &tables() {
  static const ByteLevelTables instance = buildTables();
  return instance;
}

} // namespace

uint32_t byteLevelCodePoint(uint8_t byte) { return tables().toCodePoint[byte]; }

std::string bytesToByteLevel(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    appendUtf8(byteLevelCodePoint(static_cast<uint8_t>(c)), out);
  return out;
}

std::optional<std::string> byteLevelToBytes(std::string_view text) {
  if (findInvalidUtf8(text) != text.size())
    return std::nullopt;
  const ByteLevelTables &t = tables();
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = decodeUtf8(text, pos);
    if (cp >= kAlphabetEnd || t.toByte[cp] < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(t.toByte[cp]));
  }
  return out;
}

} // namespace moec::runtime::tokenizer
