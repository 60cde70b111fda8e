//===- Responses.h - moec-serve's JSON bodies -------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The response bodies in OpenAI's shapes. The runtime's Json.h only parses,
// so a small writer builds the bodies here; strings are escaped and
// invalid UTF-8 becomes U+FFFD so that every body is valid JSON.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_SERVE_RESPONSES_H
#define MOEC_TOOLS_MOEC_SERVE_RESPONSES_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moec::serve {

/// An OpenAI error: the HTTP status and the body's fields.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  /// The request field at fault; null in the body when empty.
  std::string param;
};

std::string errorBody(const ApiError &error);

/// Which endpoint a body is for.
enum class Endpoint { Completions, ChatCompletions };

struct Usage {
  uint64_t promptTokens = 0;
  uint64_t completionTokens = 0;
};

/// What identifies every body and chunk of one response.
struct ResponseHeader {
  Endpoint endpoint = Endpoint::Completions;
  std::string id;
  int64_t created = 0;
  std::string model;
};

/// A new response id: "cmpl-..." or "chatcmpl-...".
std::string newResponseId(Endpoint endpoint);

/// The body of a non-streaming response.
std::string completionBody(const ResponseHeader &header, std::string_view text,
                           std::string_view finishReason, const Usage &usage);

/// One server-sent event of a stream, "data: {...}\n\n". For chat, `role`
/// puts the assistant's role in the delta (the first chunk); an empty
/// `finishReason` is null. `usage` is added to the last chunk when given.
std::string streamChunk(const ResponseHeader &header, bool role,
                        std::string_view text, std::string_view finishReason,
                        const std::optional<Usage> &usage = std::nullopt);

/// An error inside a stream (after the 200 was sent), as an event.
std::string streamError(const ApiError &error);

/// GET /v1/models.
std::string modelsBody(std::string_view model, int64_t created);

} // namespace moec::serve

#endif // MOEC_TOOLS_MOEC_SERVE_RESPONSES_H
