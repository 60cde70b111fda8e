//===- ApiMemory.cpp - Device memory: allocation, copies, memsets ---------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/driver/DriverState.h"

#include <cinttypes>

#include <cstring>

using namespace moec::emu;
using namespace moec::emu::driver;

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *totalBytes) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!freeBytes || !totalBytes)
    return CUDA_ERROR_INVALID_VALUE;
  *totalBytes = kTotalBytes;
  *freeBytes =
      kTotalBytes - std::min(kTotalBytes, state().memory.allocatedBytes());
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!ptr)
    return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc: dptr is null");
  // CUDA Driver API, cuMemAlloc: "If bytesize is 0, cuMemAlloc() returns
  // CUDA_ERROR_INVALID_VALUE".
  if (bytes == 0)
    return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc: bytesize is 0");
  uint64_t free =
      kTotalBytes - std::min(kTotalBytes, state().memory.allocatedBytes());
  uint64_t address = bytes <= free ? state().memory.allocate(bytes) : 0;
  if (!address)
    return fail(CUDA_ERROR_OUT_OF_MEMORY,
                format("cuMemAlloc: cannot allocate %zu bytes (%" PRIu64
                       " of %" PRIu64 " bytes free)",
                       bytes, free, kTotalBytes));
  *ptr = address;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuMemFree_v2(CUdeviceptr ptr) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (ptr == 0)
    return CUDA_SUCCESS;
  if (!state().memory.release(ptr)) {
    std::string detail;
    state().memory.contains(ptr, 1, detail);
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("cuMemFree: %s is not the start of a live allocation",
                       hexAddress(ptr).c_str()) +
                    (detail.empty() ? "" : " (" + detail + ")"));
  }
  return CUDA_SUCCESS;
}

namespace {

CUresult memcpyCall(const char *what, uint64_t dst, bool dstDevice,
                    uint64_t src, bool srcDevice, size_t bytes,
                    CUstream hStream, bool async) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (async && !lookupStream(hStream, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE, format("%s: unknown stream", what));
  if (bytes > 0 && ((!dstDevice && !dst) || (!srcDevice && !src)))
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s: a host pointer is null", what));
  if (!async)
    if (CUresult r = refuseIfCapturing(what); r != CUDA_SUCCESS)
      return r;
  Node node;
  node.kind = Node::Memcpy;
  node.dst = dst;
  node.src = src;
  node.count = bytes;
  node.dstDevice = dstDevice;
  node.srcDevice = srcDevice;
  node.what = what;
  // Checked now too, so that a captured copy fails at capture.
  if (dstDevice)
    if (CUresult r = checkDeviceRange(dst, bytes,
                                      std::string(what) + ": the destination");
        r != CUDA_SUCCESS)
      return r;
  if (srcDevice)
    if (CUresult r =
            checkDeviceRange(src, bytes, std::string(what) + ": the source");
        r != CUDA_SUCCESS)
      return r;
  return async ? enqueue(stream, std::move(node)) : runNode(node);
}

CUresult memsetCall(const char *what, uint64_t dst, uint32_t value,
                    uint32_t elementBytes, size_t count, CUstream hStream,
                    bool async) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (async && !lookupStream(hStream, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE, format("%s: unknown stream", what));
  if (!async)
    if (CUresult r = refuseIfCapturing(what); r != CUDA_SUCCESS)
      return r;
  // CUDA Driver API, cuMemsetD16/cuMemsetD32: the destination is aligned
  // to the element size.
  if (dst % elementBytes != 0)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s: %s is not %u-byte aligned", what,
                       hexAddress(dst).c_str(), elementBytes));
  if (CUresult r = checkDeviceRange(dst, uint64_t(count) * elementBytes,
                                    std::string(what) + ": the range");
      r != CUDA_SUCCESS)
    return r;
  Node node;
  node.kind = Node::Memset;
  node.dst = dst;
  node.value = value;
  node.elementBytes = elementBytes;
  node.count = count;
  node.what = what;
  return async ? enqueue(stream, std::move(node)) : runNode(node);
}

uint64_t hostAddress(const void *p) { return uint64_t(uintptr_t(p)); }

} // namespace

MOEC_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src,
                                     size_t bytes) {
  return memcpyCall("cuMemcpyHtoD", dst, true, hostAddress(src), false, bytes,
                    nullptr, false);
}

MOEC_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  return memcpyCall("cuMemcpyDtoH", hostAddress(dst), false, src, true, bytes,
                    nullptr, false);
}

MOEC_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src,
                                     size_t bytes) {
  return memcpyCall("cuMemcpyDtoD", dst, true, src, true, bytes, nullptr,
                    false);
}

MOEC_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src,
                                          size_t bytes, CUstream stream) {
  return memcpyCall("cuMemcpyHtoDAsync", dst, true, hostAddress(src), false,
                    bytes, stream, true);
}

MOEC_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src,
                                          size_t bytes, CUstream stream) {
  return memcpyCall("cuMemcpyDtoHAsync", hostAddress(dst), false, src, true,
                    bytes, stream, true);
}

MOEC_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src,
                                          size_t bytes, CUstream stream) {
  return memcpyCall("cuMemcpyDtoDAsync", dst, true, src, true, bytes, stream,
                    true);
}

MOEC_EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value,
                                   size_t count) {
  return memsetCall("cuMemsetD8", dst, value, 1, count, nullptr, false);
}

MOEC_EXPORT CUresult cuMemsetD16_v2(CUdeviceptr dst, unsigned short value,
                                    size_t count) {
  return memsetCall("cuMemsetD16", dst, value, 2, count, nullptr, false);
}

MOEC_EXPORT CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned value,
                                    size_t count) {
  return memsetCall("cuMemsetD32", dst, value, 4, count, nullptr, false);
}

MOEC_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value,
                                     size_t count, CUstream stream) {
  return memsetCall("cuMemsetD8Async", dst, value, 1, count, stream, true);
}

MOEC_EXPORT CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value,
                                      size_t count, CUstream stream) {
  return memsetCall("cuMemsetD16Async", dst, value, 2, count, stream, true);
}

MOEC_EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value,
                                      size_t count, CUstream stream) {
  return memsetCall("cuMemsetD32Async", dst, value, 4, count, stream, true);
}
