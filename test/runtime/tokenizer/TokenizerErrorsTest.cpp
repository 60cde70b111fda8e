//===- TokenizerErrorsTest.cpp - Malformed and unsupported files ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file checks that tokenizer.json files this tokenizer cannot run are
// refused with a message naming the component, its JSON path and its type,
// and that bad input text is an error, not a crash.
//
//===----------------------------------------------------------------------===//

#include "TokenizerTestUtil.h"

#include "runtime/tokenizer/Tokenizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace moec::runtime::test {
namespace {

using ::testing::HasSubstr;

/// Expects fromJson(json) to fail with InvalidArgument and `phrase`.
void expectLoadError(const std::string &json, std::string_view phrase) {
  absl::StatusOr<Tokenizer> tokenizer = Tokenizer::fromJson(json);
  ASSERT_FALSE(tokenizer.ok()) << "accepted; expected: " << phrase;
  EXPECT_EQ(tokenizer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(tokenizer.status().message()), HasSubstr(phrase));
}

TEST(TokenizerErrorsTest, TinyTokenizerLoads) {
  // The base of the cases below is itself valid.
  absl::StatusOr<Tokenizer> tokenizer =
      Tokenizer::fromJson(tinyTokenizerJson({}));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_EQ(tokenizer->vocabSize(), 256);
}

TEST(TokenizerErrorsTest, UnknownModelType) {
  TinyTokenizerSpec spec;
  spec.modelType = "WordPiece";
  expectLoadError(tinyTokenizerJson(spec),
                  "model: type 'WordPiece' is not supported (supported: BPE)");
}

TEST(TokenizerErrorsTest, UnsupportedNormalizer) {
  TinyTokenizerSpec spec;
  spec.normalizer = R"({"type":"NFC"})";
  expectLoadError(tinyTokenizerJson(spec),
                  "normalizer: type 'NFC' is not supported (supported: null "
                  "(no normalizer))");
}

TEST(TokenizerErrorsTest, UnsupportedPreTokenizerInSequence) {
  TinyTokenizerSpec spec;
  spec.preTokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},{"type":"ByteLevel","add_prefix_space":false}]})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer.pretokenizers[0]: type 'Digits' is not "
                  "supported (supported: Split, ByteLevel, Sequence)");
}

TEST(TokenizerErrorsTest, PreTokenizerWithoutByteLevel) {
  TinyTokenizerSpec spec;
  spec.preTokenizer =
      R"({"type":"Split","pattern":{"String":" "},"behavior":"Removed","invert":false})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer: has no ByteLevel step");
  spec.preTokenizer = "null";
  expectLoadError(tinyTokenizerJson(spec), "pre_tokenizer: null is not "
                                           "supported");
}

TEST(TokenizerErrorsTest, StepAfterByteLevel) {
  TinyTokenizerSpec spec;
  spec.preTokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"ByteLevel","add_prefix_space":false},{"type":"Split","pattern":{"String":"x"},"behavior":"Isolated"}]})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer.pretokenizers[1]: a Split step after "
                  "ByteLevel is not supported");
}

TEST(TokenizerErrorsTest, BadSplitFields) {
  TinyTokenizerSpec spec;
  spec.preTokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(a"},"behavior":"Isolated"},{"type":"ByteLevel","add_prefix_space":false}]})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer.pretokenizers[0].pattern: cannot compile "
                  "the regular expression '(a': missing closing parenthesis");
  spec.preTokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"a"},"behavior":"Glued"},{"type":"ByteLevel","add_prefix_space":false}]})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer.pretokenizers[0].behavior: unknown behavior "
                  "'Glued'");
  spec.preTokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Glob":"a"},"behavior":"Isolated"},{"type":"ByteLevel","add_prefix_space":false}]})";
  expectLoadError(tinyTokenizerJson(spec),
                  "pre_tokenizer.pretokenizers[0].pattern: unknown pattern "
                  "kind 'Glob' (expected Regex or String)");
}

TEST(TokenizerErrorsTest, UnsupportedDecoder) {
  TinyTokenizerSpec spec;
  spec.decoder = R"({"type":"WordPiece","prefix":"##"})";
  expectLoadError(tinyTokenizerJson(spec),
                  "decoder: type 'WordPiece' is not supported (supported: "
                  "ByteLevel)");
  spec.decoder = "null";
  expectLoadError(tinyTokenizerJson(spec), "decoder: null is not supported");
}

TEST(TokenizerErrorsTest, UnsupportedPostProcessor) {
  TinyTokenizerSpec spec;
  spec.postProcessor = R"({"type":"RobertaProcessing"})";
  expectLoadError(tinyTokenizerJson(spec),
                  "post_processor: type 'RobertaProcessing' is not supported "
                  "(supported: null, TemplateProcessing, ByteLevel, "
                  "Sequence)");
  spec.postProcessor =
      R"({"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{}})";
  expectLoadError(tinyTokenizerJson(spec),
                  "post_processor.special_tokens: has no entry for \"<s>\"");
}

TEST(TokenizerErrorsTest, MissingVocab) {
  std::string json = tinyTokenizerJson({});
  size_t vocab = json.find("\"vocab\":");
  size_t merges = json.find(",\"merges\":");
  json.erase(vocab, merges + 1 - vocab);
  expectLoadError(json,
                  "model.vocab: missing (expected an object of token: id)");
}

TEST(TokenizerErrorsTest, MissingModelAndMerges) {
  expectLoadError(R"({"decoder":{"type":"ByteLevel"}})",
                  "model: missing (expected a BPE model)");
  std::string json = tinyTokenizerJson({});
  json.replace(json.find("\"merges\":[]"), 11, "\"merge\":[]");
  expectLoadError(json, "model.merges: missing");
}

TEST(TokenizerErrorsTest, BadVocabAndMerges) {
  std::string json = tinyTokenizerJson({});
  json.replace(json.find("\"!\":33"), 6, "\"!\":-4");
  expectLoadError(json, "model.vocab.\"!\": expected a token id");
  TinyTokenizerSpec spec;
  spec.merges = {"a zz"};
  expectLoadError(tinyTokenizerJson(spec),
                  "model.merges[0]: token \"zz\" is not in the vocabulary");
  spec.merges = {"a b"};
  expectLoadError(tinyTokenizerJson(spec),
                  "model.merges[0]: token \"ab\" is not in the vocabulary");
  spec.legacyMerges = true;
  spec.extraTokens = {"ab"};
  spec.merges = {"a b c"};
  expectLoadError(tinyTokenizerJson(spec),
                  "model.merges[0]: \"a b c\" is not two tokens separated "
                  "by one space");
}

TEST(TokenizerErrorsTest, UnsupportedModelOptions) {
  TinyTokenizerSpec spec;
  spec.modelExtra = R"("byte_fallback":true,)";
  expectLoadError(tinyTokenizerJson(spec),
                  "model.byte_fallback: true is not supported");
  spec.modelExtra = R"("continuing_subword_prefix":"##",)";
  expectLoadError(tinyTokenizerJson(spec),
                  "model.continuing_subword_prefix: is set, which is not "
                  "supported");
  spec.modelExtra = R"("unk_token":"<unk>",)";
  expectLoadError(tinyTokenizerJson(spec),
                  "model.unk_token: is not a string naming a vocabulary "
                  "entry");
  std::string json = tinyTokenizerJson({});
  json.replace(json.find("\"dropout\":null"), 14, "\"dropout\":0.1");
  expectLoadError(json, "model.dropout: BPE dropout is not supported");
}

TEST(TokenizerErrorsTest, TruncationAndPadding) {
  std::string json = tinyTokenizerJson({});
  json.replace(json.find("\"truncation\":null"), 17,
               R"("truncation":{"max_length":8})");
  expectLoadError(json, "truncation: is set, which is not supported");
}

TEST(TokenizerErrorsTest, BadAddedTokens) {
  TinyTokenizerSpec spec;
  spec.addedTokens = R"([{"id":300,"special":true}])";
  expectLoadError(tinyTokenizerJson(spec),
                  "added_tokens[0].content: missing (expected a string)");
  spec.addedTokens = R"([{"id":"x","content":"<s>"}])";
  expectLoadError(tinyTokenizerJson(spec),
                  "added_tokens[0].id: expected a token id");
  std::string json = tinyTokenizerJson({});
  json.replace(json.find("\"!\":33"), 6, "\"!\":99999999");
  expectLoadError(json, "model.vocab.\"!\": id 99999999 is larger than the "
                        "supported 16777215");
}

TEST(TokenizerErrorsTest, MalformedJson) {
  std::string json = tinyTokenizerJson({});
  json.pop_back();
  expectLoadError(json, "invalid JSON at byte");
  expectLoadError("[1, 2]", "tokenizer.json: expected an object, found an "
                            "array");
}

/// A temporary folder removed at the end of the test.
class TempDir {
public:
  TempDir() {
    char pattern[] = "/tmp/moec-tokenizer-test-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() {
    std::remove((path + "/tokenizer.json").c_str());
    rmdir(path.c_str());
  }
  std::string path;
};

TEST(TokenizerErrorsTest, LoadNamesTheFile) {
  TempDir dir;
  absl::StatusOr<Tokenizer> missing = Tokenizer::load(dir.path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot open '" + dir.path + "/tokenizer.json'"));
  std::ofstream(dir.path + "/tokenizer.json") << "{\"model\": 5}";
  absl::StatusOr<Tokenizer> bad = Tokenizer::load(dir.path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()),
            "cannot load the tokenizer '" + dir.path +
                "/tokenizer.json': decoder: null is not supported "
                "(supported: ByteLevel)");
  std::ofstream(dir.path + "/tokenizer.json") << tinyTokenizerJson({});
  EXPECT_TRUE(Tokenizer::load(dir.path + "/tokenizer.json").ok());
}

TEST(TokenizerErrorsTest, InvalidUtf8Input) {
  absl::StatusOr<Tokenizer> tokenizer =
      Tokenizer::fromJson(tinyTokenizerJson({}));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  absl::StatusOr<std::vector<int64_t>> ids =
      tokenizer->encode("ab\xC3(", false);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(std::string(ids.status().message()),
            "cannot encode: the text is not valid UTF-8 (byte 2 of 4)");
}

} // namespace
} // namespace moec::runtime::test
