//===- TokenizerData.h - The parts of a loaded tokenizer --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares TokenizerData, what Tokenizer shares between its
// copies, and the function that builds it from a parsed tokenizer.json.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_TOKENIZERDATA_H
#define MOEC_RUNTIME_TOKENIZER_TOKENIZERDATA_H

#include "runtime/Json.h"
#include "runtime/tokenizer/AddedVocabulary.h"
#include "runtime/tokenizer/Bpe.h"
#include "runtime/tokenizer/PostProcessor.h"
#include "runtime/tokenizer/PreTokenizer.h"
#include "runtime/tokenizer/TokenTable.h"

#include "absl/status/statusor.h"

#include <memory>

namespace moec::runtime::tokenizer {

struct TokenizerData {
  BpeModel model;
  AddedVocabulary added;
  PreTokenizer preTokenizer;
  PostProcessor postProcessor;
  TokenTable table;
};

/// Builds the tokenizer described by the parsed tokenizer.json `root`.
absl::StatusOr<std::shared_ptr<const TokenizerData>>
buildTokenizerData(const JsonValue &root);

} // namespace moec::runtime::tokenizer

#endif // MOEC_RUNTIME_TOKENIZER_TOKENIZERDATA_H
