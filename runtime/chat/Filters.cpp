//===- Filters.cpp - Jinja's filters of strings and numbers ---------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file holds the filter registry and the filters that work on one
// value (trim, upper, tojson, int, round, default, ...), each written after
// jinja2/filters.py (Jinja 3.1) with Hugging Face's tojson. The filters of
// sequences are in SequenceFilters.cpp.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Access.h"
#include "runtime/chat/Operators.h"
#include "runtime/chat/Printing.h"
#include "runtime/chat/Unicode.h"

#include "runtime/StringUtil.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace moec::runtime::jinja {

/// Returns the string a filter of text works on: str(value), where an
/// Undefined gives "" (Jinja's soft_str).
static std::string textOf(const Value &value) { return pyStr(value); }

static absl::StatusOr<Value> filterTrim(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"chars", Value::none()}}));
  std::optional<std::string_view> chars;
  if (params[0].isString())
    chars = params[0].asString();
  else if (!params[0].isNone())
    return site.error("chars must be a string or none");
  return Value::string(pyStrip(textOf(input), chars, true, true));
}

static absl::StatusOr<Value> filterUpper(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  return Value::string(toUpper(textOf(input)));
}

static absl::StatusOr<Value> filterLower(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  return Value::string(toLower(textOf(input)));
}

static absl::StatusOr<Value>
filterCapitalize(const CallSite &site, const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::string text = textOf(input), result;
  for (size_t pos = 0; pos < text.size();) {
    bool first = pos == 0;
    uint32_t c = decodeUtf8(text, pos);
    appendUtf8(result, first ? toUpperCodePoint(c) : toLowerCodePoint(c));
  }
  return Value::string(std::move(result));
}

/// Jinja's title: words start after '-', whitespace, '(', '{', '[' or '<'.
static absl::StatusOr<Value> filterTitle(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::string text = textOf(input), result;
  bool wordStart = true;
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    bool separator = isPyWhitespace(c) || c == '-' || c == '(' || c == '{' ||
                     c == '[' || c == '<';
    appendUtf8(result, separator   ? c
                       : wordStart ? toUpperCodePoint(c)
                                   : toLowerCodePoint(c));
    wordStart = separator;
  }
  return Value::string(std::move(result));
}

/// Python's str.replace(old, new, count); an empty `old` inserts `with`
/// around every character.
static std::string replaceText(const std::string &text, const std::string &old,
                               const std::string &with, int64_t count) {
  std::string result;
  if (old.empty()) {
    std::vector<size_t> offsets = codePointOffsets(text);
    for (size_t i = 0; i + 1 < offsets.size(); ++i) {
      if (count < 0 || static_cast<int64_t>(i) < count)
        result += with;
      result.append(text, offsets[i], offsets[i + 1] - offsets[i]);
    }
    if (count < 0 || static_cast<int64_t>(offsets.size()) - 1 < count)
      result += with;
    return result;
  }
  size_t pos = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t found = text.find(old, pos);
    if (found == std::string::npos)
      break;
    result.append(text, pos, found - pos);
    result += with;
    pos = found + old.size();
  }
  result.append(text, pos, std::string::npos);
  return result;
}

static absl::StatusOr<Value> filterReplace(const CallSite &site,
                                           const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"old", std::nullopt},
                                        {"new", std::nullopt},
                                        {"count", Value::none()}}));
  int64_t count = -1;
  if (params[2].isInt() || params[2].isBool())
    count = params[2].toInt();
  else if (!params[2].isNone())
    return site.error("count must be an integer");
  return Value::string(
      replaceText(textOf(input), textOf(params[0]), textOf(params[1]), count));
}

static absl::StatusOr<Value> filterString(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  return Value::string(textOf(input));
}

static absl::StatusOr<Value> filterEscape(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::string result;
  for (char c : textOf(input)) {
    switch (c) {
    case '&':
      result += "&amp;";
      break;
    case '<':
      result += "&lt;";
      break;
    case '>':
      result += "&gt;";
      break;
    case '"':
      result += "&#34;";
      break;
    case '\'':
      result += "&#39;";
      break;
    default:
      result += c;
    }
  }
  return Value::string(std::move(result));
}

static absl::StatusOr<Value> filterDefault(const CallSite &site,
                                           const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"default_value", Value::string("")},
                                        {"boolean", Value::boolean(false)}}));
  if (input.isUndefined() || (isTruthy(params[1]) && !isTruthy(input)))
    return params[0];
  return input;
}

static absl::StatusOr<Value> filterLength(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::optional<int64_t> length = lengthOf(input);
  if (!length)
    return site.error(
        strCat("object of type '", typeName(input), "' has no len()"));
  return Value::integer(*length);
}

/// Python's int(text, base): optional sign, optional base prefix, digits
/// with single underscores between them, surrounding whitespace.
static std::optional<int64_t> parsePyInt(const std::string &input, int base) {
  std::string text = pyStrip(input, std::nullopt, true, true);
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
    negative = text[pos++] == '-';
  if (pos + 1 < text.size() && text[pos] == '0') {
    char prefix = text[pos + 1] | 0x20;
    if ((prefix == 'x' && base == 16) || (prefix == 'o' && base == 8) ||
        (prefix == 'b' && base == 2))
      pos += 2;
  }
  std::string digits;
  for (; pos < text.size(); ++pos) {
    if (text[pos] == '_' && !digits.empty() && pos + 1 < text.size() &&
        text[pos + 1] != '_')
      continue;
    digits += text[pos];
  }
  if (digits.empty())
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  long long value = std::strtoll(digits.c_str(), &end, base);
  if (*end != '\0' || errno == ERANGE || digits[0] == '-' || digits[0] == '+')
    return std::nullopt;
  return negative ? -value : value;
}

/// Python's float(text): decimal or exponent notation, inf, nan.
static std::optional<double> parsePyFloat(const std::string &input) {
  std::string text = pyStrip(input, std::nullopt, true, true);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  if (text.empty() || text.find_first_of("xXpP") != std::string::npos)
    return std::nullopt;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (*end != '\0')
    return std::nullopt;
  return value;
}

static absl::StatusOr<Value> filterInt(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args),
               {{"default", Value::integer(0)}, {"base", Value::integer(10)}}));
  if (input.isInt() || input.isBool())
    return Value::integer(input.toInt());
  if (input.isFloat() && std::isfinite(input.asFloat()) &&
      std::fabs(input.asFloat()) < 9.2e18)
    return Value::integer(static_cast<int64_t>(input.asFloat()));
  if (input.isString()) {
    int base = params[1].isInt() ? static_cast<int>(params[1].asInt()) : 10;
    if (std::optional<int64_t> value = parsePyInt(input.asString(), base))
      return Value::integer(*value);
    // Jinja's quirk: "42.23"|int is 42.
    std::optional<double> number = parsePyFloat(input.asString());
    if (number && std::isfinite(*number) && std::fabs(*number) < 9.2e18)
      return Value::integer(static_cast<int64_t>(*number));
  }
  return params[0];
}

static absl::StatusOr<Value> filterFloat(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args), {{"default", Value::number(0.0)}}));
  if (input.isNumber())
    return Value::number(input.toDouble());
  if (input.isString())
    if (std::optional<double> value = parsePyFloat(input.asString()))
      return Value::number(*value);
  return params[0];
}

/// Python's round(value, digits) of a float: correctly rounded, ties to
/// even (printf rounds the exact binary value the same way).
static double roundHalfEven(double value, int64_t digits) {
  if (!std::isfinite(value) || digits > 300)
    return value;
  if (digits >= 0) {
    char text[400];
    std::snprintf(text, sizeof(text), "%.*f", static_cast<int>(digits), value);
    return std::strtod(text, nullptr);
  }
  double scale = std::pow(10.0, static_cast<double>(-digits));
  return std::nearbyint(value / scale) * scale;
}

static absl::StatusOr<Value> filterRound(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"precision", Value::integer(0)},
                                        {"method", Value::string("common")}}));
  std::string method = textOf(params[1]);
  if (method != "common" && method != "ceil" && method != "floor")
    return site.error("method must be common, ceil or floor");
  if (!input.isNumber())
    return site.error(
        strCat("cannot round a value of type '", typeName(input), "'"));
  if (!params[0].isInt())
    return site.error("precision must be an integer");
  int64_t precision = params[0].asInt();
  // Python's round() keeps an int an int; ceil and floor divide, so give a
  // float.
  if (method == "common" && !input.isFloat() && precision >= 0)
    return Value::integer(input.toInt());
  if (method == "common") {
    double rounded = roundHalfEven(input.toDouble(), precision);
    return input.isFloat() ? Value::number(rounded)
                           : Value::integer(static_cast<int64_t>(rounded));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double scaled = input.toDouble() * scale;
  scaled = method == "ceil" ? std::ceil(scaled) : std::floor(scaled);
  return Value::number(scaled / scale);
}

static absl::StatusOr<Value> filterAbs(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  if (input.isFloat())
    return Value::number(std::fabs(input.asFloat()));
  if (input.isInt() || input.isBool()) {
    if (input.toInt() == INT64_MIN)
      return site.error("integer overflow");
    return Value::integer(std::llabs(input.toInt()));
  }
  return site.error(
      strCat("bad operand type for abs(): '", typeName(input), "'"));
}

/// Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False).
static absl::StatusOr<Value> filterToJson(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"ensure_ascii", Value::boolean(false)},
                                        {"indent", Value::none()},
                                        {"separators", Value::none()},
                                        {"sort_keys", Value::boolean(false)}}));
  JsonDumpOptions options;
  options.ensureAscii = isTruthy(params[0]);
  const Value &indent = params[1];
  if (indent.isString())
    options.indent = indent.asString();
  else if (indent.isInt() || indent.isBool())
    options.indent = std::string(std::max<int64_t>(indent.toInt(), 0), ' ');
  else if (!indent.isNone())
    return site.error("indent must be an integer, a string or none");
  const Value &separators = params[2];
  if (separators.isList() && separators.asList().size() == 2 &&
      separators.asList()[0].isString() && separators.asList()[1].isString()) {
    options.itemSeparator = separators.asList()[0].asString();
    options.keySeparator = separators.asList()[1].asString();
  } else if (!separators.isNone()) {
    return site.error("separators must be a pair of strings");
  }
  options.sortKeys = isTruthy(params[3]);
  absl::StatusOr<std::string> json = dumpJson(input, options);
  if (!json.ok())
    return site.locate(json.status());
  return Value::string(std::move(*json));
}

static absl::StatusOr<Value> filterIndent(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"width", Value::integer(4)},
                                        {"first", Value::boolean(false)},
                                        {"blank", Value::boolean(false)}}));
  std::string indentation =
      params[0].isString()
          ? params[0].asString()
          : std::string(std::max<int64_t>(
                            params[0].isNumber() ? params[0].toInt() : 0, 0),
                        ' ');
  // Jinja appends a newline so that splitlines() keeps a trailing empty line.
  std::vector<std::string> lines = pySplitLines(textOf(input) + "\n");
  std::string result;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i)
      result += "\n";
    bool indentLine = i > 0 && (isTruthy(params[2]) || !lines[i].empty());
    result += (indentLine ? indentation : "") + lines[i];
  }
  if (isTruthy(params[1]))
    result = indentation + result;
  return Value::string(std::move(result));
}

static absl::StatusOr<Value> filterCenter(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args), {{"width", Value::integer(80)}}));
  std::string text = textOf(input);
  int64_t width = params[0].isNumber() ? params[0].toInt() : 80;
  int64_t pad = width - static_cast<int64_t>(codePointCount(text));
  if (pad <= 0)
    return Value::string(std::move(text));
  // CPython's str.center puts the odd space on the left when width is odd.
  int64_t left = pad / 2 + (pad & width & 1);
  return Value::string(std::string(left, ' ') + text +
                       std::string(pad - left, ' '));
}

/// Approximates Python's `\w` for wordcount: letters, digits, '_' and
/// non-ASCII characters outside the punctuation and space blocks.
static bool isWordChar(uint32_t c) {
  if (c < 0x80)
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           c == '_';
  if (isPyWhitespace(c) || (c >= 0x2000 && c <= 0x206F) ||
      (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F))
    return false;
  return c >= 0xC0 && c != 0xD7 && c != 0xF7;
}

static absl::StatusOr<Value>
filterWordCount(const CallSite &site, const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::string text = textOf(input);
  int64_t count = 0;
  bool inWord = false;
  for (size_t pos = 0; pos < text.size();) {
    bool word = isWordChar(decodeUtf8(text, pos));
    count += word && !inWord;
    inWord = word;
  }
  return Value::integer(count);
}

/// `format % args`, Jinja's format filter.
static absl::StatusOr<Value> filterFormat(const CallSite &site,
                                          const Value &input, CallArgs args) {
  if (!args.keywords.empty())
    return site.error("keyword arguments are not supported");
  absl::StatusOr<std::string> text =
      percentFormat(textOf(input), Value::tuple(std::move(args.positional)));
  if (!text.ok())
    return site.locate(text.status());
  return Value::string(std::move(*text));
}

void addScalarFilters(FilterTable &table) {
  table["abs"] = filterAbs;
  table["capitalize"] = filterCapitalize;
  table["center"] = filterCenter;
  table["count"] = filterLength;
  table["d"] = filterDefault;
  table["default"] = filterDefault;
  table["e"] = filterEscape;
  table["escape"] = filterEscape;
  table["float"] = filterFloat;
  table["forceescape"] = filterEscape;
  table["format"] = filterFormat;
  table["indent"] = filterIndent;
  table["int"] = filterInt;
  table["length"] = filterLength;
  table["lower"] = filterLower;
  table["replace"] = filterReplace;
  table["round"] = filterRound;
  // Without autoescaping, marking a string safe changes nothing.
  table["safe"] = filterString;
  table["string"] = filterString;
  table["title"] = filterTitle;
  table["tojson"] = filterToJson;
  table["trim"] = filterTrim;
  table["upper"] = filterUpper;
  table["wordcount"] = filterWordCount;
}

static const FilterTable &filterTable() {
  static const FilterTable *table = [] {
    auto *result = new FilterTable();
    addScalarFilters(*result);
    addSequenceFilters(*result);
    return result;
  }();
  return *table;
}

FilterFunction findFilter(std::string_view name) {
  auto it = filterTable().find(name);
  return it == filterTable().end() ? nullptr : it->second;
}

bool isJinjaFilterName(std::string_view name) {
  static const std::string_view kJinjaFilters[] = {
      "batch",     "filesizeformat", "groupby",   "pprint",
      "random",    "slice",          "striptags", "truncate",
      "urlencode", "urlize",         "wordwrap",  "xmlattr"};
  for (std::string_view jinjaName : kJinjaFilters)
    if (jinjaName == name)
      return true;
  return false;
}

} // namespace moec::runtime::jinja
