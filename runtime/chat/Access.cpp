//===- Access.cpp - Attribute, item and slice access ----------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Access.h"

#include "runtime/chat/Builtins.h"
#include "runtime/chat/Printing.h"
#include "runtime/chat/Unicode.h"

namespace moec::runtime::jinja {

absl::Status undefinedError(const Value &value) {
  const std::string &message = value.undefinedMessage();
  return absl::InvalidArgumentError(message.empty() ? "undefined value"
                                                    : message);
}

/// How Jinja names the type of an object in "has no attribute" messages
/// (its object_type_repr): "None", "dict object", "str object", ...
static std::string objectTypeRepr(const Value &value) {
  if (value.isNone())
    return "None";
  return std::string(typeName(value)) + " object";
}

/// The Python attribute `name` of `object`: a method, or an attribute of a
/// namespace or loop object.
static std::optional<Value> findPythonAttribute(const Value &object,
                                                std::string_view name) {
  if (object.isObject()) {
    if (const Value *value = object.asObject().attributes.find(name))
      return *value;
    return std::nullopt;
  }
  return findMethod(object, name);
}

absl::StatusOr<Value> getAttribute(const Value &object, std::string_view name) {
  if (object.isUndefined())
    return undefinedError(object);
  if (std::optional<Value> attribute = findPythonAttribute(object, name))
    return *attribute;
  if (object.isDict())
    if (const Value *value = object.asDict().find(name))
      return *value;
  return Value::undefined("'" + objectTypeRepr(object) +
                          "' has no attribute '" + std::string(name) + "'");
}

/// Python's index normalization: negative indexes count from the end.
static std::optional<size_t> normalizeIndex(const Value &key, size_t size) {
  if (!key.isInt() && !key.isBool())
    return std::nullopt;
  int64_t index = key.toInt();
  if (index < 0)
    index += static_cast<int64_t>(size);
  if (index < 0 || index >= static_cast<int64_t>(size))
    return std::nullopt;
  return static_cast<size_t>(index);
}

/// `object[key]` when Python's subscript succeeds.
static std::optional<Value> subscript(const Value &object, const Value &key) {
  if (object.isDict()) {
    if (const Value *value = object.asDict().find(key))
      return *value;
    return std::nullopt;
  }
  if (object.isList()) {
    const std::vector<Value> &items = object.asList();
    if (std::optional<size_t> index = normalizeIndex(key, items.size()))
      return items[*index];
    return std::nullopt;
  }
  if (object.isString()) {
    const std::string &text = object.asString();
    std::vector<size_t> offsets = codePointOffsets(text);
    if (std::optional<size_t> index = normalizeIndex(key, offsets.size() - 1))
      return Value::string(
          text.substr(offsets[*index], offsets[*index + 1] - offsets[*index]));
  }
  return std::nullopt;
}

absl::StatusOr<Value> getItem(const Value &object, const Value &key) {
  if (object.isUndefined())
    return undefinedError(object);
  if (std::optional<Value> value = subscript(object, key))
    return *value;
  if (key.isString()) {
    if (std::optional<Value> attribute =
            findPythonAttribute(object, key.asString()))
      return *attribute;
    return Value::undefined("'" + objectTypeRepr(object) +
                            "' has no attribute '" + key.asString() + "'");
  }
  return Value::undefined(objectTypeRepr(object) + " has no element " +
                          pyRepr(key));
}

/// Resolves one slice bound as Python's PySlice_AdjustIndices does.
static int64_t sliceBound(std::optional<int64_t> bound, int64_t size,
                          int64_t step, bool isStart) {
  if (!bound)
    return step > 0 ? (isStart ? 0 : size) : (isStart ? size - 1 : -1);
  int64_t value = *bound;
  if (value < 0) {
    value += size;
    if (value < 0)
      value = step < 0 ? -1 : 0;
  } else if (value >= size) {
    value = step < 0 ? size - 1 : size;
  }
  return value;
}

/// The positions a slice visits in a sequence of `size` elements.
static std::vector<int64_t> slicePositions(int64_t size,
                                           std::optional<int64_t> start,
                                           std::optional<int64_t> stop,
                                           int64_t step) {
  int64_t first = sliceBound(start, size, step, true);
  int64_t last = sliceBound(stop, size, step, false);
  std::vector<int64_t> positions;
  for (int64_t i = first; step > 0 ? i < last : i > last; i += step)
    positions.push_back(i);
  return positions;
}

absl::StatusOr<Value> sliceValue(const Value &object,
                                 std::optional<int64_t> start,
                                 std::optional<int64_t> stop,
                                 std::optional<int64_t> step) {
  if (object.isUndefined())
    return undefinedError(object);
  int64_t stride = step.value_or(1);
  if (stride == 0)
    return absl::InvalidArgumentError("slice step cannot be zero");
  if (object.isList()) {
    const std::vector<Value> &items = object.asList();
    std::vector<Value> result;
    for (int64_t i : slicePositions(items.size(), start, stop, stride))
      result.push_back(items[i]);
    return object.isTuple() ? Value::tuple(std::move(result))
                            : Value::list(std::move(result));
  }
  if (object.isString()) {
    const std::string &text = object.asString();
    std::vector<size_t> offsets = codePointOffsets(text);
    std::string result;
    for (int64_t i : slicePositions(offsets.size() - 1, start, stop, stride))
      result.append(text, offsets[i], offsets[i + 1] - offsets[i]);
    return Value::string(std::move(result));
  }
  return absl::InvalidArgumentError("'" + std::string(typeName(object)) +
                                    "' object is not subscriptable");
}

} // namespace moec::runtime::jinja
