//===- TokenTable.cpp - Per-id token data ---------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements TokenTable's storage.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/TokenTable.h"

namespace moec::runtime::tokenizer {

void TokenTable::set(int64_t id, std::string_view token, std::string_view bytes,
                     bool special) {
  if (id >= size())
    entries.resize(id + 1);
  Entry &entry = entries[id];
  entry.tokenOffset = static_cast<uint32_t>(tokens.size());
  entry.tokenLength = static_cast<uint32_t>(token.size());
  entry.bytesOffset = static_cast<uint32_t>(decoded.size());
  entry.bytesLength = static_cast<uint32_t>(bytes.size());
  entry.present = true;
  entry.special = special;
  tokens.append(token);
  decoded.append(bytes);
}

} // namespace moec::runtime::tokenizer
