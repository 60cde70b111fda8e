//===- Methods.cpp - Python methods of strings, lists and dicts -----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Templates call Python methods directly: `content.strip()`,
// `content.split('</think>')[-1]`, `message.get('tool_calls')`,
// `tool.parameters.properties.items()`. These are the common ones, with
// Python's semantics on code points. Methods that modify a list or dict are
// refused as Hugging Face's ImmutableSandboxedEnvironment refuses them.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Interpreter.h"
#include "runtime/chat/Printing.h"
#include "runtime/chat/Unicode.h"

#include "runtime/StringUtil.h"

#include <algorithm>
#include <map>

namespace moec::runtime::jinja {

using MethodFunction = absl::StatusOr<Value> (*)(const CallSite &site,
                                                 const Value &self,
                                                 CallArgs args);

/// Returns an optional string argument (none means "not given").
static absl::StatusOr<std::optional<std::string>>
optionalString(const CallSite &site, const Value &value) {
  if (value.isNone())
    return std::optional<std::string>();
  if (!value.isString())
    return site.error(
        strCat("expected a string or None, got '", typeName(value), "'"));
  return std::optional<std::string>(value.asString());
}

template <bool Left, bool Right>
static absl::StatusOr<Value> strStrip(const CallSite &site, const Value &self,
                                      CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"chars", Value::none()}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::optional<std::string> chars,
                              optionalString(site, params[0]));
  std::optional<std::string_view> charsView;
  if (chars)
    charsView = *chars;
  return Value::string(pyStrip(self.asString(), charsView, Left, Right));
}

/// Python's str.split(sep, maxsplit).
static std::vector<std::string> splitText(const std::string &text,
                                          const std::optional<std::string> &sep,
                                          int64_t maxSplit) {
  std::vector<std::string> parts;
  if (sep) {
    size_t pos = 0;
    for (int64_t splits = 0; maxSplit < 0 || splits < maxSplit; ++splits) {
      size_t found = text.find(*sep, pos);
      if (found == std::string::npos)
        break;
      parts.push_back(text.substr(pos, found - pos));
      pos = found + sep->size();
    }
    parts.push_back(text.substr(pos));
    return parts;
  }
  // Without a separator, runs of whitespace separate and empty parts go.
  std::vector<size_t> offsets = codePointOffsets(text);
  auto isSpaceAt = [&](size_t i) {
    size_t pos = offsets[i];
    return isPyWhitespace(decodeUtf8(text, pos));
  };
  size_t count = offsets.size() - 1, i = 0;
  while (true) {
    while (i < count && isSpaceAt(i))
      ++i;
    if (i == count)
      break;
    if (maxSplit >= 0 && static_cast<int64_t>(parts.size()) == maxSplit) {
      parts.push_back(text.substr(offsets[i]));
      break;
    }
    size_t start = i;
    while (i < count && !isSpaceAt(i))
      ++i;
    parts.push_back(text.substr(offsets[start], offsets[i] - offsets[start]));
  }
  return parts;
}

/// Reverses the code points of `text` (rsplit is split of the reversal).
static std::string reverseText(const std::string &text) {
  std::vector<uint32_t> codePoints = toCodePoints(text);
  std::string reversed;
  for (auto it = codePoints.rbegin(); it != codePoints.rend(); ++it)
    appendUtf8(reversed, *it);
  return reversed;
}

template <bool FromRight>
static absl::StatusOr<Value> strSplit(const CallSite &site, const Value &self,
                                      CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args),
               {{"sep", Value::none()}, {"maxsplit", Value::integer(-1)}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::optional<std::string> sep,
                              optionalString(site, params[0]));
  if (sep && sep->empty())
    return site.error("empty separator");
  if (!params[1].isInt())
    return site.error("maxsplit must be an integer");
  std::string text = self.asString();
  if (FromRight) {
    text = reverseText(text);
    if (sep)
      sep = reverseText(*sep);
  }
  std::vector<std::string> parts = splitText(text, sep, params[1].asInt());
  if (FromRight)
    std::reverse(parts.begin(), parts.end());
  std::vector<Value> values;
  for (std::string &part : parts)
    values.push_back(Value::string(FromRight ? reverseText(part) : part));
  return Value::list(std::move(values));
}

/// startswith/endswith: the argument is a string or a tuple of strings.
template <bool AtEnd>
static absl::StatusOr<Value> strAffix(const CallSite &site, const Value &self,
                                      CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"affix", std::nullopt}}));
  std::vector<Value> candidates;
  if (params[0].isList())
    candidates = params[0].asList();
  else
    candidates.push_back(params[0]);
  const std::string &text = self.asString();
  for (const Value &candidate : candidates) {
    if (!candidate.isString())
      return site.error(strCat("expected a string or a tuple of strings, got '",
                               typeName(candidate), "'"));
    const std::string &affix = candidate.asString();
    if (affix.size() <= text.size() &&
        text.compare(AtEnd ? text.size() - affix.size() : 0, affix.size(),
                     affix) == 0)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}

template <std::string (*Map)(std::string_view)>
static absl::StatusOr<Value> strMap(const CallSite &site, const Value &self,
                                    CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  return Value::string(Map(self.asString()));
}

/// Python's str.title(): upper case after an uncased character.
static std::string pyTitle(std::string_view text) {
  std::string result;
  bool previousCased = false;
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    uint32_t mapped = previousCased ? toLowerCodePoint(c) : toUpperCodePoint(c);
    appendUtf8(result, mapped);
    previousCased = toLowerCodePoint(c) != toUpperCodePoint(c);
  }
  return result;
}

/// Python's str.capitalize().
static std::string pyCapitalize(std::string_view text) {
  std::string result;
  for (size_t pos = 0; pos < text.size();) {
    bool first = pos == 0;
    uint32_t c = decodeUtf8(text, pos);
    appendUtf8(result, first ? toUpperCodePoint(c) : toLowerCodePoint(c));
  }
  return result;
}

static absl::StatusOr<Value> strReplace(const CallSite &site, const Value &self,
                                        CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(auto params,
                              bindArgs(site, std::move(args),
                                       {{"old", std::nullopt},
                                        {"new", std::nullopt},
                                        {"count", Value::integer(-1)}}));
  if (!params[0].isString() || !params[1].isString() || !params[2].isInt())
    return site.error("expected replace(str, str[, int])");
  const std::string &text = self.asString(), &old = params[0].asString();
  if (old.empty())
    return site.error("replacing an empty string is not supported");
  std::string result;
  size_t pos = 0;
  for (int64_t done = 0; params[2].asInt() < 0 || done < params[2].asInt();
       ++done) {
    size_t found = text.find(old, pos);
    if (found == std::string::npos)
      break;
    result.append(text, pos, found - pos);
    result += params[1].asString();
    pos = found + old.size();
  }
  result.append(text, pos, std::string::npos);
  return Value::string(std::move(result));
}

/// find, rfind and count of a substring; positions are in code points.
enum class SearchKind { Find, RFind, Count };
template <SearchKind Kind>
static absl::StatusOr<Value> strSearch(const CallSite &site, const Value &self,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"sub", std::nullopt}}));
  if (!params[0].isString())
    return site.error("expected a string argument");
  const std::string &text = self.asString(), &sub = params[0].asString();
  if (Kind == SearchKind::Count) {
    if (sub.empty())
      return Value::integer(codePointCount(text) + 1);
    int64_t count = 0;
    for (size_t pos = text.find(sub); pos != std::string::npos;
         pos = text.find(sub, pos + sub.size()))
      ++count;
    return Value::integer(count);
  }
  size_t found = Kind == SearchKind::Find ? text.find(sub) : text.rfind(sub);
  if (found == std::string::npos)
    return Value::integer(-1);
  return Value::integer(
      codePointCount(std::string_view(text).substr(0, found)));
}

static absl::StatusOr<Value> strJoin(const CallSite &site, const Value &self,
                                     CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args), {{"iterable", std::nullopt}}));
  absl::StatusOr<std::vector<Value>> items = iterate(params[0]);
  if (!items.ok())
    return site.locate(items.status());
  std::string result;
  for (size_t i = 0; i < items->size(); ++i) {
    const Value &item = (*items)[i];
    if (!item.isString())
      return site.error(strCat("sequence item ", i, ": expected str instance, ",
                               typeName(item), " found"));
    if (i)
      result += self.asString();
    result += item.asString();
  }
  return Value::string(std::move(result));
}

static absl::StatusOr<Value> strSplitLines(const CallSite &site,
                                           const Value &self, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::vector<Value> lines;
  for (std::string &line : pySplitLines(self.asString()))
    lines.push_back(Value::string(std::move(line)));
  return Value::list(std::move(lines));
}

/// isdigit (ASCII digits), isspace, islower, isupper.
template <int Which>
static absl::StatusOr<Value> strPredicate(const CallSite &site,
                                          const Value &self, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  const std::string &text = self.asString();
  bool cased = false;
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    uint32_t lower = toLowerCodePoint(c), upper = toUpperCodePoint(c);
    bool ok = Which == 0   ? c >= '0' && c <= '9'
              : Which == 1 ? isPyWhitespace(c)
              : Which == 2 ? lower == upper || c == lower
                           : lower == upper || c == upper;
    if (!ok)
      return Value::boolean(false);
    cased |= lower != upper;
  }
  return Value::boolean(!text.empty() && (Which < 2 || cased));
}

static absl::StatusOr<Value> dictGet(const CallSite &site, const Value &self,
                                     CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args),
               {{"key", std::nullopt}, {"default", Value::none()}}));
  if (const Value *value = self.asDict().find(params[0]))
    return *value;
  return params[1];
}

/// keys(), values() and items() as lists.
template <int Which>
static absl::StatusOr<Value> dictView(const CallSite &site, const Value &self,
                                      CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  std::vector<Value> items;
  for (const DictData::Entry &entry : self.asDict().entries())
    items.push_back(Which == 0   ? entry.first
                    : Which == 1 ? entry.second
                                 : Value::tuple({entry.first, entry.second}));
  return Value::list(std::move(items));
}

static absl::StatusOr<Value> listCount(const CallSite &site, const Value &self,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"value", std::nullopt}}));
  return Value::integer(std::count_if(
      self.asList().begin(), self.asList().end(),
      [&](const Value &item) { return valuesEqual(item, params[0]); }));
}

static absl::StatusOr<Value> listIndex(const CallSite &site, const Value &self,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"value", std::nullopt}}));
  const std::vector<Value> &items = self.asList();
  for (size_t i = 0; i < items.size(); ++i)
    if (valuesEqual(items[i], params[0]))
      return Value::integer(i);
  return site.error(strCat(pyRepr(params[0]), " is not in list"));
}

using MethodTable = std::map<std::string_view, MethodFunction>;

static const MethodTable &stringMethods() {
  static const auto *table = new MethodTable{
      {"strip", strStrip<true, true>},
      {"lstrip", strStrip<true, false>},
      {"rstrip", strStrip<false, true>},
      {"split", strSplit<false>},
      {"rsplit", strSplit<true>},
      {"startswith", strAffix<false>},
      {"endswith", strAffix<true>},
      {"upper", strMap<toUpper>},
      {"lower", strMap<toLower>},
      {"title", strMap<pyTitle>},
      {"capitalize", strMap<pyCapitalize>},
      {"replace", strReplace},
      {"find", strSearch<SearchKind::Find>},
      {"rfind", strSearch<SearchKind::RFind>},
      {"count", strSearch<SearchKind::Count>},
      {"join", strJoin},
      {"splitlines", strSplitLines},
      {"isdigit", strPredicate<0>},
      {"isspace", strPredicate<1>},
      {"islower", strPredicate<2>},
      {"isupper", strPredicate<3>},
  };
  return *table;
}

static const MethodTable &dictMethods() {
  static const auto *table = new MethodTable{
      {"get", dictGet},
      {"keys", dictView<0>},
      {"values", dictView<1>},
      {"items", dictView<2>},
  };
  return *table;
}

static const MethodTable &listMethods() {
  static const auto *table = new MethodTable{
      {"count", listCount},
      {"index", listIndex},
  };
  return *table;
}

/// Methods that modify their list or dict.
static bool isMutatingMethod(const Value &receiver, std::string_view name) {
  static const std::string_view kList[] = {"append", "extend", "insert",
                                           "pop",    "remove", "clear",
                                           "sort",   "reverse"};
  static const std::string_view kDict[] = {"update", "pop", "popitem",
                                           "setdefault", "clear"};
  if (receiver.isList())
    return std::find(std::begin(kList), std::end(kList), name) !=
           std::end(kList);
  if (receiver.isDict())
    return std::find(std::begin(kDict), std::end(kDict), name) !=
           std::end(kDict);
  return false;
}

std::optional<Value> findMethod(const Value &receiver, std::string_view name) {
  const MethodTable *table = receiver.isString() ? &stringMethods()
                             : receiver.isDict() ? &dictMethods()
                             : receiver.isList() ? &listMethods()
                                                 : nullptr;
  if (!table)
    return std::nullopt;
  if (isMutatingMethod(receiver, name))
    return Value::undefined(strCat("access to attribute '", name, "' of '",
                                   typeName(receiver),
                                   "' object is unsafe (templates cannot "
                                   "modify values)"));
  auto it = table->find(name);
  if (it == table->end())
    return std::nullopt;
  MethodFunction method = it->second;
  std::string what = strCat(typeName(receiver), ".", name, "()");
  return Value::callable(
      std::string(name),
      [receiver, method, what](Interpreter &interpreter, CallArgs args,
                               SourceLoc loc) -> absl::StatusOr<Value> {
        CallSite site{interpreter, loc, what};
        return method(site, receiver, std::move(args));
      });
}

} // namespace moec::runtime::jinja
