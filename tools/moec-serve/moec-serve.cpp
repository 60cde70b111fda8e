//===- moec-serve.cpp - An OpenAI-compatible server for moec artifacts ----===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// moec-serve ARTIFACT: serves /v1/completions and /v1/chat/completions
// (streamed or not) with a pool of sessions on one artifact.
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/Server.h"
#include "tools/moec-serve/SessionPool.h"
#include "tools/moec-serve/TextEngine.h"

#include "runtime/OutOfMemory.h"
#include "runtime/StringUtil.h"
#include "runtime/Version.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {
namespace rt = ::moec::runtime;
namespace serve = ::moec::serve;
using rt::strCat;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    R"(usage: moec-serve ARTIFACT [options]

Serves a compiled moec artifact over HTTP with OpenAI's API:
  GET  /health               {"status":"ok"}
  GET  /v1/models            the served model
  POST /v1/completions       "prompt" (encoded with <|begin_of_text|> first)
  POST /v1/chat/completions  "messages" rendered with the artifact's chat
                             template ("tools" passed to it)
with max_tokens (default 256), temperature, top_p, stop, seed and stream
(server-sent events). Every request starts from an empty KV cache.

options:
  --host HOST              address to listen on (default 127.0.0.1)
  --port PORT              port to listen on (default 8000; 0 picks a free one)
  --sessions N             sessions, i.e. requests generating at once
                           (default 2); each maps the weights file
  --max-queue N            requests that may wait for a session (default 64);
                           beyond that the server answers 503
  --max-prompt-tokens N    the longest prompt in tokens (default: the
                           artifact's context length)
  --model-name NAME        the model's name in responses (default: the
                           artifact file's name without its extension)
  --tokenizer DIR          a folder with tokenizer.json (and
                           tokenizer_config.json), used instead of the files
                           the artifact carries
  --token-delay-ms N       pause N ms after every token (for tests: lets a
                           client go away in the middle of a stream)
  -h, --help               print this help and exit
  --version                print the version and exit

When it is ready, moec-serve prints "moec-serve: listening on
http://HOST:PORT" to stderr. SIGINT or SIGTERM stops it (exit status 0).
)";

struct Options {
  std::string artifact;
  serve::ServerOptions server;
  size_t sessions = 2;
  size_t maxQueue = 64;
  std::string tokenizerDir;
  uint64_t tokenDelayMs = 0;
  bool help = false;
  bool version = false;
};

absl::StatusOr<uint64_t> parseCount(std::string_view name,
                                    std::string_view text, uint64_t min,
                                    uint64_t max) {
  uint64_t value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size() || value < min || value > max)
    return absl::InvalidArgumentError(strCat(
        name, ": '", text, "' is not an integer from ", min, " to ", max));
  return value;
}

absl::StatusOr<Options> parseArgs(const std::vector<std::string_view> &args) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg == "--version") {
      options.version = true;
      return options;
    }
    if (arg.empty() || arg[0] != '-') {
      if (!options.artifact.empty())
        return absl::InvalidArgumentError(strCat("more than one artifact: '",
                                                 options.artifact, "' and '",
                                                 arg, "'"));
      options.artifact = std::string(arg);
      continue;
    }
    // --name VALUE or --name=VALUE.
    std::string_view name = arg, value;
    bool inlineValue = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inlineValue = true;
    }
    static constexpr std::string_view kValued[] = {"--host",
                                                   "--port",
                                                   "--sessions",
                                                   "--max-queue",
                                                   "--max-prompt-tokens",
                                                   "--model-name",
                                                   "--tokenizer",
                                                   "--token-delay-ms"};
    if (std::find(std::begin(kValued), std::end(kValued), name) ==
        std::end(kValued))
      return absl::InvalidArgumentError(strCat("unknown option '", arg, "'"));
    if (!inlineValue) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(strCat(name, " needs a value"));
      value = args[++i];
    }
    if (name == "--host") {
      options.server.host = std::string(value);
    } else if (name == "--model-name") {
      options.server.modelName = std::string(value);
    } else if (name == "--tokenizer") {
      options.tokenizerDir = std::string(value);
    } else {
      uint64_t min = name == "--port" || name == "--max-queue" ||
                             name == "--token-delay-ms"
                         ? 0
                         : 1;
      uint64_t max = name == "--port"       ? 65535
                     : name == "--sessions" ? 256
                                            : (uint64_t(1) << 32);
      absl::StatusOr<uint64_t> count = parseCount(name, value, min, max);
      if (!count.ok())
        return count.status();
      if (name == "--port")
        options.server.port = int(*count);
      else if (name == "--sessions")
        options.sessions = *count;
      else if (name == "--token-delay-ms")
        options.tokenDelayMs = *count;
      else if (name == "--max-queue")
        options.maxQueue = *count;
      else
        options.server.maxPromptTokens = *count;
    }
  }
  if (options.artifact.empty())
    return absl::InvalidArgumentError("no artifact given");
  if (options.server.modelName.empty()) {
    std::string_view path = options.artifact;
    size_t slash = path.find_last_of('/');
    std::string_view file =
        slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t dot = file.find_last_of('.');
    options.server.modelName = std::string(
        dot == 0 || dot == std::string_view::npos ? file : file.substr(0, dot));
  }
  return options;
}

absl::Status serveArtifact(Options &options) {
  absl::StatusOr<std::unique_ptr<serve::SessionPool>> pool =
      serve::SessionPool::open(options.artifact, options.sessions,
                               options.maxQueue);
  if (!pool.ok())
    return pool.status();
  absl::StatusOr<serve::TextEngine> engine =
      serve::TextEngine::load((*pool)->any(), options.tokenizerDir);
  if (!engine.ok())
    return engine.status();
  engine->setTokenDelayMs(options.tokenDelayMs);
  // A worker per running or waiting request, and a few for the rest
  // (/health, the 503s).
  options.server.threads =
      std::min<size_t>(options.sessions + options.maxQueue + 4, 512);
  serve::Server server(options.server, **pool, *engine);
  absl::StatusOr<int> port = server.bind();
  if (!port.ok())
    return port.status();

  // SIGINT and SIGTERM are blocked in every thread (the mask is inherited)
  // and taken by sigwait() in one, which may then call anything: no work
  // happens in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (done)
      return;
    std::fprintf(stderr, "moec-serve: %s, shutting down\n",
                 signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  });
  std::fprintf(stderr, "moec-serve: listening on http://%s:%d\n",
               options.server.host.c_str(), *port);
  absl::Status status = server.run();
  done = true;
  // Wakes the watcher when the server stopped without a signal.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  if (status.ok())
    std::fprintf(stderr, "moec-serve: stopped\n");
  return status;
}

} // namespace

int main(int argc, char **argv) {
  moec::runtime::exitCleanlyOnOutOfMemory("moec-serve");
  std::vector<std::string_view> args(argv + 1, argv + argc);
  absl::StatusOr<Options> options = parseArgs(args);
  if (!options.ok()) {
    std::fprintf(stderr,
                 "moec-serve: error: %s\nRun 'moec-serve --help' for usage.\n",
                 std::string(options.status().message()).c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(std::string(kUsage).c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("moec-serve %s\n", MOEC_VERSION_STRING);
    return 0;
  }
  // Before any thread starts, so that every thread inherits the mask; a
  // client that goes away must not kill the server with SIGPIPE.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  if (absl::Status status = serveArtifact(*options); !status.ok()) {
    std::fprintf(stderr, "moec-serve: error: %s\n",
                 std::string(status.message()).c_str());
    return kExitFailure;
  }
  return 0;
}
