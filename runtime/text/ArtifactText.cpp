//===- ArtifactText.cpp - An artifact's tokenizer and chat template -------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/text/ArtifactText.h"

#include "runtime/StringUtil.h"

#include <algorithm>

namespace moec::runtime {

static std::string_view textOf(const TextFile &file) {
  return {reinterpret_cast<const char *>(file.bytes.data()), file.bytes.size()};
}

absl::StatusOr<Tokenizer> loadArtifactTokenizer(const Artifact &artifact,
                                                const std::string &folder) {
  if (!folder.empty())
    return Tokenizer::load(folder);
  const TextFile *file = artifact.contents().textFile("tokenizer.json");
  if (!file)
    return absl::FailedPreconditionError(
        strCat(artifact.path(),
               " carries no tokenizer.json (the checkpoint folder it was "
               "compiled from had none)"));
  absl::StatusOr<Tokenizer> tokenizer = Tokenizer::fromJson(textOf(*file));
  if (!tokenizer.ok())
    return absl::Status(tokenizer.status().code(),
                        strCat(artifact.path(), ": tokenizer.json: ",
                               tokenizer.status().message()));
  return tokenizer;
}

absl::StatusOr<ChatTemplateConfig>
loadArtifactChatConfig(const Artifact &artifact, const std::string &folder) {
  if (!folder.empty())
    return loadChatTemplateConfig(folder);
  const TextFile *file = artifact.contents().textFile("tokenizer_config.json");
  if (!file)
    return absl::FailedPreconditionError(
        strCat(artifact.path(), " carries no tokenizer_config.json, so it "
                                "has no chat template"));
  std::optional<std::string_view> jinja;
  if (const TextFile *f = artifact.contents().textFile("chat_template.jinja"))
    jinja = textOf(*f);
  return parseChatTemplateConfig(
      textOf(*file), strCat(artifact.path(), ": tokenizer_config.json"), jinja);
}

std::vector<int32_t> textStopTokenIds(const ModelConfig &config,
                                      const Tokenizer &tokenizer) {
  std::vector<int32_t> ids = config.eosTokenIds;
  ids.insert(ids.end(), config.stopTokenIds.begin(), config.stopTokenIds.end());
  for (std::string_view token : {"<|eot|>", "<|eom|>", "<|end_of_text|>"})
    if (std::optional<int64_t> id = tokenizer.tokenId(token))
      ids.push_back(int32_t(*id));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::string StopStringFilter::push(std::string_view text) {
  if (hit)
    return "";
  pending += text;
  size_t first = std::string::npos;
  for (const std::string &stop : stops)
    if (!stop.empty())
      first = std::min(first, pending.find(stop));
  if (first != std::string::npos) {
    hit = true;
    std::string out = pending.substr(0, first);
    pending.clear();
    return out;
  }
  // Hold back the longest tail that a stop string starts with.
  size_t keep = 0;
  for (const std::string &stop : stops)
    for (size_t n = std::min(stop.size() - 1, pending.size()); n > keep; --n)
      if (pending.compare(pending.size() - n, n, stop, 0, n) == 0) {
        keep = n;
        break;
      }
  std::string out = pending.substr(0, pending.size() - keep);
  pending.erase(0, pending.size() - keep);
  return out;
}

std::string StopStringFilter::flush() {
  std::string out = hit ? "" : pending;
  pending.clear();
  return out;
}

} // namespace moec::runtime
