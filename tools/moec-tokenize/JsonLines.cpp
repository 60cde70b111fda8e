//===- JsonLines.cpp - moec-tokenize --jsonl ------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the answer to one --jsonl line. The "id" of an input
// line (a string or an integer) is copied to its answer, so that answers can
// be matched to test vectors.
//
//===----------------------------------------------------------------------===//

#include "JsonLines.h"

#include "ChatMode.h"
#include "JsonOutput.h"

#include "runtime/Json.h"
#include "runtime/StringUtil.h"

namespace moec::tools {

using runtime::JsonValue;
using runtime::strCat;

/// Returns the error answer "line N: message".
static JsonLineAnswer errorAnswer(size_t lineNumber, std::string_view message) {
  return {JsonObjectWriter()
              .string("error", strCat("line ", lineNumber, ": ", message))
              .finish(),
          true};
}

/// Starts an answer, copying the input's "id".
static JsonObjectWriter startAnswer(const JsonValue &line) {
  JsonObjectWriter writer;
  if (const JsonValue *id = line.find("id")) {
    if (const std::string *text = id->asString())
      writer.string("id", *text);
    else if (std::optional<int64_t> number = id->asInt())
      writer.integer("id", *number);
  }
  return writer;
}

static JsonLineAnswer answerText(const runtime::Tokenizer &tokenizer,
                                 const JsonValue &line, const std::string &text,
                                 size_t lineNumber) {
  absl::StatusOr<std::vector<int64_t>> ids = tokenizer.encode(text, false);
  absl::StatusOr<std::vector<int64_t>> withBos = tokenizer.encode(text, true);
  absl::StatusOr<std::vector<int64_t>> plain =
      tokenizer.encode(text, false, /*parseSpecialTokens=*/false);
  for (const auto *result : {&ids, &withBos, &plain})
    if (!result->ok())
      return errorAnswer(lineNumber,
                         runtime::toStdView(result->status().message()));
  return {startAnswer(line)
              .ids("ids", *ids)
              .ids("ids_with_bos", *withBos)
              .ids("ids_specials_as_text", *plain)
              .string("decoded", tokenizer.decode(*ids, false))
              .string("decoded_skip_special", tokenizer.decode(*ids, true))
              .finish(),
          false};
}

static JsonLineAnswer answerChat(const runtime::Tokenizer &tokenizer,
                                 const std::string &tokenizerDir,
                                 const JsonValue &line, size_t lineNumber) {
  absl::StatusOr<std::string> rendered = renderChatLine(tokenizerDir, line);
  if (!rendered.ok())
    return errorAnswer(lineNumber,
                       runtime::toStdView(rendered.status().message()));
  // The rendered text carries its own <|begin_of_text|>: no second BOS.
  absl::StatusOr<std::vector<int64_t>> ids = tokenizer.encode(*rendered, false);
  if (!ids.ok())
    return errorAnswer(lineNumber, runtime::toStdView(ids.status().message()));
  return {
      startAnswer(line).string("rendered", *rendered).ids("ids", *ids).finish(),
      false};
}

JsonLineAnswer answerJsonLine(const runtime::Tokenizer &tokenizer,
                              const std::string &tokenizerDir,
                              std::string_view line, size_t lineNumber) {
  absl::StatusOr<JsonValue> value = runtime::parseJson(line);
  if (!value.ok())
    return errorAnswer(lineNumber,
                       runtime::toStdView(value.status().message()));
  if (!value->isObject())
    return errorAnswer(lineNumber,
                       strCat("expected a JSON object, found ",
                              runtime::jsonKindName(value->kind())));
  if (value->find("messages"))
    return answerChat(tokenizer, tokenizerDir, *value, lineNumber);
  const JsonValue *text = value->find("text");
  if (!text)
    return errorAnswer(lineNumber, "missing \"text\" (a string to encode) "
                                   "or \"messages\" (a conversation)");
  if (!text->isString())
    return errorAnswer(lineNumber, strCat("\"text\" must be a string, found ",
                                          runtime::jsonKindName(text->kind())));
  return answerText(tokenizer, *value, *text->asString(), lineNumber);
}

} // namespace moec::tools
