//===- Lexer.h - Tokenizer of Jinja templates -------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the tokenizer of the Jinja subset. It mirrors Python
// Jinja's lexer, because the whitespace a template outputs is decided here:
// `{%-`/`-%}` strip whitespace, trim_blocks removes the newline after a block
// or comment tag, lstrip_blocks removes the indentation before one, and
// comments and {% raw %} blocks are resolved. What remains is template data
// and the tokens inside `{{ }}` and `{% %}`.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_LEXER_H
#define MOEC_RUNTIME_CHAT_LEXER_H

#include "runtime/chat/Error.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::jinja {

enum class TokenKind {
  Data,          // text outside tags (after whitespace control)
  VariableBegin, // {{
  VariableEnd,   // }}
  BlockBegin,    // {%
  BlockEnd,      // %}
  Name,
  String,   // text holds the unescaped value
  Integer,  // intValue
  Float,    // floatValue
  Operator, // text holds the operator: "+", "//", "(", ...
  Eof
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text;
  int64_t intValue = 0;
  double floatValue = 0;
  SourceLoc loc;
};

/// Jinja environment settings that change how a template is tokenized.
/// Hugging Face renders chat templates with both on.
struct LexerOptions {
  bool trimBlocks = true;
  bool lstripBlocks = true;
};

/// Tokenizes `source` (UTF-8). The result always ends with an Eof token.
absl::StatusOr<std::vector<Token>> tokenize(std::string_view source,
                                            const LexerOptions &options);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_LEXER_H
