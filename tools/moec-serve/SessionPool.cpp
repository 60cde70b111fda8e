//===- SessionPool.cpp - moec-serve's sessions ----------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-serve/SessionPool.h"

#include "runtime/StringUtil.h"

namespace moec::serve {
namespace rt = ::moec::runtime;

SessionLease::~SessionLease() { pool.release(session); }

SessionPool::SessionPool(std::vector<std::unique_ptr<rt::Session>> sessions,
                         size_t maxQueue)
    : sessions(std::move(sessions)), maxQueue(maxQueue) {
  for (const std::unique_ptr<rt::Session> &session : this->sessions)
    idle.push_back(session.get());
}

absl::StatusOr<std::unique_ptr<SessionPool>>
SessionPool::open(const std::string &path, size_t count, size_t maxQueue) {
  std::vector<std::unique_ptr<rt::Session>> sessions;
  rt::SessionOptions options;
  // One progress line per session would only repeat itself.
  options.progress = false;
  for (size_t i = 0; i < count; ++i) {
    absl::StatusOr<std::unique_ptr<rt::Session>> session =
        rt::Session::open(path, options);
    if (!session.ok())
      return session.status();
    sessions.push_back(*std::move(session));
  }
  return std::make_unique<SessionPool>(std::move(sessions), maxQueue);
}

absl::StatusOr<std::unique_ptr<SessionLease>> SessionPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex);
  if (idle.empty()) {
    if (closed || waiting >= maxQueue)
      return absl::UnavailableError(rt::strCat(
          "the server is busy: ", sessions.size(), " requests are running and ",
          waiting, " are waiting; try again later"));
    ++waiting;
    available.wait(lock, [&] { return closed || !idle.empty(); });
    --waiting;
  }
  if (closed)
    return absl::UnavailableError("the server is shutting down");
  rt::Session *session = idle.back();
  idle.pop_back();
  return std::make_unique<SessionLease>(*this, *session);
}

void SessionPool::release(rt::Session &session) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(&session);
  }
  available.notify_one();
}

void SessionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    closed = true;
  }
  available.notify_all();
}

} // namespace moec::serve
