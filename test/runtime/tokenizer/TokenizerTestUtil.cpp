//===- TokenizerTestUtil.cpp - Helpers for the tokenizer tests ------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the tokenizer tests' shared helpers.
//
//===----------------------------------------------------------------------===//

#include "TokenizerTestUtil.h"

#include "runtime/File.h"
#include "runtime/tokenizer/ByteLevel.h"

#include "gtest/gtest.h"

namespace moec::runtime::test {

std::string tokenizerDataDir() { return MOEC_TOKENIZER_TEST_DATA_DIR; }

std::vector<JsonValue> readJsonLines(const std::string &path) {
  std::vector<JsonValue> lines;
  absl::StatusOr<std::string> text = readTextFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok())
    return lines;
  size_t start = 0, lineNumber = 1;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos)
      end = text->size();
    std::string_view line(text->data() + start, end - start);
    if (!line.empty()) {
      absl::StatusOr<JsonValue> value = parseJson(line);
      EXPECT_TRUE(value.ok())
          << path << ":" << lineNumber << ": " << value.status();
      if (value.ok())
        lines.push_back(*std::move(value));
    }
    start = end + 1;
    ++lineNumber;
  }
  return lines;
}

std::vector<int64_t> intArray(const JsonValue &line, std::string_view key) {
  std::vector<int64_t> result;
  const JsonValue *array = line.find(key);
  if (!array || !array->asArray()) {
    ADD_FAILURE() << "no array \"" << key << "\"";
    return result;
  }
  for (const JsonValue &value : *array->asArray())
    result.push_back(value.asInt().value_or(-1));
  return result;
}

std::string stringField(const JsonValue &line, std::string_view key) {
  const JsonValue *value = line.find(key);
  return value && value->asString() ? *value->asString() : std::string();
}

/// Returns `text` as a JSON string literal.
static std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", byte);
      out.append(buffer);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string tinyTokenizerJson(const TinyTokenizerSpec &spec) {
  std::string vocab = "{";
  int id = 0;
  for (int byte = 0; byte < 256; ++byte) {
    std::string token =
        tokenizer::bytesToByteLevel(std::string(1, static_cast<char>(byte)));
    vocab += (id ? "," : "") + quote(token) + ":" + std::to_string(id);
    ++id;
  }
  for (const std::string &token : spec.extraTokens)
    vocab += "," + quote(token) + ":" + std::to_string(id++);
  vocab += "}";
  std::string merges = "[";
  for (size_t i = 0; i < spec.merges.size(); ++i) {
    const std::string &merge = spec.merges[i];
    size_t space = merge.find(' ');
    merges += i ? "," : "";
    if (spec.legacyMerges)
      merges += quote(merge);
    else
      merges += "[" + quote(merge.substr(0, space)) + "," +
                quote(merge.substr(space + 1)) + "]";
  }
  merges += "]";
  return R"({"version":"1.0","truncation":null,"padding":null,"added_tokens":)" +
         spec.addedTokens + R"(,"normalizer":)" + spec.normalizer +
         R"(,"pre_tokenizer":)" + spec.preTokenizer + R"(,"post_processor":)" +
         spec.postProcessor + R"(,"decoder":)" + spec.decoder +
         R"(,"model":{"type":")" + spec.modelType + R"(","dropout":null,)" +
         spec.modelExtra + R"("ignore_merges":)" +
         (spec.ignoreMerges ? "true" : "false") + R"(,"vocab":)" + vocab +
         R"(,"merges":)" + merges + "}}";
}

} // namespace moec::runtime::test
