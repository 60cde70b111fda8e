//===- Requests.cpp - moec-serve's request parsing ------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/Requests.h"

#include "runtime/StringUtil.h"

#include <cmath>

namespace moec::serve {
namespace rt = ::moec::runtime;
using rt::JsonValue;
using rt::strCat;

static ApiError invalid(std::string param, std::string message) {
  ApiError error;
  error.status = 400;
  error.param = std::move(param);
  error.message = std::move(message);
  return error;
}

static ApiError wrongType(const std::string &param, std::string_view expected,
                          const JsonValue &value) {
  return invalid(param, strCat("'", param, "' must be ", expected, ", not ",
                               rt::jsonKindName(value.kind())));
}

/// The field `name` of `body`; JSON null counts as absent, as in OpenAI's
/// API (clients send "stop": null and the like).
static const JsonValue *field(const JsonValue &body, std::string_view name) {
  const JsonValue *value = body.find(name);
  return value && !value->isNull() ? value : nullptr;
}

static std::optional<ApiError> parseNumber(const JsonValue &body,
                                           const std::string &name, double min,
                                           double max, float &out) {
  const JsonValue *value = field(body, name);
  if (!value)
    return std::nullopt;
  std::optional<double> number = value->asDouble();
  if (!value->isNumber() || !number)
    return wrongType(name, "a number", *value);
  if (!std::isfinite(*number) || *number < min || *number > max)
    return invalid(name, strCat("'", name, "' must be between ", min, " and ",
                                max, ", not ", *number));
  out = float(*number);
  return std::nullopt;
}

/// A non-negative integer (a float with an integral value is accepted, as
/// some clients write 16.0).
static std::optional<ApiError> parseCount(const JsonValue &body,
                                          const std::string &name, uint64_t min,
                                          uint64_t &out) {
  const JsonValue *value = field(body, name);
  if (!value)
    return std::nullopt;
  std::optional<double> number = value->asDouble();
  std::optional<int64_t> integer = value->asInt();
  if (!integer && number && std::floor(*number) == *number &&
      std::fabs(*number) < 9.0e15)
    integer = int64_t(*number);
  if (!value->isNumber() || !integer)
    return wrongType(name, "an integer", *value);
  if (*integer < int64_t(min))
    return invalid(name, strCat("'", name, "' must be at least ", min, ", not ",
                                *integer));
  out = uint64_t(*integer);
  return std::nullopt;
}

static std::optional<ApiError> parseStop(const JsonValue &body,
                                         std::vector<std::string> &out) {
  const JsonValue *value = field(body, "stop");
  if (!value)
    return std::nullopt;
  if (const std::string *text = value->asString()) {
    if (!text->empty())
      out.push_back(*text);
    return std::nullopt;
  }
  const JsonValue::Array *array = value->asArray();
  if (!array)
    return wrongType("stop", "a string or an array of strings", *value);
  for (const JsonValue &element : *array) {
    const std::string *text = element.asString();
    if (!text)
      return wrongType("stop", "a string or an array of strings", element);
    if (!text->empty())
      out.push_back(*text);
  }
  return std::nullopt;
}

/// Checks the shape the chat template relies on: an array of objects with
/// a string role and a string, array or null content. The messages are
/// passed to the template as sent (tool calls and the like included).
static std::optional<ApiError> checkMessages(const JsonValue *messages) {
  if (!messages)
    return invalid("messages", "'messages' is required");
  const JsonValue::Array *array = messages->asArray();
  if (!array)
    return wrongType("messages", "an array", *messages);
  if (array->empty())
    return invalid("messages", "'messages' must not be empty");
  for (size_t i = 0; i < array->size(); ++i) {
    const JsonValue &message = (*array)[i];
    std::string name = strCat("messages[", i, "]");
    if (!message.isObject())
      return wrongType(name, "an object", message);
    const JsonValue *role = message.find("role");
    if (!role || !role->isString())
      return invalid(strCat(name, ".role"),
                     strCat("'", name, ".role' must be a string"));
    const JsonValue *content = message.find("content");
    if (content && !content->isNull() && !content->isString() &&
        !content->isArray())
      return wrongType(strCat(name, ".content"), "a string or an array",
                       *content);
  }
  return std::nullopt;
}

std::optional<ApiError> parseGenerationRequest(std::string_view text,
                                               Endpoint endpoint,
                                               GenerationRequest &request) {
  absl::StatusOr<JsonValue> parsed = rt::parseJson(text);
  if (!parsed.ok())
    return invalid(
        "", strCat("the body is not valid JSON: ", parsed.status().message()));
  const JsonValue &body = *parsed;
  if (!body.isObject())
    return invalid("", strCat("the body must be a JSON object, not ",
                              rt::jsonKindName(body.kind())));
  request.endpoint = endpoint;
  if (const JsonValue *model = field(body, "model");
      model && !model->isString())
    return wrongType("model", "a string", *model);
  if (endpoint == Endpoint::Completions) {
    const JsonValue *prompt = field(body, "prompt");
    if (!prompt)
      return invalid("prompt", "'prompt' is required");
    // A one-element array is the same prompt; batches are not served.
    if (const JsonValue::Array *array = prompt->asArray();
        array && array->size() == 1)
      prompt = &(*array)[0];
    const std::string *string = prompt->asString();
    if (!string)
      return wrongType("prompt", "a string", *prompt);
    request.prompt = *string;
  } else {
    const JsonValue *messages = field(body, "messages");
    if (std::optional<ApiError> e = checkMessages(messages))
      return e;
    request.messages = *messages;
    if (const JsonValue *tools = field(body, "tools")) {
      if (!tools->isArray())
        return wrongType("tools", "an array", *tools);
      request.tools = *tools;
    }
  }
  // max_completion_tokens is the newer name of max_tokens in chat.
  for (const char *name : {"max_tokens", "max_completion_tokens"})
    if (std::optional<ApiError> e =
            parseCount(body, name, 1, request.maxTokens))
      return e;
  if (std::optional<ApiError> e =
          parseNumber(body, "temperature", 0, 2, request.temperature))
    return e;
  if (std::optional<ApiError> e =
          parseNumber(body, "top_p", 0, 1, request.topP))
    return e;
  if (const JsonValue *topP = field(body, "top_p"); topP && request.topP <= 0)
    return invalid("top_p", "'top_p' must be greater than 0");
  if (std::optional<ApiError> e = parseCount(body, "seed", 0, request.seed))
    return e;
  uint64_t n = 1;
  if (std::optional<ApiError> e = parseCount(body, "n", 1, n))
    return e;
  if (n != 1)
    return invalid("n", "only 'n': 1 is supported");
  if (std::optional<ApiError> e = parseStop(body, request.stop))
    return e;
  if (const JsonValue *stream = field(body, "stream")) {
    std::optional<bool> value = stream->asBool();
    if (stream->kind() != rt::JsonKind::Bool || !value)
      return wrongType("stream", "a boolean", *stream);
    request.stream = *value;
  }
  if (const JsonValue *options = field(body, "stream_options")) {
    if (!options->isObject())
      return wrongType("stream_options", "an object", *options);
    if (const JsonValue *usage = field(*options, "include_usage")) {
      if (usage->kind() != rt::JsonKind::Bool)
        return wrongType("stream_options.include_usage", "a boolean", *usage);
      request.streamUsage = *usage->asBool();
    }
  }
  return std::nullopt;
}

} // namespace moec::serve
