//===- ByteLevel.h - GPT-2 byte-level alphabet ------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the GPT-2 byte-to-unicode table that byte-level BPE
// tokenizers (GPT-2, o200k, Llama 3 and 4) write their vocabularies in: each
// byte is one printable character ('Ġ' is the space byte, 'Ċ' the newline).
// The tokenizer converts the vocabulary to raw bytes once at load time, so
// encoding never builds byte-level strings.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_BYTELEVEL_H
#define MOEC_RUNTIME_TOKENIZER_BYTELEVEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moec::runtime::tokenizer {

/// Returns the code point that stands for `byte` in the byte-level alphabet.
uint32_t byteLevelCodePoint(uint8_t byte);

/// Returns the byte-level spelling of `bytes` (UTF-8), as Hugging Face's
/// ByteLevel pre-tokenizer writes it: "Ġhello" for " hello".
std::string bytesToByteLevel(std::string_view bytes);

/// Returns the bytes that the byte-level string `text` stands for, or
/// nullopt when a character of `text` is outside the alphabet (or `text` is
/// not well-formed UTF-8). This is also the ByteLevel decoder's rule for one
/// token, except that the decoder falls back to the token's own UTF-8.
std::optional<std::string> byteLevelToBytes(std::string_view text);

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_BYTELEVEL_H
