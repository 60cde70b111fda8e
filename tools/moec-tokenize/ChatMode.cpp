//===- ChatMode.cpp - moec-tokenize's chat-template lines -----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "ChatMode.h"

#include "runtime/StringUtil.h"
#include "runtime/chat/ChatTemplate.h"

#include <map>

namespace moec::tools {
namespace rt = ::moec::runtime;

namespace {
/// A folder's parsed template, read once per process.
struct LoadedTemplate {
  rt::ChatTemplateConfig config;
  rt::ChatTemplate chatTemplate;
};

absl::StatusOr<const LoadedTemplate *>
templateOf(const std::string &tokenizerDir) {
  static std::map<std::string, LoadedTemplate> cache;
  if (auto it = cache.find(tokenizerDir); it != cache.end())
    return &it->second;
  absl::StatusOr<rt::ChatTemplateConfig> config =
      rt::loadChatTemplateConfig(tokenizerDir);
  if (!config.ok())
    return config.status();
  absl::StatusOr<rt::ChatTemplate> parsed =
      rt::ChatTemplate::parse(config->templateSource);
  if (!parsed.ok())
    return absl::Status(
        parsed.status().code(),
        rt::strCat(config->templatePath, ": ", parsed.status().message()));
  return &cache
              .emplace(tokenizerDir,
                       LoadedTemplate{*std::move(config), *std::move(parsed)})
              .first->second;
}
} // namespace

absl::StatusOr<std::string> renderChatLine(const std::string &tokenizerDir,
                                           const rt::JsonValue &line) {
  absl::StatusOr<const LoadedTemplate *> loaded = templateOf(tokenizerDir);
  if (!loaded.ok())
    return loaded.status();
  rt::ChatRequest request;
  // Every key but these is a template variable (apply_chat_template's
  // keyword arguments), as are the members of "template_kwargs".
  rt::JsonValue::Object extra;
  for (const rt::JsonMember &member : *line.asObject()) {
    const std::string &key = member.key;
    if (key == "messages") {
      request.messages = member.value;
    } else if (key == "tools") {
      request.tools = member.value;
    } else if (key == "add_generation_prompt") {
      std::optional<bool> flag = member.value.asBool();
      if (!flag)
        return absl::InvalidArgumentError(
            "\"add_generation_prompt\" must be true or false");
      request.addGenerationPrompt = *flag;
    } else if (key == "template_kwargs") {
      if (member.value.isNull())
        continue;
      if (!member.value.isObject())
        return absl::InvalidArgumentError(
            "\"template_kwargs\" must be an object");
      for (const rt::JsonMember &kwarg : *member.value.asObject())
        extra.push_back(kwarg);
    } else if (key != "id" && key != "rendered" && key != "ids") {
      extra.push_back(member);
    }
  }
  if (!request.messages.isArray())
    return absl::InvalidArgumentError("\"messages\" must be an array");
  request.extraVariables = rt::JsonValue(std::move(extra));
  return rt::applyChatTemplate((*loaded)->chatTemplate, request,
                               (*loaded)->config.specialTokens);
}

} // namespace moec::tools
