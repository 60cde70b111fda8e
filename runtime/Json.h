//===- Json.h - Strict JSON parser for the runtime --------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares a small, strict RFC 8259 JSON parser and the value type it
// produces. The compiler uses llvm::json; the runtime cannot depend on LLVM, so
// it reads safetensors headers, checkpoint indexes and configs with this one.
//
// Strictness: the input must be UTF-8; trailing commas, comments, trailing
// non-whitespace, leading byte-order marks, unescaped control characters, lone
// surrogates, duplicate object keys, numbers that overflow a double and nesting
// deeper than kJsonMaxDepth are all errors. An error message gives the byte
// offset (and line and column) and says what was expected there.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_JSON_H
#define MOEC_RUNTIME_JSON_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace moec::runtime {

/// The deepest nesting of arrays and objects that parseJson accepts.
inline constexpr int kJsonMaxDepth = 256;

/// The kinds of JSON values. Numbers written without a fraction or exponent
/// that fit in int64_t are Int (exact); every other number is Double.
enum class JsonKind { Null, Bool, Int, Double, String, Array, Object };

/// Returns a lower-case noun phrase for `kind` ("an object", "a string", ...)
/// for use in error messages.
std::string_view jsonKindName(JsonKind kind);

struct JsonMember;

/// An immutable-by-convention JSON value. Objects keep their members in the
/// order they were written.
class JsonValue {
public:
  using Array = std::vector<JsonValue>;
  using Object = std::vector<JsonMember>;

  /// Constructs null.
  JsonValue();
  explicit JsonValue(bool value);
  explicit JsonValue(int64_t value);
  explicit JsonValue(double value);
  explicit JsonValue(std::string value);
  explicit JsonValue(Array value);
  explicit JsonValue(Object value);
  JsonValue(const JsonValue &other);
  JsonValue(JsonValue &&other) noexcept;
  JsonValue &operator=(const JsonValue &other);
  JsonValue &operator=(JsonValue &&other) noexcept;
  ~JsonValue();

  /// Returns which kind of value this is.
  JsonKind kind() const { return static_cast<JsonKind>(storage.index()); }
  bool isNull() const { return kind() == JsonKind::Null; }
  bool isInt() const { return kind() == JsonKind::Int; }
  bool isNumber() const { return isInt() || kind() == JsonKind::Double; }
  bool isString() const { return kind() == JsonKind::String; }
  bool isArray() const { return kind() == JsonKind::Array; }
  bool isObject() const { return kind() == JsonKind::Object; }

  /// Returns the boolean, or nullopt when this is not a boolean.
  std::optional<bool> asBool() const;
  /// Returns the integer, or nullopt when this is not an Int.
  std::optional<int64_t> asInt() const;
  /// Returns the number (Int or Double) as a double, or nullopt otherwise.
  std::optional<double> asDouble() const;
  /// Returns the string, or nullptr when this is not a string.
  const std::string *asString() const;
  /// Returns the elements, or nullptr when this is not an array.
  const Array *asArray() const;
  /// Returns the members in source order, or nullptr when not an object.
  const Object *asObject() const;

  /// Returns the value of member `key` (a linear search), or nullptr when this
  /// is not an object or has no such member.
  const JsonValue *find(std::string_view key) const;

private:
  // The order of the alternatives matches JsonKind.
  std::variant<std::monostate, bool, int64_t, double, std::string, Array,
               Object>
      storage;
};

/// One `"key": value` member of a JSON object.
struct JsonMember {
  std::string key;
  JsonValue value;
};

/// Parses `text` as one JSON value (surrounded by optional whitespace). On
/// failure the status is InvalidArgument with a message such as
/// "invalid JSON at byte 17 (line 2, column 5): expected ',' or '}' after an
/// object member, found 'x'".
absl::StatusOr<JsonValue> parseJson(std::string_view text);

/// Appends `text` to `out` as a JSON string literal (quotes and escapes);
/// bytes that are not UTF-8 become U+FFFD, so the output is always valid.
void appendJsonString(std::string &out, std::string_view text);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_JSON_H
