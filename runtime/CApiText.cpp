//===- CApiText.cpp - The C API's tokenizers and text generation ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// moec/moec.h's moec_tokenizer, moec_detokenizer, moec_apply_chat_template
// and moec_session_generate_text on top of Tokenizer, StreamingDecoder and
// ChatTemplate.
//
//===----------------------------------------------------------------------===//

#include "runtime/CApiInternal.h"
#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"
#include "runtime/text/ArtifactText.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace rt = moec::runtime;
namespace capi = moec::runtime::capi;
using rt::strCat;

struct moec_tokenizer {
  rt::Tokenizer tokenizer;
  /// The chat template, or why there is none.
  absl::StatusOr<rt::ChatTemplateConfig> chatConfig;
  std::optional<rt::ChatTemplate> chatTemplate;
  std::string lastError;
};

struct moec_detokenizer {
  rt::StreamingDecoder decoder;
  std::string text;
};

namespace {

/// Parses the chat template of `config` (when there is one) into `t`.
void setChatTemplate(moec_tokenizer &t,
                     absl::StatusOr<rt::ChatTemplateConfig> config) {
  t.chatConfig = std::move(config);
  if (!t.chatConfig.ok())
    return;
  absl::StatusOr<rt::ChatTemplate> parsed =
      rt::ChatTemplate::parse(t.chatConfig->templateSource);
  if (parsed.ok())
    t.chatTemplate = *std::move(parsed);
  else
    t.chatConfig = parsed.status();
}

moec_status openFailure(const absl::Status &status) {
  return capi::fail(capi::globalLastError(), status);
}

/// Copies `text` with a NUL into out[0, capacity).
moec_status copyOut(moec_tokenizer *t, const std::string &text, char *out,
                    size_t capacity, size_t *length, const char *function) {
  if (length)
    *length = text.size();
  if (!out || capacity < text.size() + 1)
    return capi::fail(t->lastError, MOEC_BUFFER_TOO_SMALL,
                      strCat(function, ": the text needs ", text.size() + 1,
                             " bytes with its NUL, out_capacity is ",
                             capacity));
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return MOEC_OK;
}

absl::StatusOr<rt::JsonValue> parseJsonArgument(const char *json,
                                                const char *name) {
  absl::StatusOr<rt::JsonValue> value = rt::parseJson(json);
  if (!value.ok())
    return absl::InvalidArgumentError(
        strCat(name, ": ", value.status().message()));
  if (!value->isArray())
    return absl::InvalidArgumentError(strCat(name,
                                             ": expected a JSON array, found ",
                                             rt::jsonKindName(value->kind())));
  return value;
}

/// The stop tokens of a text generation: `options`' own, or the artifact's
/// and the tokenizer's end-of-turn tokens.
std::vector<int32_t> textStopIds(const rt::Session &session,
                                 const rt::Tokenizer &tokenizer,
                                 const moec_generate_options &options) {
  if (options.stop_token_ids)
    return {options.stop_token_ids,
            options.stop_token_ids + options.num_stop_token_ids};
  return rt::textStopTokenIds(session.artifact().config(), tokenizer);
}

} // namespace

extern "C" {

moec_status moec_tokenizer_open_from_session(const moec_session *session,
                                             moec_tokenizer **out) {
  if (!out || !session)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_tokenizer_open_from_session: session or out is "
                      "NULL");
  *out = nullptr;
  const rt::Artifact &artifact = session->session->artifact();
  absl::StatusOr<rt::Tokenizer> tokenizer =
      rt::loadArtifactTokenizer(artifact, "");
  if (!tokenizer.ok())
    // A missing tokenizer is MOEC_NOT_FOUND here (the header says so).
    return openFailure(absl::IsFailedPrecondition(tokenizer.status())
                           ? absl::NotFoundError(tokenizer.status().message())
                           : tokenizer.status());
  auto *t = new moec_tokenizer{
      *std::move(tokenizer), absl::NotFoundError("no chat template"), {}, {}};
  absl::StatusOr<rt::ChatTemplateConfig> config =
      rt::loadArtifactChatConfig(artifact, "");
  if (absl::IsFailedPrecondition(config.status()))
    config = absl::NotFoundError(config.status().message());
  setChatTemplate(*t, std::move(config));
  *out = t;
  return MOEC_OK;
}

moec_status moec_tokenizer_open(const char *path, moec_tokenizer **out) {
  if (!out || !path)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_tokenizer_open: path or out is NULL");
  *out = nullptr;
  absl::StatusOr<rt::Tokenizer> tokenizer = rt::Tokenizer::load(path);
  if (!tokenizer.ok())
    return openFailure(tokenizer.status());
  auto *t = new moec_tokenizer{
      *std::move(tokenizer), absl::NotFoundError("no chat template"), {}, {}};
  if (rt::isDirectory(path))
    setChatTemplate(*t, rt::loadChatTemplateConfig(path));
  else
    t->chatConfig = absl::NotFoundError(
        strCat(path, " is a tokenizer.json file: open its folder for the "
                     "chat template"));
  *out = t;
  return MOEC_OK;
}

void moec_tokenizer_close(moec_tokenizer *tokenizer) { delete tokenizer; }

const char *moec_tokenizer_last_error(const moec_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->lastError.c_str()
                   : capi::globalLastError().c_str();
}

moec_status moec_tokenize(moec_tokenizer *t, const char *text, size_t length,
                          int addSpecialTokens, int64_t *outIds,
                          size_t outCapacity, size_t *outCount) {
  if (!t)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_tokenize: the tokenizer is NULL");
  if ((!text && length > 0) || (!outIds && outCapacity > 0) || !outCount)
    return capi::fail(t->lastError, MOEC_INVALID_ARGUMENT,
                      "moec_tokenize: text, out_ids or out_count is NULL");
  absl::StatusOr<std::vector<int64_t>> ids = t->tokenizer.encode(
      std::string_view(text ? text : "", length), addSpecialTokens != 0);
  if (!ids.ok())
    return capi::fail(t->lastError, ids.status());
  *outCount = ids->size();
  if (outCapacity < ids->size())
    return capi::fail(t->lastError, MOEC_BUFFER_TOO_SMALL,
                      strCat("moec_tokenize: the text encodes to ", ids->size(),
                             " ids, out_capacity is ", outCapacity));
  std::copy(ids->begin(), ids->end(), outIds);
  return MOEC_OK;
}

moec_status moec_detokenize(moec_tokenizer *t, const int64_t *ids, size_t n,
                            int skipSpecialTokens, char *out,
                            size_t outCapacity, size_t *outLength) {
  if (!t)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_detokenize: the tokenizer is NULL");
  if ((!ids && n > 0) || !outLength)
    return capi::fail(t->lastError, MOEC_INVALID_ARGUMENT,
                      "moec_detokenize: ids or out_length is NULL");
  std::string text =
      t->tokenizer.decode(absl::MakeConstSpan(ids, n), skipSpecialTokens != 0);
  return copyOut(t, text, out, outCapacity, outLength, "moec_detokenize");
}

moec_status moec_detokenizer_create(moec_tokenizer *t, int skipSpecialTokens,
                                    moec_detokenizer **out) {
  if (!t || !out)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_detokenizer_create: tokenizer or out is NULL");
  *out = new moec_detokenizer{
      rt::StreamingDecoder(t->tokenizer, skipSpecialTokens != 0), {}};
  return MOEC_OK;
}

const char *moec_detokenizer_feed(moec_detokenizer *d, int64_t id,
                                  size_t *length) {
  if (!d)
    return nullptr;
  d->text = d->decoder.feed(id);
  if (length)
    *length = d->text.size();
  return d->text.c_str();
}

const char *moec_detokenizer_finish(moec_detokenizer *d, size_t *length) {
  if (!d)
    return nullptr;
  d->text = d->decoder.finish();
  if (length)
    *length = d->text.size();
  return d->text.c_str();
}

void moec_detokenizer_destroy(moec_detokenizer *d) { delete d; }

moec_status moec_apply_chat_template(moec_tokenizer *t,
                                     const char *messagesJson,
                                     const char *toolsJson,
                                     int addGenerationPrompt, char *out,
                                     size_t outCapacity, size_t *outLength) {
  if (!t)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_apply_chat_template: the tokenizer is NULL");
  if (!messagesJson || !outLength)
    return capi::fail(t->lastError, MOEC_INVALID_ARGUMENT,
                      "moec_apply_chat_template: messages_json or out_length "
                      "is NULL");
  if (!t->chatTemplate)
    return capi::fail(t->lastError,
                      t->chatConfig.ok()
                          ? absl::NotFoundError("no chat template")
                          : t->chatConfig.status());
  rt::ChatRequest request;
  absl::StatusOr<rt::JsonValue> messages =
      parseJsonArgument(messagesJson, "messages_json");
  if (!messages.ok())
    return capi::fail(t->lastError, messages.status());
  request.messages = *std::move(messages);
  if (toolsJson) {
    absl::StatusOr<rt::JsonValue> tools =
        parseJsonArgument(toolsJson, "tools_json");
    if (!tools.ok())
      return capi::fail(t->lastError, tools.status());
    request.tools = *std::move(tools);
  }
  request.addGenerationPrompt = addGenerationPrompt != 0;
  absl::StatusOr<std::string> rendered = rt::applyChatTemplate(
      *t->chatTemplate, request, t->chatConfig->specialTokens);
  if (!rendered.ok())
    return capi::fail(t->lastError, rendered.status());
  return copyOut(t, *rendered, out, outCapacity, outLength,
                 "moec_apply_chat_template");
}

moec_status moec_session_generate_text(moec_session *session, moec_tokenizer *t,
                                       const char *prompt, int addSpecialTokens,
                                       const moec_generate_options *options,
                                       moec_text_callback onText,
                                       void *userData, size_t *outCount) {
  if (!session)
    return capi::fail(capi::globalLastError(), MOEC_INVALID_ARGUMENT,
                      "moec_session_generate_text: the session is NULL");
  if (!t || !prompt)
    return capi::fail(session->lastError, MOEC_INVALID_ARGUMENT,
                      "moec_session_generate_text: tokenizer or prompt is "
                      "NULL");
  if (outCount)
    *outCount = 0;
  moec_generate_options c;
  moec_generate_options_init(&c);
  if (options)
    c = *options;
  if (!c.stop_token_ids && c.num_stop_token_ids > 0)
    return capi::fail(session->lastError, MOEC_INVALID_ARGUMENT,
                      "moec_session_generate_text: stop_token_ids is NULL but "
                      "num_stop_token_ids is not 0");
  absl::StatusOr<std::vector<int64_t>> ids =
      t->tokenizer.encode(prompt, addSpecialTokens != 0);
  if (!ids.ok())
    return capi::fail(session->lastError, ids.status());
  rt::GenerateOptions o;
  o.maxNewTokens = c.max_new_tokens;
  o.sampling.temperature = c.temperature;
  o.sampling.topP = c.top_p;
  o.seed = c.seed;
  o.stopTokenIds = textStopIds(*session->session, t->tokenizer, c);
  rt::StreamingDecoder decoder(t->tokenizer, /*skipSpecialTokens=*/true);
  bool cancelled = false;
  o.onToken = [&](int64_t token) {
    std::string text = decoder.feed(token);
    if (onText && !text.empty() && onText(text.data(), text.size(), userData))
      cancelled = true;
    if (c.on_token && c.on_token(token, c.user_data))
      cancelled = true;
    return !cancelled;
  };
  absl::StatusOr<rt::GenerateResult> result =
      session->session->generate(*ids, o);
  if (!result.ok())
    return capi::fail(session->lastError, result.status());
  std::string rest = decoder.finish();
  if (onText && !cancelled && !rest.empty())
    onText(rest.data(), rest.size(), userData);
  if (outCount)
    *outCount = result->tokens.size();
  return MOEC_OK;
}

} // extern "C"
