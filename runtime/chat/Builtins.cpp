//===- Builtins.cpp - Call sites and argument binding of built-ins --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

absl::Status CallSite::error(std::string_view message) const {
  return templateError(loc, strCat(what, ": ", message));
}

absl::Status CallSite::locate(const absl::Status &status) const {
  if (status.ok())
    return status;
  return error(toStdView(status.message()));
}

absl::StatusOr<std::vector<Value>>
bindArgs(const CallSite &site, CallArgs args,
         std::initializer_list<Param> params) {
  if (args.positional.size() > params.size())
    return site.error(strCat("takes at most ", params.size(), " argument(s) (",
                             args.positional.size(), " given)"));
  std::vector<std::optional<Value>> bound(params.size());
  for (size_t i = 0; i < args.positional.size(); ++i)
    bound[i] = std::move(args.positional[i]);
  for (auto &[name, value] : args.keywords) {
    size_t index = 0;
    for (const Param &param : params) {
      if (param.name == name)
        break;
      ++index;
    }
    if (index == params.size())
      return site.error(strCat("unexpected keyword argument '", name, "'"));
    if (bound[index])
      return site.error(
          strCat("got multiple values for argument '", name, "'"));
    bound[index] = std::move(value);
  }
  std::vector<Value> values;
  size_t index = 0;
  for (const Param &param : params) {
    std::optional<Value> &value = bound[index++];
    if (!value && !param.defaultValue)
      return site.error(strCat("missing required argument '", param.name, "'"));
    values.push_back(value ? std::move(*value) : *param.defaultValue);
  }
  return values;
}

} // namespace moec::runtime::jinja
