//===- TokenizerVectorsTest.cpp - The tokenizer against HF's outputs ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file runs every vector of the Llama 4 test kit (test/data/tokenizer,
// produced by Hugging Face's tokenizers 0.23.2) through Tokenizer and
// StreamingDecoder and checks each field exactly, and encodes the kit's
// rendered chats.
//
//===----------------------------------------------------------------------===//

#include "TokenizerTestUtil.h"

#include "runtime/File.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <atomic>
#include <thread>

namespace moec::runtime::test {
namespace {

/// U+FFFD in UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

/// The number of lines of vectors.jsonl.
constexpr size_t kVectorCount = 537;

/// The kit's tokenizer, loaded once per process.
const Tokenizer &kitTokenizer() {
  static const absl::StatusOr<Tokenizer> tokenizer =
      Tokenizer::load(tokenizerDataDir());
  if (!tokenizer.ok()) {
    ADD_FAILURE() << tokenizer.status();
    std::abort();
  }
  return *tokenizer;
}

const std::vector<JsonValue> &vectors() {
  static const std::vector<JsonValue> lines =
      readJsonLines(joinPath(tokenizerDataDir(), "vectors.jsonl"));
  return lines;
}

/// Checks that `actual` encodes `line`'s text as its field `key` says.
void expectIds(const JsonValue &line, std::string_view key,
               const absl::StatusOr<std::vector<int64_t>> &actual) {
  ASSERT_TRUE(actual.ok()) << actual.status();
  EXPECT_EQ(*actual, intArray(line, key))
      << stringField(line, "id") << ": " << key;
}

TEST(TokenizerVectorsTest, KitHasEveryVector) {
  EXPECT_EQ(vectors().size(), kVectorCount);
}

TEST(TokenizerVectorsTest, EncodeMatchesHuggingFace) {
  const Tokenizer &tokenizer = kitTokenizer();
  for (const JsonValue &line : vectors()) {
    std::string text = stringField(line, "text");
    expectIds(line, "ids", tokenizer.encode(text, false));
    expectIds(line, "ids_with_bos", tokenizer.encode(text, true));
    expectIds(line, "ids_specials_as_text",
              tokenizer.encode(text, false, /*parseSpecialTokens=*/false));
  }
}

TEST(TokenizerVectorsTest, ConcurrentEncodesAgree) {
  // One Tokenizer shared by threads (its word cache is shared too) gives
  // every thread the same ids as HF.
  const Tokenizer &tokenizer = kitTokenizer();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < vectors().size() * 2; i += 3) {
        const JsonValue &line = vectors()[i % vectors().size()];
        absl::StatusOr<std::vector<int64_t>> ids =
            tokenizer.encode(stringField(line, "text"), false);
        if (!ids.ok() || *ids != intArray(line, "ids"))
          ++mismatches;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TokenizerVectorsTest, DecodeMatchesHuggingFace) {
  const Tokenizer &tokenizer = kitTokenizer();
  for (const JsonValue &line : vectors()) {
    std::vector<int64_t> ids = intArray(line, "ids");
    EXPECT_EQ(tokenizer.decode(ids, false), stringField(line, "decoded"))
        << stringField(line, "id");
    EXPECT_EQ(tokenizer.decode(ids, true),
              stringField(line, "decoded_skip_special"))
        << stringField(line, "id");
  }
}

/// Feeds `ids` one at a time and returns the concatenated output.
std::string streamDecode(const Tokenizer &tokenizer,
                         const std::vector<int64_t> &ids, bool skipSpecial) {
  StreamingDecoder decoder(tokenizer, skipSpecial);
  std::string text;
  for (int64_t id : ids)
    text += decoder.feed(id);
  return text + decoder.finish();
}

TEST(TokenizerVectorsTest, StreamingDecoderMatchesDecode) {
  const Tokenizer &tokenizer = kitTokenizer();
  for (const JsonValue &line : vectors()) {
    for (std::string_view key : {"ids", "ids_specials_as_text"}) {
      std::vector<int64_t> ids = intArray(line, key);
      for (bool skip : {false, true})
        EXPECT_EQ(streamDecode(tokenizer, ids, skip),
                  tokenizer.decode(ids, skip))
            << stringField(line, "id") << " " << key << " skip=" << skip;
    }
  }
}

TEST(TokenizerVectorsTest, StreamingDecoderPrintsWholeCharacters) {
  const Tokenizer &tokenizer = kitTokenizer();
  // A character split across tokens must come out once, whole: no chunk
  // may hold a U+FFFD that the text does not have.
  size_t splitCharacters = 0;
  for (const JsonValue &line : vectors()) {
    if (stringField(line, "text").find(kReplacement) != std::string::npos)
      continue;
    StreamingDecoder decoder(tokenizer, false);
    for (int64_t id : intArray(line, "ids")) {
      std::string chunk = decoder.feed(id);
      EXPECT_EQ(chunk.find(kReplacement), std::string::npos)
          << stringField(line, "id");
      if (tokenizer.decode(std::vector<int64_t>{id}, false)
              .find(kReplacement) != std::string::npos)
        ++splitCharacters;
    }
    EXPECT_EQ(decoder.finish(), "");
  }
  // The kit does split characters across tokens (CJK, emoji).
  EXPECT_GT(splitCharacters, 100u);
}

TEST(TokenizerVectorsTest, ChatRenderingsEncodeAsHuggingFace) {
  const Tokenizer &tokenizer = kitTokenizer();
  std::vector<JsonValue> chats =
      readJsonLines(joinPath(tokenizerDataDir(), "chat.jsonl"));
  EXPECT_EQ(chats.size(), 18u);
  for (const JsonValue &chat : chats) {
    std::string rendered = stringField(chat, "rendered");
    expectIds(chat, "ids", tokenizer.encode(rendered, false));
    std::vector<int64_t> ids = intArray(chat, "ids");
    EXPECT_EQ(tokenizer.decode(ids, false), rendered);
    EXPECT_EQ(streamDecode(tokenizer, ids, false), rendered);
  }
}

TEST(TokenizerVectorsTest, SpecialTokenLookups) {
  const Tokenizer &tokenizer = kitTokenizer();
  EXPECT_EQ(tokenizer.vocabSize(), 202048);
  EXPECT_EQ(tokenizer.tokenId("<|begin_of_text|>"), 200000);
  EXPECT_EQ(tokenizer.tokenId("<|eot|>"), 200008);
  EXPECT_EQ(tokenizer.tokenId("<|patch|>"), 200092);
  EXPECT_EQ(tokenizer.tokenId("<|finetune_right_pad|>"), 200018);
  EXPECT_EQ(tokenizer.tokenId("<|reserved_special_token_903|>"), 202047);
  EXPECT_EQ(tokenizer.tokenId("<|finetune_right_pad_id|>"), std::nullopt);
  // Vocabulary entries are looked up by their tokenizer.json spelling.
  EXPECT_EQ(tokenizer.tokenId("!"), 0);
  std::optional<int64_t> spaceB = tokenizer.tokenId("\xC4\xA0"
                                                    "b");
  ASSERT_TRUE(spaceB.has_value());
  EXPECT_EQ(tokenizer.tokenText(*spaceB), "\xC4\xA0"
                                          "b");
  EXPECT_EQ(tokenizer.tokenText(200008), "<|eot|>");
  EXPECT_EQ(tokenizer.tokenText(202048), std::nullopt);
  EXPECT_EQ(tokenizer.tokenText(-1), std::nullopt);
  EXPECT_TRUE(tokenizer.isSpecialToken(200000));
  EXPECT_FALSE(tokenizer.isSpecialToken(0));
  EXPECT_FALSE(tokenizer.isSpecialToken(202048));
}

TEST(TokenizerVectorsTest, UnicodeSixteenLettersAsHuggingFace) {
  // HF's Oniguruma knows Unicode 16.0: a letter from Unicode 15.1 (U+2ECA7),
  // 15.0 (U+31985) or 16.0 (U+137F6) ends its piece like U+4E00 does, and
  // ":v" stays one piece; U+10940 (Unicode 17.0) is not a letter to it.
  // Expected ids from HF tokenizers 0.23.2.
  const Tokenizer &tokenizer = kitTokenizer();
  const std::pair<std::string, std::vector<int64_t>> cases[] = {
      {"\xE4\xB8\x80:v", {2432, 83307}},
      {"\xF0\xAE\xB2\xA7:v", {172, 106, 110, 100, 83307}},
      {"\xF0\xB1\xA6\x85:v", {172, 109, 99, 227, 83307}},
      {"\xF0\x93\x9F\xB6:v", {172, 241, 253, 114, 83307}},
      {"\xF0\x90\xA5\x80:v", {172, 238, 98, 222, 25, 85}},
  };
  for (const auto &[text, ids] : cases)
    EXPECT_EQ(tokenizer.encode(text, false).value(), ids) << text;
}

TEST(TokenizerVectorsTest, PublishedLlama4ChatPrefix) {
  // The README's example; only its special ids are Llama 4's real ones
  // (the kit's ordinary ranks are o200k_base's).
  const Tokenizer &tokenizer = kitTokenizer();
  absl::StatusOr<std::vector<int64_t>> ids = tokenizer.encode(
      "<|begin_of_text|><|header_start|>user<|header_end|>\n\n", false);
  ASSERT_TRUE(ids.ok()) << ids.status();
  using ::testing::_;
  EXPECT_THAT(*ids, ::testing::ElementsAre(200000, 200005, _, 200006, _));
}

} // namespace
} // namespace moec::runtime::test
