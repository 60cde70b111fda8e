//===- TextMode.h - moec-run's text in, text out ----------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// moec-run --prompt and --chat: the artifact's tokenizer (tokenizer.json
// carried in the artifact, or --tokenizer DIR) encodes the prompt or the
// rendered chat template, generation streams text as it is decoded, and
// stop strings end it. In chat mode the conversation and its KV cache are
// kept across turns.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_RUN_TEXTMODE_H
#define MOEC_TOOLS_MOEC_RUN_TEXTMODE_H

#include "runtime/Session.h"

#include "absl/status/status.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace moec::run {

struct TextOptions {
  /// --prompt: the text (a single user turn with --chat).
  std::optional<std::string> prompt;
  /// --chat: render the chat template; without a prompt, read user turns
  /// from stdin (a REPL when it is a terminal).
  bool chat = false;
  /// --system: the system message of the conversation.
  std::optional<std::string> system;
  /// --stop (repeatable): text that ends generation; it is not printed.
  std::vector<std::string> stopStrings;
  /// --stop-ids: token ids that end generation, besides the model's.
  std::vector<int32_t> stopIds;
  /// --tokenizer: a folder with tokenizer.json (and tokenizer_config.json),
  /// used instead of the files the artifact carries.
  std::string tokenizerDir;
};

/// Runs text generation on `session` with the sampling settings and token
/// budget of `generate` (its onToken and stopTokenIds are replaced). Text
/// goes to `out` as it is generated; timings and the stop reason to `log`.
absl::Status runTextMode(runtime::Session &session, const TextOptions &options,
                         const runtime::GenerateOptions &generate,
                         std::FILE *out, std::FILE *log);

} // namespace moec::run

#endif // MOEC_TOOLS_MOEC_RUN_TEXTMODE_H
