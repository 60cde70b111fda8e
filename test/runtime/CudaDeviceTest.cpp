//===- CudaDeviceTest.cpp - Tests for the CUDA device's operations --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests what an open CudaDevice does, on the fake driver's sm_90
// GPU (FakeLibcuda.c): device memory, modules and their JIT error logs,
// launches (the fake logs what reached the driver), streams and events, and
// TMA tensor maps with their validation.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDevice.h"

#include "FakeCuda.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>
#include <functional>
#include <vector>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

absl::Span<const uint8_t> bytesOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

class CudaDeviceTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<CudaDevice>> opened = CudaDevice::open();
    ASSERT_TRUE(opened.ok()) << opened.status();
    gpu = *std::move(opened);
    fake.clearLog();
  }

  /// Loads a PTX module and returns its kernel `name`.
  CudaFunction kernel(const std::string &name) {
    absl::StatusOr<CudaModule> m = gpu->loadModule(bytesOf("// ptx"), "k");
    EXPECT_TRUE(m.ok()) << m.status();
    module.emplace(*std::move(m));
    absl::StatusOr<CudaFunction> fn = module->function(name);
    EXPECT_TRUE(fn.ok()) << fn.status();
    return fn.ok() ? *fn : CudaFunction();
  }

  testutil::FakeCuda fake;
  std::unique_ptr<CudaDevice> gpu;
  std::optional<CudaModule> module;
};

TEST_F(CudaDeviceTest, AllocatesCopiesAndFills) {
  absl::StatusOr<DeviceBuffer> buffer = gpu->allocate(64);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_EQ(buffer->size(), 64u);
  EXPECT_NE(buffer->address(), 0u);
  ASSERT_TRUE(buffer->fill(7).ok());
  ASSERT_TRUE(buffer->copyFromHost(bytesOf("abcd"), 8).ok());
  std::vector<uint8_t> back(16);
  ASSERT_TRUE(buffer->copyToHost(absl::MakeSpan(back), 4).ok());
  EXPECT_EQ(std::string(back.begin(), back.end()),
            std::string("\7\7\7\7abcd\7\7\7\7\7\7\7\7"));
  absl::Status s = buffer->copyFromHost(bytesOf("12345678"), 60);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "copy to the GPU of 8 bytes at offset 60 runs past "
                         "the end of a 64-byte device buffer");
  EXPECT_EQ(fake.liveObjects(), 2); // the context and the buffer
  DeviceBuffer moved = *std::move(buffer);
  moved = DeviceBuffer();
  EXPECT_EQ(fake.liveObjects(), 1);
}

TEST_F(CudaDeviceTest, ReportsOutOfMemoryWithTheFreeMemory) {
  absl::StatusOr<DeviceBuffer> buffer = gpu->allocate(uint64_t(2) << 30);
  EXPECT_EQ(buffer.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(buffer.status().message(),
            "out of GPU memory: cannot allocate 2.0 GiB (2147483648 bytes) on "
            "GPU 0 (NVIDIA H100 fake): 1.5 GiB free of 80.0 GiB");
  absl::StatusOr<DeviceBuffer> empty = gpu->allocate(0);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->address(), 0u);
  EXPECT_TRUE(empty->fill(0).ok());
}

TEST_F(CudaDeviceTest, LoadsModulesAndFindsKernels) {
  // PTX as artifacts store it, without a NUL: the driver must see 12 chars.
  std::string ptx = ".version 8.5";
  absl::StatusOr<CudaModule> m = gpu->loadModule(bytesOf(ptx), "kernels[0]");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(fake.log(),
              HasSubstr("cuModuleLoadDataEx(ptx of 12 chars, 2 options)"));
  EXPECT_TRUE(m->function("gemm").ok());
  absl::StatusOr<CudaFunction> missing = m->function("missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "kernels[0]: the module has no kernel 'missing'");
  std::string cubin("\x7f"
                    "ELF\2\1\1",
                    7);
  absl::StatusOr<CudaModule> binary = gpu->loadModule(bytesOf(cubin), "c");
  ASSERT_TRUE(binary.ok()) << binary.status();
  EXPECT_THAT(fake.log(), HasSubstr("cuModuleLoadDataEx(cubin, 2 options)"));
  EXPECT_EQ(fake.liveObjects(), 3);
  binary = *std::move(m);
  EXPECT_EQ(fake.liveObjects(), 2);
}

TEST_F(CudaDeviceTest, ModuleLoadFailuresCarryTheJitLog) {
  absl::StatusOr<CudaModule> m =
      gpu->loadModule(bytesOf("an error here"), "kernels[1] 'bad'");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(),
            "kernels[1] 'bad': cuModuleLoadDataEx failed on GPU 0 (NVIDIA "
            "H100 fake): CUDA_ERROR_INVALID_PTX (a PTX JIT compilation "
            "failed); JIT log: ptxas application ptx input, line 3; error   "
            ": fake syntax error");
  absl::StatusOr<CudaModule> empty = gpu->loadModule({}, "kernels[2]");
  EXPECT_EQ(empty.status().message(), "kernels[2]: the image is empty");
  EXPECT_EQ(fake.liveObjects(), 1);
}

TEST_F(CudaDeviceTest, LaunchesReachTheDriver) {
  CudaFunction gemm = kernel("gemm");
  ASSERT_TRUE(gpu->setMaxDynamicSharedMemory(gemm, 200000).ok());
  EXPECT_THAT(fake.log(), HasSubstr("cuFuncSetAttribute(gemm, 8, 200000)"));
  absl::StatusOr<CudaStream> stream = gpu->createStream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  int value = 42;
  void *params[] = {&value};
  LaunchDims dims;
  dims.grid = {8, 4, 1};
  dims.block = {128, 1, 1};
  dims.cluster = {2, 1, 1};
  dims.dynamicSharedBytes = 1024;
  ASSERT_TRUE(gpu->launch(gemm, dims, params, &*stream).ok());
  EXPECT_THAT(fake.log(),
              HasSubstr("cuLaunchKernelEx(gemm, grid 8,4,1, block 128,1,1, "
                        "smem 1024, stream set, attrs 1, cluster 2,1,1, "
                        "param0 42, extra null)"));
  dims.cluster = {1, 1, 1};
  value = 7;
  ASSERT_TRUE(gpu->launch(gemm, dims, params).ok());
  EXPECT_THAT(fake.log(), HasSubstr("smem 1024, stream default, attrs 0, "
                                    "cluster none, param0 7"));
}

TEST_F(CudaDeviceTest, ChecksLaunchDimensions) {
  CudaFunction gemm = kernel("gemm");
  LaunchDims dims;
  dims.grid = {3, 1, 1};
  dims.block = {128, 1, 1};
  dims.cluster = {2, 1, 1};
  absl::Status s = gpu->launch(gemm, dims, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "launching kernel 'gemm' (grid 3x1x1, block "
                         "128x1x1, cluster 2x1x1, 0 bytes of dynamic shared "
                         "memory): grid dimension x (3) is not a multiple of "
                         "the cluster's (2)");
  dims.block = {0, 1, 1};
  EXPECT_THAT(std::string(gpu->launch(gemm, dims, nullptr).message()),
              HasSubstr("block 0x1x1, cluster 2x1x1, 0 bytes of dynamic "
                        "shared memory): a dimension is 0"));
  EXPECT_THAT(fake.log(), ::testing::Not(HasSubstr("cuLaunchKernelEx")));
}

TEST_F(CudaDeviceTest, TimesWithEvents) {
  absl::StatusOr<CudaStream> stream = gpu->createStream();
  absl::StatusOr<CudaEvent> start = gpu->createEvent();
  absl::StatusOr<CudaEvent> end = gpu->createEvent();
  ASSERT_TRUE(stream.ok() && start.ok() && end.ok());
  EXPECT_THAT(fake.log(), HasSubstr("cuStreamCreate(1)\ncuEventCreate(0)\n"));
  ASSERT_TRUE(start->record(&*stream).ok());
  ASSERT_TRUE(end->record().ok());
  ASSERT_TRUE(end->synchronize().ok());
  ASSERT_TRUE(stream->synchronize().ok());
  EXPECT_THAT(fake.log(), HasSubstr("cuEventRecord(stream)\n"
                                    "cuEventRecord(default)\n"
                                    "cuStreamSynchronize\n"));
  absl::StatusOr<float> ms = CudaEvent::elapsedMs(*start, *end);
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_EQ(*ms, 1.5f);
  EXPECT_EQ(fake.liveObjects(), 4);
}

TEST_F(CudaDeviceTest, CapturesLaunchSequencesIntoGraphs) {
  CudaFunction gemm = kernel("gemm");
  absl::StatusOr<CudaStream> stream = gpu->createStream();
  absl::StatusOr<DeviceBuffer> buffer = gpu->allocate(64);
  ASSERT_TRUE(stream.ok() && buffer.ok());
  int live = fake.liveObjects();
  int value = 3;
  void *params[] = {&value};
  LaunchDims dims;
  dims.block = {128, 1, 1};
  absl::StatusOr<CudaGraph> graph = gpu->captureGraph(*stream, [&] {
    if (absl::Status s = buffer->fillWordsAsync(0, 4, &*stream); !s.ok())
      return s;
    return gpu->launch(gemm, dims, params, &*stream);
  });
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(fake.log(), HasSubstr("cuStreamBeginCapture(mode 1)\n"));
  EXPECT_THAT(fake.log(),
              HasSubstr("extra null, captured)\n"
                        "cuStreamEndCapture(2 nodes, 1 streams)\n"));
  ASSERT_TRUE(graph->launch(*stream).ok());
  EXPECT_THAT(fake.log(), HasSubstr("cuGraphLaunch(2 nodes, stream)"));
  // The instantiated graph remains; the captured one is gone.
  EXPECT_EQ(fake.liveObjects(), live + 1);
}

TEST_F(CudaDeviceTest, CaptureFailuresEndTheCapture) {
  CudaFunction gemm = kernel("gemm");
  absl::StatusOr<CudaStream> stream = gpu->createStream();
  absl::StatusOr<DeviceBuffer> buffer = gpu->allocate(64);
  ASSERT_TRUE(stream.ok() && buffer.ok());
  int live = fake.liveObjects();
  LaunchDims dims;
  dims.block = {128, 1, 1};
  // A synchronous copy cannot be captured: the driver's error comes back
  // and the capture is over (a later capture starts cleanly).
  absl::StatusOr<CudaGraph> graph = gpu->captureGraph(*stream, [&] {
    std::vector<uint8_t> host(64);
    return buffer->copyFromHost(host);
  });
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(fake.liveObjects(), live) << "the captured graph leaked";
  EXPECT_THAT(std::string(graph.status().message()),
              HasSubstr("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"));
  // Work on the default stream breaks the capture too.
  graph = gpu->captureGraph(*stream,
                            [&] { return gpu->launch(gemm, dims, nullptr); });
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(std::string(graph.status().message()),
              HasSubstr("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"));
  graph = gpu->captureGraph(*stream, [&] { return stream->synchronize(); });
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(std::string(graph.status().message()),
              HasSubstr("cuStreamSynchronize failed"));
  graph = gpu->captureGraph(*stream, [] { return absl::OkStatus(); });
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(fake.liveObjects(), live + 1);
}

TEST_F(CudaDeviceTest, CapturesForkedStreamsThatJoinBack) {
  CudaFunction gemm = kernel("gemm");
  absl::StatusOr<CudaStream> main = gpu->createStream();
  absl::StatusOr<CudaStream> side = gpu->createStream();
  absl::StatusOr<CudaEvent> fork = gpu->createEvent();
  absl::StatusOr<CudaEvent> join = gpu->createEvent();
  ASSERT_TRUE(main.ok() && side.ok() && fork.ok() && join.ok());
  LaunchDims dims;
  dims.block = {128, 1, 1};
  auto forked = [&](bool joinBack) {
    return [&, joinBack] {
      absl::Status s = fork->record(&*main);
      if (s.ok())
        s = side->waitFor(*fork);
      if (s.ok())
        s = gpu->launch(gemm, dims, nullptr, &*side);
      if (s.ok())
        s = gpu->launch(gemm, dims, nullptr, &*main);
      if (s.ok())
        s = join->record(&*side);
      if (s.ok() && joinBack)
        s = main->waitFor(*join);
      return s;
    };
  };
  absl::StatusOr<CudaGraph> graph = gpu->captureGraph(*main, forked(true));
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(fake.log(), HasSubstr("cuStreamEndCapture(2 nodes, 2 streams)"));
  // The side stream's launch never joined the origin: the capture fails.
  graph = gpu->captureGraph(*main, forked(false));
  ASSERT_FALSE(graph.ok());
  EXPECT_THAT(std::string(graph.status().message()),
              HasSubstr("CUDA_ERROR_STREAM_CAPTURE_UNJOINED"));
}

/// A bf16 [1024][4096] matrix read in 128x64 tiles with 128-byte swizzle.
TensorMapSpec bf16Tiles() {
  TensorMapSpec spec;
  spec.dataType = TensorMapDataType::BFloat16;
  spec.rank = 2;
  spec.globalDims = {4096, 1024};
  spec.globalStrides = {8192};
  spec.boxDims = {64, 128};
  spec.swizzle = TensorMapSwizzle::Bytes128;
  spec.l2Promotion = TensorMapL2Promotion::Bytes128;
  spec.oobFill = TensorMapOobFill::NanRequestZeroFma;
  return spec;
}

TEST_F(CudaDeviceTest, EncodesTensorMaps) {
  absl::StatusOr<cuda::CUtensorMap> map =
      gpu->encodeTiledTensorMap(bf16Tiles(), 0x10000);
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(&*map) % 64, 0u);
  // The fake records the arguments in the map (FakeLibcuda.c).
  const uint64_t *w = map->opaque;
  EXPECT_EQ(w[0], 9u); // CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
  EXPECT_EQ(w[1], 2u);
  EXPECT_EQ(w[2], 0x10000u);
  EXPECT_EQ(w[3], 4096u);
  EXPECT_EQ(w[4], 1024u);
  EXPECT_EQ(w[8], 8192u);
  EXPECT_EQ(w[12], 64u | 128u << 9);
  EXPECT_EQ(w[13], 1u | 1u << 4);
  EXPECT_EQ(w[14], 0u | 3u << 8 | 2u << 16 | 1u << 24);
}

TEST(CudaTensorMapTest, ReportsDriverFailures) {
  testutil::FakeCuda fake("tensor_map_fail");
  absl::StatusOr<std::unique_ptr<CudaDevice>> gpu = CudaDevice::open();
  ASSERT_TRUE(gpu.ok()) << gpu.status();
  absl::StatusOr<cuda::CUtensorMap> map =
      (*gpu)->encodeTiledTensorMap(bf16Tiles(), 0x10000);
  EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(map.status().message(),
            "cuTensorMapEncodeTiled (rank 2 bfloat16) failed: "
            "CUDA_ERROR_INVALID_VALUE (invalid argument)");
}

/// Expects validateTensorMapSpec to reject `change`d bf16Tiles() at
/// `address` with `message`.
void expectInvalid(void (*change)(TensorMapSpec &), std::string_view message,
                   cuda::CUdeviceptr address = 0x10000) {
  TensorMapSpec spec = bf16Tiles();
  change(spec);
  absl::Status s = validateTensorMapSpec(spec, address);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "tensor map: " + std::string(message));
}

TEST(CudaTensorMapTest, ValidatesSpecs) {
  EXPECT_TRUE(validateTensorMapSpec(bf16Tiles(), 0x10000).ok());
  auto same = [](TensorMapSpec &) {};
  expectInvalid(same, "the global address is null", 0);
  expectInvalid(same, "the global address 0x10008 is not 16-byte aligned",
                0x10008);
  expectInvalid([](TensorMapSpec &s) { s.rank = 0; }, "rank 0 is outside "
                                                      "[1, 5]");
  expectInvalid([](TensorMapSpec &s) { s.rank = 6; }, "rank 6 is outside "
                                                      "[1, 5]");
  expectInvalid([](TensorMapSpec &s) { s.globalDims[1] = 0; },
                "globalDims[1] = 0 is outside [1, 2^32]");
  expectInvalid([](TensorMapSpec &s) { s.boxDims[1] = 257; },
                "boxDims[1] = 257 is outside [1, 256]");
  expectInvalid([](TensorMapSpec &s) { s.elementStrides[0] = 9; },
                "elementStrides[0] = 9 is outside [1, 8]");
  expectInvalid([](TensorMapSpec &s) { s.globalStrides[0] = 8200; },
                "globalStrides[0] = 8200 bytes is not a positive multiple of "
                "16 below 2^40");
  expectInvalid(
      [](TensorMapSpec &s) { s.globalStrides[0] = uint64_t(1) << 40; },
      "globalStrides[0] = 1099511627776 bytes is not a positive "
      "multiple of 16 below 2^40");
  expectInvalid([](TensorMapSpec &s) { s.boxDims[0] = 4; },
                "the box's inner dimension is 8 bytes (boxDims[0] = 4 "
                "bfloat16 elements), not a multiple of 16");
  expectInvalid([](TensorMapSpec &s) { s.boxDims[0] = 128; },
                "the box's inner dimension is 256 bytes, more than the "
                "128-byte swizzle span allows");
  expectInvalid(
      [](TensorMapSpec &s) {
        s.dataType = TensorMapDataType::Float32;
        s.swizzle = TensorMapSwizzle::Bytes32;
      },
      "the box's inner dimension is 256 bytes, more than the 32-byte "
      "swizzle span allows");
}

TEST(CudaTensorMapTest, AcceptsEveryRank) {
  for (uint32_t rank = 1; rank <= TensorMapSpec::kMaxRank; ++rank) {
    TensorMapSpec spec;
    spec.dataType = TensorMapDataType::UInt8;
    spec.rank = rank;
    spec.globalDims = {256, 2, 2, 2, 2};
    spec.globalStrides = {256, 512, 1024, 2048};
    spec.boxDims = {256, 1, 1, 1, 1};
    EXPECT_TRUE(validateTensorMapSpec(spec, 0x100).ok()) << rank;
  }
}

/// The FP8 A operand of moec's GEMM kernels as an artifact describes it.
TmaDescriptor fp8Operand() {
  TmaDescriptor d;
  d.tensorName = "a";
  d.dtype = DType::F8E4M3;
  d.rank = 2;
  d.globalDims = {5120, 7168};
  d.globalStrides = {5120};
  d.boxDims = {128, 128};
  d.swizzle = TmaSwizzle::Bytes128;
  d.l2Promotion = TmaL2Promotion::Bytes256;
  return d;
}

TEST(CudaTensorMapTest, ConvertsArtifactDescriptors) {
  absl::StatusOr<TensorMapSpec> spec = tensorMapSpecFromArtifact(fp8Operand());
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dataType, TensorMapDataType::UInt8);
  EXPECT_EQ(spec->rank, 2u);
  EXPECT_EQ(spec->globalDims[0], 5120u);
  EXPECT_EQ(spec->globalDims[1], 7168u);
  EXPECT_EQ(spec->globalStrides[0], 5120u);
  EXPECT_EQ(spec->boxDims[1], 128u);
  EXPECT_EQ(spec->elementStrides[1], 1u);
  EXPECT_EQ(spec->swizzle, TensorMapSwizzle::Bytes128);
  EXPECT_EQ(spec->l2Promotion, TensorMapL2Promotion::Bytes256);
  EXPECT_EQ(spec->oobFill, TensorMapOobFill::Zero);
  EXPECT_TRUE(validateTensorMapSpec(*spec, 0x10000).ok());

  TmaDescriptor bf16 = fp8Operand();
  bf16.dtype = DType::BF16;
  bf16.elementStrides = {1, 2};
  bf16.oobFill = TmaOobFill::NanRequestZeroFma;
  spec = tensorMapSpecFromArtifact(bf16);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dataType, TensorMapDataType::BFloat16);
  EXPECT_EQ(spec->elementStrides[1], 2u);
  EXPECT_EQ(spec->oobFill, TensorMapOobFill::NanRequestZeroFma);
}

void expectBadDescriptor(const std::function<void(TmaDescriptor &)> &change,
                         std::string_view message) {
  TmaDescriptor d = fp8Operand();
  change(d);
  absl::StatusOr<TensorMapSpec> spec = tensorMapSpecFromArtifact(d);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(spec.status().message(),
            "TMA descriptor 'a': " + std::string(message));
}

TEST(CudaTensorMapTest, RejectsBadArtifactDescriptors) {
  expectBadDescriptor([](TmaDescriptor &d) { d.dtype = DType::F64; },
                      "dtype F64 has no TMA element type (expected an 8-bit "
                      "type, BF16 or F32)");
  expectBadDescriptor(
      [](TmaDescriptor &d) { d.interleave = TmaInterleave::Bytes16; },
      "interleaved layouts are not supported (moec's kernels read tiled, "
      "non-interleaved maps)");
  expectBadDescriptor([](TmaDescriptor &d) { d.rank = 6; },
                      "rank 6 is not in [1, 5]");
  expectBadDescriptor([](TmaDescriptor &d) { d.globalStrides = {}; },
                      "rank 2 needs 2 global dims, 1 strides, 2 box dims and "
                      "0 or 2 element strides; got 2, 0, 2 and 0");
}

} // namespace
} // namespace moec::runtime
