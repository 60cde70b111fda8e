//===- ChatTemplateConfig.cpp - Reads chat templates from model folders ---===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Where Hugging Face keeps a model's chat template: tokenizer_config.json's
// "chat_template" (a string, or a list of {"name", "template"} objects), a
// chat_template.jinja file beside it (transformers 4.49 and later write
// that), or a processor's chat_template.json. The special tokens come from
// tokenizer_config.json, as strings or as AddedToken objects.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/ChatTemplate.h"

#include "runtime/File.h"
#include "runtime/StringUtil.h"
#include "runtime/chat/Error.h"

namespace moec::runtime {

/// Parses the JSON object `text` of the file `path`.
static absl::StatusOr<JsonValue> parseJsonObject(std::string_view text,
                                                 const std::string &path) {
  absl::StatusOr<JsonValue> json = parseJson(text);
  if (!json.ok())
    return absl::InvalidArgumentError(
        strCat(path, ": ", toStdView(json.status().message())));
  if (!json->isObject())
    return absl::InvalidArgumentError(strCat(
        path, ": expected a JSON object, got ", jsonKindName(json->kind())));
  return json;
}

/// Reads and parses a JSON file.
static absl::StatusOr<JsonValue> readJsonFile(const std::string &path) {
  MOEC_JINJA_ASSIGN_OR_RETURN(std::string text,
                              readTextFile(path, kMaxJsonFileBytes));
  return parseJsonObject(text, path);
}

/// Returns a special token given as "text" or {"content": "text", ...};
/// nullopt when it is missing or null.
static absl::StatusOr<std::optional<std::string>>
readSpecialToken(const JsonValue &config, std::string_view name,
                 const std::string &path) {
  const JsonValue *value = config.find(name);
  if (!value || value->isNull())
    return std::optional<std::string>();
  if (const std::string *text = value->asString())
    return std::optional<std::string>(*text);
  if (value->isObject())
    if (const JsonValue *content = value->find("content"))
      if (const std::string *text = content->asString())
        return std::optional<std::string>(*text);
  return absl::InvalidArgumentError(
      strCat(path, ": \"", name,
             "\" must be a string, null or an object "
             "with a string \"content\""));
}

static absl::StatusOr<ChatSpecialTokens>
readSpecialTokens(const JsonValue &config, const std::string &path) {
  ChatSpecialTokens tokens;
  const std::pair<const char *, std::optional<std::string> *> fields[] = {
      {"bos_token", &tokens.bosToken},  {"eos_token", &tokens.eosToken},
      {"unk_token", &tokens.unkToken},  {"sep_token", &tokens.sepToken},
      {"pad_token", &tokens.padToken},  {"cls_token", &tokens.clsToken},
      {"mask_token", &tokens.maskToken}};
  for (const auto &[name, field] : fields) {
    MOEC_JINJA_ASSIGN_OR_RETURN(*field, readSpecialToken(config, name, path));
  }
  return tokens;
}

/// Returns the template of a "chat_template" value: the string itself, or
/// the entry called `templateName` of a list of named templates.
static absl::StatusOr<std::string> selectTemplate(const JsonValue &value,
                                                  std::string_view templateName,
                                                  const std::string &path) {
  if (const std::string *text = value.asString())
    return *text;
  const JsonValue::Array *entries = value.asArray();
  if (!entries)
    return absl::InvalidArgumentError(
        strCat(path, ": \"chat_template\" must be a string or a list of "
                     "{\"name\", \"template\"} objects"));
  std::string names;
  for (const JsonValue &entry : *entries) {
    const JsonValue *name = entry.find("name");
    const JsonValue *text = entry.find("template");
    if (!name || !name->isString() || !text || !text->isString())
      return absl::InvalidArgumentError(
          strCat(path, ": every entry of \"chat_template\" needs a string "
                       "\"name\" and a string \"template\""));
    if (*name->asString() == templateName)
      return *text->asString();
    names += strCat(names.empty() ? "" : ", ", "'", *name->asString(), "'");
  }
  return absl::NotFoundError(strCat(path, ": no chat template named '",
                                    templateName, "' (it has ", names, ")"));
}

absl::StatusOr<ChatTemplateConfig>
loadChatTemplateConfig(const std::string &path, std::string_view templateName) {
  bool isFolder = isDirectory(path);
  std::string configPath =
      isFolder ? joinPath(path, "tokenizer_config.json") : path;
  MOEC_JINJA_ASSIGN_OR_RETURN(JsonValue config, readJsonFile(configPath));
  ChatTemplateConfig result;
  MOEC_JINJA_ASSIGN_OR_RETURN(result.specialTokens,
                              readSpecialTokens(config, configPath));
  std::string jinjaPath = joinPath(path, "chat_template.jinja");
  if (isFolder && isRegularFile(jinjaPath)) {
    MOEC_JINJA_ASSIGN_OR_RETURN(result.templateSource, readTextFile(jinjaPath));
    result.templatePath = jinjaPath;
    return result;
  }
  const JsonValue *chatTemplate = config.find("chat_template");
  std::string templatePath = configPath;
  JsonValue processorConfig;
  std::string processorPath = joinPath(path, "chat_template.json");
  if ((!chatTemplate || chatTemplate->isNull()) && isFolder &&
      isRegularFile(processorPath)) {
    MOEC_JINJA_ASSIGN_OR_RETURN(processorConfig, readJsonFile(processorPath));
    chatTemplate = processorConfig.find("chat_template");
    templatePath = processorPath;
  }
  if (!chatTemplate || chatTemplate->isNull())
    return absl::NotFoundError(strCat(configPath, ": no \"chat_template\"",
                                      isFolder ? " (and no "
                                                 "chat_template.jinja "
                                                 "or chat_template.json "
                                                 "in the folder)"
                                               : ""));
  MOEC_JINJA_ASSIGN_OR_RETURN(
      result.templateSource,
      selectTemplate(*chatTemplate, templateName, templatePath));
  result.templatePath = templatePath;
  return result;
}

absl::StatusOr<ChatTemplateConfig>
parseChatTemplateConfig(std::string_view configJson, const std::string &name,
                        std::optional<std::string_view> jinjaSource,
                        std::string_view templateName) {
  MOEC_JINJA_ASSIGN_OR_RETURN(JsonValue config,
                              parseJsonObject(configJson, name));
  ChatTemplateConfig result;
  MOEC_JINJA_ASSIGN_OR_RETURN(result.specialTokens,
                              readSpecialTokens(config, name));
  result.templatePath = name;
  if (jinjaSource) {
    result.templateSource = std::string(*jinjaSource);
    return result;
  }
  const JsonValue *chatTemplate = config.find("chat_template");
  if (!chatTemplate || chatTemplate->isNull())
    return absl::NotFoundError(strCat(name, ": no \"chat_template\""));
  MOEC_JINJA_ASSIGN_OR_RETURN(
      result.templateSource, selectTemplate(*chatTemplate, templateName, name));
  return result;
}

} // namespace moec::runtime
