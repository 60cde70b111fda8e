//===- Lexer.cpp - Tokenizer of Jinja templates ---------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The rules follow jinja2/lexer.py (Jinja 3.1) so that whitespace control
// gives the same bytes: the "root" rule finds the next `{{`, `{%` or `{#` and
// strips the data before it (`-` strips all whitespace; lstrip_blocks strips
// the indentation of a block or comment tag alone on its line), and each tag
// ends at the first end delimiter outside brackets (`-%}` then strips the
// whitespace after it, trim_blocks one newline after `%}` or `#}`).
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Lexer.h"

#include "runtime/chat/Unicode.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace moec::runtime::jinja {

/// Python Jinja turns "\r\n" and "\r" into "\n" and drops one trailing
/// newline (keep_trailing_newline is off).
static std::string normalizeNewlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] != '\r') {
      out += source[i];
      continue;
    }
    out += '\n';
    if (i + 1 < source.size() && source[i + 1] == '\n')
      ++i;
  }
  if (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

namespace {
class Lexer {
public:
  Lexer(std::string_view source, const LexerOptions &options)
      : src(normalizeNewlines(source)), options(options) {
    lineStarts.push_back(0);
    for (size_t i = 0; i < src.size(); ++i)
      if (src[i] == '\n')
        lineStarts.push_back(i + 1);
  }

  absl::StatusOr<std::vector<Token>> run();

private:
  SourceLoc locate(size_t offset) const;
  absl::Status error(size_t offset, std::string_view message) const {
    return templateError(locate(offset), message);
  }
  Token &emit(TokenKind kind, size_t offset, std::string text = "");

  bool startsWith(size_t at, std::string_view text) const {
    return src.compare(at, text.size(), text) == 0;
  }
  size_t skipWhitespace(size_t at) const;
  size_t findTagStart(size_t from) const;
  void emitData(size_t begin, size_t end, char sign, bool lstrip);
  void finishTag(size_t end) {
    lineStarting = src[end - 1] == '\n';
    pos = end;
  }

  absl::Status lexComment(size_t open);
  bool matchRawBegin(size_t at, size_t &end) const;
  bool matchRawEnd(size_t at, char &sign, size_t &end) const;
  absl::Status lexRaw(size_t open);
  absl::Status lexTag(bool isBlock, size_t open);
  bool matchTagEnd(bool isBlock, size_t &end) const;
  absl::Status lexToken();
  absl::Status lexNumber();
  absl::Status lexInteger(size_t start);
  absl::Status lexString();
  absl::Status lexOperator();
  absl::StatusOr<std::string> unescape(size_t begin, size_t end) const;

  std::string src;
  LexerOptions options;
  std::vector<size_t> lineStarts;
  std::vector<Token> tokens;
  /// The closing brackets expected inside the current tag.
  std::string brackets;
  size_t pos = 0;
  /// Whether the text at `pos` starts a line (for lstrip_blocks).
  bool lineStarting = true;
};
} // namespace

SourceLoc Lexer::locate(size_t offset) const {
  auto it = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
  size_t line = it - lineStarts.begin();
  size_t lineStart = lineStarts[line - 1];
  SourceLoc loc;
  loc.line = static_cast<int>(line);
  loc.column = static_cast<int>(codePointCount(std::string_view(src).substr(
                                    lineStart, offset - lineStart)) +
                                1);
  return loc;
}

Token &Lexer::emit(TokenKind kind, size_t offset, std::string text) {
  Token token;
  token.kind = kind;
  token.text = std::move(text);
  token.loc = locate(offset);
  tokens.push_back(std::move(token));
  return tokens.back();
}

size_t Lexer::skipWhitespace(size_t at) const {
  while (at < src.size()) {
    size_t next = at;
    if (!isPyWhitespace(decodeUtf8(src, next)))
      break;
    at = next;
  }
  return at;
}

size_t Lexer::findTagStart(size_t from) const {
  for (size_t i = src.find('{', from); i != std::string::npos;
       i = src.find('{', i + 1)) {
    if (i + 1 < src.size() &&
        (src[i + 1] == '{' || src[i + 1] == '%' || src[i + 1] == '#'))
      return i;
  }
  return std::string::npos;
}

/// Returns true when `text` is one or more whitespace code points.
static bool isAllWhitespace(std::string_view text) {
  if (text.empty())
    return false;
  for (size_t pos = 0; pos < text.size();)
    if (!isPyWhitespace(decodeUtf8(text, pos)))
      return false;
  return true;
}

void Lexer::emitData(size_t begin, size_t end, char sign, bool lstrip) {
  std::string_view text = std::string_view(src).substr(begin, end - begin);
  if (sign == '-') {
    text = text.substr(0, pyStrip(text, std::nullopt, false, true).size());
  } else if (sign != '+' && lstrip && options.lstripBlocks) {
    // Only the indentation of a tag that is alone on its line goes.
    size_t lineStart = text.rfind('\n') + 1; // npos + 1 == 0
    if ((lineStart > 0 || lineStarting) &&
        isAllWhitespace(text.substr(lineStart)))
      text = text.substr(0, lineStart);
  }
  if (!text.empty())
    emit(TokenKind::Data, begin, std::string(text));
}

absl::StatusOr<std::vector<Token>> Lexer::run() {
  size_t badOffset = 0;
  if (!isValidUtf8(src, &badOffset))
    return error(badOffset, "the template is not valid UTF-8");
  while (pos < src.size()) {
    size_t open = findTagStart(pos);
    if (open == std::string::npos) {
      emitData(pos, src.size(), 0, false);
      pos = src.size();
      break;
    }
    char type = src[open + 1];
    size_t afterOpen = open + 2;
    char sign = 0;
    if (afterOpen < src.size() &&
        (src[afterOpen] == '-' || src[afterOpen] == '+'))
      sign = src[afterOpen++];
    size_t rawEnd = 0;
    bool isRaw = type == '%' && matchRawBegin(afterOpen, rawEnd);
    emitData(pos, open, sign, type != '{');
    pos = afterOpen;
    absl::Status status;
    if (type == '#') {
      status = lexComment(open);
    } else if (isRaw) {
      finishTag(rawEnd);
      status = lexRaw(open);
    } else {
      emit(type == '%' ? TokenKind::BlockBegin : TokenKind::VariableBegin, open,
           src.substr(open, afterOpen - open));
      status = lexTag(type == '%', open);
    }
    MOEC_JINJA_RETURN_IF_ERROR(status);
  }
  emit(TokenKind::Eof, src.size());
  return std::move(tokens);
}

absl::Status Lexer::lexComment(size_t open) {
  size_t close = src.find("#}", pos);
  if (close == std::string::npos)
    return error(open, "unterminated comment: '{#' is never closed by '#}'");
  char sign = close > pos ? src[close - 1] : 0;
  size_t end = close + 2;
  if (sign == '-')
    end = skipWhitespace(end);
  else if (sign != '+' && options.trimBlocks && end < src.size() &&
           src[end] == '\n')
    ++end;
  finishTag(end);
  return absl::OkStatus();
}

bool Lexer::matchRawBegin(size_t at, size_t &end) const {
  at = skipWhitespace(at);
  if (!startsWith(at, "raw"))
    return false;
  at = skipWhitespace(at + 3);
  if (startsWith(at, "-%}")) {
    end = skipWhitespace(at + 3);
    return true;
  }
  if (startsWith(at, "%}")) {
    end = at + 2;
    return true;
  }
  return false;
}

bool Lexer::matchRawEnd(size_t at, char &sign, size_t &end) const {
  at += 2;
  sign = 0;
  if (at < src.size() && (src[at] == '-' || src[at] == '+'))
    sign = src[at++];
  at = skipWhitespace(at);
  if (!startsWith(at, "endraw"))
    return false;
  at = skipWhitespace(at + 6);
  if (startsWith(at, "+%}")) {
    end = at + 3;
  } else if (startsWith(at, "-%}")) {
    end = skipWhitespace(at + 3);
  } else if (startsWith(at, "%}")) {
    end = at + 2;
    if (options.trimBlocks && end < src.size() && src[end] == '\n')
      ++end;
  } else {
    return false;
  }
  return true;
}

absl::Status Lexer::lexRaw(size_t open) {
  for (size_t at = src.find("{%", pos); at != std::string::npos;
       at = src.find("{%", at + 1)) {
    char sign;
    size_t end;
    if (!matchRawEnd(at, sign, end))
      continue;
    emitData(pos, at, sign, true);
    finishTag(end);
    return absl::OkStatus();
  }
  return error(open, "unterminated raw block: '{% raw %}' is never closed by "
                     "'{% endraw %}'");
}

bool Lexer::matchTagEnd(bool isBlock, size_t &end) const {
  std::string_view close = isBlock ? "%}" : "}}";
  if (isBlock && startsWith(pos, "+%}")) {
    end = pos + 3;
    return true;
  }
  if (src.compare(pos, 1, "-") == 0 && startsWith(pos + 1, close)) {
    end = skipWhitespace(pos + 3);
    return true;
  }
  if (!startsWith(pos, close))
    return false;
  end = pos + 2;
  if (isBlock && options.trimBlocks && end < src.size() && src[end] == '\n')
    ++end;
  return true;
}

absl::Status Lexer::lexTag(bool isBlock, size_t open) {
  brackets.clear();
  while (true) {
    pos = skipWhitespace(pos);
    if (pos >= src.size()) {
      if (!brackets.empty())
        return error(pos, std::string("unexpected end of template: '") +
                              brackets.back() + "' expected");
      return error(open, isBlock ? "unterminated statement: '{%' is never "
                                   "closed by '%}'"
                                 : "unterminated expression: '{{' is never "
                                   "closed by '}}'");
    }
    size_t end;
    if (brackets.empty() && matchTagEnd(isBlock, end)) {
      emit(isBlock ? TokenKind::BlockEnd : TokenKind::VariableEnd, pos,
           src.substr(pos, end - pos));
      finishTag(end);
      return absl::OkStatus();
    }
    MOEC_JINJA_RETURN_IF_ERROR(lexToken());
  }
}

absl::Status Lexer::lexToken() {
  char c = src[pos];
  if (isDigit(c))
    return lexNumber();
  if (isNameStart(c)) {
    size_t end = pos;
    while (end < src.size() && isNameChar(src[end]))
      ++end;
    emit(TokenKind::Name, pos, src.substr(pos, end - pos));
    pos = end;
    return absl::OkStatus();
  }
  if (c == '\'' || c == '"')
    return lexString();
  return lexOperator();
}

/// Returns the end of `(\d+_)*\d+` at `at`, or npos when no digit is there.
static size_t scanDigits(std::string_view src, size_t at) {
  if (at >= src.size() || !isDigit(src[at]))
    return std::string::npos;
  while (at < src.size()) {
    if (isDigit(src[at]))
      ++at;
    else if (src[at] == '_' && at + 1 < src.size() && isDigit(src[at + 1]))
      at += 2;
    else
      break;
  }
  return at;
}

/// Returns the end of an exponent `e[+-]?digits` at `at`, or npos.
static size_t scanExponent(std::string_view src, size_t at) {
  if (at >= src.size() || (src[at] != 'e' && src[at] != 'E'))
    return std::string::npos;
  ++at;
  if (at < src.size() && (src[at] == '+' || src[at] == '-'))
    ++at;
  return scanDigits(src, at);
}

absl::Status Lexer::lexNumber() {
  size_t start = pos;
  size_t end = scanDigits(src, pos);
  // Jinja's float rule: digits, then a fraction and/or an exponent; it does
  // not apply right after a '.', so that `x.0.1` is two subscripts.
  bool afterDot = start > 0 && src[start - 1] == '.';
  size_t fractionEnd = std::string::npos;
  if (!afterDot && end < src.size() && src[end] == '.')
    fractionEnd = scanDigits(src, end + 1);
  size_t exponentEnd =
      scanExponent(src, fractionEnd != std::string::npos ? fractionEnd : end);
  if (afterDot ||
      (fractionEnd == std::string::npos && exponentEnd == std::string::npos))
    return lexInteger(start);
  if (exponentEnd == std::string::npos)
    exponentEnd = fractionEnd;
  std::string text = src.substr(start, exponentEnd - start);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  emit(TokenKind::Float, start).floatValue = std::strtod(text.c_str(), nullptr);
  pos = exponentEnd;
  return absl::OkStatus();
}

absl::Status Lexer::lexInteger(size_t start) {
  int base = 10;
  size_t digitsStart = start;
  char prefix = start + 1 < src.size() ? src[start + 1] | 0x20 : 0;
  if (src[start] == '0' && (prefix == 'b' || prefix == 'o' || prefix == 'x')) {
    base = prefix == 'b' ? 2 : prefix == 'o' ? 8 : 16;
    digitsStart = start + 2;
  }
  auto isBaseDigit = [&](char c) {
    int value = isDigit(c) ? c - '0'
                : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                    ? (c | 0x20) - 'a' + 10
                    : 99;
    return value < base;
  };
  size_t end = digitsStart;
  std::string digits;
  // Decimal literals other than 0 must not start with 0 ("007" is two
  // tokens in Jinja); a lone run of zeros is 0.
  bool zeros = base == 10 && src[start] == '0';
  while (end < src.size()) {
    char c = src[end];
    bool underscore = c == '_' && end + 1 < src.size() &&
                      isBaseDigit(src[end + 1]) &&
                      (end > digitsStart || base != 10);
    if (underscore) {
      ++end;
      continue;
    }
    if (!isBaseDigit(c) || (zeros && c != '0'))
      break;
    digits += c;
    ++end;
  }
  if (digits.empty())
    return error(start, "invalid integer literal");
  errno = 0;
  char *parseEnd = nullptr;
  unsigned long long value = std::strtoull(digits.c_str(), &parseEnd, base);
  if (errno == ERANGE || value > static_cast<unsigned long long>(INT64_MAX))
    return error(start, "integer literal '" + src.substr(start, end - start) +
                            "' is too large (the limit is 2**63 - 1)");
  emit(TokenKind::Integer, start).intValue = static_cast<int64_t>(value);
  pos = end;
  return absl::OkStatus();
}

absl::Status Lexer::lexString() {
  char quote = src[pos];
  size_t end = pos + 1;
  while (end < src.size() && src[end] != quote)
    end += src[end] == '\\' ? 2 : 1;
  if (end >= src.size())
    return error(pos, "unterminated string literal");
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string value, unescape(pos + 1, end));
  emit(TokenKind::String, pos, std::move(value));
  pos = end + 1;
  return absl::OkStatus();
}

/// Parses `count` hex digits at `at`; returns false when they are not there.
static bool parseHex(std::string_view src, size_t at, int count,
                     uint32_t &value) {
  value = 0;
  for (int i = 0; i < count; ++i) {
    if (at + i >= src.size())
      return false;
    char c = src[at + i] | 0x20;
    int digit = isDigit(src[at + i])     ? src[at + i] - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                         : -1;
    if (digit < 0)
      return false;
    value = value * 16 + digit;
  }
  return true;
}

absl::StatusOr<std::string> Lexer::unescape(size_t begin, size_t end) const {
  // Python's "unicode-escape" codec, which Jinja applies to string literals.
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (src[i] != '\\' || i + 1 >= end) {
      out += src[i];
      continue;
    }
    char c = src[++i];
    static const std::string_view kSimple = "\\'\"abfnrtv";
    static const std::string_view kValues = "\\'\"\a\b\f\n\r\t\v";
    if (size_t k = kSimple.find(c); k != std::string_view::npos) {
      out += kValues[k];
    } else if (c == '\n') {
      // A backslash before a newline continues the line.
    } else if (c >= '0' && c <= '7') {
      uint32_t value = 0;
      int digits = 0;
      for (; digits < 3 && i < end && src[i] >= '0' && src[i] <= '7'; ++digits)
        value = value * 8 + (src[i++] - '0');
      --i;
      appendUtf8(out, value);
    } else if (c == 'x' || c == 'u' || c == 'U') {
      int count = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      uint32_t value;
      if (i + count >= end || !parseHex(src, i + 1, count, value))
        return error(i - 1, std::string("truncated \\") + c +
                                " escape in a string literal");
      if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
        return error(i - 1, "the escape in this string literal is not a "
                            "valid Unicode scalar value");
      appendUtf8(out, value);
      i += count;
    } else if (c == 'N') {
      return error(i - 1, "\\N{...} escapes in string literals are not "
                          "supported");
    } else {
      // Unknown escapes stay as written, as in Python.
      out += '\\';
      out += c;
    }
  }
  return out;
}

absl::Status Lexer::lexOperator() {
  static const std::string_view kTwoChar[] = {
      "//", "**", "==", "!=", ">=", "<="};
  for (std::string_view op : kTwoChar) {
    if (startsWith(pos, op)) {
      emit(TokenKind::Operator, pos, std::string(op));
      pos += 2;
      return absl::OkStatus();
    }
  }
  char c = src[pos];
  if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) ==
      std::string_view::npos) {
    size_t next = pos;
    uint32_t codePoint = decodeUtf8(src, next);
    std::string shown;
    appendUtf8(shown, codePoint);
    return error(pos, "unexpected character '" + shown + "'");
  }
  if (c == '(' || c == '[' || c == '{') {
    brackets += c == '(' ? ')' : c == '[' ? ']' : '}';
  } else if (c == ')' || c == ']' || c == '}') {
    if (brackets.empty())
      return error(pos, std::string("unexpected '") + c + "'");
    if (brackets.back() != c)
      return error(pos, std::string("unexpected '") + c + "', expected '" +
                            brackets.back() + "'");
    brackets.pop_back();
  }
  emit(TokenKind::Operator, pos, std::string(1, c));
  ++pos;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Token>> tokenize(std::string_view source,
                                            const LexerOptions &options) {
  return Lexer(source, options).run();
}

} // namespace moec::runtime::jinja
