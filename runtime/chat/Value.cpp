//===- Value.cpp - Values of the chat-template interpreter ----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Value.h"

#include "runtime/chat/Unicode.h"

namespace moec::runtime::jinja {

Value Value::undefined(std::string message) {
  return Value(Storage(std::in_place_type<UndefinedInfo>,
                       UndefinedInfo{std::move(message)}));
}

Value Value::string(std::string value) {
  return Value(Storage(std::in_place_type<std::string>, std::move(value)));
}

Value Value::list(std::vector<Value> items) {
  auto data = std::make_shared<ListData>();
  data->items = std::move(items);
  return Value(Storage(std::shared_ptr<const ListData>(std::move(data))));
}

Value Value::tuple(std::vector<Value> items) {
  auto data = std::make_shared<ListData>();
  data->items = std::move(items);
  data->isTuple = true;
  return Value(Storage(std::shared_ptr<const ListData>(std::move(data))));
}

Value Value::dict(DictData data) {
  return Value(Storage(std::shared_ptr<const DictData>(
      std::make_shared<DictData>(std::move(data)))));
}

Value Value::object(std::string typeName, DictData attributes,
                    bool assignable) {
  auto data = std::make_shared<ObjectData>();
  data->typeName = std::move(typeName);
  data->attributes = std::move(attributes);
  data->assignable = assignable;
  return Value(Storage(std::move(data)));
}

Value Value::callable(std::string name, Callable::Function function) {
  auto data = std::make_shared<Callable>();
  data->name = std::move(name);
  data->function = std::move(function);
  return Value(Storage(std::shared_ptr<const Callable>(std::move(data))));
}

bool Value::isTuple() const { return isList() && asListData().isTuple; }

double Value::toDouble() const {
  if (isFloat())
    return asFloat();
  return static_cast<double>(toInt());
}

const ListData &Value::asListData() const {
  return *std::get<std::shared_ptr<const ListData>>(storage);
}

const std::vector<Value> &Value::asList() const { return asListData().items; }

const DictData &Value::asDict() const {
  return *std::get<std::shared_ptr<const DictData>>(storage);
}

ObjectData &Value::asObject() const {
  return *std::get<std::shared_ptr<ObjectData>>(storage);
}

std::weak_ptr<ObjectData> Value::objectHandle() const {
  return std::get<std::shared_ptr<ObjectData>>(storage);
}

const Callable &Value::asCallable() const {
  return *std::get<std::shared_ptr<const Callable>>(storage);
}

const std::string &Value::undefinedMessage() const {
  return std::get<UndefinedInfo>(storage).message;
}

const Value *DictData::find(const Value &key) const {
  for (const Entry &entry : items)
    if (valuesEqual(entry.first, key))
      return &entry.second;
  return nullptr;
}

const Value *DictData::find(std::string_view key) const {
  for (const Entry &entry : items)
    if (entry.first.isString() && entry.first.asString() == key)
      return &entry.second;
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (Entry &entry : items) {
    if (valuesEqual(entry.first, key)) {
      entry.second = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

bool isTruthy(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Undefined:
  case ValueKind::None:
    return false;
  case ValueKind::Bool:
    return value.asBool();
  case ValueKind::Int:
    return value.asInt() != 0;
  case ValueKind::Float:
    return value.asFloat() != 0.0;
  case ValueKind::String:
    return !value.asString().empty();
  case ValueKind::List:
    return !value.asList().empty();
  case ValueKind::Dict:
    return !value.asDict().empty();
  case ValueKind::Object:
  case ValueKind::Callable:
    return true;
  }
  return false;
}

/// Dict equality as Python's: same size and every key maps to an equal value.
static bool dictsEqual(const DictData &lhs, const DictData &rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (const DictData::Entry &entry : lhs.entries()) {
    const Value *other = rhs.find(entry.first);
    if (!other || !valuesEqual(entry.second, *other))
      return false;
  }
  return true;
}

bool valuesEqual(const Value &lhs, const Value &rhs) {
  if (lhs.isNumber() && rhs.isNumber()) {
    if (lhs.isFloat() || rhs.isFloat())
      return lhs.toDouble() == rhs.toDouble();
    return lhs.toInt() == rhs.toInt();
  }
  if (lhs.kind() != rhs.kind())
    return false;
  switch (lhs.kind()) {
  case ValueKind::Undefined:
  case ValueKind::None:
    return true;
  case ValueKind::String:
    return lhs.asString() == rhs.asString();
  case ValueKind::List: {
    const std::vector<Value> &a = lhs.asList(), &b = rhs.asList();
    if (a.size() != b.size() || lhs.isTuple() != rhs.isTuple())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!valuesEqual(a[i], b[i]))
        return false;
    return true;
  }
  case ValueKind::Dict:
    return dictsEqual(lhs.asDict(), rhs.asDict());
  case ValueKind::Object:
    return &lhs.asObject() == &rhs.asObject();
  case ValueKind::Callable:
    return &lhs.asCallable() == &rhs.asCallable();
  default:
    return false;
  }
}

absl::StatusOr<bool> valueLess(const Value &lhs, const Value &rhs) {
  if (lhs.isNumber() && rhs.isNumber()) {
    if (lhs.isFloat() || rhs.isFloat())
      return lhs.toDouble() < rhs.toDouble();
    return lhs.toInt() < rhs.toInt();
  }
  // UTF-8 byte order is code point order.
  if (lhs.isString() && rhs.isString())
    return lhs.asString() < rhs.asString();
  if (lhs.isList() && rhs.isList() && lhs.isTuple() == rhs.isTuple()) {
    const std::vector<Value> &a = lhs.asList(), &b = rhs.asList();
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (valuesEqual(a[i], b[i]))
        continue;
      return valueLess(a[i], b[i]);
    }
    return a.size() < b.size();
  }
  return absl::InvalidArgumentError(
      "'<' is not supported between instances of '" +
      std::string(typeName(lhs)) + "' and '" + std::string(typeName(rhs)) +
      "'");
}

std::string_view typeName(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Undefined:
    return "Undefined";
  case ValueKind::None:
    return "NoneType";
  case ValueKind::Bool:
    return "bool";
  case ValueKind::Int:
    return "int";
  case ValueKind::Float:
    return "float";
  case ValueKind::String:
    return "str";
  case ValueKind::List:
    return value.isTuple() ? "tuple" : "list";
  case ValueKind::Dict:
    return "dict";
  case ValueKind::Object:
    return value.asObject().typeName;
  case ValueKind::Callable:
    return "function";
  }
  return "object";
}

absl::StatusOr<std::vector<Value>> iterate(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Undefined:
    return std::vector<Value>();
  case ValueKind::List:
    return value.asList();
  case ValueKind::Dict: {
    std::vector<Value> keys;
    for (const DictData::Entry &entry : value.asDict().entries())
      keys.push_back(entry.first);
    return keys;
  }
  case ValueKind::String: {
    std::vector<Value> chars;
    const std::string &text = value.asString();
    std::vector<size_t> offsets = codePointOffsets(text);
    for (size_t i = 0; i + 1 < offsets.size(); ++i)
      chars.push_back(
          Value::string(text.substr(offsets[i], offsets[i + 1] - offsets[i])));
    return chars;
  }
  default:
    return absl::InvalidArgumentError("'" + std::string(typeName(value)) +
                                      "' object is not iterable");
  }
}

std::optional<int64_t> lengthOf(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Undefined:
    return 0;
  case ValueKind::String:
    return static_cast<int64_t>(codePointCount(value.asString()));
  case ValueKind::List:
    return static_cast<int64_t>(value.asList().size());
  case ValueKind::Dict:
    return static_cast<int64_t>(value.asDict().size());
  default:
    return std::nullopt;
  }
}

Value fromJson(const JsonValue &json) {
  switch (json.kind()) {
  case JsonKind::Null:
    return Value::none();
  case JsonKind::Bool:
    return Value::boolean(*json.asBool());
  case JsonKind::Int:
    return Value::integer(*json.asInt());
  case JsonKind::Double:
    return Value::number(*json.asDouble());
  case JsonKind::String:
    return Value::string(*json.asString());
  case JsonKind::Array: {
    std::vector<Value> items;
    for (const JsonValue &item : *json.asArray())
      items.push_back(fromJson(item));
    return Value::list(std::move(items));
  }
  case JsonKind::Object: {
    DictData dict;
    for (const JsonMember &member : *json.asObject())
      dict.set(Value::string(member.key), fromJson(member.value));
    return Value::dict(std::move(dict));
  }
  }
  return Value::none();
}

} // namespace moec::runtime::jinja
