//===- Operators.h - Python semantics of Jinja's operators ------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares arithmetic, comparison and membership with the meaning
// Python gives them (Jinja compiles to Python): `/` always divides as floats,
// `//` and `%` round towards negative infinity, `+` also concatenates strings
// and lists, `"ab" * 2` repeats. Integers are 64-bit: where Python would grow
// a big integer, these report an overflow. Errors are message-only statuses
// for the caller to locate.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_OPERATORS_H
#define MOEC_RUNTIME_CHAT_OPERATORS_H

#include "runtime/chat/Ast.h"
#include "runtime/chat/Value.h"

#include "absl/status/statusor.h"

namespace moec::runtime::jinja {

/// `lhs op rhs` for the arithmetic operators (not `and`/`or`, which the
/// interpreter short-circuits).
absl::StatusOr<Value> applyArithmetic(BinaryOp op, const Value &lhs,
                                      const Value &rhs);

/// `-operand` or `+operand`.
absl::StatusOr<Value> applySign(UnaryOp op, const Value &operand);

/// One comparison of a chain: `lhs op rhs`.
absl::StatusOr<bool> applyCompare(CompareOp op, const Value &lhs,
                                  const Value &rhs);

/// `item in container`.
absl::StatusOr<bool> contains(const Value &container, const Value &item);

/// Python's printf-style `format % args` (%s, %r, %d, %i and %%).
absl::StatusOr<std::string> percentFormat(const std::string &format,
                                          const Value &args);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_OPERATORS_H
