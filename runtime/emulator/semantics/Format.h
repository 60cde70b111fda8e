//===- Format.h - printf-style std::string for diagnostics ------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Internal to the semantics library: its error messages are built with
// printf formats (plain std, no Abseil).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_FORMAT_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_FORMAT_H

#include <cstdarg>
#include <cstdio>
#include <string>

namespace moec::emu {

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline std::string
formatString(const char *format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string result(length > 0 ? size_t(length) : 0, '\0');
  if (length > 0)
    std::vsnprintf(result.data(), result.size() + 1, format, args);
  va_end(args);
  return result;
}

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_FORMAT_H
