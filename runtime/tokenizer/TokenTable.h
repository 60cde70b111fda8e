//===- TokenTable.h - Per-id token data -------------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares TokenTable: for every token id, its spelling in
// tokenizer.json, the bytes the ByteLevel decoder turns it into, and whether
// it is special. Decoding is then one table lookup and one append per id.
// Strings live in two shared buffers, not in 200,000 std::strings.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_TOKENTABLE_H
#define MOEC_RUNTIME_TOKENIZER_TOKENTABLE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::tokenizer {

class TokenTable {
public:
  /// Sets the data of `id`, replacing what an earlier call set (added
  /// tokens take precedence over model entries with the same id, as in HF).
  void set(int64_t id, std::string_view token, std::string_view bytes,
           bool special);

  /// One past the largest id that has a token.
  int64_t size() const { return static_cast<int64_t>(entries.size()); }
  bool contains(int64_t id) const {
    return id >= 0 && id < size() && entries[id].present;
  }
  /// The spelling of `id` in tokenizer.json; `id` must be contained.
  std::string_view token(int64_t id) const {
    const Entry &e = entries[id];
    return std::string_view(tokens).substr(e.tokenOffset, e.tokenLength);
  }
  /// What the ByteLevel decoder makes of `id`; `id` must be contained.
  std::string_view bytes(int64_t id) const {
    const Entry &e = entries[id];
    return std::string_view(decoded).substr(e.bytesOffset, e.bytesLength);
  }
  bool isSpecial(int64_t id) const {
    return contains(id) && entries[id].special;
  }

private:
  struct Entry {
    uint32_t tokenOffset = 0;
    uint32_t tokenLength = 0;
    uint32_t bytesOffset = 0;
    uint32_t bytesLength = 0;
    bool present = false;
    bool special = false;
  };
  std::vector<Entry> entries;
  std::string tokens;
  std::string decoded;
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_TOKENTABLE_H
