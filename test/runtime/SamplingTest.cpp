//===- SamplingTest.cpp - Tests for next-token sampling -------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests greedy, temperature and top-p sampling: tie breaking, the
// limits that reduce to greedy, the exact draws of a fixed seed, the
// distribution over many draws, stop tokens and every error case.
//
//===----------------------------------------------------------------------===//

#include "runtime/Sampling.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <vector>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

TEST(SamplingTest, GreedyBreaksTiesToTheLowestId) {
  std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(*greedyToken(logits), 1);
  std::vector<float> masked = {-INFINITY, -INFINITY, 3.0f};
  EXPECT_EQ(*greedyToken(masked), 2);
}

TEST(SamplingTest, TemperatureZeroIsGreedy) {
  std::vector<float> logits = {0.1f, 0.3f, 0.3f, 0.2f};
  SamplingRng rng(1);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(*sampleToken(logits, {0.0f, 0.9f}, rng), 1);
}

TEST(SamplingTest, TinyTopPIsGreedy) {
  std::vector<float> logits = {1.0f, 4.0f, 4.0f, 3.9f};
  SamplingRng rng(2);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(*sampleToken(logits, {1.5f, 1e-6f}, rng), 1);
}

TEST(SamplingTest, FixedSeedGivesAFixedSequence) {
  // std::mt19937_64's 10000th output for the default seed is fixed by the
  // standard; the uniform draws derive from its bits only.
  std::mt19937_64 reference;
  reference.discard(9999);
  EXPECT_EQ(reference(), 9981545732273789042ull);
  SamplingRng a(42), b(42);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(a.next(), b.next());
  std::vector<float> logits = {0.0f, 1.0f, 2.0f, 3.0f};
  SamplingRng rng(7);
  std::vector<int32_t> draws;
  for (int i = 0; i < 8; ++i)
    draws.push_back(*sampleToken(logits, {1.0f, 1.0f}, rng));
  SamplingRng again(7);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(*sampleToken(logits, {1.0f, 1.0f}, again), draws[i]);
  EXPECT_EQ(draws, (std::vector<int32_t>{2, 1, 3, 1, 3, 3, 2, 1}));
}

TEST(SamplingTest, UniformIsInTheUnitInterval) {
  SamplingRng rng(3);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(SamplingTest, DistributionMatchesSoftmax) {
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(3.0f), -INFINITY};
  SamplingRng rng(11);
  std::vector<int> counts(4);
  constexpr int kDraws = 60000;
  for (int i = 0; i < kDraws; ++i)
    ++counts[*sampleToken(logits, {1.0f, 1.0f}, rng)];
  EXPECT_NEAR(counts[0] / double(kDraws), 1.0 / 6, 0.01);
  EXPECT_NEAR(counts[1] / double(kDraws), 2.0 / 6, 0.01);
  EXPECT_NEAR(counts[2] / double(kDraws), 3.0 / 6, 0.01);
  EXPECT_EQ(counts[3], 0);
}

TEST(SamplingTest, TopPKeepsTheNucleus) {
  // Probabilities 0.5, 0.3, 0.2: top_p 0.7 keeps tokens 0 and 1 only.
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  SamplingRng rng(5);
  std::vector<int> counts(3);
  for (int i = 0; i < 20000; ++i)
    ++counts[*sampleToken(logits, {1.0f, 0.7f}, rng)];
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[0] / 20000.0, 0.5 / 0.8, 0.02);
}

TEST(SamplingTest, StopTokens) {
  std::vector<int32_t> stop = {6, 7};
  EXPECT_TRUE(isStopToken(7, stop));
  EXPECT_FALSE(isStopToken(5, stop));
  EXPECT_FALSE(shouldStopGeneration(5, stop, 3, 4));
  EXPECT_TRUE(shouldStopGeneration(5, stop, 4, 4));
  EXPECT_TRUE(shouldStopGeneration(6, stop, 1, 4));
}

TEST(SamplingTest, Errors) {
  std::vector<float> logits = {1.0f, 2.0f};
  SamplingRng rng(0);
  auto message = [&](std::vector<float> l, SamplingParams p) {
    absl::StatusOr<int32_t> token = sampleToken(l, p, rng);
    EXPECT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(token.status().message());
  };
  EXPECT_THAT(message(logits, {-0.5f, 1.0f}), HasSubstr("temperature -0.5"));
  EXPECT_THAT(message(logits, {NAN, 1.0f}), HasSubstr("temperature"));
  EXPECT_THAT(message(logits, {1.0f, 0.0f}), HasSubstr("top_p 0 is outside"));
  EXPECT_THAT(message(logits, {1.0f, 1.5f}), HasSubstr("top_p 1.5"));
  EXPECT_THAT(message({}, {1.0f, 1.0f}), HasSubstr("logits are empty"));
  EXPECT_THAT(message({}, {0.0f, 1.0f}), HasSubstr("logits are empty"));
  EXPECT_THAT(message({1.0f, NAN}, {1.0f, 1.0f}),
              HasSubstr("logit of token 1 is NaN"));
  EXPECT_THAT(message({NAN}, {0.0f, 1.0f}), HasSubstr("is NaN"));
  EXPECT_THAT(message({INFINITY, 1.0f}, {1.0f, 1.0f}), HasSubstr("+inf"));
  EXPECT_THAT(message({-INFINITY, -INFINITY}, {1.0f, 1.0f}),
              HasSubstr("every logit is -inf"));
}

} // namespace
} // namespace moec::runtime
