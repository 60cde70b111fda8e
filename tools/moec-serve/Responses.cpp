//===- Responses.cpp - moec-serve's JSON bodies ---------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/Responses.h"

#include "runtime/Json.h"
#include "runtime/StringUtil.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

namespace moec::serve {
using runtime::strCat;

/// The length of the UTF-8 sequence at `s[i]`, or 0 when it is invalid.
static std::string quoted(std::string_view text) {
  std::string out;
  runtime::appendJsonString(out, text);
  return out;
}

std::string errorBody(const ApiError &error) {
  return strCat("{\"error\":{\"message\":", quoted(error.message),
                ",\"type\":", quoted(error.type), ",\"param\":",
                error.param.empty() ? std::string("null") : quoted(error.param),
                ",\"code\":null}}");
}

std::string newResponseId(Endpoint endpoint) {
  // Unique within the process (the counter) and across restarts (the random
  // prefix); ids need not be unguessable.
  static std::atomic<uint64_t> counter{0};
  static const uint64_t prefix = std::random_device{}();
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%08llx%08llx",
                (unsigned long long)(prefix & 0xFFFFFFFF),
                (unsigned long long)counter.fetch_add(1));
  return strCat(endpoint == Endpoint::Completions ? "cmpl-" : "chatcmpl-",
                buffer);
}

static std::string headerFields(const ResponseHeader &header,
                                std::string_view object) {
  return strCat("\"id\":", quoted(header.id), ",\"object\":", quoted(object),
                ",\"created\":", header.created,
                ",\"model\":", quoted(header.model));
}

static std::string usageField(const Usage &usage) {
  return strCat(
      ",\"usage\":{\"prompt_tokens\":", usage.promptTokens,
      ",\"completion_tokens\":", usage.completionTokens,
      ",\"total_tokens\":", usage.promptTokens + usage.completionTokens, "}");
}

static std::string finishField(std::string_view finishReason) {
  return strCat(",\"finish_reason\":", finishReason.empty()
                                           ? std::string("null")
                                           : quoted(finishReason));
}

std::string completionBody(const ResponseHeader &header, std::string_view text,
                           std::string_view finishReason, const Usage &usage) {
  bool chat = header.endpoint == Endpoint::ChatCompletions;
  std::string choice =
      chat ? strCat("{\"index\":0,\"message\":{\"role\":\"assistant\","
                    "\"content\":",
                    quoted(text), "}")
           : strCat("{\"index\":0,\"text\":", quoted(text),
                    ",\"logprobs\":null");
  return strCat(
      "{", headerFields(header, chat ? "chat.completion" : "text_completion"),
      ",\"choices\":[", choice, finishField(finishReason), "}]",
      usageField(usage), "}");
}

std::string streamChunk(const ResponseHeader &header, bool role,
                        std::string_view text, std::string_view finishReason,
                        const std::optional<Usage> &usage) {
  bool chat = header.endpoint == Endpoint::ChatCompletions;
  std::string choice;
  if (chat) {
    std::string delta;
    if (role)
      delta = "\"role\":\"assistant\"";
    if (!text.empty() || (role && finishReason.empty()))
      delta += strCat(delta.empty() ? "" : ",", "\"content\":", quoted(text));
    choice = strCat("{\"index\":0,\"delta\":{", delta, "}");
  } else {
    choice =
        strCat("{\"index\":0,\"text\":", quoted(text), ",\"logprobs\":null");
  }
  return strCat(
      "data: {",
      headerFields(header, chat ? "chat.completion.chunk" : "text_completion"),
      ",\"choices\":[", choice, finishField(finishReason), "}]",
      usage ? usageField(*usage) : std::string(), "}\n\n");
}

std::string streamError(const ApiError &error) {
  return strCat("data: ", errorBody(error), "\n\n");
}

std::string modelsBody(std::string_view model, int64_t created) {
  return strCat("{\"object\":\"list\",\"data\":[{\"id\":", quoted(model),
                ",\"object\":\"model\",\"created\":", created,
                ",\"owned_by\":\"moec\"}]}");
}

} // namespace moec::serve
