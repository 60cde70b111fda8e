//===- CApiInternal.h - Shared pieces of the C API --------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The session handle and the status mapping of moec/moec.h, shared by
// CApi.cpp (sessions) and CApiText.cpp (tokenizers, chat templates, text
// generation).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CAPIINTERNAL_H
#define MOEC_RUNTIME_CAPIINTERNAL_H

#include "moec/moec.h"

#include "runtime/Session.h"

#include "absl/status/status.h"

#include <memory>
#include <string>

struct moec_session {
  std::unique_ptr<moec::runtime::Session> session;
  std::string lastError;
};

namespace moec::runtime::capi {

/// The moec_status of an absl::Status.
moec_status toStatus(const absl::Status &status);

/// The last failure of a call without a handle to record it on.
std::string &globalLastError();

/// Records `status`'s message in `lastError` and returns its moec_status.
inline moec_status fail(std::string &lastError, const absl::Status &status) {
  lastError = std::string(status.message());
  return toStatus(status);
}

inline moec_status fail(std::string &lastError, moec_status status,
                        std::string message) {
  lastError = std::move(message);
  return status;
}

} // namespace moec::runtime::capi

#endif // MOEC_RUNTIME_CAPIINTERNAL_H
