//===- Globals.cpp - Global functions of chat templates -------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Jinja's range(), namespace() and dict(), and the two functions Hugging Face
// adds for chat templates: raise_exception(message), which templates call to
// reject a conversation they cannot format, and strftime_now(format), which
// dates system prompts.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Interpreter.h"
#include "runtime/chat/Printing.h"

#include "runtime/StringUtil.h"

#include <cmath>
#include <ctime>

namespace moec::runtime::jinja {

/// Jinja's sandbox refuses ranges longer than this (MAX_RANGE).
static constexpr int64_t kMaxRange = 100000;

static absl::StatusOr<Value> globalRange(Interpreter &interpreter,
                                         CallArgs args, SourceLoc loc) {
  CallSite site{interpreter, loc, "range()"};
  if (!args.keywords.empty())
    return site.error("takes no keyword arguments");
  std::vector<int64_t> bounds;
  for (const Value &arg : args.positional) {
    if (!arg.isInt() && !arg.isBool())
      return site.error(strCat("'", typeName(arg),
                               "' object cannot be interpreted as an integer"));
    bounds.push_back(arg.toInt());
  }
  if (bounds.empty() || bounds.size() > 3)
    return site.error(strCat("expected 1 to 3 arguments, got ", bounds.size()));
  int64_t start = bounds.size() == 1 ? 0 : bounds[0];
  int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
  int64_t step = bounds.size() == 3 ? bounds[2] : 1;
  if (step == 0)
    return site.error("arg 3 must not be zero");
  // Computed in double so that extreme bounds cannot overflow.
  double length = std::ceil((double(stop) - double(start)) / double(step));
  if (length > kMaxRange)
    return site.error(strCat("a range of ", int64_t(length),
                             " items is too big (the limit is ", kMaxRange,
                             ")"));
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
    items.push_back(Value::integer(i));
  return Value::list(std::move(items));
}

/// The keyword arguments (and an optional dict argument) of namespace() and
/// dict(), as a dict.
static absl::StatusOr<DictData> keywordDict(const CallSite &site,
                                            CallArgs args) {
  DictData dict;
  if (args.positional.size() > 1)
    return site.error("expected at most one positional argument");
  if (!args.positional.empty()) {
    if (!args.positional[0].isDict())
      return site.error(
          strCat("expected a dict, got '", typeName(args.positional[0]), "'"));
    dict = args.positional[0].asDict();
  }
  for (auto &[name, value] : args.keywords)
    dict.set(Value::string(name), std::move(value));
  return dict;
}

static absl::StatusOr<Value> globalNamespace(Interpreter &interpreter,
                                             CallArgs args, SourceLoc loc) {
  CallSite site{interpreter, loc, "namespace()"};
  MOEC_JINJA_ASSIGN_OR_RETURN(DictData attributes,
                              keywordDict(site, std::move(args)));
  Value object = Value::object("Namespace", std::move(attributes), true);
  interpreter.trackNamespace(object);
  return object;
}

static absl::StatusOr<Value> globalDict(Interpreter &interpreter, CallArgs args,
                                        SourceLoc loc) {
  CallSite site{interpreter, loc, "dict()"};
  MOEC_JINJA_ASSIGN_OR_RETURN(DictData dict,
                              keywordDict(site, std::move(args)));
  return Value::dict(std::move(dict));
}

static absl::StatusOr<Value> globalRaiseException(Interpreter &, CallArgs args,
                                                  SourceLoc loc) {
  std::string message;
  for (size_t i = 0; i < args.positional.size(); ++i)
    message += (i ? " " : "") + pyStr(args.positional[i]);
  return templateError(loc,
                       strCat("the template raised an exception: ", message));
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// days_from_civil), for the weekday and day of year of a fixed date.
static int64_t daysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t yearOfEra = year - era * 400;
  int64_t dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t dayOfEra =
      yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/// The broken-down time strftime_now formats: the fixed moment of the
/// render options, or the local clock.
static std::tm currentTime(const RenderOptions &options) {
  std::tm tm{};
  if (!options.now) {
    std::time_t now = std::time(nullptr);
    localtime_r(&now, &tm);
    return tm;
  }
  const TemplateDateTime &date = *options.now;
  tm.tm_year = date.year - 1900;
  tm.tm_mon = date.month - 1;
  tm.tm_mday = date.day;
  tm.tm_hour = date.hour;
  tm.tm_min = date.minute;
  tm.tm_sec = date.second;
  int64_t days = daysFromCivil(date.year, date.month, date.day);
  tm.tm_wday = static_cast<int>(((days % 7) + 11) % 7); // 1970-01-01: Thu
  tm.tm_yday = static_cast<int>(days - daysFromCivil(date.year, 1, 1));
  return tm;
}

static absl::StatusOr<Value> globalStrftimeNow(Interpreter &interpreter,
                                               CallArgs args, SourceLoc loc) {
  CallSite site{interpreter, loc, "strftime_now()"};
  MOEC_JINJA_ASSIGN_OR_RETURN(
      auto params, bindArgs(site, std::move(args), {{"format", std::nullopt}}));
  if (!params[0].isString())
    return site.error("the format must be a string");
  const std::string &format = params[0].asString();
  std::tm tm = currentTime(interpreter.options());
  // strftime returns 0 both for "too small" and for an empty result, so
  // grow the buffer a few times before accepting an empty string.
  for (size_t size = 256; size <= 65536; size *= 4) {
    std::string buffer(size, '\0');
    size_t length = std::strftime(buffer.data(), size, format.c_str(), &tm);
    if (length > 0 || format.empty()) {
      buffer.resize(length);
      return Value::string(std::move(buffer));
    }
  }
  return Value::string("");
}

DictData makeGlobals() {
  DictData globals;
  globals.set(Value::string("range"), Value::callable("range", globalRange));
  globals.set(Value::string("namespace"),
              Value::callable("namespace", globalNamespace));
  globals.set(Value::string("dict"), Value::callable("dict", globalDict));
  globals.set(Value::string("raise_exception"),
              Value::callable("raise_exception", globalRaiseException));
  globals.set(Value::string("strftime_now"),
              Value::callable("strftime_now", globalStrftimeNow));
  return globals;
}

} // namespace moec::runtime::jinja
