//===- JsonLines.h - moec-tokenize --jsonl ----------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares how moec-tokenize answers one line of --jsonl input:
// {"text": ...} gives the fields of the test kit's vectors.jsonl, a chat
// line ({"messages": ...}) gives "rendered" and "ids" as in chat.jsonl, and
// bad input gives {"error": "line N: ..."}.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_TOKENIZE_JSONLINES_H
#define MOEC_TOOLS_MOEC_TOKENIZE_JSONLINES_H

#include "runtime/tokenizer/Tokenizer.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace moec::tools {

/// The output line for one input line.
struct JsonLineAnswer {
  /// One JSON object, without the newline.
  std::string json;
  /// True when `json` is an {"error": ...} line.
  bool isError = false;
};

/// Answers input line `lineNumber` (1-based), `line` (without its newline).
/// `tokenizerDir` is passed on to renderChatLine for chat lines.
JsonLineAnswer answerJsonLine(const runtime::Tokenizer &tokenizer,
                              const std::string &tokenizerDir,
                              std::string_view line, size_t lineNumber);

} // namespace moec::tools

#endif // MOEC_TOOLS_MOEC_TOKENIZE_JSONLINES_H
