//===- Report.cpp - moec-bench results as a table or JSON -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-bench/Report.h"
#include "runtime/Json.h"

#include <cmath>
#include <cstdio>

using namespace moec::bench;

void JsonObject::key(std::string_view name) {
  if (!fields.empty())
    fields += ", ";
  runtime::appendJsonString(fields, name);
  fields += ": ";
}

JsonObject &JsonObject::add(std::string_view name, std::string_view value) {
  key(name);
  runtime::appendJsonString(fields, value);
  return *this;
}

JsonObject &JsonObject::add(std::string_view name, double value) {
  if (!std::isfinite(value))
    return addNull(name);
  char text[32];
  // %.17g round-trips every double; JSON has no "inf" or "nan".
  std::snprintf(text, sizeof(text), "%.17g", value);
  key(name);
  fields += text;
  return *this;
}

JsonObject &JsonObject::add(std::string_view name, int64_t value) {
  key(name);
  fields += std::to_string(value);
  return *this;
}

JsonObject &JsonObject::add(std::string_view name, bool value) {
  key(name);
  fields += value ? "true" : "false";
  return *this;
}

JsonObject &JsonObject::addIfPositive(std::string_view name, double value) {
  return value > 0 ? add(name, value) : addNull(name);
}

JsonObject &JsonObject::addNull(std::string_view name) {
  key(name);
  fields += "null";
  return *this;
}

JsonObject &JsonObject::addRaw(std::string_view name, std::string_view json) {
  key(name);
  fields += json;
  return *this;
}

void Report::error(const absl::Status &status) {
  std::fprintf(stderr, "moec-bench: %s\n",
               std::string(status.message()).c_str());
  errors.emplace_back(status.message());
}

/// `elements` (each one JSON value) as a JSON array, one per line.
static std::string jsonArray(const std::vector<std::string> &elements) {
  std::string text = "[";
  for (size_t i = 0; i < elements.size(); ++i)
    text += (i ? ",\n  " : "\n  ") + elements[i];
  return text + (elements.empty() ? "]" : "\n]");
}

std::string Report::document(const JsonObject &header) const {
  std::vector<std::string> quoted;
  for (const std::string &message : errors) {
    quoted.emplace_back();
    runtime::appendJsonString(quoted.back(), message);
  }
  JsonObject doc = header;
  doc.addRaw("results", jsonArray(results));
  doc.addRaw("errors", jsonArray(quoted));
  doc.add("ok", errors.empty());
  return doc.str() + "\n";
}
