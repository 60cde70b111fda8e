//===- PostProcessor.h - Special tokens around an encoding ------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares PostProcessor: what the `post_processor` of
// tokenizer.json adds around a single sequence when special tokens are
// requested (Llama 4: <|begin_of_text|> before it). Supported: null,
// TemplateProcessing (its "single" template), ByteLevel (offsets only, so
// nothing for ids) and Sequence of those.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_POSTPROCESSOR_H
#define MOEC_RUNTIME_TOKENIZER_POSTPROCESSOR_H

#include "runtime/Json.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <vector>

namespace moec::runtime::tokenizer {

struct PostProcessor {
  /// Reads the `post_processor` member (absent or null: nothing added).
  static absl::StatusOr<PostProcessor> fromJson(const JsonValue *value);

  /// Ids before and after the sequence when special tokens are added.
  std::vector<int64_t> prefix;
  std::vector<int64_t> suffix;
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_POSTPROCESSOR_H
