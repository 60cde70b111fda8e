//===- TextEngine.h - moec-serve's text in, text out ------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The tokenizer and chat template of the served artifact, and generation of
// text on a session: the same steps as moec-run --prompt / --chat
// (tools/moec-run/TextMode.cpp, whose helpers are copied here rather than
// shared, since moec-run keeps them private), so that the server's text for
// a prompt is moec-run's text for it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_SERVE_TEXTENGINE_H
#define MOEC_TOOLS_MOEC_SERVE_TEXTENGINE_H

#include "tools/moec-serve/Requests.h"
#include "tools/moec-serve/Responses.h"

#include "runtime/Session.h"
#include "runtime/text/ArtifactText.h"

#include "absl/status/statusor.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::serve {

/// Holds back generated text that might be the start of a stop string, and
/// finds the first stop string in the stream (moec-run's StopStringFilter).
struct TextResult {
  /// The text (without a stop string).
  std::string text;
  uint64_t completionTokens = 0;
  /// "stop" or "length".
  std::string finishReason;
  /// onText asked to stop (the client went away) or the server is stopping.
  bool cancelled = false;
};

class TextEngine {
public:
  /// Loads the tokenizer (and the chat template when there is one) from the
  /// artifact of `session`, or from `tokenizerDir` when it is not empty.
  static absl::StatusOr<TextEngine> load(const runtime::Session &session,
                                         const std::string &tokenizerDir);

  /// The token ids of the request's prompt: a completion prompt encoded
  /// with BOS, or the rendered chat template. Checks them against
  /// `promptLimit` tokens.
  std::optional<ApiError> promptIds(const GenerationRequest &request,
                                    uint64_t promptLimit,
                                    std::vector<int64_t> &ids) const;

  /// --token-delay-ms: a pause after every token, so that tests can go
  /// away in the middle of a stream (the tiny test models generate a whole
  /// context in a fraction of a second).
  void setTokenDelayMs(uint64_t ms) { tokenDelayMs = ms; }

  /// Generates after `prompt` on a freshly reset `session`. `onText` gets
  /// the text as it can be shown (decoded, stop strings held back);
  /// returning false cancels, as does `stopping` becoming true.
  absl::StatusOr<TextResult>
  generate(runtime::Session &session, const GenerationRequest &request,
           const std::vector<int64_t> &prompt,
           const std::function<bool(std::string_view)> &onText,
           const std::atomic<bool> &stopping) const;

private:
  TextEngine(runtime::Tokenizer tokenizer, uint64_t vocabSize,
             std::vector<int32_t> stopIds)
      : tokenizer(std::move(tokenizer)), vocabSize(vocabSize),
        stopIds(std::move(stopIds)) {}

  runtime::Tokenizer tokenizer;
  uint64_t vocabSize;
  std::vector<int32_t> stopIds;
  uint64_t tokenDelayMs = 0;
  std::optional<runtime::ChatTemplate> chatTemplate;
  runtime::ChatSpecialTokens specialTokens;
  /// Why there is no chat template, for the chat endpoint's error.
  std::string noChatTemplate;
};

} // namespace moec::serve

#endif // MOEC_TOOLS_MOEC_SERVE_TEXTENGINE_H
