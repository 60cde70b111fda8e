//===- DriverTest.cpp - Tests of the emulating driver ---------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Drives the built libcuda.so.1 of runtime/emulator/driver (loaded by path,
// MOEC_EMU_LIBCUDA) through its C API, with the hand-written emulation
// objects of TestKernels.c in MOEC_EMU_TEST_OBJECTS. ctest runs each test in
// its own process, so the driver's state (the context's sticky error, the
// search path) starts fresh in each.
//
//===----------------------------------------------------------------------===//

#include "TestImages.h"
#include "moec/emulator_abi.h"
#include "runtime/CudaDevice.h"
#include "runtime/CudaDriver.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;
using Handle = void *;

constexpr CUresult kSuccess = 0, kInvalidValue = 1, kInvalidImage = 200,
                   kNoBinary = 209, kInvalidHandle = 400, kNotFound = 500,
                   kIllegalAddress = 700, kNotSupported = 801,
                   kCaptureUnsupported = 900, kCaptureInvalidated = 901,
                   kCaptureUnjoined = 904;

union alignas(8) LaunchAttributeValue {
  char pad[64];
  struct {
    unsigned x, y, z;
  } clusterDim;
};
struct LaunchAttribute {
  int id;
  char pad[4];
  LaunchAttributeValue value;
};
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  Handle hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};

/// The driver's entry points, resolved by name as programs linking
/// libcuda.so.1 resolve them.
struct Api {
  void *lib = nullptr;
  template <typename Fn> void get(Fn &fn, const char *name) {
    fn = reinterpret_cast<Fn>(::dlsym(lib, name));
    ASSERT_NE(fn, nullptr) << name;
  }
  CUresult (*init)(unsigned);
  CUresult (*getErrorName)(CUresult, const char **);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*deviceGet)(int *, int);
  CUresult (*deviceGetName)(char *, int, int);
  CUresult (*deviceGetAttribute)(int *, int, int);
  CUresult (*primaryCtxRetain)(Handle *, int);
  CUresult (*primaryCtxReset)(int);
  CUresult (*ctxSetCurrent)(Handle);
  CUresult (*ctxSynchronize)();
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memGetInfo)(size_t *, size_t *);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*memcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*memsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*memsetD16)(CUdeviceptr, unsigned short, size_t);
  CUresult (*memsetD32Async)(CUdeviceptr, unsigned, size_t, Handle);
  CUresult (*moduleLoadData)(Handle *, const void *);
  CUresult (*moduleLoadDataEx)(Handle *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleUnload)(Handle);
  CUresult (*moduleGetFunction)(Handle *, Handle, const char *);
  CUresult (*funcSetAttribute)(Handle, int, int);
  CUresult (*launchKernel)(Handle, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, Handle, void **,
                           void **);
  CUresult (*launchKernelEx)(const LaunchConfig *, Handle, void **, void **);
  CUresult (*streamCreate)(Handle *, unsigned);
  CUresult (*streamDestroy)(Handle);
  CUresult (*streamSynchronize)(Handle);
  CUresult (*streamWaitEvent)(Handle, Handle, unsigned);
  CUresult (*streamBeginCapture)(Handle, int);
  CUresult (*streamEndCapture)(Handle, Handle *);
  CUresult (*graphInstantiate)(Handle *, Handle, unsigned long long);
  CUresult (*graphLaunch)(Handle, Handle);
  CUresult (*graphExecDestroy)(Handle);
  CUresult (*graphDestroy)(Handle);
  CUresult (*eventCreate)(Handle *, unsigned);
  CUresult (*eventRecord)(Handle, Handle);
  CUresult (*eventElapsedTime)(float *, Handle, Handle);
  CUresult (*eventDestroy)(Handle);
  CUresult (*tensorMapEncodeTiled)(void *, int, uint32_t, void *,
                                   const uint64_t *, const uint64_t *,
                                   const uint32_t *, const uint32_t *, int, int,
                                   int, int);
  void (*addSearchPath)(const char *);
  const char *(*lastError)();

  void load() {
    lib = ::dlopen(MOEC_EMU_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib, nullptr) << ::dlerror();
    get(init, "cuInit");
    get(getErrorName, "cuGetErrorName");
    get(getErrorString, "cuGetErrorString");
    get(deviceGet, "cuDeviceGet");
    get(deviceGetName, "cuDeviceGetName");
    get(deviceGetAttribute, "cuDeviceGetAttribute");
    get(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
    get(primaryCtxReset, "cuDevicePrimaryCtxReset_v2");
    get(ctxSetCurrent, "cuCtxSetCurrent");
    get(ctxSynchronize, "cuCtxSynchronize");
    get(memAlloc, "cuMemAlloc_v2");
    get(memFree, "cuMemFree_v2");
    get(memGetInfo, "cuMemGetInfo_v2");
    get(memcpyHtoD, "cuMemcpyHtoD_v2");
    get(memcpyDtoH, "cuMemcpyDtoH_v2");
    get(memcpyDtoD, "cuMemcpyDtoD_v2");
    get(memsetD8, "cuMemsetD8_v2");
    get(memsetD16, "cuMemsetD16_v2");
    get(memsetD32Async, "cuMemsetD32Async");
    get(moduleLoadData, "cuModuleLoadData");
    get(moduleLoadDataEx, "cuModuleLoadDataEx");
    get(moduleUnload, "cuModuleUnload");
    get(moduleGetFunction, "cuModuleGetFunction");
    get(funcSetAttribute, "cuFuncSetAttribute");
    get(launchKernel, "cuLaunchKernel");
    get(launchKernelEx, "cuLaunchKernelEx");
    get(streamCreate, "cuStreamCreate");
    get(streamDestroy, "cuStreamDestroy_v2");
    get(streamSynchronize, "cuStreamSynchronize");
    get(streamWaitEvent, "cuStreamWaitEvent");
    get(streamBeginCapture, "cuStreamBeginCapture_v2");
    get(streamEndCapture, "cuStreamEndCapture");
    get(graphInstantiate, "cuGraphInstantiateWithFlags");
    get(graphLaunch, "cuGraphLaunch");
    get(graphExecDestroy, "cuGraphExecDestroy");
    get(graphDestroy, "cuGraphDestroy");
    get(eventCreate, "cuEventCreate");
    get(eventRecord, "cuEventRecord");
    get(eventElapsedTime, "cuEventElapsedTime_v2");
    get(eventDestroy, "cuEventDestroy_v2");
    get(tensorMapEncodeTiled, "cuTensorMapEncodeTiled");
    get(addSearchPath, "moecEmulatorAddSearchPath");
    get(lastError, "moecEmulatorLastError");
  }
};

/// The 160-byte ELF64 image of TestImages.h followed by `padding` bytes
/// that are not part of it.
std::vector<uint8_t> testElfImage(size_t padding) {
  std::vector<uint8_t> e(160 + padding, 0xEE);
  std::fill(e.begin(), e.begin() + 160, 0);
  auto put = [&](size_t at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      e[at + i] = uint8_t(value >> (8 * i));
  };
  e[0] = 0x7f, e[1] = 'E', e[2] = 'L', e[3] = 'F', e[4] = 2, e[5] = 1, e[6] = 1;
  put(0x28, 64, 8);       // e_shoff
  put(0x34, 64, 2);       // e_ehsize
  put(0x3a, 64, 2);       // e_shentsize
  put(0x3c, 1, 2);        // e_shnum
  put(64 + 4, 1, 4);      // sh_type PROGBITS
  put(64 + 0x18, 128, 8); // sh_offset
  put(64 + 0x20, 32, 8);  // sh_size
  for (int i = 0; i < 32; ++i)
    e[128 + i] = uint8_t(i * 7);
  return e;
}

class EmulatorDriver : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(cu.load());
    ASSERT_EQ(cu.init(0), kSuccess);
    int device = -1;
    ASSERT_EQ(cu.deviceGet(&device, 0), kSuccess);
    ASSERT_EQ(cu.primaryCtxRetain(&context, device), kSuccess);
    ASSERT_EQ(cu.ctxSetCurrent(context), kSuccess);
    // A clean context when the tests share a process (a failed grid's
    // error is sticky).
    ASSERT_EQ(cu.primaryCtxReset(0), kSuccess);
    cu.addSearchPath(MOEC_EMU_TEST_OBJECTS);
  }

  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    EXPECT_EQ(cu.memAlloc(&p, bytes), kSuccess);
    return p;
  }

  Handle loadVectorAdd(Handle *module) {
    Handle fn = nullptr;
    EXPECT_EQ(cu.moduleLoadData(module, TEST_IMAGE_VECTOR_ADD), kSuccess)
        << cu.lastError();
    EXPECT_EQ(cu.moduleGetFunction(&fn, *module, "vector_add"), kSuccess);
    return fn;
  }

  /// Uploads a = i, b = 2 i for n floats; c is left as allocated.
  void makeOperands(int n, CUdeviceptr &a, CUdeviceptr &b, CUdeviceptr &c) {
    std::vector<float> ha(n), hb(n);
    for (int i = 0; i < n; ++i)
      ha[i] = float(i), hb[i] = float(2 * i);
    a = alloc(n * 4), b = alloc(n * 4), c = alloc(n * 4);
    ASSERT_EQ(cu.memcpyHtoD(a, ha.data(), n * 4), kSuccess);
    ASSERT_EQ(cu.memcpyHtoD(b, hb.data(), n * 4), kSuccess);
  }

  std::string errorName(CUresult r) {
    const char *name = nullptr;
    EXPECT_EQ(cu.getErrorName(r, &name), kSuccess);
    return name ? name : "";
  }

  Api cu;
  Handle context = nullptr;
};

TEST_F(EmulatorDriver, DescribesAnH200) {
  char name[128] = {};
  int value = 0;
  ASSERT_EQ(cu.deviceGetName(name, sizeof(name), 0), kSuccess);
  EXPECT_STREQ(name, "NVIDIA H200 (moec emulator)");
  ASSERT_EQ(cu.deviceGetAttribute(&value, 16, 0), kSuccess);
  EXPECT_EQ(value, 132);
  ASSERT_EQ(cu.deviceGetAttribute(&value, 75, 0), kSuccess);
  EXPECT_EQ(value, 9);
  ASSERT_EQ(cu.deviceGetAttribute(&value, 97, 0), kSuccess);
  EXPECT_EQ(value, 232448);
  // Every code the driver returns has a name and a description.
  for (CUresult r : {0, 1, 2, 3, 101, 200, 201, 209, 400, 500, 600, 700, 719,
                     801, 900, 901, 904, 999}) {
    const char *text = nullptr;
    EXPECT_EQ(cu.getErrorString(r, &text), kSuccess) << r;
    EXPECT_NE(errorName(r), "") << r;
  }
}

TEST_F(EmulatorDriver, AllocationsAreCheckedAndFilled) {
  CUdeviceptr p = alloc(1000);
  ASSERT_NE(p, 0u);
  EXPECT_EQ(p % 256, 0u);
  std::vector<uint8_t> host(1000);
  ASSERT_EQ(cu.memcpyDtoH(host.data(), p, 1000), kSuccess);
  EXPECT_EQ(host[0], 0xA5); // never zero-initialized
  EXPECT_EQ(host[999], 0xA5);
  size_t free = 0, total = 0;
  ASSERT_EQ(cu.memGetInfo(&free, &total), kSuccess);
  EXPECT_EQ(total, size_t(141) << 30);
  EXPECT_EQ(free, total - 1000);

  // Past the end, before the start, freed, and unknown pointers.
  EXPECT_EQ(cu.memcpyDtoH(host.data(), p + 1, 1000), kInvalidValue);
  EXPECT_NE(std::string(cu.lastError()).find("past the end of the 1000-byte"),
            std::string::npos)
      << cu.lastError();
  EXPECT_EQ(cu.memsetD8(p - 16, 0, 8), kInvalidValue);
  EXPECT_NE(std::string(cu.lastError()).find("before the start"),
            std::string::npos)
      << cu.lastError();
  EXPECT_EQ(cu.memFree(p + 8), kInvalidValue);
  CUdeviceptr zero = 0;
  EXPECT_EQ(cu.memAlloc(&zero, 0), kInvalidValue);
  ASSERT_EQ(cu.memFree(p), kSuccess);
  EXPECT_EQ(cu.memFree(p), kInvalidValue);
  EXPECT_EQ(cu.memcpyDtoH(host.data(), p, 4), kInvalidValue);
}

TEST_F(EmulatorDriver, CopiesAndMemsets) {
  CUdeviceptr a = alloc(64), b = alloc(64);
  std::vector<uint8_t> in(64), out(64);
  for (int i = 0; i < 64; ++i)
    in[i] = uint8_t(i);
  ASSERT_EQ(cu.memcpyHtoD(a, in.data(), 64), kSuccess);
  ASSERT_EQ(cu.memcpyDtoD(b, a, 64), kSuccess);
  ASSERT_EQ(cu.memcpyDtoH(out.data(), b, 64), kSuccess);
  EXPECT_EQ(in, out);
  ASSERT_EQ(cu.memsetD8(b, 0x11, 4), kSuccess);
  ASSERT_EQ(cu.memsetD16(b + 4, 0x2233, 2), kSuccess);
  ASSERT_EQ(cu.memsetD32Async(b + 8, 0x44556677u, 2, nullptr), kSuccess);
  ASSERT_EQ(cu.memcpyDtoH(out.data(), b, 64), kSuccess);
  uint8_t expect[] = {0x11, 0x11, 0x11, 0x11, 0x33, 0x22, 0x33, 0x22, 0x77,
                      0x66, 0x55, 0x44, 0x77, 0x66, 0x55, 0x44, 16};
  EXPECT_EQ(std::memcmp(out.data(), expect, sizeof(expect)), 0);
  EXPECT_EQ(cu.memsetD16(b + 1, 0, 1), kInvalidValue); // misaligned
  EXPECT_EQ(cu.memsetD32Async(b + 60, 0, 2, nullptr), kInvalidValue);
}

TEST_F(EmulatorDriver, LaunchesVectorAdd) {
  Handle module = nullptr;
  Handle fn = loadVectorAdd(&module);
  ASSERT_NE(fn, nullptr);
  const int n = 1000;
  CUdeviceptr a, b, c;
  makeOperands(n, a, b, c);
  int count = n;
  void *params[] = {&a, &b, &c, &count};
  ASSERT_EQ(cu.launchKernel(fn, (n + 127) / 128, 1, 1, 128, 1, 1, 0, nullptr,
                            params, nullptr),
            kSuccess)
      << cu.lastError();
  std::vector<float> hc(n);
  ASSERT_EQ(cu.memcpyDtoH(hc.data(), c, n * 4), kSuccess);
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(hc[i], float(3 * i)) << i;

  // The launch checks: block size, the kernel's maxntid (256), grid,
  // dynamic shared memory without and with the opt-in.
  EXPECT_EQ(
      cu.launchKernel(fn, 1, 1, 1, 1025, 1, 1, 0, nullptr, params, nullptr),
      kInvalidValue);
  EXPECT_EQ(
      cu.launchKernel(fn, 1, 1, 1, 512, 1, 1, 0, nullptr, params, nullptr),
      kInvalidValue);
  EXPECT_NE(std::string(cu.lastError()).find("maxntid"), std::string::npos);
  EXPECT_EQ(
      cu.launchKernel(fn, 0, 1, 1, 128, 1, 1, 0, nullptr, params, nullptr),
      kInvalidValue);
  EXPECT_EQ(cu.launchKernel(fn, 1, 1, 1, 128, 1, 1, 64 * 1024, nullptr, params,
                            nullptr),
            kInvalidValue);
  EXPECT_EQ(cu.funcSetAttribute(fn, 8, 232448 + 1), kInvalidValue);
  ASSERT_EQ(cu.funcSetAttribute(fn, 8, 200 * 1024), kSuccess);
  EXPECT_EQ(cu.launchKernel(fn, 1, 1, 1, 128, 1, 1, 64 * 1024, nullptr, params,
                            nullptr),
            kSuccess)
      << cu.lastError();
  Handle missing = nullptr;
  EXPECT_EQ(cu.moduleGetFunction(&missing, module, "nope"), kNotFound);
  EXPECT_NE(std::string(cu.lastError()).find("'vector_add', 'fill_map'"),
            std::string::npos)
      << cu.lastError();
  EXPECT_EQ(cu.moduleUnload(module), kSuccess);
  EXPECT_EQ(
      cu.launchKernel(fn, 1, 1, 1, 128, 1, 1, 0, nullptr, params, nullptr),
      kInvalidHandle);
}

TEST_F(EmulatorDriver, CopiesParametersAtTheirAlignment) {
  Handle module = nullptr, fn = nullptr;
  ASSERT_EQ(cu.moduleLoadData(&module, TEST_IMAGE_VECTOR_ADD), kSuccess);
  ASSERT_EQ(cu.moduleGetFunction(&fn, module, "fill_map"), kSuccess);
  // A map at an odd host address: the driver's copy is 64-byte aligned.
  alignas(64) uint8_t storage[128 + 8];
  uint8_t *map = storage + 8;
  for (int i = 0; i < 128; ++i)
    map[i] = uint8_t(i + 1);
  CUdeviceptr out = alloc(136);
  void *params[] = {map, &out};
  ASSERT_EQ(cu.launchKernel(fn, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr),
            kSuccess)
      << cu.lastError();
  uint64_t host[17];
  ASSERT_EQ(cu.memcpyDtoH(host, out, sizeof(host)), kSuccess);
  EXPECT_EQ(host[0], 0u);
  EXPECT_EQ(std::memcmp(host + 1, map, 128), 0);
}

TEST_F(EmulatorDriver, OutOfBoundsLaunchPoisonsTheContext) {
  Handle module = nullptr;
  Handle fn = loadVectorAdd(&module);
  const int n = 256;
  CUdeviceptr a, b, c;
  makeOperands(n, a, b, c);
  int tooMany = n + 1;
  void *params[] = {&a, &b, &c, &tooMany};
  ASSERT_EQ(
      cu.launchKernel(fn, 3, 1, 1, 128, 1, 1, 0, nullptr, params, nullptr),
      kIllegalAddress);
  std::string error = cu.lastError();
  EXPECT_EQ(error.rfind("out-of-bounds", 0), 0u) << error;
  EXPECT_NE(error.find("past the end of the 1024-byte allocation"),
            std::string::npos)
      << error;
  // Sticky: the context is unusable until it is reset.
  CUdeviceptr p = 0;
  EXPECT_EQ(cu.memAlloc(&p, 16), kIllegalAddress);
  EXPECT_EQ(cu.ctxSynchronize(), kIllegalAddress);
  int count = n;
  params[3] = &count;
  EXPECT_EQ(
      cu.launchKernel(fn, 2, 1, 1, 128, 1, 1, 0, nullptr, params, nullptr),
      kIllegalAddress);
  ASSERT_EQ(cu.primaryCtxReset(0), kSuccess);
  EXPECT_EQ(cu.memAlloc(&p, 16), kSuccess);
}

TEST_F(EmulatorDriver, MissingObjectNamesHashAndDirectories) {
  Handle module = nullptr;
  char log[4096] = {};
  int options[] = {5, 6};
  void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log)))};
  ASSERT_EQ(
      cu.moduleLoadDataEx(&module, TEST_IMAGE_MISSING, 2, options, values),
      kNoBinary);
  std::string text = log;
  EXPECT_NE(text.find("fc343271be1793dc"), std::string::npos) << text;
  EXPECT_NE(text.find(MOEC_EMU_TEST_OBJECTS), std::string::npos) << text;
  EXPECT_NE(text.find("MOEC_EMULATOR_PATH"), std::string::npos) << text;
  EXPECT_NE(text.find("moec emit-kernel"), std::string::npos) << text;
  EXPECT_EQ(std::string(cu.lastError()),
            text.substr(strlen("moec emulator: ")));
}

TEST_F(EmulatorDriver, RefusesMismatchedObjects) {
  Handle module = nullptr;
  EXPECT_EQ(cu.moduleLoadData(&module, TEST_IMAGE_ABI_MISMATCH), kInvalidImage);
  EXPECT_NE(std::string(cu.lastError()).find("ABI version mismatch"),
            std::string::npos)
      << cu.lastError();
  EXPECT_NE(std::string(cu.lastError()).find("version 99"), std::string::npos);
  EXPECT_EQ(cu.moduleLoadData(&module, TEST_IMAGE_HASH_MISMATCH),
            kInvalidImage);
  EXPECT_NE(std::string(cu.lastError()).find("image hash mismatch"),
            std::string::npos)
      << cu.lastError();
}

TEST_F(EmulatorDriver, ImagesAreHashedAsTheDriverReadsThem) {
  EXPECT_EQ(moecEmuImageHash(TEST_IMAGE_VECTOR_ADD,
                             std::strlen(TEST_IMAGE_VECTOR_ADD)),
            TEST_HASH_VECTOR_ADD);
  EXPECT_EQ(moecEmuImageHash(TEST_IMAGE_ABI_MISMATCH,
                             std::strlen(TEST_IMAGE_ABI_MISMATCH)),
            TEST_HASH_ABI_MISMATCH);
  EXPECT_EQ(moecEmuImageHash(TEST_IMAGE_HASH_MISMATCH,
                             std::strlen(TEST_IMAGE_HASH_MISMATCH)),
            TEST_HASH_HASH_MISMATCH);
  EXPECT_EQ(
      moecEmuImageHash(TEST_IMAGE_MISSING, std::strlen(TEST_IMAGE_MISSING)),
      TEST_HASH_MISSING);
  // A cubin is measured from its ELF headers: the padding after it is not
  // part of the image.
  std::vector<uint8_t> elf = testElfImage(64);
  EXPECT_EQ(moecEmuImageHash(elf.data(), 160), TEST_HASH_ELF);
  Handle module = nullptr, fn = nullptr;
  ASSERT_EQ(cu.moduleLoadData(&module, elf.data()), kSuccess) << cu.lastError();
  EXPECT_EQ(cu.moduleGetFunction(&fn, module, "vector_add"), kSuccess);
}

TEST_F(EmulatorDriver, SearchPathFromTheEnvironment) {
  // A fresh process would read it at load; here the variable is read at
  // each load, before the added directories.
  ::setenv("MOEC_EMULATOR_PATH", "/nonexistent:" MOEC_EMU_TEST_OBJECTS, 1);
  Handle module = nullptr;
  EXPECT_EQ(cu.moduleLoadData(&module, TEST_IMAGE_MISSING), kNoBinary);
  EXPECT_NE(std::string(cu.lastError()).find("/nonexistent"),
            std::string::npos);
  EXPECT_EQ(cu.moduleLoadData(&module, TEST_IMAGE_VECTOR_ADD), kSuccess);
  ::unsetenv("MOEC_EMULATOR_PATH");
}

TEST_F(EmulatorDriver, CapturesAndReplaysGraphs) {
  Handle module = nullptr;
  Handle fn = loadVectorAdd(&module);
  const int n = 300;
  CUdeviceptr a, b, c;
  makeOperands(n, a, b, c);
  Handle stream = nullptr, side = nullptr, fork = nullptr, join = nullptr;
  ASSERT_EQ(cu.streamCreate(&stream, 1), kSuccess);
  ASSERT_EQ(cu.streamCreate(&side, 1), kSuccess);
  ASSERT_EQ(cu.eventCreate(&fork, 2), kSuccess);
  ASSERT_EQ(cu.eventCreate(&join, 2), kSuccess);
  int count = n;
  void *params[] = {&a, &b, &c, &count};

  ASSERT_EQ(cu.streamBeginCapture(stream, 1), kSuccess);
  // Captured, not run: c keeps its fill pattern until the graph launches.
  ASSERT_EQ(cu.memsetD32Async(c, 0, n, stream), kSuccess);
  ASSERT_EQ(cu.eventRecord(fork, stream), kSuccess);
  ASSERT_EQ(cu.streamWaitEvent(side, fork, 0), kSuccess);
  ASSERT_EQ(cu.launchKernel(fn, 3, 1, 1, 128, 1, 1, 0, side, params, nullptr),
            kSuccess);
  ASSERT_EQ(cu.eventRecord(join, side), kSuccess);
  ASSERT_EQ(cu.streamWaitEvent(stream, join, 0), kSuccess);
  // Parameters are copied at capture: changing them does not change the
  // graph.
  count = 1;
  Handle graph = nullptr, exec = nullptr;
  ASSERT_EQ(cu.streamEndCapture(stream, &graph), kSuccess) << cu.lastError();
  std::vector<float> hc(n);
  ASSERT_EQ(cu.memcpyDtoH(hc.data(), c, n * 4), kSuccess);
  uint32_t bits;
  std::memcpy(&bits, &hc[0], 4);
  EXPECT_EQ(bits, 0xA5A5A5A5u);
  ASSERT_EQ(cu.graphInstantiate(&exec, graph, 0), kSuccess);
  ASSERT_EQ(cu.graphLaunch(exec, stream), kSuccess) << cu.lastError();
  ASSERT_EQ(cu.streamSynchronize(stream), kSuccess);
  ASSERT_EQ(cu.memcpyDtoH(hc.data(), c, n * 4), kSuccess);
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(hc[i], float(3 * i)) << i;

  // An unjoined fork fails the capture.
  ASSERT_EQ(cu.streamBeginCapture(stream, 1), kSuccess);
  ASSERT_EQ(cu.eventRecord(fork, stream), kSuccess);
  ASSERT_EQ(cu.streamWaitEvent(side, fork, 0), kSuccess);
  ASSERT_EQ(cu.memsetD32Async(c, 0, n, side), kSuccess);
  Handle unjoined = nullptr;
  EXPECT_EQ(cu.streamEndCapture(stream, &unjoined), kCaptureUnjoined);

  // Synchronous copies and default-stream work are refused and invalidate
  // the capture.
  ASSERT_EQ(cu.streamBeginCapture(stream, 1), kSuccess);
  EXPECT_EQ(cu.memcpyHtoD(a, hc.data(), 4), kCaptureUnsupported);
  EXPECT_EQ(
      cu.launchKernel(fn, 1, 1, 1, 128, 1, 1, 0, nullptr, params, nullptr),
      kCaptureUnsupported);
  EXPECT_EQ(cu.streamSynchronize(stream), kCaptureUnsupported);
  Handle invalid = nullptr;
  EXPECT_EQ(cu.streamEndCapture(stream, &invalid), kCaptureInvalidated);

  EXPECT_EQ(cu.graphExecDestroy(exec), kSuccess);
  EXPECT_EQ(cu.graphDestroy(graph), kSuccess);
  EXPECT_EQ(cu.eventDestroy(fork), kSuccess);
  EXPECT_EQ(cu.eventDestroy(join), kSuccess);
  EXPECT_EQ(cu.streamDestroy(side), kSuccess);
  EXPECT_EQ(cu.streamDestroy(stream), kSuccess);
}

TEST_F(EmulatorDriver, EventsTimeTheHost) {
  Handle start = nullptr, stop = nullptr, untimed = nullptr;
  ASSERT_EQ(cu.eventCreate(&start, 0), kSuccess);
  ASSERT_EQ(cu.eventCreate(&stop, 0), kSuccess);
  ASSERT_EQ(cu.eventCreate(&untimed, 2), kSuccess);
  float ms = -1;
  EXPECT_EQ(cu.eventElapsedTime(&ms, start, stop), kInvalidHandle);
  ASSERT_EQ(cu.eventRecord(start, nullptr), kSuccess);
  ASSERT_EQ(cu.eventRecord(stop, nullptr), kSuccess);
  ASSERT_EQ(cu.eventRecord(untimed, nullptr), kSuccess);
  ASSERT_EQ(cu.eventElapsedTime(&ms, start, stop), kSuccess);
  EXPECT_GE(ms, 0.0f);
  EXPECT_EQ(cu.eventElapsedTime(&ms, start, untimed), kInvalidHandle);
}

TEST_F(EmulatorDriver, RefusesClusters) {
  Handle module = nullptr;
  Handle fn = loadVectorAdd(&module);
  CUdeviceptr a, b, c;
  makeOperands(128, a, b, c);
  int count = 128;
  void *params[] = {&a, &b, &c, &count};
  LaunchAttribute attr = {};
  attr.id = 4;
  attr.value.clusterDim = {2, 1, 1};
  LaunchConfig config = {2, 1, 1, 64, 1, 1, 0, nullptr, &attr, 1};
  EXPECT_EQ(cu.launchKernelEx(&config, fn, params, nullptr), kNotSupported);
  EXPECT_NE(std::string(cu.lastError())
                .find("thread block clusters are not emulated"),
            std::string::npos);
  attr.value.clusterDim = {1, 1, 1};
  EXPECT_EQ(cu.launchKernelEx(&config, fn, params, nullptr), kSuccess)
      << cu.lastError();
}

TEST_F(EmulatorDriver, TensorMapErrorsPassThrough) {
  alignas(128) uint8_t map[128];
  CUdeviceptr p = alloc(1 << 16);
  uint64_t dims[2] = {256, 64}, strides[1] = {512};
  uint32_t box[2] = {64, 64}, elementStrides[2] = {1, 1};
  // Rank 0 breaks a rule every encoder enforces.
  EXPECT_EQ(cu.tensorMapEncodeTiled(map, 9, 0, reinterpret_cast<void *>(p),
                                    dims, strides, box, elementStrides, 0, 3, 0,
                                    0),
            kInvalidValue);
  std::string error = cu.lastError();
  EXPECT_EQ(error.rfind("cuTensorMapEncodeTiled: ", 0), 0u) << error;
  EXPECT_GT(error.size(), strlen("cuTensorMapEncodeTiled: "));
  EXPECT_EQ(cu.tensorMapEncodeTiled(map, 9, 2, reinterpret_cast<void *>(p),
                                    dims, strides, box, elementStrides, 0, 3, 0,
                                    0),
            kSuccess)
      << cu.lastError();
}

TEST_F(EmulatorDriver, RequiresACurrentContext) {
  ASSERT_EQ(cu.ctxSetCurrent(nullptr), kSuccess);
  CUdeviceptr p = 0;
  EXPECT_EQ(cu.memAlloc(&p, 16), 201); // CUDA_ERROR_INVALID_CONTEXT
}

// The runtime's view: CudaDriver::loadEmulator and CudaDevice on top.
TEST(EmulatorRuntime, OpensTheEmulatedDevice) {
  ::setenv(moec::runtime::CudaDriver::kEmulatorEnvVar, MOEC_EMU_LIBCUDA, 1);
  auto driver = moec::runtime::CudaDriver::loadEmulator();
  ASSERT_TRUE(driver.ok()) << driver.status();
  EXPECT_TRUE((*driver)->isEmulator());
  (*driver)->addEmulatorSearchPath(MOEC_EMU_TEST_OBJECTS);
  auto device = moec::runtime::CudaDevice::open(*driver, 0);
  ASSERT_TRUE(device.ok()) << device.status();
  EXPECT_NE((*device)->describe().find("NVIDIA H200 (moec emulator)"),
            std::string::npos);
  std::string image = TEST_IMAGE_VECTOR_ADD;
  auto module = (*device)->loadModule(
      absl::MakeSpan(reinterpret_cast<const uint8_t *>(image.data()),
                     image.size()),
      "test image");
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(module->function("vector_add").ok());
}

TEST(EmulatorRuntime, MissingEmulatorSaysHowToGetIt) {
  ::setenv(moec::runtime::CudaDriver::kEmulatorEnvVar, "/nonexistent/lib.so",
           1);
  auto driver = moec::runtime::CudaDriver::loadEmulator();
  ASSERT_FALSE(driver.ok());
  EXPECT_NE(driver.status().message().find("MOEC_EMULATOR_LIBCUDA"),
            std::string::npos)
      << driver.status();
  EXPECT_NE(driver.status().message().find("MoecCudaEmulator"),
            std::string::npos);
}

} // namespace
