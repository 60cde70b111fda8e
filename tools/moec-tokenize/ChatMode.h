//===- ChatMode.h - Chat-template lines of moec-tokenize --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the one function moec-tokenize --jsonl needs for input
// lines that hold a conversation ("messages") instead of "text". It is
// implemented with the runtime's chat-template interpreter (runtime/chat);
// moec-tokenize itself encodes the rendered text and writes the output line.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_TOKENIZE_CHATMODE_H
#define MOEC_TOOLS_MOEC_TOKENIZE_CHATMODE_H

#include "runtime/Json.h"

#include "absl/status/statusor.h"

#include <string>

namespace moec::tools {

/// Renders the conversation in `line`, an object with the fields of the
/// test kit's chat.jsonl: "messages" (required), "tools" (array or null),
/// "template_kwargs" (object), "add_generation_prompt" (bool). The template
/// and bos/eos/pad tokens come from `tokenizerDir`/tokenizer_config.json;
/// an implementation may cache them between calls with the same folder.
/// Returns the rendered text (for Llama 4 it starts with
/// <|begin_of_text|>), or an error whose message can be shown as is.
absl::StatusOr<std::string> renderChatLine(const std::string &tokenizerDir,
                                           const runtime::JsonValue &line);

} // namespace moec::tools

#endif // MOEC_TOOLS_MOEC_TOKENIZE_CHATMODE_H
