//===- Utf8.h - UTF-8 encoding and validation -------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The UTF-8 helpers the JSON reader and writer, the tokenizer and the chat
// templates share.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_UTF8_H
#define MOEC_RUNTIME_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moec::runtime {

/// Appends the UTF-8 encoding of `codePoint` (at most U+10FFFF, not a
/// surrogate) to `out`.
void appendUtf8(uint32_t codePoint, std::string &out);

/// The length of the UTF-8 sequence at s[i], or 0 when it is not valid
/// UTF-8 (truncated, overlong, a surrogate or past U+10FFFF).
size_t validUtf8Length(std::string_view s, size_t i);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_UTF8_H
