//===- JsonOutput.cpp - Writing moec-tokenize's JSON lines ----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the JSON writer of moec-tokenize.
//
//===----------------------------------------------------------------------===//

#include "JsonOutput.h"

#include "runtime/Json.h"

#include <cstdio>

namespace moec::tools {

void JsonObjectWriter::key(std::string_view name) {
  if (text.size() > 1)
    text += ", ";
  runtime::appendJsonString(text, name);
  text += ": ";
}

JsonObjectWriter &JsonObjectWriter::string(std::string_view name,
                                           std::string_view value) {
  key(name);
  runtime::appendJsonString(text, value);
  return *this;
}

JsonObjectWriter &JsonObjectWriter::integer(std::string_view name,
                                            int64_t value) {
  key(name);
  text += std::to_string(value);
  return *this;
}

JsonObjectWriter &JsonObjectWriter::ids(std::string_view name,
                                        absl::Span<const int64_t> ids) {
  key(name);
  text.push_back('[');
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(ids[i]);
  }
  text.push_back(']');
  return *this;
}

std::string JsonObjectWriter::finish() { return text + "}"; }

} // namespace moec::tools
