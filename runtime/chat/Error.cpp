//===- Error.cpp - Errors of the chat templates ---------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Error.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

/// "chat template:LINE:COLUMN: message", the form compilers use, so that
/// editors and people find the place.
static std::string locatedMessage(SourceLoc loc, std::string_view message) {
  return strCat("chat template:", loc.line, ":", loc.column, ": ", message);
}

absl::Status templateError(SourceLoc loc, std::string_view message) {
  return absl::InvalidArgumentError(locatedMessage(loc, message));
}

absl::Status unsupportedError(SourceLoc loc, std::string_view message) {
  return absl::UnimplementedError(locatedMessage(loc, message));
}

} // namespace moec::runtime::jinja
