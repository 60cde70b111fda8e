//===- Report.h - moec-bench results as a table or JSON ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What a moec-bench command found: one JSON object per case and the errors
// on the way. With --json the whole run is printed as one JSON document
// (docs/tools.md, "moec-bench --json"), which bench/plot.py reads; without
// it the commands print their tables and errors go to stderr as they come.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOECBENCH_REPORT_H
#define MOEC_TOOLS_MOECBENCH_REPORT_H

#include "absl/status/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moec::bench {

/// A JSON object written field by field, in the order of the calls.
class JsonObject {
public:
  JsonObject &add(std::string_view key, std::string_view value);
  JsonObject &add(std::string_view key, const char *value) {
    return add(key, std::string_view(value));
  }
  /// Non-finite numbers become null.
  JsonObject &add(std::string_view key, double value);
  JsonObject &add(std::string_view key, int64_t value);
  JsonObject &add(std::string_view key, bool value);
  /// `value` when it is positive, else null (a ratio or a baseline that
  /// was not measured).
  JsonObject &addIfPositive(std::string_view key, double value);
  JsonObject &addNull(std::string_view key);
  /// `json` must be one JSON value.
  JsonObject &addRaw(std::string_view key, std::string_view json);
  std::string str() const { return "{" + fields + "}"; }

private:
  void key(std::string_view name);
  std::string fields;
};

/// The results and errors of one run.
class Report {
public:
  explicit Report(bool json) : json(json) {}
  bool isJson() const { return json; }
  /// Prints "moec-bench: <message>" on stderr and records it.
  void error(const absl::Status &status);
  void addResult(const JsonObject &result) { results.push_back(result.str()); }
  size_t errorCount() const { return errors.size(); }
  /// The JSON document: `header`'s fields, then "results", "errors" and
  /// "ok".
  std::string document(const JsonObject &header) const;

private:
  bool json;
  std::vector<std::string> results, errors;
};

} // namespace moec::bench

#endif // MOEC_TOOLS_MOECBENCH_REPORT_H
