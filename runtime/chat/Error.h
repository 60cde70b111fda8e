//===- Error.h - Source locations and errors of the chat templates -*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the source locations that every token and syntax node of
// a chat template carries, the statuses that name them, and the macros that
// propagate statuses through the parser and the interpreter (the runtime is
// built without exceptions).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_ERROR_H
#define MOEC_RUNTIME_CHAT_ERROR_H

#include "absl/status/status.h"

#include <string_view>

namespace moec::runtime::jinja {

/// A position in the template source: 1-based line and column (the column
/// counts Unicode code points, as an editor shows them).
struct SourceLoc {
  int line = 1;
  int column = 1;
};

/// Returns InvalidArgument "chat template:LINE:COLUMN: message".
absl::Status templateError(SourceLoc loc, std::string_view message);

/// Returns Unimplemented "chat template:LINE:COLUMN: message", for Jinja
/// features that this subset does not implement (so that a caller can tell
/// "the template is wrong" from "moec cannot run this template").
absl::Status unsupportedError(SourceLoc loc, std::string_view message);

} // namespace moec::runtime::jinja

#define MOEC_JINJA_CONCAT_IMPL(a, b) a##b
#define MOEC_JINJA_CONCAT(a, b) MOEC_JINJA_CONCAT_IMPL(a, b)

/// Returns the status of `expr` from the enclosing function when it is an
/// error.
#define MOEC_JINJA_RETURN_IF_ERROR(expr)                                       \
  do {                                                                         \
    absl::Status moecJinjaStatus = (expr);                                     \
    if (!moecJinjaStatus.ok())                                                 \
      return moecJinjaStatus;                                                  \
  } while (false)

/// Evaluates `expr` (an absl::StatusOr), returns its status from the enclosing
/// function when it is an error, and otherwise moves its value into `lhs`
/// (a declaration such as `Value v` or an existing variable).
#define MOEC_JINJA_ASSIGN_OR_RETURN(lhs, expr)                                 \
  MOEC_JINJA_ASSIGN_OR_RETURN_IMPL(                                            \
      MOEC_JINJA_CONCAT(moecJinjaStatusOr, __LINE__), lhs, expr)
#define MOEC_JINJA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                       \
  auto tmp = (expr);                                                           \
  if (!tmp.ok())                                                               \
    return tmp.status();                                                       \
  lhs = std::move(*tmp)

#endif // MOEC_RUNTIME_CHAT_ERROR_H
