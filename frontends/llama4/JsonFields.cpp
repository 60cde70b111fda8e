//===- JsonFields.cpp - Typed, diagnosed access to JSON objects -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the typed JSON field accessors of the Llama 4 config
// reader.
//
//===----------------------------------------------------------------------===//

#include "frontends/llama4/JsonFields.h"
#include "runtime/Json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

using namespace llvm;
using namespace mlir::moec::llama4;

std::string mlir::moec::llama4::formatNumber(double value) {
  // Integral values print as integers (500000, not 5e+05).
  if (std::isfinite(value) && std::fabs(value) < 1e15 &&
      value == std::trunc(value))
    return std::to_string(static_cast<int64_t>(value));
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  return text;
}

//===----------------------------------------------------------------------===//
// JsonDiagnostics
//===----------------------------------------------------------------------===//

void JsonDiagnostics::error(const Twine &message) {
  if (!firstError)
    firstError = (file + ": " + message).str();
}

Error JsonDiagnostics::takeError() {
  if (!firstError)
    return Error::success();
  std::string message = std::move(*firstError);
  firstError.reset();
  return createStringError(inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// JsonFields
//===----------------------------------------------------------------------===//

const json::Value *JsonFields::get(StringRef key) const {
  if (!object)
    return nullptr;
  const json::Value *value = object->get(key);
  if (!value || value->kind() == json::Value::Null)
    return nullptr;
  return value;
}

void JsonFields::missing(StringRef key) {
  diags->error("missing required field '" + name(key) + "'");
}

void JsonFields::invalid(StringRef key, const Twine &message) {
  diags->error(name(key) + " " + message);
}

void JsonFields::wrongType(StringRef key, StringRef expected) {
  invalid(key, "must be " + expected);
}

std::optional<int64_t> JsonFields::getInt(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return std::nullopt;
  // Booleans are not integers here, although Python would accept them.
  std::optional<int64_t> result = value->kind() == json::Value::Boolean
                                      ? std::nullopt
                                      : value->getAsInteger();
  if (!result && value->getAsUINT64()) {
    invalid(key, "(" + Twine(*value->getAsUINT64()) +
                     ") does not fit a 32-bit integer");
    return std::nullopt;
  }
  if (!result) {
    wrongType(key, "an integer");
    return std::nullopt;
  }
  // Every integer of a config (sizes, counts, token ids) is stored as a
  // 32-bit value downstream: a larger one would be truncated silently.
  if (*result < std::numeric_limits<int32_t>::min() ||
      *result > std::numeric_limits<int32_t>::max()) {
    invalid(key, "(" + Twine(*result) + ") does not fit a 32-bit integer");
    return std::nullopt;
  }
  return result;
}

int64_t JsonFields::getPositiveInt(StringRef key,
                                   std::optional<int64_t> defaultValue) {
  std::optional<int64_t> value = getInt(key);
  if (!value) {
    if (!defaultValue && !has(key))
      missing(key);
    return defaultValue.value_or(1);
  }
  if (*value <= 0) {
    invalid(key, "must be positive, got " + Twine(*value));
    return 1;
  }
  return *value;
}

std::optional<double> JsonFields::getNumber(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return std::nullopt;
  std::optional<double> result = value->kind() == json::Value::Boolean
                                     ? std::nullopt
                                     : value->getAsNumber();
  if (!result) {
    wrongType(key, "a number");
    return std::nullopt;
  }
  if (!std::isfinite(*result)) {
    invalid(key, "must be finite, got " + formatNumber(*result));
    return std::nullopt;
  }
  return result;
}

double JsonFields::getPositiveNumber(StringRef key,
                                     std::optional<double> defaultValue) {
  std::optional<double> value = getNumber(key);
  if (!value) {
    if (!defaultValue && !has(key))
      missing(key);
    return defaultValue.value_or(1.0);
  }
  if (!(*value > 0.0) || !std::isfinite(*value)) {
    invalid(key, "must be positive, got " + formatNumber(*value));
    return 1.0;
  }
  if (!checkFloat32(key, *value))
    return 1.0;
  return *value;
}

bool JsonFields::checkFloat32(StringRef key, double value) {
  // The compiled model computes in f32 (or narrower): a value that becomes
  // inf or 0 there would only fail, or produce NaNs, after the compile.
  float narrowed = static_cast<float>(value);
  if (std::isinf(narrowed)) {
    invalid(key, "(" + formatNumber(value) + ") overflows a 32-bit float");
    return false;
  }
  if (value != 0.0 && narrowed == 0.0f) {
    invalid(key,
            "(" + formatNumber(value) + ") underflows to 0 in a 32-bit float");
    return false;
  }
  return true;
}

std::optional<bool> JsonFields::getBool(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return std::nullopt;
  std::optional<bool> result = value->getAsBoolean();
  if (!result)
    wrongType(key, "true or false");
  return result;
}

std::optional<StringRef> JsonFields::getString(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return std::nullopt;
  std::optional<StringRef> result = value->getAsString();
  if (!result)
    wrongType(key, "a string");
  return result;
}

const json::Array *JsonFields::getArray(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return nullptr;
  const json::Array *result = value->getAsArray();
  if (!result)
    wrongType(key, "a list");
  return result;
}

std::optional<JsonFields> JsonFields::getObject(StringRef key) {
  const json::Value *value = get(key);
  if (!value)
    return std::nullopt;
  const json::Object *result = value->getAsObject();
  if (!result) {
    wrongType(key, "an object");
    return std::nullopt;
  }
  return JsonFields(*diags, result, name(key) + ".");
}

/// Returns true when `text` nests arrays and objects at most `limit` deep.
/// Brackets inside strings do not count; the text need not be valid JSON.
static bool nestsAtMost(StringRef text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<json::Value>
mlir::moec::llama4::parseJsonObject(StringRef text, JsonDiagnostics &diags) {
  // llvm::json::parse recurses once per level: deep nesting would overflow
  // the stack. The limit is the runtime JSON reader's (runtime/Json.h).
  constexpr int kMaxDepth = ::moec::runtime::kJsonMaxDepth;
  if (!nestsAtMost(text, kMaxDepth)) {
    diags.error("invalid JSON: arrays and objects nest deeper than " +
                Twine(kMaxDepth) + " levels (the limit)");
    return std::nullopt;
  }
  Expected<json::Value> value = json::parse(text);
  if (!value) {
    diags.error("invalid JSON: " + toString(value.takeError()));
    return std::nullopt;
  }
  if (!value->getAsObject()) {
    diags.error("expected a JSON object at the top level");
    return std::nullopt;
  }
  return std::move(*value);
}
