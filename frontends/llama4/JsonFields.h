//===- JsonFields.h - Typed, diagnosed access to JSON objects ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the small helpers the Llama 4 config reader uses to read
// typed fields out of llvm::json objects. Every accessor reports a wrong type
// or a missing required field as an error naming the file and the dotted
// field path (`config.json: text_config.hidden_size must be an integer`).
// Only the first error is kept: parsing goes on with defaults, and the caller
// asks for the error at the end.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_FRONTENDS_LLAMA4_JSONFIELDS_H
#define MOEC_FRONTENDS_LLAMA4_JSONFIELDS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::moec::llama4 {

/// Formats a number the shortest way that reads back exactly ("0.1", "8192").
std::string formatNumber(double value);

/// Collects the first error found while reading one file.
class JsonDiagnostics {
public:
  explicit JsonDiagnostics(llvm::StringRef fileName) : file(fileName.str()) {}

  /// Records `<file>: <message>` unless an error was recorded already.
  void error(const llvm::Twine &message);

  /// Returns true once an error has been recorded.
  bool failed() const { return firstError.has_value(); }

  /// Returns the recorded error (success when there is none).
  llvm::Error takeError();

  /// Returns the file name that prefixes messages.
  llvm::StringRef fileName() const { return file; }

private:
  std::string file;
  std::optional<std::string> firstError;
};

/// A JSON object plus its dotted path, with typed accessors. A field whose
/// value is `null` counts as absent.
class JsonFields {
public:
  JsonFields(JsonDiagnostics &diags, const llvm::json::Object *object,
             std::string path = "")
      : diags(&diags), object(object), path(std::move(path)) {}

  /// Returns the dotted name of `key` in this object, e.g. "text_config.key".
  std::string name(llvm::StringRef key) const { return path + key.str(); }

  /// Returns the value of `key`, or nullptr when absent or null.
  const llvm::json::Value *get(llvm::StringRef key) const;

  /// Returns true when `key` is present and not null.
  bool has(llvm::StringRef key) const { return get(key) != nullptr; }

  /// Returns the integer value of `key`; an error for any other type and
  /// for a value outside the 32-bit range.
  std::optional<int64_t> getInt(llvm::StringRef key);
  /// Like getInt, but the field must be present and > 0 unless a default
  /// is given; a present value must be > 0.
  int64_t getPositiveInt(llvm::StringRef key,
                         std::optional<int64_t> defaultValue = std::nullopt);
  /// Returns the numeric value of `key`; an error for any other type and
  /// for inf.
  std::optional<double> getNumber(llvm::StringRef key);
  /// Returns a number that must be present (or defaulted) and > 0.
  double getPositiveNumber(llvm::StringRef key,
                           std::optional<double> defaultValue = std::nullopt);
  /// Reports `key` when `value` becomes inf or 0 as a 32-bit float; returns
  /// false then.
  bool checkFloat32(llvm::StringRef key, double value);
  /// Returns the boolean value of `key`; an error for any other type.
  std::optional<bool> getBool(llvm::StringRef key);
  /// Returns the string value of `key`; an error for any other type.
  std::optional<llvm::StringRef> getString(llvm::StringRef key);
  /// Returns the array value of `key`; an error for any other type.
  const llvm::json::Array *getArray(llvm::StringRef key);
  /// Returns the object value of `key` as fields; an error for other types.
  std::optional<JsonFields> getObject(llvm::StringRef key);

  /// Reports a missing required field.
  void missing(llvm::StringRef key);
  /// Reports `message` about field `key` ("<path.key> <message>").
  void invalid(llvm::StringRef key, const llvm::Twine &message);

  JsonDiagnostics &diagnostics() const { return *diags; }

  /// Returns the underlying object (nullptr for an absent object).
  const llvm::json::Object *raw() const { return object; }

private:
  /// Reports that `key` does not have type `expected`.
  void wrongType(llvm::StringRef key, llvm::StringRef expected);

  JsonDiagnostics *diags;
  const llvm::json::Object *object;
  std::string path;
};

/// Parses `text` as a JSON object; a syntax error or a non-object top level
/// is reported to `diags`.
std::optional<llvm::json::Value> parseJsonObject(llvm::StringRef text,
                                                 JsonDiagnostics &diags);

} // namespace mlir::moec::llama4

#endif // MOEC_FRONTENDS_LLAMA4_JSONFIELDS_H
