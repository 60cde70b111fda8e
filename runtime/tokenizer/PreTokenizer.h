//===- PreTokenizer.h - Hugging Face pre-tokenizers -------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares PreTokenizer: the `pre_tokenizer` of a tokenizer.json
// that cuts text into the pieces ("words") BPE encodes one at a time. The
// supported kinds are Split (regex or literal pattern, every delimiter
// behavior, invert), ByteLevel and Sequence of those. ByteLevel must come
// last: it only changes how bytes are spelled, and the tokenizer works on
// raw bytes throughout, so after it nothing may look at the text again.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define MOEC_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "runtime/Json.h"
#include "runtime/tokenizer/Regex.h"

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::tokenizer {

/// What Split does with a match (HF's SplitDelimiterBehavior).
enum class SplitBehavior {
  Removed,
  Isolated,
  MergedWithPrevious,
  MergedWithNext,
  Contiguous
};

/// One step of the pre-tokenizer.
struct PreTokenizerStep {
  /// A Split step, or ByteLevel's regex when `useRegex` (Isolated).
  std::unique_ptr<Regex> regex;
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  /// ByteLevel's add_prefix_space: a piece not starting with ' ' gets one.
  bool addPrefixSpace = false;
};

/// Scratch space for one encode call (not shared between threads).
struct PreTokenizerScratch {
  RegexMatcher matcher;
  /// Owns pieces that are not views of the input (prefixed with a space).
  std::deque<std::string> arena;
};

/// Receives each piece of the pre-tokenized text, in order.
using PieceSink = absl::FunctionRef<void(std::string_view piece)>;

class PreTokenizer {
public:
  /// Reads the `pre_tokenizer` member of tokenizer.json. Errors name the
  /// JSON path and the unsupported type or malformed field.
  static absl::StatusOr<PreTokenizer> fromJson(const JsonValue &value);

  /// Passes the non-empty pieces of `text` (well-formed UTF-8) to `sink`,
  /// as they are found: views of `text` or of `scratch.arena`.
  absl::Status split(std::string_view text, PreTokenizerScratch &scratch,
                     PieceSink sink) const;

private:
  /// Runs steps[index...] on `piece`.
  absl::Status runSteps(size_t index, std::string_view piece,
                        PreTokenizerScratch &scratch, PieceSink sink) const;
  /// Runs a Split whose behavior needs its neighbors (merging ones).
  absl::Status runMergingSplit(size_t index, std::string_view piece,
                               PreTokenizerScratch &scratch,
                               PieceSink sink) const;

  std::vector<PreTokenizerStep> steps;
};

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_PRETOKENIZER_H
