//===- CpuAbiTest.cpp - Metadata against code, weights digests ------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Session::open over the fake model (FakeModel.c, whose ABI record describes
// fakeModelContents) with edited metadata that still passes every
// structural check and is sealed with a fresh digest: the code's ABI record
// must catch what would otherwise overflow a buffer or crash; and with
// packed weights that differ from the recorded digest.
//
//===----------------------------------------------------------------------===//

#include "FakeModelArtifact.h"
#include "TestUtil.h"
#include "runtime/CpuExecutor.h"
#include "runtime/Integrity.h"
#include "runtime/Session.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdlib>
#include <functional>
#include <initializer_list>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;
using testutil::fakeModelContents;
using testutil::fakeModelWeights;
using testutil::SafetensorsBuilder;
using testutil::TempDir;

class CpuAbiTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::string> so = testutil::fakeModelSharedObject();
    ASSERT_TRUE(so.ok()) << so.status();
    sharedObject = *so;
  }

  void write(const std::function<void(ArtifactContents &)> &edit) {
    ArtifactContents contents = fakeModelContents(sharedObject);
    edit(contents);
    absl::Status s =
        testutil::writeFakeModel(dir.path(), contents, fakeModelWeights());
    ASSERT_TRUE(s.ok()) << s;
  }

  absl::Status open(bool verifyWeights = true) {
    SessionOptions options;
    options.verifyWeights = verifyWeights;
    return Session::open(path, options).status();
  }

  void expectOpenError(std::initializer_list<std::string_view> phrases) {
    absl::Status s = open();
    ASSERT_FALSE(s.ok()) << "opened an artifact whose metadata lies";
    for (std::string_view phrase : phrases)
      EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(phrase)));
  }

  std::string sharedObject;
  TempDir dir;
  std::string path = dir.file(testutil::kFakeArtifactName);
};

TEST_F(CpuAbiTest, MatchingMetadataOpens) {
  write([](ArtifactContents &) {});
  EXPECT_TRUE(open().ok()) << open();
}

TEST_F(CpuAbiTest, EditedVocabSizeIsRefused) {
  write([](ArtifactContents &c) { c.config.vocabSize = 64; });
  expectOpenError({"config.vocab_size is 64 but the artifact's code was "
                   "compiled for 11",
                   "metadata and code disagree"});
}

TEST_F(CpuAbiTest, SwappedBindingsAreRefused) {
  write([](ArtifactContents &c) {
    std::swap(c.prefill.steps[0].args[0], c.prefill.steps[0].args[1]);
  });
  expectOpenError({"prefill.steps[0].args[0] is a input_positions binding but "
                   "entry 'moec_fake_embed' was compiled for input_token_ids"});
}

TEST_F(CpuAbiTest, DroppedBindingIsRefused) {
  write([](ArtifactContents &c) { c.decode.steps[1].args.pop_back(); });
  expectOpenError({"decode.steps[1]: the number of arguments is 7 but the "
                   "artifact's code was compiled for 8"});
}

TEST_F(CpuAbiTest, ShrunkArenaIsRefused) {
  write([](ArtifactContents &c) {
    c.bufferPlan.arenaSize.perToken = 4;
    c.bufferPlan.buffers[0].size.perToken = 4;
  });
  expectOpenError({"buffer_plan.arena_size.per_token is 4 but the "
                   "artifact's code was compiled for 8"});
}

TEST_F(CpuAbiTest, OtherFieldsAreChecked) {
  write([](ArtifactContents &c) { c.bufferPlan.maxTokens = 3; });
  expectOpenError({"buffer_plan.max_tokens is 3"});
  write([](ArtifactContents &c) { c.kvCacheBytes = 512; });
  expectOpenError({"kv_cache_bytes is 512"});
  write([](ArtifactContents &c) { c.weights.tensors[1].name = "table2"; });
  // The manifest check against the weights file names it first.
  expectOpenError({"table2"});
}

TEST_F(CpuAbiTest, UnlistedEntryIsRefused) {
  write(
      [](ArtifactContents &c) { c.launches[0].kernelName = "moec_fake_head"; });
  expectOpenError({"prefill.steps[0]: the number of arguments is 7"});
}

// dlsym searches the object's dependencies too: "abort" would be libc's.
TEST_F(CpuAbiTest, SymbolOutsideTheArtifactIsRefused) {
  write([](ArtifactContents &c) { c.launches[0].kernelName = "abort"; });
  expectOpenError({"entry symbol 'abort' is not defined in the artifact's "
                   "code",
                   "an artifact may only call its own code"});
}

// Same names, dtypes and shapes, other values: only the digest tells.
TEST_F(CpuAbiTest, ModifiedWeightsAreRefused) {
  write([](ArtifactContents &) {});
  SafetensorsBuilder other;
  other.add("shift", "I64", {1}, std::string(8, '\x01'));
  other.add("table", "I32", {testutil::kFakeVocab},
            std::string(4 * testutil::kFakeVocab, '\x02'));
  testutil::writeFile(dir.file(testutil::kFakeWeightsName), other.bytes());
  absl::Status s = open();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("fake.weights.safetensors: integrity check failed: the "
                        "packed weights do not match the SHA-256 that"));
  // The opt-outs: trusted local files.
  EXPECT_TRUE(open(/*verifyWeights=*/false).ok());
  ::setenv(kNoVerifyWeightsEnv, "1", 1);
  EXPECT_TRUE(open().ok());
  ::unsetenv(kNoVerifyWeightsEnv);
}

// Sessions refuse absurd sizes through the ABI check first; the allocation
// itself still fails cleanly.
TEST(AlignedBufferTest, ReportsAllocationsThatCannotBeMade) {
  AlignedBuffer buffer;
  absl::Status s = buffer.allocate(uint64_t(1) << 62, "arena");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot allocate 4611686018427387904 bytes for the "
                        "arena"));
}

} // namespace
} // namespace moec::runtime
