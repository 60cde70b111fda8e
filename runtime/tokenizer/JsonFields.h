//===- JsonFields.h - Reading tokenizer.json fields -------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the checked accessors the tokenizer's loaders use on
// the parsed tokenizer.json. Every error names the JSON path of the field
// ("pre_tokenizer.pretokenizers[1].behavior: ...") so that a person can find
// it in a 12 MB file.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_JSONFIELDS_H
#define MOEC_RUNTIME_TOKENIZER_JSONFIELDS_H

#include "runtime/Json.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <string>
#include <string_view>

namespace moec::runtime::tokenizer {

/// Returns InvalidArgument "`path`: `message`".
absl::Status fieldError(std::string_view path, std::string_view message);

/// Returns "`path`.`key`", or `key` when `path` is empty.
std::string childPath(std::string_view path, std::string_view key);

/// Returns "`path`[`index`]".
std::string indexPath(std::string_view path, size_t index);

/// Checks that `value` (at `path`) is an object.
absl::Status requireObject(const JsonValue &value, std::string_view path);

/// Returns the string member `key` of the object `value` at `path`; absent,
/// null or of another kind is an error.
absl::StatusOr<std::string> requireString(const JsonValue &value,
                                          std::string_view key,
                                          std::string_view path);

/// Returns the boolean member `key`; absent, null or another kind is an
/// error.
absl::StatusOr<bool> requireBool(const JsonValue &value, std::string_view key,
                                 std::string_view path);

/// Returns the boolean member `key`, or `fallback` when it is absent or null.
absl::StatusOr<bool> optionalBool(const JsonValue &value, std::string_view key,
                                  std::string_view path, bool fallback);

/// Returns the array member `key`; absent, null or another kind is an error.
absl::StatusOr<const JsonValue::Array *> requireArray(const JsonValue &value,
                                                      std::string_view key,
                                                      std::string_view path);

/// Returns the "type" of the component object `value` at `path`.
absl::StatusOr<std::string> componentType(const JsonValue &value,
                                          std::string_view path);

/// Returns the error for a component whose type this tokenizer lacks:
/// "`path`: type 'X' is not supported (supported: `supported`)".
absl::Status unsupportedType(std::string_view path, std::string_view type,
                             std::string_view supported);

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_JSONFIELDS_H
