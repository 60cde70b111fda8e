//===- Server.h - moec-serve's HTTP server ----------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The OpenAI-compatible endpoints on cpp-httplib. httplib.h is included by
// Server.cpp only (it is a heavy header); this interface hides it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_SERVE_SERVER_H
#define MOEC_TOOLS_MOEC_SERVE_SERVER_H

#include "tools/moec-serve/SessionPool.h"
#include "tools/moec-serve/TextEngine.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace moec::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string modelName;
  /// --max-prompt-tokens; 0: the model's context length is the limit.
  uint64_t maxPromptTokens = 0;
  /// Request bodies past this many bytes get 413.
  size_t maxBodyBytes = size_t(8) << 20;
  /// HTTP worker threads: enough for the running and the waiting requests
  /// (the pool's queue), and a few more so that /health and 503s are
  /// answered while all of those are busy.
  size_t threads = 8;
};

class Server {
public:
  Server(ServerOptions options, SessionPool &pool, const TextEngine &engine);
  ~Server();

  /// Binds the listening socket; returns the port (the real one for 0).
  absl::StatusOr<int> bind();
  /// Serves until stop(); call after bind().
  absl::Status run();
  /// Stops serving: running generations are cancelled, waiting requests
  /// get 503. Thread-safe, and may come before run() starts.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace moec::serve

#endif // MOEC_TOOLS_MOEC_SERVE_SERVER_H
