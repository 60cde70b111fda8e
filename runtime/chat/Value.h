//===- Value.h - Values of the chat-template interpreter --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the values a template computes with. They follow the
// Python objects Jinja works on: Jinja's Undefined (falsy, prints as nothing,
// fails when used further), None, bool, int, float, str, list and tuple,
// insertion-ordered dict, attribute objects (namespace(), the loop variable)
// and callables (global functions, bound methods, macros).
//
// Lists, dicts and callables are shared and immutable once built, so copying
// a Value is cheap; objects are shared and mutable, because `{% set ns.x = 1
// %}` must be seen through every reference to the namespace.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_VALUE_H
#define MOEC_RUNTIME_CHAT_VALUE_H

#include "runtime/Json.h"
#include "runtime/chat/Error.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace moec::runtime::jinja {

class Interpreter;
class Value;

/// The kinds of values; the order matches Value's storage.
enum class ValueKind {
  Undefined,
  None,
  Bool,
  Int,
  Float,
  String,
  List,
  Dict,
  Object,
  Callable
};

/// Arguments of a call, a filter or a test (without the filtered value).
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
};

/// A function the template can call: a global, a bound method or a macro.
struct Callable {
  using Function =
      std::function<absl::StatusOr<Value>(Interpreter &, CallArgs, SourceLoc)>;
  std::string name;
  Function function;
};

/// An undefined value remembers why it is undefined, for the error raised
/// when the template uses it further ("'x' is undefined").
struct UndefinedInfo {
  std::string message;
};

struct NoneTag {};
struct ListData;
class DictData;
struct ObjectData;

/// A template value; see the file comment.
class Value {
public:
  /// Constructs an undefined value without a message.
  Value() = default;

  static Value undefined(std::string message);
  static Value none() { return Value(Storage(std::in_place_type<NoneTag>)); }
  static Value boolean(bool value) {
    return Value(Storage(std::in_place_type<bool>, value));
  }
  static Value integer(int64_t value) {
    return Value(Storage(std::in_place_type<int64_t>, value));
  }
  static Value number(double value) {
    return Value(Storage(std::in_place_type<double>, value));
  }
  static Value string(std::string value);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict(DictData data);
  /// A mutable attribute object; `typeName` is what str() shows
  /// ("Namespace", "LoopContext").
  static Value object(std::string typeName, DictData attributes,
                      bool assignable);
  static Value callable(std::string name, Callable::Function function);

  ValueKind kind() const { return static_cast<ValueKind>(storage.index()); }
  bool isUndefined() const { return kind() == ValueKind::Undefined; }
  bool isNone() const { return kind() == ValueKind::None; }
  bool isBool() const { return kind() == ValueKind::Bool; }
  bool isInt() const { return kind() == ValueKind::Int; }
  bool isFloat() const { return kind() == ValueKind::Float; }
  bool isString() const { return kind() == ValueKind::String; }
  bool isList() const { return kind() == ValueKind::List; }
  bool isDict() const { return kind() == ValueKind::Dict; }
  bool isObject() const { return kind() == ValueKind::Object; }
  bool isCallable() const { return kind() == ValueKind::Callable; }
  /// True for bool, int and float (Python's bool is an int).
  bool isNumber() const { return isBool() || isInt() || isFloat(); }
  /// True for a list that was built as a tuple (only str() differs).
  bool isTuple() const;

  bool asBool() const { return std::get<bool>(storage); }
  int64_t asInt() const { return std::get<int64_t>(storage); }
  double asFloat() const { return std::get<double>(storage); }
  /// The number as a double (bool, int or float).
  double toDouble() const;
  /// The number as an integer (bool or int).
  int64_t toInt() const { return isBool() ? asBool() : asInt(); }
  const std::string &asString() const { return std::get<std::string>(storage); }
  const std::vector<Value> &asList() const;
  const DictData &asDict() const;
  ObjectData &asObject() const;
  /// The shared attribute object of an Object value.
  std::weak_ptr<ObjectData> objectHandle() const;
  const Callable &asCallable() const;
  /// Why this value is undefined ("'x' is undefined"); empty when unknown.
  const std::string &undefinedMessage() const;

private:
  using Storage =
      std::variant<UndefinedInfo, NoneTag, bool, int64_t, double, std::string,
                   std::shared_ptr<const ListData>,
                   std::shared_ptr<const DictData>, std::shared_ptr<ObjectData>,
                   std::shared_ptr<const Callable>>;
  explicit Value(Storage storage) : storage(std::move(storage)) {}
  const ListData &asListData() const;

  Storage storage;
};

/// The elements of a list or tuple.
struct ListData {
  std::vector<Value> items;
  bool isTuple = false;
};

/// An insertion-ordered dict, as Python's. Lookups are linear: the dicts of
/// chat templates (messages, tool schemas) are small.
class DictData {
public:
  using Entry = std::pair<Value, Value>;

  /// Returns the value under `key`, or nullptr.
  const Value *find(const Value &key) const;
  const Value *find(std::string_view key) const;
  /// Sets `key` to `value`, keeping the position of an existing key.
  void set(Value key, Value value);
  const std::vector<Entry> &entries() const { return items; }
  size_t size() const { return items.size(); }
  bool empty() const { return items.empty(); }

private:
  std::vector<Entry> items;
};

/// The attributes of an object (namespace() or the loop variable).
struct ObjectData {
  std::string typeName;
  DictData attributes;
  /// Whether `{% set obj.attr = ... %}` may assign (namespaces only).
  bool assignable = false;
};

/// Python truthiness: Undefined, None, False, 0, 0.0, "" and empty
/// containers are false.
bool isTruthy(const Value &value);

/// Python ==, including 1 == 1.0 == True and dict equality regardless of
/// order; Undefined equals only Undefined.
bool valuesEqual(const Value &lhs, const Value &rhs);

/// Python's <: numbers with numbers, strings with strings (by code point),
/// lists with lists (lexicographically). Other pairs are errors, returned as
/// a message-only status for the caller to locate.
absl::StatusOr<bool> valueLess(const Value &lhs, const Value &rhs);

/// The Python type name used in error messages: "str", "int", "dict", ...
std::string_view typeName(const Value &value);

/// Returns the items a for loop visits: elements of a list, keys of a dict,
/// characters of a string; nothing for Undefined. Other kinds are not
/// iterable (a message-only error).
absl::StatusOr<std::vector<Value>> iterate(const Value &value);

/// Python's len(), or nullopt for values without a length (numbers, None).
std::optional<int64_t> lengthOf(const Value &value);

/// Converts JSON to template values (objects keep their key order).
Value fromJson(const JsonValue &json);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_VALUE_H
