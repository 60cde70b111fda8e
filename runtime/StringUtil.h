//===- StringUtil.h - std::string_view and Abseil string helpers -*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file provides the bridge between std::string_view, which the runtime's
// API uses, and Abseil's string APIs. Where Abseil is built without
// std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW=0, as Debian 12's libabsl
// is), absl::string_view is a distinct type that std::string_view does not
// convert to, so absl::StrCat(std::string_view) does not compile. strCat
// accepts both; the conversions are no-ops where the two types are the same.
// It also holds formatBytes, shared by the runtime's messages.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_STRINGUTIL_H
#define MOEC_RUNTIME_STRINGUTIL_H

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace moec::runtime {

/// Returns `s` as an absl::string_view (same bytes, no copy).
inline absl::string_view toAbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

/// Returns `s` as a std::string_view (same bytes, no copy).
inline std::string_view toStdView(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace detail {
/// Passes every strCat argument except std::string_view through unchanged.
template <typename T> const T &toAlphaNumArg(const T &value) { return value; }
/// Converts std::string_view arguments for absl::AlphaNum.
inline absl::string_view toAlphaNumArg(std::string_view value) {
  return toAbslView(value);
}
} // namespace detail

/// absl::StrCat that also accepts std::string_view arguments.
template <typename... Args> std::string strCat(const Args &...args) {
  return absl::StrCat(detail::toAlphaNumArg(args)...);
}

/// Returns e.g. "52 bytes", "12.5 MiB" or "3.2 GiB".
inline std::string formatBytes(uint64_t bytes) {
  char text[32];
  if (bytes < (uint64_t(1) << 20))
    std::snprintf(text, sizeof(text), "%llu bytes", (unsigned long long)bytes);
  else if (bytes < (uint64_t(1) << 30))
    std::snprintf(text, sizeof(text), "%.1f MiB", double(bytes) / (1 << 20));
  else
    std::snprintf(text, sizeof(text), "%.1f GiB", double(bytes) / (1 << 30));
  return text;
}

} // namespace moec::runtime

#endif // MOEC_RUNTIME_STRINGUTIL_H
