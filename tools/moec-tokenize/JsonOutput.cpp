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

#include <cstdio>

namespace moec::tools {

void appendJsonString(std::string_view value, std::string &out) {
  out.push_back('"');
  for (char c : value) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                      static_cast<unsigned>(c));
        out += escaped;
      } else {
        out.push_back(c);
      }
    }
  }
  out.push_back('"');
}

void JsonObjectWriter::key(std::string_view name) {
  if (text.size() > 1)
    text += ", ";
  appendJsonString(name, text);
  text += ": ";
}

JsonObjectWriter &JsonObjectWriter::string(std::string_view name,
                                           std::string_view value) {
  key(name);
  appendJsonString(value, text);
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
