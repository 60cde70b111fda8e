//===- SequenceFilters.cpp - Jinja's filters of sequences -----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The filters that take a sequence: join, first, last, list, items, map,
// select/reject(attr), sort, unique, min, max, sum, reverse, dictsort,
// written after jinja2/filters.py (Jinja 3.1). Where Jinja returns a
// generator (map, select, ...), these return a list: templates follow them
// with `| list`, `| join` or a loop, which behave the same, and `| length`
// works rather than failing as on a generator.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Access.h"
#include "runtime/chat/Operators.h"
#include "runtime/chat/Printing.h"
#include "runtime/chat/Unicode.h"

#include "runtime/StringUtil.h"

#include <algorithm>
#include <numeric>

namespace moec::runtime::jinja {

/// The elements a filter iterates over, with a located error for values
/// that are not iterable.
static absl::StatusOr<std::vector<Value>> elementsOf(const CallSite &site,
                                                     const Value &value) {
  absl::StatusOr<std::vector<Value>> items = iterate(value);
  if (!items.ok())
    return site.locate(items.status());
  return items;
}

/// Splits an attribute path as Jinja's make_attrgetter does: "a.b.0" looks
/// up "a", then "b", then the integer 0.
static std::vector<Value> attributeParts(const Value &attribute) {
  if (!attribute.isString())
    return {attribute};
  std::vector<Value> parts;
  const std::string &path = attribute.asString();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot - start);
    bool digits = !part.empty() &&
                  std::all_of(part.begin(), part.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    parts.push_back(digits ? Value::integer(std::atoll(part.c_str()))
                           : Value::string(part));
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  return parts;
}

/// Looks `attribute` up in `item` (a path, see attributeParts); an
/// Undefined result becomes `fallback` when one is given.
static absl::StatusOr<Value> lookupPath(const CallSite &site, Value item,
                                        const Value &attribute,
                                        const Value *fallback = nullptr) {
  for (const Value &part : attributeParts(attribute)) {
    absl::StatusOr<Value> next = getItem(item, part);
    if (!next.ok())
      return site.locate(next.status());
    item = std::move(*next);
    if (fallback && item.isUndefined())
      item = *fallback;
  }
  return item;
}

/// Jinja's ignore_case: strings compare in lower case unless the filter is
/// case sensitive.
static Value caseKey(const Value &value, bool caseSensitive) {
  if (caseSensitive || !value.isString())
    return value;
  return Value::string(toLower(value.asString()));
}

/// The sort key of `item`: the item itself, one attribute, or a tuple of
/// the comma-separated attributes of `attribute`.
static absl::StatusOr<Value> sortKey(const CallSite &site, const Value &item,
                                     const Value &attribute,
                                     bool caseSensitive) {
  if (attribute.isNone())
    return caseKey(item, caseSensitive);
  if (!attribute.isString() ||
      attribute.asString().find(',') == std::string::npos) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value key, lookupPath(site, item, attribute));
    return caseKey(key, caseSensitive);
  }
  std::vector<Value> keys;
  const std::string &names = attribute.asString();
  for (size_t start = 0;;) {
    size_t comma = names.find(',', start);
    Value part = Value::string(names.substr(start, comma - start));
    MOEC_JINJA_ASSIGN_OR_RETURN(Value key, lookupPath(site, item, part));
    keys.push_back(caseKey(key, caseSensitive));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return Value::list(std::move(keys));
}

/// Returns the order that sorts `keys` stably (descending with `reverse`),
/// or the first comparison error.
static absl::StatusOr<std::vector<size_t>>
sortedOrder(const CallSite &site, const std::vector<Value> &keys,
            bool reverse) {
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  absl::Status failure;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (!failure.ok())
      return false;
    absl::StatusOr<bool> less =
        reverse ? valueLess(keys[b], keys[a]) : valueLess(keys[a], keys[b]);
    if (!less.ok()) {
      failure = less.status();
      return false;
    }
    return *less;
  });
  if (!failure.ok())
    return site.locate(failure);
  return order;
}

static absl::StatusOr<Value> filterJoin(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args),
               {{"d", Value::string("")}, {"attribute", Value::none()}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::string separator = pyStr(params[0]), result;
  for (size_t i = 0; i < items.size(); ++i) {
    Value item = items[i];
    if (!params[1].isNone()) {
      MOEC_JINJA_ASSIGN_OR_RETURN(item, lookupPath(site, item, params[1]));
    }
    if (i)
      result += separator;
    result += pyStr(item);
  }
  return Value::string(std::move(result));
}

static absl::StatusOr<Value> filterFirst(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  if (items.empty())
    return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

static absl::StatusOr<Value> filterLast(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  if (items.empty())
    return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

static absl::StatusOr<Value> filterList(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  return Value::list(std::move(items));
}

/// The (key, value) tuples of a dict.
static std::vector<Value> dictItems(const DictData &dict) {
  std::vector<Value> items;
  for (const DictData::Entry &entry : dict.entries())
    items.push_back(Value::tuple({entry.first, entry.second}));
  return items;
}

static absl::StatusOr<Value> filterItems(const CallSite &site,
                                         const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  if (input.isUndefined())
    return Value::list({});
  if (!input.isDict())
    return site.error("Can only get item pairs from a mapping.");
  return Value::list(dictItems(input.asDict()));
}

static absl::StatusOr<Value> filterDictSort(const CallSite &site,
                                            const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args),
                            {{"case_sensitive", Value::boolean(false)},
                             {"by", Value::string("key")},
                             {"reverse", Value::boolean(false)}}));
  if (!input.isDict())
    return site.error("can only sort a mapping");
  std::string by = pyStr(params[1]);
  if (by != "key" && by != "value")
    return site.error("You can only sort by either \"key\" or \"value\"");
  std::vector<Value> items = dictItems(input.asDict()), keys;
  for (const Value &item : items)
    keys.push_back(
        caseKey(item.asList()[by == "key" ? 0 : 1], isTruthy(params[0])));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<size_t> order,
                              sortedOrder(site, keys, isTruthy(params[2])));
  std::vector<Value> sorted;
  for (size_t index : order)
    sorted.push_back(items[index]);
  return Value::list(std::move(sorted));
}

/// map(attribute="x", default=d) or map("filter", args...).
static absl::StatusOr<Value> filterMap(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::vector<Value> results;
  if (args.positional.empty()) {
    std::optional<Value> attribute, fallback;
    for (auto &[name, value] : args.keywords) {
      if (name == "attribute")
        attribute = value;
      else if (name == "default")
        fallback = value;
      else
        return site.error(strCat("unexpected keyword argument '", name, "'"));
    }
    if (!attribute)
      return site.error("map requires a filter argument");
    bool useFallback = fallback && !fallback->isNone();
    for (const Value &item : items) {
      MOEC_JINJA_ASSIGN_OR_RETURN(
          Value result, lookupPath(site, item, *attribute,
                                   useFallback ? &*fallback : nullptr));
      results.push_back(std::move(result));
    }
    return Value::list(std::move(results));
  }
  std::string name = pyStr(args.positional.front());
  FilterFunction filter = findFilter(name);
  if (!filter)
    return site.error(strCat("no filter named '", name, "'"));
  CallSite inner{site.interpreter, site.loc, strCat("filter '", name, "'")};
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keywords = args.keywords;
  for (const Value &item : items) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value result, filter(inner, item, rest));
    results.push_back(std::move(result));
  }
  return Value::list(std::move(results));
}

/// select, reject, selectattr and rejectattr (Jinja's select_or_reject).
static absl::StatusOr<Value> selectOrReject(const CallSite &site,
                                            const Value &input, CallArgs args,
                                            bool keepMatches,
                                            bool lookupAttribute) {
  if (!isTruthy(input))
    return Value::list({});
  size_t offset = lookupAttribute ? 1 : 0;
  if (args.positional.size() < offset)
    return site.error("Missing parameter for attribute name");
  TestFunction test = nullptr;
  std::string testName;
  CallArgs testArgs;
  if (args.positional.size() > offset) {
    testName = pyStr(args.positional[offset]);
    test = findTest(testName);
    if (!test)
      return site.error(strCat("no test named '", testName, "'"));
    testArgs.positional.assign(args.positional.begin() + offset + 1,
                               args.positional.end());
    testArgs.keywords = args.keywords;
  }
  CallSite inner{site.interpreter, site.loc, strCat("test '", testName, "'")};
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::vector<Value> kept;
  for (const Value &item : items) {
    Value subject = item;
    if (lookupAttribute) {
      MOEC_JINJA_ASSIGN_OR_RETURN(subject,
                                  lookupPath(site, item, args.positional[0]));
    }
    bool matches = isTruthy(subject);
    if (test) {
      MOEC_JINJA_ASSIGN_OR_RETURN(matches, test(inner, subject, testArgs));
    }
    if (matches == keepMatches)
      kept.push_back(item);
  }
  return Value::list(std::move(kept));
}

static absl::StatusOr<Value> filterSelect(const CallSite &site,
                                          const Value &input, CallArgs args) {
  return selectOrReject(site, input, std::move(args), true, false);
}
static absl::StatusOr<Value> filterReject(const CallSite &site,
                                          const Value &input, CallArgs args) {
  return selectOrReject(site, input, std::move(args), false, false);
}
static absl::StatusOr<Value>
filterSelectAttr(const CallSite &site, const Value &input, CallArgs args) {
  return selectOrReject(site, input, std::move(args), true, true);
}
static absl::StatusOr<Value>
filterRejectAttr(const CallSite &site, const Value &input, CallArgs args) {
  return selectOrReject(site, input, std::move(args), false, true);
}

static absl::StatusOr<Value> filterSort(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args),
                            {{"reverse", Value::boolean(false)},
                             {"case_sensitive", Value::boolean(false)},
                             {"attribute", Value::none()}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::vector<Value> keys;
  for (const Value &item : items) {
    MOEC_JINJA_ASSIGN_OR_RETURN(
        Value key, sortKey(site, item, params[2], isTruthy(params[1])));
    keys.push_back(std::move(key));
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<size_t> order,
                              sortedOrder(site, keys, isTruthy(params[0])));
  std::vector<Value> sorted;
  for (size_t index : order)
    sorted.push_back(items[index]);
  return Value::list(std::move(sorted));
}

static absl::StatusOr<Value> filterUnique(const CallSite &site,
                                          const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args),
                            {{"case_sensitive", Value::boolean(false)},
                             {"attribute", Value::none()}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::vector<Value> seen, unique;
  for (const Value &item : items) {
    MOEC_JINJA_ASSIGN_OR_RETURN(
        Value key, sortKey(site, item, params[1], isTruthy(params[0])));
    if (std::any_of(seen.begin(), seen.end(), [&](const Value &other) {
          return valuesEqual(other, key);
        }))
      continue;
    seen.push_back(std::move(key));
    unique.push_back(item);
  }
  return Value::list(std::move(unique));
}

/// min and max: the item whose key is smallest (largest).
static absl::StatusOr<Value> minOrMax(const CallSite &site, const Value &input,
                                      CallArgs args, bool wantMax) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args),
                            {{"case_sensitive", Value::boolean(false)},
                             {"attribute", Value::none()}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  if (items.empty())
    return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  MOEC_JINJA_ASSIGN_OR_RETURN(
      Value bestKey, sortKey(site, items[0], params[1], isTruthy(params[0])));
  for (size_t i = 1; i < items.size(); ++i) {
    MOEC_JINJA_ASSIGN_OR_RETURN(
        Value key, sortKey(site, items[i], params[1], isTruthy(params[0])));
    absl::StatusOr<bool> better =
        wantMax ? valueLess(bestKey, key) : valueLess(key, bestKey);
    if (!better.ok())
      return site.locate(better.status());
    if (*better) {
      best = i;
      bestKey = std::move(key);
    }
  }
  return items[best];
}

static absl::StatusOr<Value> filterMin(const CallSite &site, const Value &input,
                                       CallArgs args) {
  return minOrMax(site, input, std::move(args), false);
}
static absl::StatusOr<Value> filterMax(const CallSite &site, const Value &input,
                                       CallArgs args) {
  return minOrMax(site, input, std::move(args), true);
}

static absl::StatusOr<Value> filterSum(const CallSite &site, const Value &input,
                                       CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params,
      bindArgs(site, std::move(args),
               {{"attribute", Value::none()}, {"start", Value::integer(0)}}));
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  Value total = params[1];
  for (const Value &item : items) {
    Value term = item;
    if (!params[0].isNone()) {
      MOEC_JINJA_ASSIGN_OR_RETURN(term, lookupPath(site, item, params[0]));
    }
    absl::StatusOr<Value> sum = applyArithmetic(BinaryOp::Add, total, term);
    if (!sum.ok())
      return site.locate(sum.status());
    total = std::move(*sum);
  }
  return total;
}

static absl::StatusOr<Value> filterReverse(const CallSite &site,
                                           const Value &input, CallArgs args) {
  MOEC_JINJA_RETURN_IF_ERROR(bindArgs(site, std::move(args), {}).status());
  if (input.isString()) {
    std::vector<uint32_t> codePoints = toCodePoints(input.asString());
    std::string reversed;
    for (auto it = codePoints.rbegin(); it != codePoints.rend(); ++it)
      appendUtf8(reversed, *it);
    return Value::string(std::move(reversed));
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<Value> items,
                              elementsOf(site, input));
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

/// attr(name): the Python attribute only, never the item.
static absl::StatusOr<Value> filterAttr(const CallSite &site,
                                        const Value &input, CallArgs args) {
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"name", std::nullopt}}));
  std::string name = pyStr(params[0]);
  if (input.isUndefined())
    return site.locate(undefinedError(input));
  if (input.isObject())
    if (const Value *value = input.asObject().attributes.find(name))
      return *value;
  if (std::optional<Value> method = findMethod(input, name))
    return *method;
  return Value::undefined(
      strCat("'", typeName(input), " object' has no attribute '", name, "'"));
}

void addSequenceFilters(FilterTable &table) {
  table["attr"] = filterAttr;
  table["dictsort"] = filterDictSort;
  table["first"] = filterFirst;
  table["items"] = filterItems;
  table["join"] = filterJoin;
  table["last"] = filterLast;
  table["list"] = filterList;
  table["map"] = filterMap;
  table["max"] = filterMax;
  table["min"] = filterMin;
  table["reject"] = filterReject;
  table["rejectattr"] = filterRejectAttr;
  table["reverse"] = filterReverse;
  table["select"] = filterSelect;
  table["selectattr"] = filterSelectAttr;
  table["sort"] = filterSort;
  table["sum"] = filterSum;
  table["unique"] = filterUnique;
}

} // namespace moec::runtime::jinja
