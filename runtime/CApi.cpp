//===- CApi.cpp - The moec runtime's C API --------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements runtime/include/moec/moec.h on top of Session: status
// mapping, last-error strings, and argument checks (NULL pointers, buffer
// capacities) before anything runs.
//
//===----------------------------------------------------------------------===//

#include "runtime/CApiInternal.h"
#include "runtime/StringUtil.h"

#include <limits>
#include <memory>
#include <string>

using moec::runtime::GenerateOptions;
using moec::runtime::GenerateResult;
using moec::runtime::Session;
using moec::runtime::SessionOptions;

namespace capi = moec::runtime::capi;

std::string &capi::globalLastError() {
  static thread_local std::string message;
  return message;
}

moec_status capi::toStatus(const absl::Status &status) {
  switch (status.code()) {
  case absl::StatusCode::kOk:
    return MOEC_OK;
  case absl::StatusCode::kInvalidArgument:
    return MOEC_INVALID_ARGUMENT;
  case absl::StatusCode::kNotFound:
    return MOEC_NOT_FOUND;
  case absl::StatusCode::kOutOfRange:
    return MOEC_CONTEXT_FULL;
  case absl::StatusCode::kUnimplemented:
    return MOEC_UNIMPLEMENTED;
  case absl::StatusCode::kFailedPrecondition:
    return MOEC_FAILED_PRECONDITION;
  default:
    return MOEC_INTERNAL;
  }
}

/// Records `status`'s message as the last error of `session` (or the
/// global one for NULL) and returns its moec_status.
static moec_status fail(moec_session *session, const absl::Status &status) {
  return capi::fail(session ? session->lastError : capi::globalLastError(),
                    status);
}

static moec_status fail(moec_session *session, moec_status status,
                        std::string message) {
  return capi::fail(session ? session->lastError : capi::globalLastError(),
                    status, std::move(message));
}

static moec_status nullSession(const char *function) {
  return fail(nullptr, MOEC_INVALID_ARGUMENT,
              moec::runtime::strCat(function, ": the session is NULL"));
}

extern "C" {

void moec_generate_options_init(moec_generate_options *options) {
  if (!options)
    return;
  *options = moec_generate_options{};
  options->max_new_tokens = 16;
  options->top_p = 1.0f;
}

moec_status moec_session_open(const char *artifactPath, const char *device,
                              moec_session **out) {
  if (!out)
    return fail(nullptr, MOEC_INVALID_ARGUMENT,
                "moec_session_open: out is NULL");
  *out = nullptr;
  if (!artifactPath)
    return fail(nullptr, MOEC_INVALID_ARGUMENT,
                "moec_session_open: artifact_path is NULL");
  SessionOptions options;
  options.device = device ? device : "cpu";
  // A library prints nothing on its host's terminal.
  options.progress = false;
  absl::StatusOr<std::unique_ptr<Session>> session =
      Session::open(artifactPath, options);
  if (!session.ok())
    return fail(nullptr, session.status());
  *out = new moec_session{*std::move(session), std::string()};
  return MOEC_OK;
}

void moec_session_close(moec_session *session) { delete session; }

moec_status moec_session_reset(moec_session *session) {
  if (!session)
    return nullSession("moec_session_reset");
  session->session->reset();
  session->lastError.clear();
  return MOEC_OK;
}

moec_status moec_session_forward(moec_session *session, const int64_t *ids,
                                 size_t n, float *logitsOut,
                                 size_t logitsCapacity) {
  if (!session)
    return nullSession("moec_session_forward");
  if ((!ids && n > 0) || !logitsOut)
    return fail(session, MOEC_INVALID_ARGUMENT,
                "moec_session_forward: ids or logits_out is NULL");
  size_t vocab = session->session->vocabSize();
  if (n > std::numeric_limits<size_t>::max() / vocab ||
      logitsCapacity < n * vocab)
    return fail(session, MOEC_BUFFER_TOO_SMALL,
                moec::runtime::strCat("moec_session_forward: logits_capacity ",
                                      logitsCapacity, " is below ", n,
                                      " tokens x vocab ", vocab));
  absl::Status status = session->session->forward(
      absl::MakeConstSpan(ids, n), absl::MakeSpan(logitsOut, logitsCapacity));
  return status.ok() ? MOEC_OK : fail(session, status);
}

moec_status moec_session_generate(moec_session *session, const int64_t *prompt,
                                  size_t n,
                                  const moec_generate_options *options,
                                  int64_t *outIds, size_t outCapacity,
                                  size_t *outCount) {
  if (!session)
    return nullSession("moec_session_generate");
  if ((!prompt && n > 0) || (!outIds && outCapacity > 0) || !outCount)
    return fail(session, MOEC_INVALID_ARGUMENT,
                "moec_session_generate: prompt, out_ids or out_count is NULL");
  *outCount = 0;
  moec_generate_options c;
  moec_generate_options_init(&c);
  c.max_new_tokens = outCapacity;
  if (options)
    c = *options;
  if (outCapacity < c.max_new_tokens)
    return fail(session, MOEC_BUFFER_TOO_SMALL,
                moec::runtime::strCat("moec_session_generate: out_capacity ",
                                      outCapacity, " is below max_new_tokens ",
                                      c.max_new_tokens));
  if (c.stop_token_ids == nullptr && c.num_stop_token_ids > 0)
    return fail(session, MOEC_INVALID_ARGUMENT,
                "moec_session_generate: stop_token_ids is NULL but "
                "num_stop_token_ids is not 0");
  GenerateOptions o;
  o.maxNewTokens = c.max_new_tokens;
  o.sampling.temperature = c.temperature;
  o.sampling.topP = c.top_p;
  o.seed = c.seed;
  if (c.stop_token_ids)
    o.stopTokenIds = std::vector<int32_t>(
        c.stop_token_ids, c.stop_token_ids + c.num_stop_token_ids);
  if (c.on_token)
    o.onToken = [&c](int64_t token) {
      return c.on_token(token, c.user_data) == 0;
    };
  absl::StatusOr<GenerateResult> result =
      session->session->generate(absl::MakeConstSpan(prompt, n), o);
  if (!result.ok())
    return fail(session, result.status());
  for (size_t i = 0; i < result->tokens.size(); ++i)
    outIds[i] = result->tokens[i];
  *outCount = result->tokens.size();
  return MOEC_OK;
}

size_t moec_session_vocab_size(const moec_session *session) {
  return session ? session->session->vocabSize() : 0;
}

size_t moec_session_position(const moec_session *session) {
  return session ? size_t(session->session->position()) : 0;
}

size_t moec_session_context_length(const moec_session *session) {
  if (!session)
    return 0;
  uint64_t length = session->session->contextLength();
  return length > std::numeric_limits<size_t>::max() ? SIZE_MAX
                                                     : size_t(length);
}

const char *moec_session_last_error(const moec_session *session) {
  return session ? session->lastError.c_str() : capi::globalLastError().c_str();
}

const char *moec_last_error(void) { return capi::globalLastError().c_str(); }

const char *moec_status_name(moec_status status) {
  switch (status) {
  case MOEC_OK:
    return "MOEC_OK";
  case MOEC_INVALID_ARGUMENT:
    return "MOEC_INVALID_ARGUMENT";
  case MOEC_NOT_FOUND:
    return "MOEC_NOT_FOUND";
  case MOEC_CONTEXT_FULL:
    return "MOEC_CONTEXT_FULL";
  case MOEC_UNIMPLEMENTED:
    return "MOEC_UNIMPLEMENTED";
  case MOEC_BUFFER_TOO_SMALL:
    return "MOEC_BUFFER_TOO_SMALL";
  case MOEC_FAILED_PRECONDITION:
    return "MOEC_FAILED_PRECONDITION";
  case MOEC_INTERNAL:
    return "MOEC_INTERNAL";
  }
  return "unknown moec_status";
}

} // extern "C"
