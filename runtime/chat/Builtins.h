//===- Builtins.h - Filters, tests, methods and globals ---------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the built-in functions templates call: Jinja's filters
// (`x | trim`) and tests (`x is string`), the Python methods of strings,
// lists and dicts that templates use (`s.startswith("<")`, `d.items()`), and
// the global functions (range, namespace, raise_exception, strftime_now).
// The parser looks filters and tests up by name, so that an unknown one is
// reported where it is written, before rendering.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_BUILTINS_H
#define MOEC_RUNTIME_CHAT_BUILTINS_H

#include "runtime/chat/Error.h"
#include "runtime/chat/Value.h"

#include "absl/status/statusor.h"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::jinja {

/// Where a built-in is called from, for its error messages.
struct CallSite {
  Interpreter &interpreter;
  SourceLoc loc;
  /// What is called, as messages name it: "filter 'join'", "range()".
  std::string what;

  /// Returns "chat template:L:C: <what>: <message>".
  absl::Status error(std::string_view message) const;
  /// Returns error(status.message()) for a message-only status, else OK.
  absl::Status locate(const absl::Status &status) const;
};

using FilterFunction = absl::StatusOr<Value> (*)(const CallSite &site,
                                                 const Value &input,
                                                 CallArgs args);
using TestFunction = absl::StatusOr<bool> (*)(const CallSite &site,
                                              const Value &input,
                                              CallArgs args);

/// Filters by name; Filters.cpp and SequenceFilters.cpp fill it.
using FilterTable = std::map<std::string_view, FilterFunction>;
void addScalarFilters(FilterTable &table);
void addSequenceFilters(FilterTable &table);

/// Returns the filter called `name`, or nullptr.
FilterFunction findFilter(std::string_view name);
/// Returns the test called `name`, or nullptr.
TestFunction findTest(std::string_view name);
/// Returns true for a filter or test of Python Jinja that this subset does
/// not implement (reported as unsupported rather than unknown).
bool isJinjaFilterName(std::string_view name);
bool isJinjaTestName(std::string_view name);

/// Returns the bound method `name` of a string, list or dict (`s.strip`), an
/// Undefined naming the refusal for methods that would modify a value (Hugging
/// Face renders in Jinja's immutable sandbox), or nullopt when the value has no
/// such method.
std::optional<Value> findMethod(const Value &receiver, std::string_view name);

/// The global functions every template sees: range, namespace, dict,
/// raise_exception and strftime_now.
DictData makeGlobals();

/// A parameter of a built-in: its name and its default (nullopt when the
/// argument is required).
struct Param {
  std::string_view name;
  std::optional<Value> defaultValue;
};

/// Binds positional and keyword arguments to `params` as Python does and
/// returns one value per parameter (the default where none was passed).
absl::StatusOr<std::vector<Value>>
bindArgs(const CallSite &site, CallArgs args,
         std::initializer_list<Param> params);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_BUILTINS_H
