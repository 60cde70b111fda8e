//===- TokenizerTestUtil.h - Helpers for the tokenizer tests ----*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares what the tokenizer tests share: the test kit's folder,
// a JSON-lines reader, and a builder for small byte-level tokenizer.json
// documents.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_TOKENIZER_TOKENIZERTESTUTIL_H
#define MOEC_TEST_RUNTIME_TOKENIZER_TOKENIZERTESTUTIL_H

#include "runtime/Json.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime::test {

/// test/data/tokenizer: the Llama 4 test kit (see its README.md).
std::string tokenizerDataDir();

/// Reads every line of the JSON-lines file `path`; fails the calling test
/// (and returns what it has) on errors.
std::vector<JsonValue> readJsonLines(const std::string &path);

/// Returns the integers of the array member `key` of `line`.
std::vector<int64_t> intArray(const JsonValue &line, std::string_view key);

/// Returns the string member `key` of `line` ("" when absent).
std::string stringField(const JsonValue &line, std::string_view key);

/// Parts of a small byte-level tokenizer.json for unit tests: the 256 byte
/// tokens (ids 0-255, in byte order), then `extraTokens` (byte-level
/// spelling) from id 256, and `merges`.
struct TinyTokenizerSpec {
  std::vector<std::string> extraTokens;
  /// Each "left right" in byte-level spelling.
  std::vector<std::string> merges;
  bool legacyMerges = false;
  bool ignoreMerges = false;
  /// Raw JSON of these members (replaced as a whole).
  std::string addedTokens = "[]";
  std::string normalizer = "null";
  std::string preTokenizer =
      R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true})";
  std::string postProcessor = "null";
  std::string decoder =
      R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})";
  std::string modelType = "BPE";
  /// Extra members for the model object, e.g. R"("unk_token":"x",)".
  std::string modelExtra;
};

/// Writes the tokenizer.json text for `spec`.
std::string tinyTokenizerJson(const TinyTokenizerSpec &spec);

} // namespace moec::runtime::test

#endif // MOEC_TEST_RUNTIME_TOKENIZER_TOKENIZERTESTUTIL_H
