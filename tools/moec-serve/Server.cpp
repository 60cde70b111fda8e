//===- Server.cpp - moec-serve's HTTP server ------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/Server.h"

#include "tools/moec-serve/Requests.h"
#include "tools/moec-serve/Responses.h"

#include "runtime/StringUtil.h"

// The only file that includes httplib.h. Debian's header declares the
// library whose code is in libcpp-httplib.so (compiled with exceptions,
// which never cross into this code: our handlers do not throw), so it
// compiles with -fno-exceptions.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

namespace moec::serve {
namespace rt = ::moec::runtime;
using rt::strCat;

namespace {

constexpr const char *kJson = "application/json";

void sendError(httplib::Response &res, const ApiError &error) {
  res.status = error.status;
  res.set_content(errorBody(error), kJson);
}

ApiError serverError(int status, std::string type, std::string message) {
  ApiError error;
  error.status = status;
  error.type = std::move(type);
  error.message = std::move(message);
  return error;
}

/// The state of one streamed response, shared by the content provider
/// (httplib copies it) and released when the stream ends.
struct Stream {
  std::unique_ptr<SessionLease> lease;
  GenerationRequest request;
  std::vector<int64_t> prompt;
  ResponseHeader header;
};

} // namespace

struct Server::Impl {
  ServerOptions options;
  SessionPool &pool;
  const TextEngine &engine;
  httplib::Server http;
  std::atomic<bool> stopping{false};
  int64_t started = std::time(nullptr);

  Impl(ServerOptions options, SessionPool &pool, const TextEngine &engine)
      : options(std::move(options)), pool(pool), engine(engine) {}

  void routes();
  void generate(const httplib::Request &req, httplib::Response &res,
                Endpoint endpoint);
  void stream(std::shared_ptr<Stream> state, httplib::Response &res);
  uint64_t promptLimit() {
    uint64_t context = pool.any().contextLength();
    return options.maxPromptTokens ? std::min(options.maxPromptTokens, context)
                                   : context;
  }
};

Server::Server(ServerOptions options, SessionPool &pool,
               const TextEngine &engine)
    : impl(std::make_unique<Impl>(std::move(options), pool, engine)) {
  impl->routes();
}

Server::~Server() = default;

void Server::Impl::routes() {
  size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options.maxBodyBytes);
  // Idle keep-alive connections hold a worker; a short timeout frees it
  // (and lets shutdown finish) sooner than httplib's default of 5 s.
  http.set_keep_alive_timeout(2);

  http.Get("/health", [](const httplib::Request &, httplib::Response &res) {
    res.set_content("{\"status\":\"ok\"}", kJson);
  });
  http.Get("/v1/models",
           [this](const httplib::Request &, httplib::Response &res) {
             res.set_content(modelsBody(options.modelName, started), kJson);
           });
  http.Post("/v1/completions",
            [this](const httplib::Request &req, httplib::Response &res) {
              generate(req, res, Endpoint::Completions);
            });
  http.Post("/v1/chat/completions",
            [this](const httplib::Request &req, httplib::Response &res) {
              generate(req, res, Endpoint::ChatCompletions);
            });

  // httplib calls this for every status >= 400, ours included: only the
  // ones httplib made itself (no body yet) get an OpenAI error body.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request &req, httplib::Response &res) {
        if (!res.body.empty() || res.content_length_ > 0)
          return httplib::Server::HandlerResponse::Unhandled;
        bool known = req.path == "/health" || req.path == "/v1/models" ||
                     req.path == "/v1/completions" ||
                     req.path == "/v1/chat/completions";
        ApiError error;
        error.status = res.status;
        if (res.status == 404 && known) {
          // The path exists, with another method: httplib only knows 404.
          bool post = req.path == "/v1/completions" ||
                      req.path == "/v1/chat/completions";
          error.status = 405;
          error.message = strCat("method ", req.method, " is not allowed on ",
                                 req.path, "; use ", post ? "POST" : "GET");
          res.set_header("Allow", post ? "POST" : "GET");
        } else if (res.status == 404) {
          error.message =
              strCat("unknown endpoint: ", req.method, " ", req.path);
        } else if (res.status == 413) {
          error.message = "the request body is too large";
        } else {
          error.message = strCat("HTTP error ", res.status);
        }
        sendError(res, error);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

void Server::Impl::generate(const httplib::Request &req, httplib::Response &res,
                            Endpoint endpoint) {
  auto state = std::make_shared<Stream>();
  if (std::optional<ApiError> e =
          parseGenerationRequest(req.body, endpoint, state->request))
    return sendError(res, *e);
  if (std::optional<ApiError> e =
          engine.promptIds(state->request, promptLimit(), state->prompt))
    return sendError(res, *e);
  absl::StatusOr<std::unique_ptr<SessionLease>> lease = pool.acquire();
  if (!lease.ok())
    return sendError(res, serverError(503, "server_error",
                                      std::string(lease.status().message())));
  state->lease = *std::move(lease);
  state->header.endpoint = endpoint;
  state->header.id = newResponseId(endpoint);
  state->header.created = std::time(nullptr);
  state->header.model = options.modelName;
  if (state->request.stream)
    return stream(std::move(state), res);

  absl::StatusOr<TextResult> result = engine.generate(
      state->lease->get(), state->request, state->prompt,
      [](std::string_view) { return true; }, stopping);
  state->lease.reset();
  if (!result.ok())
    return sendError(res, serverError(500, "server_error",
                                      strCat("generation failed: ",
                                             result.status().message())));
  if (result->cancelled)
    return sendError(
        res, serverError(503, "server_error", "the server is shutting down"));
  Usage usage{state->prompt.size(), result->completionTokens};
  res.set_content(
      completionBody(state->header, result->text, result->finishReason, usage),
      kJson);
}

/// Server-sent events: the generation runs in httplib's content provider,
/// which writes each piece of text as it is decoded. A write that fails (the
/// client went away) cancels the generation.
void Server::Impl::stream(std::shared_ptr<Stream> state,
                          httplib::Response &res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [this, state](size_t, httplib::DataSink &sink) {
        auto write = [&sink](const std::string &event) {
          return sink.is_writable() && sink.write(event.data(), event.size());
        };
        bool chat = state->header.endpoint == Endpoint::ChatCompletions;
        if (chat && !write(streamChunk(state->header, true, "", "")))
          return false;
        absl::StatusOr<TextResult> result = engine.generate(
            state->lease->get(), state->request, state->prompt,
            [&](std::string_view text) {
              return write(streamChunk(state->header, false, text, ""));
            },
            stopping);
        // The session goes back now, not when httplib drops the provider.
        state->lease.reset();
        if (!result.ok()) {
          write(streamError(serverError(
              500, "server_error",
              strCat("generation failed: ", result.status().message()))));
        } else {
          if (result->cancelled) {
            std::fprintf(stderr,
                         "moec-serve: %s: generation cancelled after %llu "
                         "tokens (%s)\n",
                         state->header.id.c_str(),
                         (unsigned long long)result->completionTokens,
                         stopping ? "shutting down" : "the client went away");
            return false;
          }
          std::optional<Usage> usage;
          if (state->request.streamUsage)
            usage = Usage{state->prompt.size(), result->completionTokens};
          if (!write(streamChunk(state->header, false, "", result->finishReason,
                                 usage)))
            return false;
        }
        if (!write("data: [DONE]\n\n"))
          return false;
        sink.done();
        return true;
      });
}

absl::StatusOr<int> Server::bind() {
  int port =
      impl->options.port == 0
          ? impl->http.bind_to_any_port(impl->options.host)
          : (impl->http.bind_to_port(impl->options.host, impl->options.port)
                 ? impl->options.port
                 : -1);
  if (port < 0)
    return absl::UnavailableError(strCat(
        "cannot listen on ", impl->options.host, ":", impl->options.port));
  return port;
}

absl::Status Server::run() {
  if (impl->stopping)
    return absl::OkStatus();
  if (!impl->http.listen_after_bind() && !impl->stopping)
    return absl::InternalError("the server stopped unexpectedly");
  return absl::OkStatus();
}

void Server::stop() {
  impl->stopping = true;
  impl->pool.shutdown();
  // httplib's stop() does nothing before listen_after_bind() has started,
  // so a stop that comes early is repeated until the server is running.
  for (int i = 0; i < 100 && !impl->http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl->http.stop();
}

} // namespace moec::serve
