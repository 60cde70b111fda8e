//===- Printing.h - Python's str(), repr() and json.dumps() -----*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Chat templates were written against Python Jinja, and their output is
// compared byte for byte with what Hugging Face renders: `{{ x }}` prints
// str(x) (True, None, 1.0, ['a', 1]) and `x | tojson` prints
// json.dumps(x, ensure_ascii=False), so these follow Python exactly.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_PRINTING_H
#define MOEC_RUNTIME_CHAT_PRINTING_H

#include "runtime/chat/Value.h"

#include "absl/status/statusor.h"

#include <optional>
#include <string>

namespace moec::runtime::jinja {

/// Python's repr() of a float: the shortest digits that read back as the
/// same double, "1.0", "1e-05", "1e+16", "inf", "nan".
std::string formatPyFloat(double value);

/// Python's str() of a value, which is what `{{ value }}` prints (Undefined
/// prints as nothing).
std::string pyStr(const Value &value);

/// Python's repr() of a value ('text' quoted, containers as str() shows
/// their elements).
std::string pyRepr(const Value &value);

/// The options of Python's json.dumps that the tojson filter exposes.
struct JsonDumpOptions {
  /// Indentation per level; nullopt writes everything on one line.
  std::optional<std::string> indent;
  /// Separators between items and between a key and its value; json.dumps
  /// uses ", " without indent and "," with it.
  std::optional<std::string> itemSeparator;
  std::string keySeparator = ": ";
  bool ensureAscii = false;
  bool sortKeys = false;
};

/// Python's json.dumps(value, ...). Fails (message only) for values JSON
/// cannot hold, such as Undefined or a namespace.
absl::StatusOr<std::string> dumpJson(const Value &value,
                                     const JsonDumpOptions &options);

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_PRINTING_H
