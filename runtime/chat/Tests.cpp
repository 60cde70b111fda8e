//===- Tests.cpp - Jinja's tests (`x is defined`) -------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The tests of jinja2/tests.py (Jinja 3.1) with Python's type rules: a bool
// is a number, a string is iterable and a sequence, a dict is a mapping and a
// sequence, and Undefined is iterable (it iterates as empty).
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Operators.h"
#include "runtime/chat/Unicode.h"

#include "runtime/StringUtil.h"

#include <cmath>
#include <map>

namespace moec::runtime::jinja {

/// Tests without arguments are predicates on the value.
template <bool (*Predicate)(const Value &)>
static absl::StatusOr<bool> unaryTest(const CallSite &site, const Value &input,
                                      CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  return Predicate(input);
}

static bool isDefined(const Value &v) { return !v.isUndefined(); }
static bool isUndefinedValue(const Value &v) { return v.isUndefined(); }
static bool isNoneValue(const Value &v) { return v.isNone(); }
static bool isBoolean(const Value &v) { return v.isBool(); }
static bool isFalse(const Value &v) { return v.isBool() && !v.asBool(); }
static bool isTrue(const Value &v) { return v.isBool() && v.asBool(); }
static bool isInteger(const Value &v) { return v.isInt(); }
static bool isFloatValue(const Value &v) { return v.isFloat(); }
static bool isNumberValue(const Value &v) { return v.isNumber(); }
static bool isStringValue(const Value &v) { return v.isString(); }
static bool isMapping(const Value &v) { return v.isDict(); }
static bool isCallableValue(const Value &v) { return v.isCallable(); }
static bool isEscaped(const Value &) { return false; }
static bool isIterable(const Value &v) {
  return v.isUndefined() || v.isString() || v.isList() || v.isDict();
}
static bool isSequence(const Value &v) {
  return v.isUndefined() || v.isString() || v.isList() || v.isDict();
}

/// Python's str.islower()/isupper(): some cased character, and every cased
/// character in that case.
template <bool Upper> static bool hasCase(const Value &v) {
  if (!v.isString())
    return false;
  bool cased = false;
  const std::string &text = v.asString();
  for (size_t pos = 0; pos < text.size();) {
    uint32_t c = decodeUtf8(text, pos);
    uint32_t lower = toLowerCodePoint(c), upper = toUpperCodePoint(c);
    if (lower == upper)
      continue;
    cased = true;
    if ((Upper && c != upper) || (!Upper && c != lower))
      return false;
  }
  return cased;
}

/// odd, even and divisibleby work on integers (and integral floats).
static absl::StatusOr<int64_t> integerOf(const CallSite &site,
                                         const Value &value) {
  if (value.isInt() || value.isBool())
    return value.toInt();
  if (value.isFloat() && std::isfinite(value.asFloat()))
    return static_cast<int64_t>(value.asFloat());
  return site.error(strCat("expected a number, got '", typeName(value), "'"));
}

static absl::StatusOr<bool> testOdd(const CallSite &site, const Value &input,
                                    CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  MOEC_JINJA_ASSIGN_OR_RETURN(int64_t value, integerOf(site, input));
  return value % 2 != 0;
}

static absl::StatusOr<bool> testEven(const CallSite &site, const Value &input,
                                     CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  MOEC_JINJA_ASSIGN_OR_RETURN(int64_t value, integerOf(site, input));
  return value % 2 == 0;
}

static absl::StatusOr<bool> testDivisibleBy(const CallSite &site,
                                            const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"num", std::nullopt}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(int64_t value, integerOf(site, input));
  MOEC_JINJA_ASSIGN_OR_RETURN(int64_t divisor, integerOf(site, params[0]));
  if (divisor == 0)
    return site.error("integer division or modulo by zero");
  return value % divisor == 0;
}

/// The comparison tests (eq, ne, lt, ... and their aliases).
template <CompareOp Op>
static absl::StatusOr<bool> compareTest(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"other", std::nullopt}}));
  absl::StatusOr<bool> result = applyCompare(Op, input, params[0]);
  if (!result.ok())
    return site.locate(result.status());
  return *result;
}

static absl::StatusOr<bool> testIn(const CallSite &site, const Value &input,
                                   CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"seq", std::nullopt}}));
  absl::StatusOr<bool> result = contains(params[0], input);
  if (!result.ok())
    return site.locate(result.status());
  return *result;
}

/// sameas: Python's `is`. None, booleans and equal small values are the
/// same object; containers only when they are shared.
static absl::StatusOr<bool> testSameAs(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"other", std::nullopt}}));
  const Value &other = params[0];
  if (input.kind() != other.kind())
    return false;
  switch (input.kind()) {
  case ValueKind::List:
    return &input.asList() == &other.asList();
  case ValueKind::Dict:
    return &input.asDict() == &other.asDict();
  default:
    return valuesEqual(input, other);
  }
}

/// `filter` and `test`: whether a filter or test of that name exists.
template <bool IsFilter>
static absl::StatusOr<bool> testExists(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  if (!input.isString())
    return false;
  return IsFilter ? findFilter(input.asString()) != nullptr
                  : findTest(input.asString()) != nullptr;
}

static const std::map<std::string_view, TestFunction> &testTable() {
  static const auto *table = new std::map<std::string_view, TestFunction>{
      {"boolean", unaryTest<isBoolean>},
      {"callable", unaryTest<isCallableValue>},
      {"defined", unaryTest<isDefined>},
      {"divisibleby", testDivisibleBy},
      {"escaped", unaryTest<isEscaped>},
      {"even", testEven},
      {"false", unaryTest<isFalse>},
      {"filter", testExists<true>},
      {"float", unaryTest<isFloatValue>},
      {"in", testIn},
      {"integer", unaryTest<isInteger>},
      {"iterable", unaryTest<isIterable>},
      {"lower", unaryTest<hasCase<false>>},
      {"mapping", unaryTest<isMapping>},
      {"none", unaryTest<isNoneValue>},
      {"number", unaryTest<isNumberValue>},
      {"odd", testOdd},
      {"sameas", testSameAs},
      {"sequence", unaryTest<isSequence>},
      {"string", unaryTest<isStringValue>},
      {"test", testExists<false>},
      {"true", unaryTest<isTrue>},
      {"undefined", unaryTest<isUndefinedValue>},
      {"upper", unaryTest<hasCase<true>>},
      {"==", compareTest<CompareOp::Eq>},
      {"eq", compareTest<CompareOp::Eq>},
      {"equalto", compareTest<CompareOp::Eq>},
      {"!=", compareTest<CompareOp::Ne>},
      {"ne", compareTest<CompareOp::Ne>},
      {">", compareTest<CompareOp::Gt>},
      {"gt", compareTest<CompareOp::Gt>},
      {"greaterthan", compareTest<CompareOp::Gt>},
      {">=", compareTest<CompareOp::Ge>},
      {"ge", compareTest<CompareOp::Ge>},
      {"<", compareTest<CompareOp::Lt>},
      {"lt", compareTest<CompareOp::Lt>},
      {"lessthan", compareTest<CompareOp::Lt>},
      {"<=", compareTest<CompareOp::Le>},
      {"le", compareTest<CompareOp::Le>},
  };
  return *table;
}

TestFunction findTest(std::string_view name) {
  auto it = testTable().find(name);
  return it == testTable().end() ? nullptr : it->second;
}

bool isJinjaTestName(std::string_view) {
  // Every test of Jinja 3.1 is implemented.
  return false;
}

} // namespace moec::runtime::jinja
