//===- TestUtil.h - Helpers of the chat-template tests ----------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_CHAT_TESTUTIL_H
#define MOEC_TEST_RUNTIME_CHAT_TESTUTIL_H

#include "runtime/Json.h"
#include "runtime/chat/ChatTemplate.h"

#include "absl/status/statusor.h"

#include <string>
#include <string_view>

namespace moec::runtime::test {

/// Parses JSON that a test writes inline; fails the test on bad JSON.
JsonValue json(std::string_view text);

/// Parses `source` and renders it with the context `contextJson` (and the
/// date 2024-07-26 for strftime_now); the status of whichever step fails.
absl::StatusOr<std::string>
renderTemplate(std::string_view source, std::string_view contextJson = "{}",
               const TemplateSyntaxOptions &syntax = {});

/// The status message as a std::string (Abseil's may be its own view type).
std::string messageOf(const absl::Status &status);

} // namespace moec::runtime::test

#endif // MOEC_TEST_RUNTIME_CHAT_TESTUTIL_H
