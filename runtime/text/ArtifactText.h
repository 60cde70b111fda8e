//===- ArtifactText.h - An artifact's tokenizer and chat template -*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What every text front end of the runtime shares (moec-run --prompt/--chat,
// moec-serve, the C API): the tokenizer and chat template an artifact
// carries (or a folder's), the stop tokens of text generation, and stop
// strings over streamed text.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TEXT_ARTIFACTTEXT_H
#define MOEC_RUNTIME_TEXT_ARTIFACTTEXT_H

#include "runtime/Artifact.h"
#include "runtime/chat/ChatTemplate.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "absl/status/statusor.h"

#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

/// The tokenizer.json `artifact` carries, or `folder`'s when it is not
/// empty. FailedPrecondition, naming the artifact, when it carries none.
absl::StatusOr<Tokenizer> loadArtifactTokenizer(const Artifact &artifact,
                                                const std::string &folder);

/// The chat template (tokenizer_config.json, chat_template.jinja) and its
/// special tokens that `artifact` carries, or `folder`'s when it is not
/// empty. FailedPrecondition, naming the artifact, when it carries none.
absl::StatusOr<ChatTemplateConfig>
loadArtifactChatConfig(const Artifact &artifact, const std::string &folder);

/// The stop tokens of text generation: the model's eos and stop ids and
/// the tokenizer's end-of-turn, end-of-message and end-of-text tokens,
/// sorted and unique.
std::vector<int32_t> textStopTokenIds(const ModelConfig &config,
                                      const Tokenizer &tokenizer);

/// Holds back generated text that might be the start of a stop string, and
/// finds the first stop string in the stream.
class StopStringFilter {
public:
  explicit StopStringFilter(std::vector<std::string> stops)
      : stops(std::move(stops)) {}

  /// Adds `text`; returns what can be shown now. After a stop string is
  /// found, stopped() is true and the text before it is the last returned.
  std::string push(std::string_view text);
  /// Returns the held-back text at the end of generation.
  std::string flush();
  bool stopped() const { return hit; }

private:
  std::vector<std::string> stops;
  std::string pending;
  bool hit = false;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_TEXT_ARTIFACTTEXT_H
