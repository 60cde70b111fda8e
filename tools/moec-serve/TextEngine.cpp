//===- TextEngine.cpp - moec-serve's text in, text out --------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/TextEngine.h"

#include "runtime/Json.h"
#include "runtime/StringUtil.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace moec::serve {
namespace rt = ::moec::runtime;
using rt::strCat;

absl::StatusOr<TextEngine> TextEngine::load(const rt::Session &session,
                                            const std::string &tokenizerDir) {
  absl::StatusOr<rt::Tokenizer> tokenizer =
      rt::loadArtifactTokenizer(session.artifact(), tokenizerDir);
  if (!tokenizer.ok())
    return tokenizer.status();
  TextEngine engine(
      *tokenizer, session.vocabSize(),
      rt::textStopTokenIds(session.artifact().config(), *tokenizer));
  // A model without a chat template still serves /v1/completions; the chat
  // endpoint then says why it cannot.
  absl::StatusOr<rt::ChatTemplateConfig> config =
      rt::loadArtifactChatConfig(session.artifact(), tokenizerDir);
  if (!config.ok()) {
    engine.noChatTemplate = std::string(config.status().message());
    return engine;
  }
  absl::StatusOr<rt::ChatTemplate> parsed =
      rt::ChatTemplate::parse(config->templateSource);
  if (!parsed.ok())
    return parsed.status();
  engine.chatTemplate = *std::move(parsed);
  engine.specialTokens = config->specialTokens;
  return engine;
}

//===----------------------------------------------------------------------===//
// Prompts
//===----------------------------------------------------------------------===//

static ApiError requestError(std::string param, std::string message) {
  ApiError error;
  error.param = std::move(param);
  error.message = std::move(message);
  return error;
}

std::optional<ApiError> TextEngine::promptIds(const GenerationRequest &request,
                                              uint64_t promptLimit,
                                              std::vector<int64_t> &ids) const {
  bool chat = request.endpoint == Endpoint::ChatCompletions;
  std::string rendered;
  if (chat) {
    if (!chatTemplate)
      return requestError("messages", strCat("this model has no chat "
                                             "template: ",
                                             noChatTemplate));
    rt::ChatRequest chatRequest;
    chatRequest.messages = request.messages;
    chatRequest.tools = request.tools;
    chatRequest.addGenerationPrompt = true;
    absl::StatusOr<std::string> text =
        rt::applyChatTemplate(*chatTemplate, chatRequest, specialTokens);
    // The template rejects what it cannot render (its raise_exception and
    // the like): that is the request's fault.
    if (!text.ok())
      return requestError("messages", strCat("the chat template failed: ",
                                             text.status().message()));
    rendered = *std::move(text);
  }
  // The rendered template carries its own special tokens (BOS); a plain
  // prompt gets BOS from the tokenizer, as moec-run --prompt does.
  absl::StatusOr<std::vector<int64_t>> encoded =
      tokenizer.encode(chat ? std::string_view(rendered) : request.prompt,
                       /*addSpecialTokens=*/!chat);
  std::string param = chat ? "messages" : "prompt";
  if (!encoded.ok())
    return requestError(param, strCat("the prompt cannot be tokenized: ",
                                      encoded.status().message()));
  for (int64_t id : *encoded)
    if (id < 0 || uint64_t(id) >= vocabSize) {
      ApiError error;
      error.status = 500;
      error.type = "server_error";
      error.message =
          strCat("the tokenizer gives token id ", id,
                 ", outside the model's vocabulary of ", vocabSize, " entries");
      return error;
    }
  if (encoded->empty())
    return requestError(param, "the prompt encodes to no tokens");
  if (encoded->size() > promptLimit)
    return requestError(param, strCat("prompt has ", encoded->size(),
                                      " tokens; the limit is ", promptLimit));
  ids = *std::move(encoded);
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Generation
//===----------------------------------------------------------------------===//

absl::StatusOr<TextResult>
TextEngine::generate(rt::Session &session, const GenerationRequest &request,
                     const std::vector<int64_t> &prompt,
                     const std::function<bool(std::string_view)> &onText,
                     const std::atomic<bool> &stopping) const {
  // Requests share nothing: the previous request's KV cache is dropped.
  session.reset();
  TextResult out;
  rt::StreamingDecoder decoder(tokenizer, /*skipSpecialTokens=*/true);
  rt::StopStringFilter filter(request.stop);
  auto emit = [&](const std::string &text) {
    if (text.empty() || out.cancelled)
      return;
    out.text += text;
    if (!onText(text))
      out.cancelled = true;
  };
  rt::GenerateOptions options;
  options.maxNewTokens = request.maxTokens;
  options.sampling.temperature = request.temperature;
  options.sampling.topP = request.topP;
  options.seed = request.seed;
  options.stopTokenIds = stopIds;
  options.onToken = [&](int64_t token) {
    if (tokenDelayMs)
      std::this_thread::sleep_for(std::chrono::milliseconds(tokenDelayMs));
    emit(filter.push(decoder.feed(token)));
    if (stopping.load(std::memory_order_relaxed))
      out.cancelled = true;
    return !filter.stopped() && !out.cancelled;
  };
  absl::StatusOr<rt::GenerateResult> result =
      session.generate(absl::MakeConstSpan(prompt), options);
  if (!result.ok())
    return result.status();
  if (!filter.stopped())
    emit(filter.push(decoder.finish()) + filter.flush());
  out.completionTokens = result->tokens.size();
  bool stop = filter.stopped() ||
              result->stopReason == rt::StopReason::StopToken ||
              result->stopReason == rt::StopReason::Cancelled;
  out.finishReason = stop ? "stop" : "length";
  return out;
}

} // namespace moec::serve
