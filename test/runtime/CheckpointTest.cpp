//===- CheckpointTest.cpp - Tests for the checkpoint weight reader --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests Checkpoint on single-file and sharded directories written
// by the tests, including indexes that disagree with their shards.
//
//===----------------------------------------------------------------------===//

#include "runtime/Checkpoint.h"
#include "runtime/StringUtil.h"

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <initializer_list>

namespace moec::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testutil::SafetensorsBuilder;
using testutil::TempDir;
using testutil::writeFile;

class CheckpointTest : public ::testing::Test {
protected:
  /// Writes two shards: a.safetensors holds x and y, b.safetensors holds z.
  void writeShards() {
    writeFile(dir.file("a.safetensors"), SafetensorsBuilder()
                                             .add("x", "U8", {2}, "xx")
                                             .add("y", "U8", {1}, "y")
                                             .bytes());
    writeFile(dir.file("b.safetensors"),
              SafetensorsBuilder().add("z", "U8", {3}, "zzz").bytes());
  }

  /// Writes an index whose weight map is the JSON object text `weightMap`.
  void writeIndex(std::string_view weightMap) {
    writeFile(dir.file("model.safetensors.index.json"),
              strCat(R"({"metadata": {"total_size": 6}, "weight_map": )",
                     weightMap, "}"));
  }

  /// Expects opening the directory to fail with a message containing every
  /// phrase in `phrases`.
  void expectError(std::initializer_list<std::string_view> phrases) {
    absl::StatusOr<Checkpoint> checkpoint = Checkpoint::open(dir.path());
    ASSERT_FALSE(checkpoint.ok()) << "accepted a malformed checkpoint";
    std::string message(checkpoint.status().message());
    for (std::string_view phrase : phrases)
      EXPECT_THAT(message, HasSubstr(std::string(phrase)));
  }

  TempDir dir;
};

TEST_F(CheckpointTest, SingleFile) {
  writeFile(dir.file("model.safetensors"), SafetensorsBuilder()
                                               .add("b", "U8", {2}, "bb")
                                               .add("a", "I16", {1}, "aa")
                                               .bytes());
  absl::StatusOr<Checkpoint> checkpoint = Checkpoint::open(dir.path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_FALSE(checkpoint->isSharded());
  EXPECT_EQ(checkpoint->directory(), dir.path());
  EXPECT_EQ(checkpoint->files().size(), 1u);
  EXPECT_THAT(checkpoint->tensorNames(), ElementsAre("a", "b"));
  std::optional<CheckpointTensor> a = checkpoint->find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->info->dtype, DType::I16);
  EXPECT_EQ(a->data().size(), 2u);
  EXPECT_EQ(a->data()[0], 'a');
  EXPECT_FALSE(checkpoint->find("c").has_value());
}

TEST_F(CheckpointTest, ShardedWithIndex) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors", "z": "b.safetensors",
                 "y": "a.safetensors"})");
  absl::StatusOr<Checkpoint> opened = Checkpoint::open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  Checkpoint checkpoint = *std::move(opened); // Pointers survive the move.
  EXPECT_TRUE(checkpoint.isSharded());
  EXPECT_EQ(checkpoint.files().size(), 2u);
  EXPECT_THAT(checkpoint.tensorNames(), ElementsAre("x", "y", "z"));
  absl::StatusOr<CheckpointTensor> z = checkpoint.get("z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->file->path(), HasSubstr("b.safetensors"));
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(z->data().data()),
                        z->data().size()),
            "zzz");
  EXPECT_EQ(checkpoint.get("y")->file, checkpoint.get("x")->file);
}

TEST_F(CheckpointTest, GetMissingTensorIsNotFound) {
  writeFile(dir.file("model.safetensors"),
            SafetensorsBuilder().add("a", "U8", {1}, "a").bytes());
  absl::StatusOr<Checkpoint> checkpoint = Checkpoint::open(dir.path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<CheckpointTensor> missing = checkpoint->get("lm_head.weight");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("no tensor named 'lm_head.weight'"));
}

TEST_F(CheckpointTest, TensorMissingFromItsShard) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors", "y": "a.safetensors",
                 "z": "b.safetensors", "w": "b.safetensors"})");
  expectError({"model.safetensors.index.json",
               "tensor 'w' in shard "
               "'b.safetensors', but that shard has no such tensor"});
}

TEST_F(CheckpointTest, TensorListedUnderTheWrongShard) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors", "y": "b.safetensors",
                 "z": "b.safetensors"})");
  expectError({"tensor 'y' in shard 'b.safetensors', but it is stored in "
               "shard 'a.safetensors'"});
}

TEST_F(CheckpointTest, TensorStoredButNotListed) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors", "z": "b.safetensors"})");
  expectError({"tensor 'y' is stored in shard 'a.safetensors' but the index "
               "does not list it"});
}

TEST_F(CheckpointTest, TensorInTwoShards) {
  writeShards();
  writeFile(dir.file("c.safetensors"),
            SafetensorsBuilder().add("x", "U8", {2}, "XX").bytes());
  writeIndex(R"({"x": "a.safetensors", "y": "a.safetensors",
                 "z": "b.safetensors", "other": "c.safetensors"})");
  expectError({"tensor 'x' is stored in two shards, 'a.safetensors' and "
               "'c.safetensors'"});
}

TEST_F(CheckpointTest, BadShardNames) {
  writeShards();
  for (std::string_view shard : {"../a.safetensors", "sub/a.safetensors", "",
                                 "a..safetensors", "\\\\a.safetensors"}) {
    writeIndex(strCat(R"({"x": ")", shard, R"("})"));
    expectError({"tensor 'x' maps to shard file", "not a plain file name"});
  }
}

TEST_F(CheckpointTest, MissingShardFile) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors", "q": "missing.safetensors"})");
  absl::StatusOr<Checkpoint> checkpoint = Checkpoint::open(dir.path());
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_EQ(checkpoint.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(checkpoint.status().message()),
              HasSubstr("missing.safetensors"));
}

TEST_F(CheckpointTest, MalformedShardIsRejected) {
  writeFile(dir.file("a.safetensors"), "garbage");
  writeIndex(R"({"x": "a.safetensors"})");
  expectError({"a.safetensors: file is 7 bytes, too short"});
}

TEST_F(CheckpointTest, MalformedIndex) {
  writeShards();
  writeFile(dir.file("model.safetensors.index.json"), "{\"weight_map\": ");
  expectError({"model.safetensors.index.json: invalid JSON at byte 15"});
  writeFile(dir.file("model.safetensors.index.json"), R"({"metadata": {}})");
  expectError({"missing \"weight_map\""});
  writeIndex("{}");
  expectError({"\"weight_map\" must be a non-empty object"});
  writeIndex(R"({"x": 3})");
  expectError({"tensor 'x': the shard file name must be a string"});
  writeFile(dir.file("model.safetensors.index.json"),
            R"({"metadata": 1, "weight_map": {"x": "a.safetensors"}})");
  expectError({"\"metadata\" must be an object"});
}

TEST_F(CheckpointTest, NoWeights) {
  expectError({"has neither model.safetensors nor "
               "model.safetensors.index.json"});
}

TEST_F(CheckpointTest, BothLayoutsAreAmbiguous) {
  writeShards();
  writeIndex(R"({"x": "a.safetensors"})");
  writeFile(dir.file("model.safetensors"),
            SafetensorsBuilder().add("a", "U8", {1}, "a").bytes());
  expectError({"has both model.safetensors and model.safetensors.index.json"});
}

TEST_F(CheckpointTest, MissingDirectory) {
  absl::StatusOr<Checkpoint> checkpoint =
      Checkpoint::open(dir.file("does-not-exist"));
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_EQ(checkpoint.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(checkpoint.status().message()),
              HasSubstr("does-not-exist' does not exist"));
}

TEST_F(CheckpointTest, ReadsConfig) {
  writeFile(dir.file("config.json"), R"({"model_type": "llama4_text"})");
  absl::StatusOr<std::string> config = readCheckpointConfig(dir.path());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*config, R"({"model_type": "llama4_text"})");
}

TEST_F(CheckpointTest, MissingConfig) {
  absl::StatusOr<std::string> config = readCheckpointConfig(dir.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr(strCat("cannot open '", dir.path(), "/config.json'")));
}

} // namespace
} // namespace moec::runtime
