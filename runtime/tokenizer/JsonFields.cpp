//===- JsonFields.cpp - Reading tokenizer.json fields ---------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the checked tokenizer.json accessors.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/JsonFields.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::tokenizer {

absl::Status fieldError(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(strCat(path, ": ", message));
}

std::string childPath(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : strCat(path, ".", key);
}

std::string indexPath(std::string_view path, size_t index) {
  return strCat(path, "[", index, "]");
}

absl::Status requireObject(const JsonValue &value, std::string_view path) {
  if (value.isObject())
    return absl::OkStatus();
  return fieldError(
      path, strCat("expected an object, found ", jsonKindName(value.kind())));
}

absl::StatusOr<std::string> requireString(const JsonValue &value,
                                          std::string_view key,
                                          std::string_view path) {
  const JsonValue *member = value.find(key);
  if (!member)
    return fieldError(childPath(path, key), "missing (expected a string)");
  if (const std::string *text = member->asString())
    return *text;
  return fieldError(childPath(path, key), strCat("expected a string, found ",
                                                 jsonKindName(member->kind())));
}

absl::StatusOr<bool> requireBool(const JsonValue &value, std::string_view key,
                                 std::string_view path) {
  const JsonValue *member = value.find(key);
  if (!member)
    return fieldError(childPath(path, key), "missing (expected a boolean)");
  if (std::optional<bool> flag = member->asBool())
    return *flag;
  return fieldError(childPath(path, key), strCat("expected a boolean, found ",
                                                 jsonKindName(member->kind())));
}

absl::StatusOr<bool> optionalBool(const JsonValue &value, std::string_view key,
                                  std::string_view path, bool fallback) {
  const JsonValue *member = value.find(key);
  if (!member || member->isNull())
    return fallback;
  if (std::optional<bool> flag = member->asBool())
    return *flag;
  return fieldError(childPath(path, key), strCat("expected a boolean, found ",
                                                 jsonKindName(member->kind())));
}

absl::StatusOr<const JsonValue::Array *> requireArray(const JsonValue &value,
                                                      std::string_view key,
                                                      std::string_view path) {
  const JsonValue *member = value.find(key);
  if (!member)
    return fieldError(childPath(path, key), "missing (expected an array)");
  if (const JsonValue::Array *array = member->asArray())
    return array;
  return fieldError(childPath(path, key), strCat("expected an array, found ",
                                                 jsonKindName(member->kind())));
}

absl::StatusOr<std::string> componentType(const JsonValue &value,
                                          std::string_view path) {
  if (absl::Status status = requireObject(value, path); !status.ok())
    return status;
  return requireString(value, "type", path);
}

absl::Status unsupportedType(std::string_view path, std::string_view type,
                             std::string_view supported) {
  return fieldError(path,
                    strCat("type '", type,
                           "' is not supported (supported: ", supported, ")"));
}

} // namespace moec::runtime::tokenizer
