//===- Access.h - Attribute, item and slice access --------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares `x.name`, `x[key]` and `x[a:b:c]` with Jinja's rules:
// `x.name` tries a Python attribute (a method) and then the item `x["name"]`,
// `x[key]` the other way round; a missing attribute or item is Undefined
// rather than an error, but anything done to an Undefined other than testing,
// printing or iterating it is an error. Errors are message-only statuses,
// which the caller locates.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_ACCESS_H
#define MOEC_RUNTIME_CHAT_ACCESS_H

#include "runtime/chat/Value.h"

#include "absl/status/statusor.h"

#include <optional>
#include <string_view>

namespace moec::runtime::jinja {

/// `object.name` (Jinja's environment.getattr).
absl::StatusOr<Value> getAttribute(const Value &object, std::string_view name);

/// `object[key]` (Jinja's environment.getitem).
absl::StatusOr<Value> getItem(const Value &object, const Value &key);

/// `object[start:stop:step]` of a string, list or tuple, with Python's
/// rules for negative and missing bounds.
absl::StatusOr<Value> sliceValue(const Value &object,
                                 std::optional<int64_t> start,
                                 std::optional<int64_t> stop,
                                 std::optional<int64_t> step);

/// The error for using `value`, an Undefined, where a value is needed.
absl::Status undefinedError(const Value &value);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_ACCESS_H
