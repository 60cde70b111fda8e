//===- PostProcessor.cpp - Special tokens around an encoding --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file reads TemplateProcessing's "single" template: the special
// tokens before the "A" sequence become the prefix, those after it the
// suffix. The "pair" template is for two sequences, which encode() never
// takes.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/PostProcessor.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/JsonFields.h"

namespace moec::runtime::tokenizer {

/// Returns the ids of special token `name` from TemplateProcessing's
/// "special_tokens" map (at `path`).
static absl::StatusOr<std::vector<int64_t>>
specialTokenIds(const JsonValue &processor, std::string_view name,
                std::string_view path) {
  std::string mapPath = childPath(path, "special_tokens");
  const JsonValue *map = processor.find("special_tokens");
  const JsonValue *entry = map ? map->find(name) : nullptr;
  if (!entry)
    return fieldError(mapPath, strCat("has no entry for \"", name,
                                      "\", which the template uses"));
  std::string entryPath = childPath(mapPath, strCat("\"", name, "\""));
  absl::StatusOr<const JsonValue::Array *> ids =
      requireArray(*entry, "ids", entryPath);
  if (!ids.ok())
    return ids.status();
  std::vector<int64_t> result;
  for (const JsonValue &id : **ids) {
    std::optional<int64_t> value = id.asInt();
    if (!value || *value < 0)
      return fieldError(childPath(entryPath, "ids"),
                        "expected an array of token ids");
    result.push_back(*value);
  }
  return result;
}

/// Reads one template item (at `path`) of the TemplateProcessing at
/// `processorPath`; appends its ids to `out` or sets `sawSequence`.
static absl::Status
readTemplateItem(const JsonValue &processor, std::string_view processorPath,
                 const JsonValue &item, std::string_view path,
                 std::vector<int64_t> &out, bool &sawSequence) {
  const JsonValue::Object *members = item.asObject();
  if (!members || members->size() != 1)
    return fieldError(path, "expected {\"SpecialToken\": ...} or "
                            "{\"Sequence\": ...}");
  const JsonMember &member = members->front();
  std::string memberPath = childPath(path, member.key);
  absl::StatusOr<std::string> id =
      requireString(member.value, "id", memberPath);
  if (!id.ok())
    return id.status();
  if (member.key == "Sequence") {
    if (*id != "A")
      return fieldError(
          childPath(memberPath, "id"),
          strCat("sequence \"", *id, "\" in the single template (expected A)"));
    if (sawSequence)
      return fieldError(path, "the single template has sequence A twice");
    sawSequence = true;
    return absl::OkStatus();
  }
  if (member.key != "SpecialToken")
    return fieldError(path, strCat("unknown template item '", member.key,
                                   "' (expected SpecialToken or Sequence)"));
  absl::StatusOr<std::vector<int64_t>> ids =
      specialTokenIds(processor, *id, processorPath);
  if (!ids.ok())
    return ids.status();
  out.insert(out.end(), ids->begin(), ids->end());
  return absl::OkStatus();
}

static absl::Status readTemplate(const JsonValue &processor,
                                 std::string_view path, PostProcessor &result) {
  absl::StatusOr<const JsonValue::Array *> single =
      requireArray(processor, "single", path);
  if (!single.ok())
    return single.status();
  std::string singlePath = childPath(path, "single");
  bool sawSequence = false;
  for (size_t i = 0; i < (*single)->size(); ++i) {
    std::vector<int64_t> &out = sawSequence ? result.suffix : result.prefix;
    if (absl::Status status =
            readTemplateItem(processor, path, (**single)[i],
                             indexPath(singlePath, i), out, sawSequence);
        !status.ok())
      return status;
  }
  if (!sawSequence)
    return fieldError(singlePath, "has no {\"Sequence\": {\"id\": \"A\"}}");
  return absl::OkStatus();
}

/// Reads the processor at `path` into `result`; `sawTemplate` rejects a
/// second TemplateProcessing.
static absl::Status readProcessor(const JsonValue &value, std::string_view path,
                                  PostProcessor &result, bool &sawTemplate) {
  absl::StatusOr<std::string> type = componentType(value, path);
  if (!type.ok())
    return type.status();
  if (*type == "ByteLevel")
    return absl::OkStatus();
  if (*type == "TemplateProcessing") {
    if (sawTemplate)
      return fieldError(path, "a second TemplateProcessing is not supported");
    sawTemplate = true;
    return readTemplate(value, path, result);
  }
  if (*type == "Sequence") {
    absl::StatusOr<const JsonValue::Array *> processors =
        requireArray(value, "processors", path);
    if (!processors.ok())
      return processors.status();
    std::string listPath = childPath(path, "processors");
    for (size_t i = 0; i < (*processors)->size(); ++i)
      if (absl::Status status = readProcessor(
              (**processors)[i], indexPath(listPath, i), result, sawTemplate);
          !status.ok())
        return status;
    return absl::OkStatus();
  }
  return unsupportedType(path, *type,
                         "null, TemplateProcessing, ByteLevel, Sequence");
}

absl::StatusOr<PostProcessor> PostProcessor::fromJson(const JsonValue *value) {
  PostProcessor result;
  if (!value || value->isNull())
    return result;
  bool sawTemplate = false;
  if (absl::Status status =
          readProcessor(*value, "post_processor", result, sawTemplate);
      !status.ok())
    return status;
  return result;
}

} // namespace moec::runtime::tokenizer
