//===- CudaDriverTest.cpp - Tests for loading libcuda and opening a GPU ---===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests CudaDriver and CudaDevice::open against the fake driver
// (FakeLibcuda.c) in each of its modes: every way the cuda device can be
// unavailable has its own message. It also checks that the default load
// fails cleanly on a machine without libcuda.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"
#include "runtime/CudaDevice.h"

#include "FakeCuda.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <dlfcn.h>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testutil::FakeCuda;
using testutil::ScopedEnv;

/// Expects `status` to be a `code` error whose message holds every phrase.
void expectError(const absl::Status &status, absl::StatusCode code,
                 std::initializer_list<std::string> phrases) {
  EXPECT_EQ(status.code(), code) << status;
  for (const std::string &phrase : phrases)
    EXPECT_THAT(std::string(status.message()), HasSubstr(phrase));
}

TEST(CudaDriverTest, DefaultLoadFailsCleanlyWithoutADriver) {
  if (void *real = ::dlopen(CudaDriver::kDefaultLibrary, RTLD_NOW)) {
    ::dlclose(real);
    GTEST_SKIP() << "this machine has a real libcuda.so.1";
  }
  ScopedEnv noOverride(CudaDriver::kLibraryEnvVar, nullptr);
  absl::StatusOr<std::shared_ptr<const CudaDriver>> driver = CudaDriver::load();
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(driver.status().message()),
              StartsWith("CUDA driver not found: cannot load libcuda.so.1 "
                         "(libcuda.so.1: cannot open shared object file"));
  EXPECT_THAT(std::string(driver.status().message()),
              HasSubstr("); the cuda device needs an NVIDIA GPU driver (set "
                        "$MOEC_LIBCUDA to libcuda's path if it is installed "
                        "elsewhere)"));
  absl::StatusOr<std::unique_ptr<CudaDevice>> gpu = CudaDevice::open();
  EXPECT_EQ(gpu.status(), driver.status());
}

TEST(CudaDriverTest, NamesTheLibraryFromTheEnvironment) {
  ScopedEnv missing(CudaDriver::kLibraryEnvVar, "/nonexistent/libcuda.so.1");
  expectError(CudaDriver::load().status(),
              absl::StatusCode::kFailedPrecondition,
              {"CUDA driver not found: cannot load "
               "$MOEC_LIBCUDA=/nonexistent/libcuda.so.1 (",
               "No such file or directory); the cuda device needs an NVIDIA "
               "GPU driver"});
  // An explicit path wins over the environment.
  absl::StatusOr<std::shared_ptr<const CudaDriver>> fake =
      CudaDriver::load(MOEC_FAKE_LIBCUDA);
  ASSERT_TRUE(fake.ok()) << fake.status();
  EXPECT_EQ((*fake)->library(), MOEC_FAKE_LIBCUDA);
}

TEST(CudaDriverTest, ReportsAMissingEntryPoint) {
  FakeCuda fake("ok", MOEC_FAKE_LIBCUDA_OLD);
  expectError(CudaDriver::load().status(),
              absl::StatusCode::kFailedPrecondition,
              {std::string("CUDA driver ") + MOEC_FAKE_LIBCUDA_OLD +
                   " lacks the entry point cuTensorMapEncodeTiled (",
               "); moec needs an NVIDIA driver for CUDA 12.0 or newer"});
}

TEST(CudaDriverTest, ReportsCuInitFailing) {
  FakeCuda fake("init_fail");
  expectError(CudaDriver::load().status(),
              absl::StatusCode::kFailedPrecondition,
              {std::string("CUDA driver ") + MOEC_FAKE_LIBCUDA +
               ": cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable "
               "device is detected)"});
}

TEST(CudaDriverTest, DescribesResults) {
  FakeCuda fake;
  absl::StatusOr<std::shared_ptr<const CudaDriver>> driver = CudaDriver::load();
  ASSERT_TRUE(driver.ok()) << driver.status();
  const CudaDriver &cu = **driver;
  EXPECT_EQ(cu.version(), 13000);
  EXPECT_THAT(fake.log(), HasSubstr("cuInit(0)"));
  EXPECT_EQ(cu.describe(cuda::CUDA_ERROR_OUT_OF_MEMORY),
            "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  EXPECT_EQ(cu.describe(12345), "CUresult 12345");
  EXPECT_TRUE(cu.check(cuda::CUDA_SUCCESS, "cuNothing").ok());
  expectError(cu.check(cuda::CUDA_ERROR_INVALID_VALUE, "cuSomething"),
              absl::StatusCode::kInternal,
              {"cuSomething failed: CUDA_ERROR_INVALID_VALUE (invalid "
               "argument)"});
  expectError(cu.check(cuda::CUDA_ERROR_INVALID_VALUE, "cuOther",
                       absl::StatusCode::kInvalidArgument),
              absl::StatusCode::kInvalidArgument, {"cuOther failed"});
}

TEST(CudaDeviceOpenTest, ReportsNoGpu) {
  FakeCuda fake("no_gpu");
  expectError(CudaDevice::open().status(),
              absl::StatusCode::kFailedPrecondition,
              {std::string("no CUDA GPU: the NVIDIA driver (") +
               MOEC_FAKE_LIBCUDA + ", CUDA 13.0) reports 0 devices"});
}

TEST(CudaDeviceOpenTest, ReportsAMissingOrdinal) {
  FakeCuda fake;
  expectError(CudaDevice::open(3).status(),
              absl::StatusCode::kFailedPrecondition,
              {"no GPU 3: the NVIDIA driver reports 1 GPU (ordinal 0)"});
}

TEST(CudaDeviceOpenTest, RefusesGpusOtherThanSm90) {
  {
    FakeCuda fake("sm80");
    expectError(CudaDevice::open().status(),
                absl::StatusCode::kFailedPrecondition,
                {"GPU 0 (NVIDIA A100 fake) has compute capability 8.0; "
                 "moec's kernels need sm_90a (H100/H200)"});
    EXPECT_EQ(fake.liveObjects(), 0) << "a context was retained";
  }
  FakeCuda fake("sm100");
  expectError(CudaDevice::open().status(),
              absl::StatusCode::kFailedPrecondition,
              {"GPU 0 (NVIDIA B200 fake) has compute capability 10.0; "
               "moec's kernels need sm_90a (H100/H200)"});
}

TEST(CudaDeviceOpenTest, OpensAnSm90Gpu) {
  FakeCuda fake;
  {
    absl::StatusOr<std::unique_ptr<CudaDevice>> gpu = CudaDevice::open();
    ASSERT_TRUE(gpu.ok()) << gpu.status();
    const CudaDevice &d = **gpu;
    EXPECT_EQ(d.ordinal(), 0);
    EXPECT_EQ(d.name(), "NVIDIA H100 fake");
    EXPECT_EQ(d.describe(), "GPU 0 (NVIDIA H100 fake)");
    EXPECT_EQ(d.smCount(), 132);
    EXPECT_EQ(d.computeCapability().major, 9);
    EXPECT_EQ(d.computeCapability().minor, 0);
    EXPECT_EQ(d.totalMemory(), uint64_t(80) << 30);
    EXPECT_EQ(d.driver().library(), MOEC_FAKE_LIBCUDA);
    EXPECT_THAT(fake.log(), HasSubstr("cuDevicePrimaryCtxRetain(0)\n"
                                      "cuCtxSetCurrent(primary)\n"));
    EXPECT_EQ(fake.liveObjects(), 1);
    EXPECT_TRUE(d.makeCurrent().ok());
  }
  EXPECT_THAT(fake.log(), HasSubstr("cuDevicePrimaryCtxRelease_v2(0)"));
  EXPECT_EQ(fake.liveObjects(), 0);
}

} // namespace
} // namespace moec::runtime
