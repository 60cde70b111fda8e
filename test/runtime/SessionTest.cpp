//===- SessionTest.cpp - Tests for Session on the fake model --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests Session with the FakeModel.c shared object: forward passes
// against the model's reference, generation (greedy continuation, stop
// tokens, max_new_tokens, chunked prefill, context full, sampling, the token
// callback), reset, and every way opening an artifact can fail.
//
//===----------------------------------------------------------------------===//

#include "runtime/Session.h"

#include "runtime/File.h"
#include "runtime/SharedObject.h"

#include "FakeCuda.h"
#include "FakeModelArtifact.h"
#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <functional>
#include <initializer_list>

namespace moec::runtime {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testutil::fakeGreedy;
using testutil::fakeLogits;
using testutil::fakeModelContents;
using testutil::fakeModelWeights;
using testutil::kFakeEos;
using testutil::SafetensorsBuilder;
using testutil::TempDir;

class SessionTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::string> so = testutil::fakeModelSharedObject();
    ASSERT_TRUE(so.ok()) << so.status();
    sharedObject = *so;
    write([](ArtifactContents &) {});
  }

  /// Writes the fake model with `edit` applied to its contents.
  void write(const std::function<void(ArtifactContents &)> &edit,
             const SafetensorsBuilder &weights = fakeModelWeights()) {
    ArtifactContents contents = fakeModelContents(sharedObject);
    edit(contents);
    absl::Status s = testutil::writeFakeModel(dir.path(), contents, weights);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::unique_ptr<Session> open(std::string device = "cpu") {
    SessionOptions options;
    options.device = std::move(device);
    absl::StatusOr<std::unique_ptr<Session>> session =
        Session::open(path, options);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *std::move(session) : nullptr;
  }

  /// Expects opening to fail with `code` and every phrase.
  void expectOpenError(absl::StatusCode code,
                       std::initializer_list<std::string_view> phrases,
                       std::string device = "cpu") {
    SessionOptions options;
    options.device = std::move(device);
    absl::StatusOr<std::unique_ptr<Session>> session =
        Session::open(path, options);
    ASSERT_FALSE(session.ok()) << "opened a broken artifact";
    EXPECT_EQ(session.status().code(), code) << session.status();
    for (std::string_view phrase : phrases)
      EXPECT_THAT(std::string(session.status().message()),
                  HasSubstr(std::string(phrase)));
  }

  static GenerateOptions greedy(uint64_t maxNewTokens) {
    GenerateOptions options;
    options.maxNewTokens = maxNewTokens;
    return options;
  }

  std::string sharedObject;
  TempDir dir;
  std::string path = dir.file(testutil::kFakeArtifactName);
};

//===----------------------------------------------------------------------===//
// Forward passes
//===----------------------------------------------------------------------===//

TEST_F(SessionTest, OpensTheFakeModel) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  EXPECT_EQ(session->vocabSize(), testutil::kFakeVocab);
  EXPECT_EQ(session->maxTokens(), testutil::kFakeMaxTokens);
  EXPECT_EQ(session->contextLength(), testutil::kFakePositions);
  EXPECT_EQ(session->position(), 0u);
}

TEST_F(SessionTest, ForwardMatchesTheReference) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  absl::StatusOr<std::vector<float>> prefill = session->forward({1, 2, 3});
  ASSERT_TRUE(prefill.ok()) << prefill.status();
  EXPECT_THAT(*prefill, ElementsAreArray(fakeLogits({1, 2, 3})));
  EXPECT_EQ(session->position(), 3u);
  // A decode step only sees the prompt through the KV cache.
  absl::StatusOr<std::vector<float>> decode = session->forward({4});
  ASSERT_TRUE(decode.ok()) << decode.status();
  std::vector<float> all = fakeLogits({1, 2, 3, 4});
  EXPECT_THAT(*decode, ElementsAreArray(all.end() - 11, all.end()));
  EXPECT_EQ(session->position(), 4u);
}

TEST_F(SessionTest, ForwardRejectsBadInputWithoutAdvancing) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  auto expectError = [&](std::vector<int64_t> ids, std::string_view phrase) {
    absl::StatusOr<std::vector<float>> logits = session->forward(ids);
    ASSERT_FALSE(logits.ok());
    EXPECT_EQ(logits.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(logits.status().message()),
                HasSubstr(std::string(phrase)));
    EXPECT_EQ(session->position(), 0u);
  };
  expectError({}, "no token ids");
  expectError({1, 2, 3, 4, 5}, "5 tokens exceed the 4");
  expectError({1, 11},
              "token id 11 (ids[1]) is outside the vocabulary [0, 11)");
  expectError({-1}, "token id -1 (ids[0])");
  std::vector<float> small(10);
  absl::Status s = session->forward({1}, absl::MakeSpan(small));
  EXPECT_THAT(std::string(s.message()), HasSubstr("holds 10 floats, 11"));
}

TEST_F(SessionTest, ContextFullIsOutOfRange) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(session->forward({1, 2, 3, 4}).ok());
  absl::StatusOr<std::vector<float>> more = session->forward({1});
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(more.status().message()),
              HasSubstr("context full: 12 positions in use + 1 new tokens "
                        "need 13 positions, the artifact's KV cache holds 12"));
}

TEST_F(SessionTest, ResetEmptiesTheCache) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->forward({1, 2, 3, 4}).ok());
  ASSERT_TRUE(session->forward({5, 6}).ok());
  session->reset();
  EXPECT_EQ(session->position(), 0u);
  // The fake model turns stale cache entries past the sequence into NaNs.
  absl::StatusOr<std::vector<float>> logits = session->forward({7, 8});
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_THAT(*logits, ElementsAreArray(fakeLogits({7, 8})));
}

TEST_F(SessionTest, SessionsHaveTheirOwnCaches) {
  std::unique_ptr<Session> a = open(), b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->forward({1, 2}).ok());
  ASSERT_TRUE(b->forward({9}).ok());
  absl::StatusOr<std::vector<float>> logits = a->forward({3});
  ASSERT_TRUE(logits.ok()) << logits.status();
  std::vector<float> all = fakeLogits({1, 2, 3});
  EXPECT_THAT(*logits, ElementsAreArray(all.end() - 11, all.end()));
}

//===----------------------------------------------------------------------===//
// Generation
//===----------------------------------------------------------------------===//

TEST_F(SessionTest, GreedyGenerationMatchesTheReference) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  absl::StatusOr<GenerateResult> result =
      session->generate({1, 2, 3}, greedy(5));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->tokens, ElementsAreArray(fakeGreedy({1, 2, 3}, 5)));
  EXPECT_THAT(result->tokens, ElementsAreArray({2, 9, 0, 3, 1}));
  EXPECT_EQ(result->stopReason, StopReason::MaxNewTokens);
  EXPECT_EQ(result->prefillTokens, 3u);
  EXPECT_EQ(result->decodeTokens, 4u);
  EXPECT_EQ(session->position(), 7u); // the last token is not fed back
  EXPECT_GE(result->prefillTokensPerSecond(), 0.0);
}

TEST_F(SessionTest, GenerationStopsAtTheEosToken) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  absl::StatusOr<GenerateResult> result =
      session->generate({2, 7, 1}, greedy(8));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->tokens, ElementsAreArray({5, 2, 6, kFakeEos}));
  EXPECT_EQ(result->stopReason, StopReason::StopToken);
}

TEST_F(SessionTest, GenerationUsesTheGivenStopTokens) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  GenerateOptions options = greedy(8);
  options.stopTokenIds = std::vector<int32_t>{6};
  absl::StatusOr<GenerateResult> result = session->generate({2, 7, 1}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->tokens, ElementsAreArray({5, 2, 6}));
  session->reset();
  options.stopTokenIds = std::vector<int32_t>{};
  result = session->generate({2, 7, 1}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->tokens, ElementsAreArray(fakeGreedy({2, 7, 1}, 8, {})));
  EXPECT_EQ(result->stopReason, StopReason::MaxNewTokens);
}

TEST_F(SessionTest, ZeroNewTokensStillRunsPrefill) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  GenerateOptions options = greedy(0);
  options.keepPrefillLogits = true;
  absl::StatusOr<GenerateResult> result = session->generate({4, 5}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->tokens.empty());
  EXPECT_THAT(result->prefillLogits, ElementsAreArray(fakeLogits({4, 5})));
  EXPECT_EQ(session->position(), 2u);
}

TEST_F(SessionTest, LongPromptsPrefillInChunks) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  std::vector<int64_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  GenerateOptions options = greedy(3);
  options.keepPrefillLogits = true;
  absl::StatusOr<GenerateResult> result = session->generate(prompt, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->prefillLogits, ElementsAreArray(fakeLogits(prompt)));
  EXPECT_THAT(result->tokens, ElementsAreArray(fakeGreedy(prompt, 3)));
}

TEST_F(SessionTest, GenerationEndsWhenTheContextIsFull) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  GenerateOptions options = greedy(50);
  options.stopTokenIds = std::vector<int32_t>{};
  absl::StatusOr<GenerateResult> result = session->generate({1, 2}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stopReason, StopReason::ContextFull);
  // 12 positions: the prompt, 10 tokens fed back, one more token out.
  EXPECT_THAT(result->tokens, ElementsAreArray(fakeGreedy({1, 2}, 11, {})));
  session->reset();
  absl::StatusOr<GenerateResult> tooLong =
      session->generate(std::vector<int64_t>(13, 1), options);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(tooLong.status().message()),
              HasSubstr("the artifact's KV cache holds 12"));
}

TEST_F(SessionTest, SeededSamplingRepeats) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  GenerateOptions options = greedy(6);
  options.sampling.temperature = 2.0f;
  options.sampling.topP = 0.9f;
  options.seed = 42;
  options.stopTokenIds = std::vector<int32_t>{};
  absl::StatusOr<GenerateResult> first = session->generate({3}, options);
  ASSERT_TRUE(first.ok()) << first.status();
  session->reset();
  absl::StatusOr<GenerateResult> second = session->generate({3}, options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->tokens, second->tokens);
  for (int64_t token : first->tokens)
    EXPECT_TRUE(token >= 0 && token < 11);
  options.sampling.topP = 0.0f;
  EXPECT_THAT(std::string(session->generate({3}, options).status().message()),
              HasSubstr("top_p"));
}

TEST_F(SessionTest, CallbackSeesEveryTokenAndCanStop) {
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  std::vector<int64_t> seen;
  GenerateOptions options = greedy(5);
  options.onToken = [&](int64_t token) {
    seen.push_back(token);
    return seen.size() < 3;
  };
  absl::StatusOr<GenerateResult> result = session->generate({1, 2, 3}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(seen, ElementsAreArray({2, 9, 0}));
  EXPECT_EQ(result->tokens, seen);
  EXPECT_EQ(result->stopReason, StopReason::Cancelled);
  EXPECT_EQ(stopReasonName(result->stopReason), "cancelled");
}

TEST_F(SessionTest, ProgressGoesToTheCallback) {
  std::vector<std::string> messages;
  SessionOptions options;
  options.onProgress = [&](std::string_view m) { messages.emplace_back(m); };
  ASSERT_TRUE(Session::open(path, options).ok());
  ASSERT_FALSE(messages.empty());
  EXPECT_THAT(messages.front(), HasSubstr("loading artifact"));
  EXPECT_EQ(messages.back(), "ready");
}

//===----------------------------------------------------------------------===//
// Opening broken artifacts
//===----------------------------------------------------------------------===//

TEST_F(SessionTest, RejectsMissingPackedWeights) {
  std::remove(dir.file(testutil::kFakeWeightsName).c_str());
  expectOpenError(absl::StatusCode::kNotFound,
                  {"fake.weights.safetensors", "the packed weights of", path});
}

TEST_F(SessionTest, RejectsPackedWeightsThatDoNotMatchTheManifest) {
  SafetensorsBuilder wrongShape;
  wrongShape.add("shift", "I64", {1}, std::string(8, '\0'));
  wrongShape.add("table", "I32", {1, 11}, std::string(44, '\0'));
  write([](ArtifactContents &) {}, wrongShape);
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"tensor 'table': shape is [1, 11]"});
  SafetensorsBuilder wrongDtype;
  wrongDtype.add("shift", "F64", {1}, std::string(8, '\0'));
  wrongDtype.add("table", "I32", {11}, std::string(44, '\0'));
  write([](ArtifactContents &) {}, wrongDtype);
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"tensor 'shift': dtype is F64"});
  SafetensorsBuilder missing;
  missing.add("shift", "I64", {1}, std::string(8, '\0'));
  missing.add("tablet", "I32", {11}, std::string(44, '\0'));
  write([](ArtifactContents &) {}, missing);
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"tensor 'table' of the manifest is missing"});
}

TEST_F(SessionTest, RejectsKernelBytesThatAreNotASharedObject) {
  static const std::string kText = "#!/bin/sh\necho not a shared object\n";
  write([](ArtifactContents &c) {
    c.kernels[0].bytes = absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t *>(kText.data()), kText.size());
  });
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"kernels[0] 'fake'", "not a loadable shared object",
                   "too short for an ELF header"});
  std::string truncated = sharedObject.substr(0, 1024);
  write([&](ArtifactContents &c) {
    c.kernels[0].bytes = absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t *>(truncated.data()), truncated.size());
  });
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"kernels[0] 'fake'", "lies outside the 1024 bytes"});
  std::string noMagic = sharedObject;
  noMagic[1] = 'X';
  write([&](ArtifactContents &c) {
    c.kernels[0].bytes = absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t *>(noMagic.data()), noMagic.size());
  });
  expectOpenError(absl::StatusCode::kInvalidArgument, {"no ELF magic number"});
}

TEST_F(SessionTest, ReportsDlopenFailures) {
  // A position-independent executable passes the ELF checks (ET_DYN, the
  // host's machine) but dlopen refuses it.
  absl::StatusOr<std::string> exe = readTextFile("/bin/true");
  if (!exe.ok() ||
      !checkElfSharedObject(
           absl::Span<const uint8_t>(
               reinterpret_cast<const uint8_t *>(exe->data()), exe->size()),
           "/bin/true")
           .ok())
    GTEST_SKIP() << "/bin/true is not a position-independent executable";
  write([&](ArtifactContents &c) {
    c.kernels[0].bytes = absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t *>(exe->data()), exe->size());
  });
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"kernels[0] 'fake'", "dlopen failed"});
}

TEST_F(SessionTest, RejectsMissingEntrySymbol) {
  write([](ArtifactContents &c) { c.launches[1].kernelName = "moec_nope"; });
  expectOpenError(absl::StatusCode::kNotFound,
                  {"kernels[0] 'fake'", "entry symbol 'moec_nope' not found",
                   "moec_nope", "(used by prefill.steps[1])"});
}

TEST_F(SessionTest, RejectsCodeForFeaturesThisCpuLacks) {
  // "fma4" and "xop" existed only on AMD's Bulldozer family: no CPU that
  // runs these tests reports them. "sse2" is in every x86-64 CPU.
  write([](ArtifactContents &c) {
    c.kernels[0].cpu = "bdver4";
    c.kernels[0].cpuFeatures = {"fma4", "sse2", "xop", "not-a-feature"};
  });
  std::string lacks = hostCpuTarget() == "x86_64"
                          ? "lacks: fma4, xop, not-a-feature;"
                          : "lacks: fma4, sse2, xop, not-a-feature;";
  expectOpenError(
      absl::StatusCode::kFailedPrecondition,
      {"kernels[0] 'fake'", "compiled for CPU 'bdver4'", lacks, "--cpu=host"});
}

TEST_F(SessionTest, OpensCodeForFeaturesThisCpuHas) {
  if (hostCpuTarget() != "x86_64")
    GTEST_SKIP() << "the features below are x86-64's";
  write([](ArtifactContents &c) {
    c.kernels[0].cpu = "x86-64";
    c.kernels[0].cpuFeatures = {"sse", "sse2"};
  });
  EXPECT_NE(open(), nullptr);
}

TEST_F(SessionTest, RejectsKernelsForAnotherMachine) {
  std::string other = hostCpuTarget() == "aarch64" ? "x86_64" : "aarch64";
  write([&](ArtifactContents &c) { c.kernels[0].target = other; });
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"kernels[0] 'fake'", "built for target '" + other + "'",
                   "this machine is"});
  write([](ArtifactContents &c) {
    c.kernels[0].kind = KernelKind::Ptx;
    c.kernels[0].target = "sm_90a";
  });
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"a ptx kernel for sm_90a cannot run on the CPU"});
  testutil::FakeCuda gpu; // an sm_90 GPU, whatever this machine has
  expectOpenError(absl::StatusCode::kUnimplemented,
                  {"device cuda: this runtime build runs CPU shared objects "
                   "only; the artifact's kernels are ptx for sm_90a"},
                  "cuda");
}

TEST_F(SessionTest, RejectsUnknownAndCudaDevices) {
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"device 'tpu': unknown device (expected cpu or cuda)"},
                  "tpu");
  testutil::FakeCuda gpu; // an sm_90 GPU, whatever this machine has
  expectOpenError(absl::StatusCode::kUnimplemented,
                  {"device cuda: this runtime build runs CPU shared objects "
                   "only; the artifact's kernels are cpu_shared_object for " +
                   std::string(hostCpuTarget())},
                  "cuda");
}

TEST_F(SessionTest, ChecksTheGpuBeforeTheArtifactsKernels) {
  {
    testutil::ScopedEnv noDriver("MOEC_LIBCUDA", "/nonexistent/libcuda.so.1");
    expectOpenError(absl::StatusCode::kFailedPrecondition,
                    {"device cuda: CUDA driver not found: cannot load "
                     "$MOEC_LIBCUDA=/nonexistent/libcuda.so.1 ("},
                    "cuda");
  }
  testutil::FakeCuda gpu("sm80");
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"device cuda: GPU 0 (NVIDIA A100 fake) has compute "
                   "capability 8.0; moec's kernels need sm_90a (H100/H200)"},
                  "cuda");
  EXPECT_EQ(gpu.liveObjects(), 0);
}

TEST_F(SessionTest, RejectsBindingsTheCpuCannotForm) {
  write([](ArtifactContents &c) {
    TmaDescriptor t;
    t.tensorName = "table";
    t.tensor = Binding{BindingKind::Weight, 1, 0, 0};
    t.dtype = DType::I32;
    t.rank = 1;
    t.globalDims = {11};
    t.boxDims = {11};
    c.tmaDescriptors.push_back(t);
    c.decode.steps[1].args.push_back({BindingKind::TmaDescriptor, 0, 0, 0});
  });
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"decode.steps[1].args[8]", "tma_descriptor",
                   "not supported on the CPU"});
  write([](ArtifactContents &c) { c.prefill.steps.pop_back(); });
  expectOpenError(absl::StatusCode::kInvalidArgument,
                  {"the prefill plan never binds output_logits"});
}

TEST_F(SessionTest, RejectsAnAbsolutePackedFile) {
  // Artifact validation rejects it (the loader's side is in ArtifactTest),
  // so no such artifact can be written either.
  ArtifactContents contents = fakeModelContents(sharedObject);
  contents.weights.packedFile = "/etc/passwd";
  absl::Status s =
      testutil::writeFakeModel(dir.path(), contents, fakeModelWeights());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("weights.packed_file: '/etc/passwd' is not a plain "
                        "file name"));
}

TEST_F(SessionTest, ReportsArenaOffsetsPastTheirBuffer) {
  write([](ArtifactContents &c) { c.decode.steps[0].args[4].byteOffset = 16; });
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  absl::StatusOr<std::vector<float>> logits = session->forward({1});
  ASSERT_FALSE(logits.ok());
  EXPECT_THAT(std::string(logits.status().message()),
              HasSubstr("decode.steps[0].args[4].byte_offset: 16 runs past "
                        "arena buffer 'ids' (8 bytes at 1 tokens)"));
  EXPECT_EQ(session->position(), 0u);
}

// Absurd sizes never reach an allocation: the code's ABI record disagrees.
TEST_F(SessionTest, RefusesSizesTheCodeWasNotCompiledFor) {
  write([](ArtifactContents &c) { c.kvCacheBytes = uint64_t(1) << 62; });
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"kv_cache_bytes is 4611686018427387904 but the artifact's "
                   "code was compiled for 256"});
  write([](ArtifactContents &c) {
    c.bufferPlan.arenaSize.base = uint64_t(1) << 62;
  });
  expectOpenError(absl::StatusCode::kFailedPrecondition,
                  {"buffer_plan.arena_size.base is 4611686018427387904"});
}

TEST_F(SessionTest, NanLogitsFromAKernelAreAnError) {
  // The fake model answers a wrong immediate with NaN logits.
  write([](ArtifactContents &c) { c.prefill.steps[0].args[6].value = 7; });
  std::unique_ptr<Session> session = open();
  ASSERT_TRUE(session);
  absl::StatusOr<GenerateResult> result = session->generate({1, 2}, greedy(2));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("NaN"));
}

} // namespace
} // namespace moec::runtime
