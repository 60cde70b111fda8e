//===- ArtifactTextTest.cpp - Stop strings and text stop tokens -----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/text/ArtifactText.h"

#include "gtest/gtest.h"

namespace moec::runtime {
namespace {

TEST(StopStringFilterTest, HoldsBackAPossibleStopAndCutsAtIt) {
  StopStringFilter filter({"</s>", "xyz"});
  EXPECT_EQ(filter.push("hello <"), "hello ");
  EXPECT_EQ(filter.push("/"), "");
  // "x" may start "xyz": held back too.
  EXPECT_EQ(filter.push("x"), "</");
  EXPECT_FALSE(filter.stopped());
  EXPECT_EQ(filter.push("ab</"), "xab");
  EXPECT_EQ(filter.push("s> more"), "");
  EXPECT_TRUE(filter.stopped());
  EXPECT_EQ(filter.push("later"), "");
  EXPECT_EQ(filter.flush(), "");
}

TEST(StopStringFilterTest, FlushesWhatWasHeldBack) {
  StopStringFilter filter({"stop"});
  EXPECT_EQ(filter.push("a st"), "a ");
  EXPECT_EQ(filter.flush(), "st");
  StopStringFilter none({});
  EXPECT_EQ(none.push("anything"), "anything");
}

TEST(StopStringFilterTest, FindsTheEarliestStop) {
  StopStringFilter filter({"cd", "b"});
  EXPECT_EQ(filter.push("abcd"), "a");
  EXPECT_TRUE(filter.stopped());
}

TEST(TextStopTokenIdsTest, AddsTheTokenizersEndOfTurnTokens) {
  absl::StatusOr<Tokenizer> tokenizer =
      Tokenizer::load(MOEC_TEST_DATA_DIR "/tokenizer-tiny");
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  ModelConfig config;
  config.eosTokenIds = {2, 9};
  config.stopTokenIds = {7};
  // <|end_of_text|> 0, <|eot|> 2, <|eom|> 5 in the tiny tokenizer.
  EXPECT_EQ(textStopTokenIds(config, *tokenizer),
            (std::vector<int32_t>{0, 2, 5, 7, 9}));
}

} // namespace
} // namespace moec::runtime
