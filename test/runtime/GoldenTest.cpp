//===- GoldenTest.cpp - The runtime readers on the golden checkpoints -----===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file opens the tiny Llama 4 checkpoints in test/data/goldens (written
// by Hugging Face transformers) with the strict readers, so that real files,
// not only test-made ones, pass every check.
//
//===----------------------------------------------------------------------===//

#include "runtime/Checkpoint.h"
#include "runtime/Json.h"
#include "runtime/Safetensors.h"
#include "runtime/StringUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>

#ifndef MOEC_TEST_GOLDENS_DIR
#error "MOEC_TEST_GOLDENS_DIR must name test/data/goldens"
#endif

namespace moec::runtime {
namespace {

using ::testing::ElementsAre;

/// Returns the path of golden model `model` (e.g. "scout_like").
std::string goldenDir(std::string_view model) {
  return strCat(MOEC_TEST_GOLDENS_DIR, "/", model);
}

/// Returns the first float of `tensor`.
float firstFloat(const CheckpointTensor &tensor) {
  float value;
  std::memcpy(&value, tensor.data().data(), sizeof(value));
  return value;
}

TEST(GoldenTest, ScoutLikeSafetensors) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(
      strCat(goldenDir("scout_like"), "/model.safetensors"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->tensors().size(), 51u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->dataAreaOffset(), 8u + 5600u);
  const TensorInfo *embed = file->find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::F32);
  EXPECT_THAT(embed->shape, ElementsAre(128, 64));
  EXPECT_EQ(file->data(*embed).size(), 128u * 64u * 4u);
  const TensorInfo *experts =
      file->find("model.layers.0.feed_forward.experts.gate_up_proj");
  ASSERT_NE(experts, nullptr);
  EXPECT_THAT(experts->shape, ElementsAre(4, 64, 64));
  for (const TensorInfo &info : file->tensors())
    EXPECT_EQ(info.dtype, DType::F32) << info.name;
}

TEST(GoldenTest, CheckpointsOpen) {
  for (std::string_view model : {"scout_like", "maverick_like"}) {
    absl::StatusOr<Checkpoint> checkpoint = Checkpoint::open(goldenDir(model));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_FALSE(checkpoint->isSharded());
    absl::StatusOr<CheckpointTensor> embed =
        checkpoint->get("model.embed_tokens.weight");
    ASSERT_TRUE(embed.ok()) << embed.status();
    // The value numpy reads at the start of the embedding table.
    EXPECT_FLOAT_EQ(firstFloat(*embed), 0.03743263706564903f);
    EXPECT_TRUE(checkpoint->find("lm_head.weight").has_value());
  }
  absl::StatusOr<Checkpoint> maverick =
      Checkpoint::open(goldenDir("maverick_like"));
  ASSERT_TRUE(maverick.ok()) << maverick.status();
  EXPECT_EQ(maverick->tensorNames().size(), 45u);
}

TEST(GoldenTest, ConfigsParse) {
  for (std::string_view model : {"scout_like", "maverick_like"}) {
    absl::StatusOr<std::string> text = readCheckpointConfig(goldenDir(model));
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<JsonValue> config = parseJson(*text);
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->find("hidden_size")->asInt(), 64);
    EXPECT_EQ(*config->find("model_type")->asString(), "llama4_text");
    EXPECT_EQ(config->find("rms_norm_eps")->asDouble(), 1e-5);
  }
}

} // namespace
} // namespace moec::runtime
