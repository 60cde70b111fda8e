//===- SessionPool.h - moec-serve's sessions --------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A Session holds one KV cache and runs one generation at a time, so the
// server opens several on the same artifact and lends them out. Requests
// wait for a free one, but only so many: past --max-queue waiting requests
// the server answers 503 at once rather than piling up connections.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_SERVE_SESSIONPOOL_H
#define MOEC_TOOLS_MOEC_SERVE_SESSIONPOOL_H

#include "runtime/Session.h"

#include "absl/status/statusor.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace moec::serve {

class SessionPool;

/// A session on loan; it goes back to the pool when the lease is destroyed.
class SessionLease {
public:
  SessionLease(SessionPool &pool, runtime::Session &session)
      : pool(pool), session(session) {}
  SessionLease(const SessionLease &) = delete;
  SessionLease &operator=(const SessionLease &) = delete;
  ~SessionLease();

  runtime::Session &get() { return session; }

private:
  SessionPool &pool;
  runtime::Session &session;
};

class SessionPool {
public:
  SessionPool(std::vector<std::unique_ptr<runtime::Session>> sessions,
              size_t maxQueue);

  /// Opens `count` sessions on the artifact at `path`.
  static absl::StatusOr<std::unique_ptr<SessionPool>>
  open(const std::string &path, size_t count, size_t maxQueue);

  /// Waits for a free session. Unavailable when the queue is full or the
  /// pool is shutting down.
  absl::StatusOr<std::unique_ptr<SessionLease>> acquire();

  /// Fails the waiting requests and every later acquire().
  void shutdown();

  runtime::Session &any() { return *sessions.front(); }

private:
  friend class SessionLease;
  void release(runtime::Session &session);

  std::vector<std::unique_ptr<runtime::Session>> sessions;
  size_t maxQueue;
  std::mutex mutex;
  std::condition_variable available;
  std::vector<runtime::Session *> idle;
  size_t waiting = 0;
  bool closed = false;
};

} // namespace moec::serve

#endif // MOEC_TOOLS_MOEC_SERVE_SESSIONPOOL_H
