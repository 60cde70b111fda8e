//===- JsonOutput.h - Writing moec-tokenize's JSON lines --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the small JSON writer of moec-tokenize: one object per
// line, string values written as UTF-8 with only the escapes JSON requires
// (as Python's json.dumps(..., ensure_ascii=False) writes them).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOEC_TOKENIZE_JSONOUTPUT_H
#define MOEC_TOOLS_MOEC_TOKENIZE_JSONOUTPUT_H

#include "absl/types/span.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace moec::tools {

/// Builds one JSON object, member by member, in insertion order.
class JsonObjectWriter {
public:
  JsonObjectWriter &string(std::string_view key, std::string_view value);
  JsonObjectWriter &integer(std::string_view key, int64_t value);
  JsonObjectWriter &ids(std::string_view key, absl::Span<const int64_t> ids);
  /// Returns the object's text, without a newline.
  std::string finish();

private:
  void key(std::string_view name);
  std::string text = "{";
};

} // namespace moec::tools

#endif // MOEC_TOOLS_MOEC_TOKENIZE_JSONOUTPUT_H
