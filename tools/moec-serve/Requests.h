//===- Requests.h - moec-serve's request parsing ----------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Parses and validates the bodies of /v1/completions and
// /v1/chat/completions. OpenAI clients send many fields this server does not
// use, so unknown fields are ignored; a known field of the wrong type or out
// of range is an invalid_request_error naming it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_SERVE_REQUESTS_H
#define MOEC_TOOLS_MOEC_SERVE_REQUESTS_H

#include "tools/moec-serve/Responses.h"

#include "runtime/Json.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::serve {

/// What a request asks for.
struct GenerationRequest {
  Endpoint endpoint = Endpoint::Completions;
  /// /v1/completions: the prompt text.
  std::string prompt;
  /// /v1/chat/completions: the messages and tools, as sent.
  runtime::JsonValue messages;
  runtime::JsonValue tools;
  uint64_t maxTokens = 256;
  float temperature = 0.0f;
  float topP = 1.0f;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  bool stream = false;
  /// stream_options.include_usage: a usage field on the last chunk.
  bool streamUsage = false;
};

/// Parses `body`; an error is the 400 to send.
std::optional<ApiError> parseGenerationRequest(std::string_view body,
                                               Endpoint endpoint,
                                               GenerationRequest &request);

} // namespace moec::serve

#endif // MOEC_TOOLS_MOEC_SERVE_REQUESTS_H
