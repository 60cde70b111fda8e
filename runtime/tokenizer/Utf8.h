//===- Utf8.h - UTF-8 helpers for the tokenizer -----------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the UTF-8 routines the tokenizer needs: validation of
// its input, code point stepping for the added-token word checks, and the
// lossy conversion of decoded bytes into text. The lossy conversion follows
// Rust's String::from_utf8_lossy (what Hugging Face's decoders use): each
// maximal subpart of an ill-formed sequence becomes one U+FFFD. That rule
// looks at most four bytes ahead, so it can run incrementally, which is what
// StreamingDecoder relies on to print each character exactly once.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_UTF8_H
#define MOEC_RUNTIME_TOKENIZER_UTF8_H

#include "runtime/Utf8.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moec::runtime::tokenizer {

/// The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// Returns the offset of the first byte of `text` that does not start a
/// well-formed UTF-8 sequence, or text.size() when all of it is well formed.
size_t findInvalidUtf8(std::string_view text);

/// Decodes the code point that starts at `text[pos]` of well-formed UTF-8
/// and advances `pos` past it.
uint32_t decodeUtf8(std::string_view text, size_t &pos);

/// Decodes the code point that ends at `text[end - 1]` of well-formed UTF-8
/// (end > 0).
uint32_t decodeUtf8Before(std::string_view text, size_t end);

/// Appends `bytes` to `out` as well-formed UTF-8, replacing each maximal
/// subpart of an ill-formed sequence with U+FFFD. When `atEnd` is false, a
/// sequence that is incomplete only because `bytes` ends early is left
/// unconsumed. Returns the number of bytes consumed.
size_t appendUtf8Lossy(std::string_view bytes, bool atEnd, std::string &out);

/// Returns true for the code points with Unicode's White_Space property, the
/// meaning of `\s` in Rust's regex crate and in Oniguruma.
bool isWhiteSpace(uint32_t codePoint);

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_UTF8_H
