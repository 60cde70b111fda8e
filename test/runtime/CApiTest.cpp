//===- CApiTest.cpp - Tests for the C API ---------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file runs CApiSmoke.c (the C API used from C) on the fake model, and
// checks the C API's argument handling from C++.
//
//===----------------------------------------------------------------------===//

#include "moec/moec.h"
#include "moec/version.h"
#include "runtime/SharedObject.h"

#include "FakeCuda.h"
#include "FakeModelArtifact.h"
#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern "C" int moecCApiSmoke(const char *artifactPath, const char *missingPath,
                             char *error, size_t errorSize);

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

class CApiTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::Status s = testutil::writeFakeModel(dir.path());
    ASSERT_TRUE(s.ok()) << s;
  }

  testutil::TempDir dir;
  std::string path = dir.file(testutil::kFakeArtifactName);
};

TEST_F(CApiTest, WorksFromC) {
  // The smoke test expects "cuda" to fail as unimplemented: give it an sm_90
  // GPU, whatever this machine has.
  testutil::FakeCuda gpu;
  char error[1024] = "";
  EXPECT_EQ(moecCApiSmoke(path.c_str(), dir.file("none.moec").c_str(), error,
                          sizeof(error)),
            0)
      << error;
}

TEST_F(CApiTest, ReportsAMissingCudaDriver) {
  testutil::ScopedEnv noDriver("MOEC_LIBCUDA", "/nonexistent/libcuda.so.1");
  moec_session *session = reinterpret_cast<moec_session *>(1);
  EXPECT_EQ(moec_session_open(path.c_str(), "cuda", &session),
            MOEC_FAILED_PRECONDITION);
  EXPECT_EQ(session, nullptr);
  EXPECT_THAT(moec_last_error(),
              HasSubstr("device cuda: CUDA driver not found: cannot load "
                        "$MOEC_LIBCUDA=/nonexistent/libcuda.so.1 ("));
}

TEST_F(CApiTest, ReportsVersionsAndMetadata) {
  EXPECT_STREQ(moec_version(), MOEC_VERSION_STRING);
  moec_session *session = nullptr;
  ASSERT_EQ(moec_session_open(path.c_str(), "cpu", &session), MOEC_OK);
  EXPECT_STREQ(moec_session_compiler_version(session),
               "moec fake model (test)");
  EXPECT_EQ(std::string(moec_session_target(session)), hostCpuTarget());
  EXPECT_STREQ(moec_session_cpu(session), ""); // the fake records none
  EXPECT_EQ(moec_session_num_layers(session), 1u);
  EXPECT_EQ(moec_session_hidden_size(session), 4u);
  EXPECT_EQ(moec_session_num_experts(session), 0u);
  EXPECT_GT(moec_session_max_tokens(session), 0u);
  moec_session_close(session);
  EXPECT_STREQ(moec_session_compiler_version(nullptr), "");
  EXPECT_STREQ(moec_session_target(nullptr), "");
  EXPECT_STREQ(moec_session_cpu(nullptr), "");
  EXPECT_EQ(moec_session_num_layers(nullptr), 0u);
  EXPECT_EQ(moec_session_max_tokens(nullptr), 0u);
}

TEST_F(CApiTest, RejectsNullArguments) {
  EXPECT_EQ(moec_session_open(path.c_str(), "cpu", nullptr),
            MOEC_INVALID_ARGUMENT);
  moec_session *session = reinterpret_cast<moec_session *>(1);
  EXPECT_EQ(moec_session_open(nullptr, "cpu", &session), MOEC_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);
  EXPECT_THAT(moec_last_error(), HasSubstr("artifact_path is NULL"));
  ASSERT_EQ(moec_session_open(path.c_str(), "cpu", &session), MOEC_OK);
  float logits[11];
  size_t count = 0;
  EXPECT_EQ(moec_session_forward(session, nullptr, 1, logits, 11),
            MOEC_INVALID_ARGUMENT);
  EXPECT_EQ(moec_session_forward(session, nullptr, 0, logits, 11),
            MOEC_INVALID_ARGUMENT); // no token ids
  EXPECT_EQ(
      moec_session_generate(session, nullptr, 0, nullptr, nullptr, 0, &count),
      MOEC_INVALID_ARGUMENT); // empty prompt
  EXPECT_THAT(moec_session_last_error(session), HasSubstr("prompt is empty"));
  moec_generate_options options;
  moec_generate_options_init(&options);
  options.max_new_tokens = 1;
  options.num_stop_token_ids = 2;
  int64_t id = 1, out = 0;
  EXPECT_EQ(moec_session_generate(session, &id, 1, &options, &out, 1, &count),
            MOEC_INVALID_ARGUMENT);
  options.num_stop_token_ids = 0;
  options.temperature = -1.0f;
  EXPECT_EQ(moec_session_generate(session, &id, 1, &options, &out, 1, &count),
            MOEC_INVALID_ARGUMENT);
  EXPECT_THAT(moec_session_last_error(session), HasSubstr("temperature"));
  moec_session_close(session);
  moec_session_close(nullptr);
}

} // namespace
} // namespace moec::runtime
