//===- Json.cpp - Strict JSON parser for the runtime ----------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements JsonValue and a recursive-descent RFC 8259 parser.
// Recursion is bounded by kJsonMaxDepth, so hostile input cannot exhaust the
// stack. Every error carries the byte offset at which parsing stopped.
//
//===----------------------------------------------------------------------===//

#include "runtime/Json.h"
#include "runtime/Utf8.h"

#include <cstdio>

#include "runtime/StringUtil.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moec::runtime {

//===----------------------------------------------------------------------===//
// JsonValue
//===----------------------------------------------------------------------===//

std::string_view jsonKindName(JsonKind kind) {
  switch (kind) {
  case JsonKind::Null:
    return "null";
  case JsonKind::Bool:
    return "a boolean";
  case JsonKind::Int:
    return "an integer";
  case JsonKind::Double:
    return "a non-integer number";
  case JsonKind::String:
    return "a string";
  case JsonKind::Array:
    return "an array";
  case JsonKind::Object:
    return "an object";
  }
  return "an unknown JSON value";
}

JsonValue::JsonValue() = default;
JsonValue::JsonValue(bool value) : storage(value) {}
JsonValue::JsonValue(int64_t value) : storage(value) {}
JsonValue::JsonValue(double value) : storage(value) {}
JsonValue::JsonValue(std::string value) : storage(std::move(value)) {}
JsonValue::JsonValue(Array value) : storage(std::move(value)) {}
JsonValue::JsonValue(Object value) : storage(std::move(value)) {}
JsonValue::JsonValue(const JsonValue &other) = default;
JsonValue::JsonValue(JsonValue &&other) noexcept = default;
JsonValue &JsonValue::operator=(const JsonValue &other) = default;
JsonValue &JsonValue::operator=(JsonValue &&other) noexcept = default;
JsonValue::~JsonValue() = default;

std::optional<bool> JsonValue::asBool() const {
  if (const bool *value = std::get_if<bool>(&storage))
    return *value;
  return std::nullopt;
}

std::optional<int64_t> JsonValue::asInt() const {
  if (const int64_t *value = std::get_if<int64_t>(&storage))
    return *value;
  return std::nullopt;
}

std::optional<double> JsonValue::asDouble() const {
  if (const double *value = std::get_if<double>(&storage))
    return *value;
  if (const int64_t *value = std::get_if<int64_t>(&storage))
    return static_cast<double>(*value);
  return std::nullopt;
}

const std::string *JsonValue::asString() const {
  return std::get_if<std::string>(&storage);
}

const JsonValue::Array *JsonValue::asArray() const {
  return std::get_if<Array>(&storage);
}

const JsonValue::Object *JsonValue::asObject() const {
  return std::get_if<Object>(&storage);
}

const JsonValue *JsonValue::find(std::string_view key) const {
  const Object *members = asObject();
  if (!members)
    return nullptr;
  for (const JsonMember &member : *members)
    if (member.key == key)
      return &member.value;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace {

/// A recursive-descent parser over one JSON text. `pos` always points at the
/// next unread byte; errors report it (or the start of the offending token).
class Parser {
public:
  explicit Parser(std::string_view text) : text(text) {}

  /// Parses the whole text: one value and nothing but whitespace around it.
  absl::StatusOr<JsonValue> parseDocument();

private:
  absl::StatusOr<JsonValue> parseValue(int depth);
  absl::StatusOr<JsonValue> parseObject(int depth);
  absl::StatusOr<JsonValue> parseArray(int depth);
  absl::StatusOr<JsonValue> parseNumber();
  absl::StatusOr<JsonValue> parseLiteral();
  absl::StatusOr<std::string> parseString();
  absl::Status parseEscape(std::string &out);
  absl::StatusOr<uint32_t> parseHex4();
  absl::Status copyUtf8Sequence(std::string &out);
  absl::Status checkDuplicateKeys(const JsonValue::Object &members,
                                  const std::vector<size_t> &keyOffsets);
  size_t skipDigits();
  void skipWhitespace();
  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  std::string describeNext() const;
  absl::Status error(size_t offset, std::string_view message) const;
  absl::Status expected(std::string_view what) const;

  std::string_view text;
  size_t pos = 0;
};

} // namespace

absl::Status Parser::error(size_t offset, std::string_view message) const {
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("invalid JSON at byte %d (line %d, column %d): %s",
                      offset, line, offset - lineStart + 1, message));
}

std::string Parser::describeNext() const {
  if (atEnd())
    return "end of input";
  auto byte = static_cast<unsigned char>(text[pos]);
  if (byte >= 0x20 && byte < 0x7f)
    return strCat("'", std::string_view(&text[pos], 1), "'");
  return absl::StrFormat("byte 0x%02X", byte);
}

absl::Status Parser::expected(std::string_view what) const {
  return error(pos, strCat("expected ", what, ", found ", describeNext()));
}

void Parser::skipWhitespace() {
  while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                      text[pos] == '\n' || text[pos] == '\r'))
    ++pos;
}

absl::StatusOr<JsonValue> Parser::parseDocument() {
  skipWhitespace();
  absl::StatusOr<JsonValue> value = parseValue(/*depth=*/0);
  if (!value.ok())
    return value.status();
  skipWhitespace();
  if (!atEnd())
    return expected("end of input after the JSON value");
  return value;
}

absl::StatusOr<JsonValue> Parser::parseValue(int depth) {
  char c = peek();
  if ((c == '{' || c == '[') && depth >= kJsonMaxDepth)
    return error(pos, strCat("nesting is deeper than the limit of ",
                             kJsonMaxDepth, " arrays and objects"));
  if (c == '{')
    return parseObject(depth + 1);
  if (c == '[')
    return parseArray(depth + 1);
  if (c == '"') {
    absl::StatusOr<std::string> string = parseString();
    if (!string.ok())
      return string.status();
    return JsonValue(*std::move(string));
  }
  if (c == '-' || (c >= '0' && c <= '9'))
    return parseNumber();
  if (c == 't' || c == 'f' || c == 'n')
    return parseLiteral();
  return expected(
      "a value (object, array, string, number, true, false or null)");
}

absl::StatusOr<JsonValue> Parser::parseObject(int depth) {
  ++pos; // '{'
  JsonValue::Object members;
  std::vector<size_t> keyOffsets;
  skipWhitespace();
  if (peek() == '}') {
    ++pos;
    return JsonValue(std::move(members));
  }
  while (true) {
    if (peek() != '"')
      return expected(members.empty() ? "a string key or '}'"
                                      : "a string key after ','");
    keyOffsets.push_back(pos);
    absl::StatusOr<std::string> key = parseString();
    if (!key.ok())
      return key.status();
    skipWhitespace();
    if (peek() != ':')
      return expected("':' after an object key");
    ++pos;
    skipWhitespace();
    absl::StatusOr<JsonValue> value = parseValue(depth);
    if (!value.ok())
      return value.status();
    members.push_back({*std::move(key), *std::move(value)});
    skipWhitespace();
    if (peek() == '}')
      break;
    if (peek() != ',')
      return expected("',' or '}' after an object member");
    ++pos;
    skipWhitespace();
  }
  ++pos; // '}'
  if (absl::Status status = checkDuplicateKeys(members, keyOffsets);
      !status.ok())
    return status;
  return JsonValue(std::move(members));
}

absl::Status Parser::checkDuplicateKeys(const JsonValue::Object &members,
                                        const std::vector<size_t> &keyOffsets) {
  std::vector<size_t> order(members.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return members[a].key < members[b].key;
  });
  // Of all repeated keys, report the one whose repetition comes first.
  size_t firstRepeat = members.size();
  for (size_t i = 1; i < order.size(); ++i)
    if (members[order[i]].key == members[order[i - 1]].key)
      firstRepeat = std::min(firstRepeat, order[i]);
  if (firstRepeat == members.size())
    return absl::OkStatus();
  return error(keyOffsets[firstRepeat], strCat("duplicate object key \"",
                                               members[firstRepeat].key, "\""));
}

absl::StatusOr<JsonValue> Parser::parseArray(int depth) {
  ++pos; // '['
  JsonValue::Array elements;
  skipWhitespace();
  if (peek() == ']') {
    ++pos;
    return JsonValue(std::move(elements));
  }
  while (true) {
    if (peek() == ']' && !elements.empty())
      return expected("a value after ','");
    absl::StatusOr<JsonValue> value = parseValue(depth);
    if (!value.ok())
      return value.status();
    elements.push_back(*std::move(value));
    skipWhitespace();
    if (peek() == ']')
      break;
    if (peek() != ',')
      return expected("',' or ']' after an array element");
    ++pos;
    skipWhitespace();
  }
  ++pos; // ']'
  return JsonValue(std::move(elements));
}

size_t Parser::skipDigits() {
  size_t start = pos;
  while (!atEnd() && text[pos] >= '0' && text[pos] <= '9')
    ++pos;
  return pos - start;
}

absl::StatusOr<JsonValue> Parser::parseNumber() {
  size_t start = pos;
  if (peek() == '-')
    ++pos;
  if (peek() == '0') {
    ++pos;
    if (peek() >= '0' && peek() <= '9')
      return error(pos - 1, "numbers must not have leading zeros");
  } else if (skipDigits() == 0) {
    return expected("a digit after '-'");
  }
  bool integral = true;
  if (peek() == '.') {
    ++pos;
    integral = false;
    if (skipDigits() == 0)
      return expected("a digit after the decimal point");
  }
  if (peek() == 'e' || peek() == 'E') {
    ++pos;
    integral = false;
    if (peek() == '+' || peek() == '-')
      ++pos;
    if (skipDigits() == 0)
      return expected("a digit in the exponent");
  }
  std::string_view literal = text.substr(start, pos - start);
  int64_t intValue;
  if (integral && absl::SimpleAtoi(toAbslView(literal), &intValue))
    return JsonValue(intValue);
  double doubleValue;
  if (!absl::SimpleAtod(toAbslView(literal), &doubleValue) ||
      !std::isfinite(doubleValue))
    return error(
        start, strCat("number ", literal, " is out of the range of a double"));
  return JsonValue(doubleValue);
}

absl::StatusOr<JsonValue> Parser::parseLiteral() {
  static constexpr std::string_view kTrue = "true", kFalse = "false",
                                    kNull = "null";
  std::string_view rest = text.substr(pos);
  for (std::string_view word : {kTrue, kFalse, kNull}) {
    if (rest.substr(0, word.size()) != word)
      continue;
    pos += word.size();
    if (word == kNull)
      return JsonValue();
    return JsonValue(word == kTrue);
  }
  return expected(
      "a value (object, array, string, number, true, false or null)");
}

//===----------------------------------------------------------------------===//
// Strings
//===----------------------------------------------------------------------===//

absl::StatusOr<std::string> Parser::parseString() {
  size_t start = pos;
  ++pos; // '"'
  std::string out;
  while (true) {
    if (atEnd())
      return error(start, "unterminated string");
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte == '"') {
      ++pos;
      return out;
    }
    if (byte == '\\') {
      if (absl::Status status = parseEscape(out); !status.ok())
        return status;
    } else if (byte < 0x20) {
      return error(pos, absl::StrFormat("control character 0x%02X must be "
                                        "escaped inside a string",
                                        byte));
    } else if (byte < 0x80) {
      out.push_back(static_cast<char>(byte));
      ++pos;
    } else if (absl::Status status = copyUtf8Sequence(out); !status.ok()) {
      return status;
    }
  }
}

absl::StatusOr<uint32_t> Parser::parseHex4() {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i, ++pos) {
    char c = peek();
    uint32_t digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return expected("4 hex digits after '\\u'");
    value = value * 16 + digit;
  }
  return value;
}

absl::Status Parser::parseEscape(std::string &out) {
  size_t start = pos;
  ++pos; // '\'
  char c = peek();
  static constexpr std::string_view kSimple = "\"\\/bfnrt";
  static constexpr std::string_view kDecoded = "\"\\/\b\f\n\r\t";
  if (size_t index = kSimple.find(c); !atEnd() && index != kSimple.npos) {
    out.push_back(kDecoded[index]);
    ++pos;
    return absl::OkStatus();
  }
  if (c != 'u')
    return error(start, strCat("invalid escape sequence: '\\' followed "
                               "by ",
                               describeNext()));
  ++pos;
  absl::StatusOr<uint32_t> unit = parseHex4();
  if (!unit.ok())
    return unit.status();
  uint32_t codePoint = *unit;
  if (codePoint >= 0xDC00 && codePoint <= 0xDFFF)
    return error(start, "lone low surrogate \\u escape (a low surrogate "
                        "must follow a high surrogate \\uD800-\\uDBFF)");
  if (codePoint >= 0xD800 && codePoint <= 0xDBFF) {
    if (text.substr(pos, 2) != "\\u")
      return error(start, "high surrogate \\u escape is not followed by a "
                          "low surrogate \\uDC00-\\uDFFF");
    pos += 2;
    absl::StatusOr<uint32_t> low = parseHex4();
    if (!low.ok())
      return low.status();
    if (*low < 0xDC00 || *low > 0xDFFF)
      return error(start, "high surrogate \\u escape is not followed by a "
                          "low surrogate \\uDC00-\\uDFFF");
    codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (*low - 0xDC00);
  }
  appendUtf8(codePoint, out);
  return absl::OkStatus();
}

/// Returns the number of continuation bytes after lead byte `lead` and the
/// allowed range of the first continuation byte (narrower than 0x80-0xBF for
/// leads whose full range would allow overlong forms, surrogates or code
/// points past U+10FFFF). Returns 0 for bytes that cannot start a sequence.
static int utf8SequenceShape(unsigned char lead, unsigned char &firstMin,
                             unsigned char &firstMax) {
  firstMin = 0x80;
  firstMax = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF)
    return 1;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (lead == 0xE0)
      firstMin = 0xA0;
    if (lead == 0xED)
      firstMax = 0x9F;
    return 2;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (lead == 0xF0)
      firstMin = 0x90;
    if (lead == 0xF4)
      firstMax = 0x8F;
    return 3;
  }
  return 0;
}

absl::Status Parser::copyUtf8Sequence(std::string &out) {
  size_t start = pos;
  unsigned char firstMin, firstMax;
  int continuations = utf8SequenceShape(static_cast<unsigned char>(text[pos]),
                                        firstMin, firstMax);
  for (int i = 1; continuations != 0 && i <= continuations; ++i) {
    if (start + i >= text.size())
      return error(start, "truncated UTF-8 sequence");
    auto byte = static_cast<unsigned char>(text[start + i]);
    unsigned char low = i == 1 ? firstMin : 0x80;
    unsigned char high = i == 1 ? firstMax : 0xBF;
    if (byte < low || byte > high)
      return error(start, "invalid UTF-8 sequence");
  }
  if (continuations == 0)
    return error(start, absl::StrFormat("invalid UTF-8 lead byte 0x%02X",
                                        static_cast<unsigned char>(text[pos])));
  out.append(text.substr(start, continuations + 1));
  pos = start + continuations + 1;
  return absl::OkStatus();
}

absl::StatusOr<JsonValue> parseJson(std::string_view text) {
  return Parser(text).parseDocument();
}

void appendJsonString(std::string &out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t n = validUtf8Length(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    ++i;
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
      if (c < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
        out += buffer;
      } else {
        out += char(c);
      }
    }
  }
  out += '"';
}

} // namespace moec::runtime
