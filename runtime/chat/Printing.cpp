//===- Printing.cpp - Python's str(), repr() and json.dumps() -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Printing.h"

#include "runtime/chat/Unicode.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace moec::runtime::jinja {

/// Writes the shortest %e form of `value` that reads back as `value`, and
/// splits it into its significant digits and decimal exponent.
static void shortestDigits(double value, std::string &digits, int &exponent) {
  char text[40];
  for (int precision = 0; precision < 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*e", precision, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  digits.clear();
  const char *p = text;
  for (; *p && *p != 'e'; ++p)
    if (*p >= '0' && *p <= '9')
      digits += *p;
  exponent = std::atoi(p + 1);
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
}

std::string formatPyFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  if (value == 0)
    return std::signbit(value) ? "-0.0" : "0.0";
  std::string sign = value < 0 ? "-" : "";
  std::string digits;
  int exponent;
  shortestDigits(std::fabs(value), digits, exponent);
  // Python's repr switches to exponent notation outside 1e-4 <= |x| < 1e16.
  int pointPos = exponent + 1;
  if (pointPos > 16 || pointPos < -3) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1)
      mantissa += "." + digits.substr(1);
    char expText[16];
    std::snprintf(expText, sizeof(expText), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return sign + mantissa + expText;
  }
  if (pointPos <= 0)
    return sign + "0." + std::string(-pointPos, '0') + digits;
  if (static_cast<size_t>(pointPos) >= digits.size())
    return sign + digits + std::string(pointPos - digits.size(), '0') + ".0";
  return sign + digits.substr(0, pointPos) + "." + digits.substr(pointPos);
}

/// Returns true for the code points Python's repr() escapes because they are
/// not printable (controls, format characters, separators other than the
/// space, private use); an approximation of str.isprintable() that covers
/// what chat text contains.
static bool isUnprintable(uint32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD || c == 0x61C ||
         c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) ||
         c == 0x3000 || (c >= 0xE000 && c <= 0xF8FF) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB) || c >= 0xF0000;
}

/// Python's repr() of a string.
static std::string reprString(const std::string &text) {
  bool hasSingle = text.find('\'') != std::string::npos;
  bool hasDouble = text.find('"') != std::string::npos;
  char quote = hasSingle && !hasDouble ? '"' : '\'';
  std::string out(1, quote);
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    char escaped[16];
    if (c == static_cast<uint32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (!isUnprintable(c)) {
      appendUtf8(out, c);
    } else {
      const char *format = c < 0x100     ? "\\x%02x"
                           : c < 0x10000 ? "\\u%04x"
                                         : "\\U%08x";
      std::snprintf(escaped, sizeof(escaped), format, c);
      out += escaped;
    }
  }
  out += quote;
  return out;
}

/// repr() of a dict's entries: "{'a': 1, 'b': [2]}".
static std::string reprDict(const DictData &dict) {
  std::string out = "{";
  bool first = true;
  for (const DictData::Entry &entry : dict.entries()) {
    if (!first)
      out += ", ";
    first = false;
    out += pyRepr(entry.first) + ": " + pyRepr(entry.second);
  }
  return out + "}";
}

/// repr() of a list or tuple.
static std::string reprList(const Value &value) {
  const std::vector<Value> &items = value.asList();
  std::string out = value.isTuple() ? "(" : "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += ", ";
    out += pyRepr(items[i]);
  }
  if (value.isTuple() && items.size() == 1)
    out += ",";
  return out + (value.isTuple() ? ")" : "]");
}

/// repr() of an attribute object, as Jinja shows its Namespace and
/// LoopContext.
static std::string reprObject(const ObjectData &object) {
  if (object.typeName == "LoopContext") {
    const Value *index = object.attributes.find("index");
    const Value *length = object.attributes.find("length");
    if (index && length)
      return "<LoopContext " + pyStr(*index) + "/" + pyStr(*length) + ">";
  }
  return "<" + object.typeName + " " + reprDict(object.attributes) + ">";
}

/// Limits how deep repr() descends: a namespace can hold itself
/// (`{% set ns.self = ns %}`), and printing it must not recurse forever.
static constexpr int kMaxReprDepth = 64;
static thread_local int reprDepth = 0;

std::string pyRepr(const Value &value) {
  if (reprDepth >= kMaxReprDepth)
    return "...";
  struct DepthGuard {
    DepthGuard() { ++reprDepth; }
    ~DepthGuard() { --reprDepth; }
  } guard;
  switch (value.kind()) {
  case ValueKind::Undefined:
    return "Undefined";
  case ValueKind::String:
    return reprString(value.asString());
  case ValueKind::List:
    return reprList(value);
  case ValueKind::Dict:
    return reprDict(value.asDict());
  case ValueKind::Object:
    return reprObject(value.asObject());
  case ValueKind::Callable:
    return "<function " + value.asCallable().name + ">";
  default:
    return pyStr(value);
  }
}

std::string pyStr(const Value &value) {
  switch (value.kind()) {
  case ValueKind::Undefined:
    return "";
  case ValueKind::None:
    return "None";
  case ValueKind::Bool:
    return value.asBool() ? "True" : "False";
  case ValueKind::Int:
    return std::to_string(value.asInt());
  case ValueKind::Float:
    return formatPyFloat(value.asFloat());
  case ValueKind::String:
    return value.asString();
  default:
    return pyRepr(value);
  }
}

/// Appends a JSON string literal as json.dumps writes it.
static void dumpString(std::string &out, const std::string &text,
                       bool ensureAscii) {
  out += '"';
  char escaped[16];
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    switch (c) {
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    case '\b':
      out += "\\b";
      continue;
    case '\f':
      out += "\\f";
      continue;
    default:
      break;
    }
    if (c >= 0x20 && (!ensureAscii || c < 0x7F)) {
      appendUtf8(out, c);
    } else if (c < 0x10000) {
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      out += escaped;
    } else {
      // Outside the BMP, ensure_ascii writes a UTF-16 surrogate pair.
      uint32_t v = c - 0x10000;
      std::snprintf(escaped, sizeof(escaped), "\\u%04x\\u%04x",
                    0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      out += escaped;
    }
  }
  out += '"';
}

namespace {
/// json.dumps' encoder state: the options and the current nesting level.
class JsonDumper {
public:
  explicit JsonDumper(const JsonDumpOptions &options) : options(options) {
    itemSeparator = options.itemSeparator
                        ? *options.itemSeparator
                        : (options.indent ? std::string(",") : ", ");
  }

  absl::Status dump(const Value &value);
  std::string takeOutput() { return std::move(out); }

private:
  absl::Status dumpList(const std::vector<Value> &items);
  absl::Status dumpDict(const DictData &dict);
  absl::StatusOr<std::string> keyString(const Value &key);
  void newline();

  const JsonDumpOptions &options;
  std::string itemSeparator;
  std::string out;
  int level = 0;
};
} // namespace

void JsonDumper::newline() {
  if (!options.indent)
    return;
  out += '\n';
  for (int i = 0; i < level; ++i)
    out += *options.indent;
}

absl::Status JsonDumper::dump(const Value &value) {
  switch (value.kind()) {
  case ValueKind::None:
    out += "null";
    return absl::OkStatus();
  case ValueKind::Bool:
    out += value.asBool() ? "true" : "false";
    return absl::OkStatus();
  case ValueKind::Int:
    out += std::to_string(value.asInt());
    return absl::OkStatus();
  case ValueKind::Float: {
    double number = value.asFloat();
    out += std::isnan(number)   ? "NaN"
           : std::isinf(number) ? (number < 0 ? "-Infinity" : "Infinity")
                                : formatPyFloat(number);
    return absl::OkStatus();
  }
  case ValueKind::String:
    dumpString(out, value.asString(), options.ensureAscii);
    return absl::OkStatus();
  case ValueKind::List:
    return dumpList(value.asList());
  case ValueKind::Dict:
    return dumpDict(value.asDict());
  default:
    return absl::InvalidArgumentError("Object of type " +
                                      std::string(typeName(value)) +
                                      " is not JSON serializable");
  }
}

absl::Status JsonDumper::dumpList(const std::vector<Value> &items) {
  if (items.empty()) {
    out += "[]";
    return absl::OkStatus();
  }
  out += '[';
  ++level;
  newline();
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) {
      out += itemSeparator;
      newline();
    }
    MOEC_JINJA_RETURN_IF_ERROR(dump(items[i]));
  }
  --level;
  newline();
  out += ']';
  return absl::OkStatus();
}

absl::StatusOr<std::string> JsonDumper::keyString(const Value &key) {
  switch (key.kind()) {
  case ValueKind::String:
    return key.asString();
  case ValueKind::None:
    return std::string("null");
  case ValueKind::Bool:
    return std::string(key.asBool() ? "true" : "false");
  case ValueKind::Int:
    return std::to_string(key.asInt());
  case ValueKind::Float:
    return formatPyFloat(key.asFloat());
  default:
    return absl::InvalidArgumentError(
        "keys must be str, int, float, bool or None, not " +
        std::string(typeName(key)));
  }
}

absl::Status JsonDumper::dumpDict(const DictData &dict) {
  if (dict.empty()) {
    out += "{}";
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, const Value *>> members;
  for (const DictData::Entry &entry : dict.entries()) {
    MOEC_JINJA_ASSIGN_OR_RETURN(std::string key, keyString(entry.first));
    members.emplace_back(std::move(key), &entry.second);
  }
  if (options.sortKeys)
    std::stable_sort(
        members.begin(), members.end(),
        [](const auto &a, const auto &b) { return a.first < b.first; });
  out += '{';
  ++level;
  newline();
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) {
      out += itemSeparator;
      newline();
    }
    dumpString(out, members[i].first, options.ensureAscii);
    out += options.keySeparator;
    MOEC_JINJA_RETURN_IF_ERROR(dump(*members[i].second));
  }
  --level;
  newline();
  out += '}';
  return absl::OkStatus();
}

absl::StatusOr<std::string> dumpJson(const Value &value,
                                     const JsonDumpOptions &options) {
  JsonDumper dumper(options);
  MOEC_JINJA_RETURN_IF_ERROR(dumper.dump(value));
  return dumper.takeOutput();
}

} // namespace moec::runtime::jinja
