//===- ApiDevice.cpp - Errors, initialization, device, contexts -----------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/driver/DriverState.h"

#include <cinttypes>

#include <algorithm>
#include <cstdio>
#include <cstring>

using namespace moec::emu;
using namespace moec::emu::driver;

namespace {

/// cuDeviceGetAttribute's values for an H200 SXM (CU_DEVICE_ATTRIBUTE_*).
struct Attribute {
  int id;
  int value;
};
constexpr Attribute kAttributes[] = {
    {1, 1024},                       // MAX_THREADS_PER_BLOCK
    {2, 1024},                       // MAX_BLOCK_DIM_X
    {3, 1024},                       // MAX_BLOCK_DIM_Y
    {4, 64},                         // MAX_BLOCK_DIM_Z
    {5, 2147483647},                 // MAX_GRID_DIM_X
    {6, 65535},                      // MAX_GRID_DIM_Y
    {7, 65535},                      // MAX_GRID_DIM_Z
    {8, 49152},                      // MAX_SHARED_MEMORY_PER_BLOCK
    {9, 65536},                      // TOTAL_CONSTANT_MEMORY
    {10, 32},                        // WARP_SIZE
    {11, 2147483647},                // MAX_PITCH
    {12, 65536},                     // MAX_REGISTERS_PER_BLOCK
    {13, 1980000},                   // CLOCK_RATE (kHz)
    {14, 512},                       // TEXTURE_ALIGNMENT
    {15, 1},                         // GPU_OVERLAP
    {16, 132},                       // MULTIPROCESSOR_COUNT
    {17, 0},                         // KERNEL_EXEC_TIMEOUT
    {18, 0},                         // INTEGRATED
    {19, 1},                         // CAN_MAP_HOST_MEMORY
    {20, 0},                         // COMPUTE_MODE (default)
    {30, 512},                       // SURFACE_ALIGNMENT
    {31, 1},                         // CONCURRENT_KERNELS
    {32, 1},                         // ECC_ENABLED
    {33, 0},                         // PCI_BUS_ID
    {34, 0},                         // PCI_DEVICE_ID
    {35, 0},                         // TCC_DRIVER
    {36, 2619000},                   // MEMORY_CLOCK_RATE (kHz)
    {37, 6144},                      // GLOBAL_MEMORY_BUS_WIDTH
    {38, 52428800},                  // L2_CACHE_SIZE
    {39, 2048},                      // MAX_THREADS_PER_MULTIPROCESSOR
    {40, 3},                         // ASYNC_ENGINE_COUNT
    {41, 1},                         // UNIFIED_ADDRESSING
    {50, 0},                         // PCI_DOMAIN_ID
    {75, 9},                         // COMPUTE_CAPABILITY_MAJOR
    {76, 0},                         // COMPUTE_CAPABILITY_MINOR
    {78, 1},                         // STREAM_PRIORITIES_SUPPORTED
    {79, 1},                         // GLOBAL_L1_CACHE_SUPPORTED
    {80, 1},                         // LOCAL_L1_CACHE_SUPPORTED
    {81, 233472},                    // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
    {82, 65536},                     // MAX_REGISTERS_PER_MULTIPROCESSOR
    {83, 1},                         // MANAGED_MEMORY
    {84, 0},                         // MULTI_GPU_BOARD
    {85, 0},                         // MULTI_GPU_BOARD_GROUP_ID
    {95, 1},                         // COOPERATIVE_LAUNCH
    {97, int(kMaxDynamicSmemBytes)}, // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    {106, 32},                       // MAX_BLOCKS_PER_MULTIPROCESSOR
    {108, 32505856},                 // MAX_PERSISTING_L2_CACHE_SIZE
    {109, 134213632},                // MAX_ACCESS_POLICY_WINDOW_SIZE
    {111, int(MOEC_EMU_SMEM_RESERVED_BYTES)}, // RESERVED_SHARED_MEMORY_...
    {115, 1},                                 // MEMORY_POOLS_SUPPORTED
    {120, 1},                                 // CLUSTER_LAUNCH
    {127, 1},                                 // TENSOR_MAP_ACCESS_SUPPORTED
};
} // namespace

//===----------------------------------------------------------------------===//
// Extensions
//===----------------------------------------------------------------------===//

/// Adds a directory searched for emulation objects after
/// $MOEC_EMULATOR_PATH's.
MOEC_EXPORT void moecEmulatorAddSearchPath(const char *dir) {
  Lock lock(state().mutex);
  if (!dir || !*dir)
    return;
  std::vector<std::string> &paths = state().searchPaths;
  if (std::find(paths.begin(), paths.end(), dir) == paths.end())
    paths.push_back(dir);
}

/// The last error the emulator reported ("" when none), e.g. the executor's
/// description of a failed grid. Valid until the next driver call.
MOEC_EXPORT const char *moecEmulatorLastError(void) {
  return state().lastError.c_str();
}

//===----------------------------------------------------------------------===//
// Errors, initialization, device
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuGetErrorName(CUresult r, const char **out) {
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  *out = errorName(r, false);
  return *out ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

MOEC_EXPORT CUresult cuGetErrorString(CUresult r, const char **out) {
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  *out = errorName(r, true);
  return *out ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

MOEC_EXPORT CUresult cuInit(unsigned flags) {
  Lock lock(state().mutex);
  // CUDA Driver API, cuInit: "Flags parameter should be 0".
  if (flags != 0)
    return fail(CUDA_ERROR_INVALID_VALUE, "cuInit: flags must be 0");
  state().initialized = true;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDriverGetVersion(int *version) {
  if (!version)
    return CUDA_ERROR_INVALID_VALUE;
  *version = kDriverVersion;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDeviceGetCount(int *count) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!count)
    return CUDA_ERROR_INVALID_VALUE;
  *count = 1;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!device)
    return CUDA_ERROR_INVALID_VALUE;
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!name || length <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  std::snprintf(name, size_t(length), "%s", kDeviceName);
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute,
                                          CUdevice device) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!value)
    return CUDA_ERROR_INVALID_VALUE;
  for (const Attribute &a : kAttributes)
    if (a.id == attribute) {
      *value = a.value;
      return CUDA_SUCCESS;
    }
  Lock lock(state().mutex);
  return fail(
      CUDA_ERROR_INVALID_VALUE,
      format("cuDeviceGetAttribute: attribute %d is not emulated", attribute));
}

MOEC_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice device) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!bytes)
    return CUDA_ERROR_INVALID_VALUE;
  *bytes = kTotalBytes;
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Contexts
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice device) {
  Lock lock(state().mutex);
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!ctx)
    return CUDA_ERROR_INVALID_VALUE;
  ++state().primaryRefs;
  *ctx = &primaryContext;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  Lock lock(state().mutex);
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (state().primaryRefs == 0)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "cuDevicePrimaryCtxRelease: the primary context is not "
                "retained");
  if (--state().primaryRefs == 0)
    resetContext();
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDevicePrimaryCtxReset_v2(CUdevice device) {
  Lock lock(state().mutex);
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  resetContext();
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuDevicePrimaryCtxGetState(CUdevice device,
                                                unsigned *flags, int *active) {
  Lock lock(state().mutex);
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!flags || !active)
    return CUDA_ERROR_INVALID_VALUE;
  *flags = 0;
  *active = state().primaryRefs > 0;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (ctx && ctx != &primaryContext)
    return CUDA_ERROR_INVALID_CONTEXT;
  currentContext = ctx;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuCtxGetCurrent(CUcontext *ctx) {
  if (!state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!ctx)
    return CUDA_ERROR_INVALID_VALUE;
  *ctx = currentContext;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuCtxGetDevice(CUdevice *device) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!device)
    return CUDA_ERROR_INVALID_VALUE;
  *device = 0;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuCtxSynchronize(void) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  // Work ran when it was queued; only the capture rules remain.
  return refuseIfCapturing("cuCtxSynchronize");
}
