//===- CApiTextTest.cpp - The C API's tokenizers and text generation ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// moec_tokenizer_*, moec_detokenizer_*, moec_apply_chat_template and
// moec_session_generate_text: against the fake model (vocabulary 11, eos
// 10) carrying an 11-token tokenizer ("a".."j", <|eot|> = 10), and against
// the Llama 4 test kit's tokenizer (test/data/tokenizer).
//
//===----------------------------------------------------------------------===//

#include "moec/moec.h"

#include "FakeModelArtifact.h"
#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <string>
#include <vector>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

/// Byte-level BPE over "a".."j" (ids 0..9), <|eot|> special at 10.
constexpr const char *kLetterTokenizer = R"({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [{"id": 10, "content": "<|eot|>", "single_word": false,
    "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false,
    "trim_offsets": true, "use_regex": false},
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": true,
    "trim_offsets": true, "use_regex": true},
  "model": {"type": "BPE", "dropout": null, "unk_token": null,
    "continuing_subword_prefix": null, "end_of_word_suffix": null,
    "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
    "vocab": {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5, "g": 6,
              "h": 7, "i": 8, "j": 9},
    "merges": []}
})";

constexpr const char *kLetterConfig =
    R"({"bos_token": "a", "eos_token": "<|eot|>", "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}j{% endif %}"})";

class CApiTextTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::string> object = testutil::fakeModelSharedObject();
    ASSERT_TRUE(object.ok()) << object.status();
    sharedObject = *object;
    ArtifactContents contents = testutil::fakeModelContents(sharedObject);
    contents.textFiles.push_back({"tokenizer.json", span(tokenizerJson)});
    contents.textFiles.push_back({"tokenizer_config.json", span(configJson)});
    absl::Status s = testutil::writeFakeModel(dir.path(), contents,
                                              testutil::fakeModelWeights());
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_EQ(moec_session_open(path.c_str(), nullptr, &session), MOEC_OK)
        << moec_last_error();
    ASSERT_EQ(moec_tokenizer_open_from_session(session, &tokenizer), MOEC_OK)
        << moec_last_error();
  }
  void TearDown() override {
    moec_tokenizer_close(tokenizer);
    moec_session_close(session);
  }
  static absl::Span<const uint8_t> span(const std::string &s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
  }

  testutil::TempDir dir;
  std::string path = dir.file(testutil::kFakeArtifactName);
  std::string sharedObject;
  std::string tokenizerJson = kLetterTokenizer;
  std::string configJson = kLetterConfig;
  moec_session *session = nullptr;
  moec_tokenizer *tokenizer = nullptr;
};

int collect(const char *text, size_t length, void *userData) {
  static_cast<std::string *>(userData)->append(text, length);
  return 0;
}

TEST_F(CApiTextTest, GeneratesTextLikeTheModel) {
  std::string text;
  size_t count = 0;
  moec_generate_options options;
  moec_generate_options_init(&options);
  options.max_new_tokens = 6;
  ASSERT_EQ(moec_session_generate_text(session, tokenizer, "abc", 0, &options,
                                       collect, &text, &count),
            MOEC_OK)
      << moec_session_last_error(session);
  std::vector<int64_t> expected = testutil::fakeGreedy({0, 1, 2}, 6);
  EXPECT_EQ(count, expected.size());
  std::string expectedText;
  for (int64_t id : expected)
    if (id != testutil::kFakeEos)
      expectedText += char('a' + id);
  EXPECT_EQ(text, expectedText);
}

TEST_F(CApiTextTest, TokenizesAndDetokenizes) {
  int64_t ids[8];
  size_t count = 0;
  ASSERT_EQ(moec_tokenize(tokenizer, "bad<|eot|>", 10, 0, ids, 8, &count),
            MOEC_OK);
  EXPECT_EQ(std::vector<int64_t>(ids, ids + count),
            (std::vector<int64_t>{1, 0, 3, 10}));
  EXPECT_EQ(moec_tokenize(tokenizer, "bad", 3, 0, ids, 2, &count),
            MOEC_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, 3u);
  char out[16];
  size_t length = 0;
  int64_t word[] = {1, 0, 3, 10};
  ASSERT_EQ(moec_detokenize(tokenizer, word, 4, 0, out, sizeof(out), &length),
            MOEC_OK);
  EXPECT_STREQ(out, "bad<|eot|>");
  ASSERT_EQ(moec_detokenize(tokenizer, word, 4, 1, out, sizeof(out), &length),
            MOEC_OK);
  EXPECT_STREQ(out, "bad");
  EXPECT_EQ(moec_detokenize(tokenizer, word, 4, 0, out, 4, &length),
            MOEC_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, 10u);
  EXPECT_THAT(moec_tokenizer_last_error(tokenizer),
              HasSubstr("the text needs 11 bytes with its NUL"));
}

TEST_F(CApiTextTest, RendersTheChatTemplate) {
  char out[64];
  size_t length = 0;
  ASSERT_EQ(moec_apply_chat_template(tokenizer,
                                     R"([{"role": "user", "content": "ab"}])",
                                     nullptr, 1, out, sizeof(out), &length),
            MOEC_OK)
      << moec_tokenizer_last_error(tokenizer);
  EXPECT_STREQ(out, "abj");
  EXPECT_EQ(moec_apply_chat_template(tokenizer, "{}", nullptr, 1, out,
                                     sizeof(out), &length),
            MOEC_INVALID_ARGUMENT);
  EXPECT_THAT(moec_tokenizer_last_error(tokenizer),
              HasSubstr("messages_json: expected a JSON array, found an "
                        "object"));
  EXPECT_EQ(moec_apply_chat_template(tokenizer, "[", nullptr, 1, out,
                                     sizeof(out), &length),
            MOEC_INVALID_ARGUMENT);
}

TEST(CApiTextKitTest, StreamsWholeCharacters) {
  moec_tokenizer *tokenizer = nullptr;
  ASSERT_EQ(moec_tokenizer_open(MOEC_TEST_DATA_DIR "/tokenizer", &tokenizer),
            MOEC_OK)
      << moec_last_error();
  const char *text = "naïve 🦙 <|eot|>";
  int64_t ids[64];
  size_t count = 0;
  ASSERT_EQ(moec_tokenize(tokenizer, text, strlen(text), 1, ids, 64, &count),
            MOEC_OK);
  EXPECT_EQ(ids[0], 200000);
  moec_detokenizer *detokenizer = nullptr;
  ASSERT_EQ(moec_detokenizer_create(tokenizer, 0, &detokenizer), MOEC_OK);
  std::string streamed;
  for (size_t i = 0; i < count; ++i) {
    size_t length = 0;
    const char *piece = moec_detokenizer_feed(detokenizer, ids[i], &length);
    streamed.append(piece, length);
  }
  size_t length = 0;
  streamed += moec_detokenizer_finish(detokenizer, &length);
  EXPECT_EQ(streamed, std::string("<|begin_of_text|>") + text);
  moec_detokenizer_destroy(detokenizer);
  char out[256];
  ASSERT_EQ(moec_apply_chat_template(
                tokenizer, R"([{"role": "user", "content": "Hello!"}])",
                nullptr, 1, out, sizeof(out), &length),
            MOEC_OK)
      << moec_tokenizer_last_error(tokenizer);
  EXPECT_STREQ(out, "<|begin_of_text|><|header_start|>user<|header_end|>\n\n"
                    "Hello!<|eot|><|header_start|>assistant<|header_end|>\n\n");
  moec_tokenizer_close(tokenizer);
}

TEST(CApiTextKitTest, ReportsBadArguments) {
  moec_tokenizer *tokenizer = nullptr;
  EXPECT_EQ(moec_tokenizer_open("/nonexistent", &tokenizer), MOEC_NOT_FOUND);
  EXPECT_EQ(tokenizer, nullptr);
  EXPECT_THAT(moec_last_error(), HasSubstr("/nonexistent"));
  EXPECT_EQ(moec_tokenizer_open(nullptr, &tokenizer), MOEC_INVALID_ARGUMENT);
  EXPECT_EQ(moec_tokenizer_open_from_session(nullptr, &tokenizer),
            MOEC_INVALID_ARGUMENT);
  size_t count = 0;
  EXPECT_EQ(moec_tokenize(nullptr, "a", 1, 0, nullptr, 0, &count),
            MOEC_INVALID_ARGUMENT);
  EXPECT_EQ(moec_detokenizer_feed(nullptr, 1, &count), nullptr);
}

} // namespace
} // namespace moec::runtime
