/*===- FakeLibcuda.c - A fake CUDA driver for the runtime's tests ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file is a stand-in for libcuda.so.1, so that CudaDriver and
// CudaDevice are tested on machines without a GPU. It exports the entry
// points the runtime resolves, under the same (versioned) names.
// $FAKE_CUDA_MODE picks the machine it pretends to be:
//
//   ok (or unset)      one "NVIDIA H100 fake": sm_90, 132 SMs, 80 GiB of
//                      which 1.5 GiB are free
//   init_fail          cuInit fails with CUDA_ERROR_NO_DEVICE
//   no_gpu             cuInit succeeds, cuDeviceGetCount reports 0
//   sm80               one "NVIDIA A100 fake" (compute capability 8.0)
//   sm100              one "NVIDIA B200 fake" (compute capability 10.0)
//   tensor_map_fail    cuTensorMapEncodeTiled fails with
//                      CUDA_ERROR_INVALID_VALUE
//
// Memory is host memory (device pointers are host addresses), so copies
// round-trip; allocations above the free memory fail with
// CUDA_ERROR_OUT_OF_MEMORY. PTX containing "error" fails to load with a JIT
// log. Calls that take arguments worth checking are appended to a log that
// the tests read with fakeCudaLog(); fakeCudaLiveObjects() counts what is
// allocated and not yet released. Built with FAKE_CUDA_OMIT_TENSOR_MAP, the
// library lacks cuTensorMapEncodeTiled (a driver older than CUDA 12).
// Stream capture counts the launches and memsets queued on the capturing
// stream as graph nodes (they do not run) and, as the real driver does,
// fails what would break the capture: synchronous copies and memsets, work
// on the default stream, synchronizing the capturing stream; streams join
// a capture by waiting on an event recorded in it and must be joined back
// (the origin waits on an event recorded after their last work) before it
// ends, else CUDA_ERROR_STREAM_CAPTURE_UNJOINED.
//
//===----------------------------------------------------------------------===*/

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;

enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  NO_DEVICE = 100,
  INVALID_DEVICE = 101,
  INVALID_PTX = 218,
  NOT_FOUND = 500,
  STREAM_CAPTURE_UNSUPPORTED = 900,
  STREAM_CAPTURE_UNJOINED = 904,
};

/* The active capture: its origin stream (NULL: none), joined[0], and the
   streams that joined it by waiting on an event recorded in it. nodes[i]
   counts the work captured on joined[i]; joinedAt[i] how much of it the
   origin has waited for (an unjoined rest fails cuStreamEndCapture). */
enum { kMaxCaptureStreams = 8 };
static void *captureStream;
static void *joined[kMaxCaptureStreams];
static int nodes[kMaxCaptureStreams], joinedAt[kMaxCaptureStreams];
static int joinedCount, capturedNodes;

static int captureIndex(void *stream) {
  for (int i = 0; captureStream && i < joinedCount; ++i)
    if (joined[i] == stream)
      return i;
  return -1;
}

/* Work queued on `stream` while a capture is active: a capture node, or an
   error when it is outside the capture (the default stream, a stream that
   did not join, or a synchronous call: stream == NULL). */
static CUresult captureCheck(void *stream, int *captured) {
  int index = captureIndex(stream);
  *captured = 0;
  if (!captureStream)
    return SUCCESS;
  if (index < 0)
    return STREAM_CAPTURE_UNSUPPORTED;
  ++nodes[index];
  ++capturedNodes;
  *captured = 1;
  return SUCCESS;
}

/* An event: where it was last recorded inside a capture, if it was. */
typedef struct {
  int captured, index, nodes;
} Event;

/* cuda.h's launch structures, as the runtime passes them. */
typedef struct {
  int id;
  char pad[4];
  union {
    char pad[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
} LaunchAttribute;

typedef struct {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void *hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
} LaunchConfig;

typedef struct {
  char name[64];
} Function;

static const unsigned long long kTotalBytes = 80ull << 30;
static const unsigned long long kFreeBytes = 3ull << 29; /* 1.5 GiB */

static char logText[1 << 16];
static int liveObjects;
static int context;
static Function functions[16];
static int functionCount;

static int isMode(const char *name) {
  const char *mode = getenv("FAKE_CUDA_MODE");
  return strcmp(mode && *mode ? mode : "ok", name) == 0;
}

/* Appends a line to the call log. */
static void logCall(const char *format, ...)
    __attribute__((format(printf, 1, 2)));
static void logCall(const char *format, ...) {
  size_t used = strlen(logText);
  va_list args;
  va_start(args, format);
  vsnprintf(logText + used, sizeof(logText) - used, format, args);
  va_end(args);
  used = strlen(logText);
  if (used + 1 < sizeof(logText))
    strcat(logText, "\n");
}

EXPORT const char *fakeCudaLog(void) { return logText; }
EXPORT void fakeCudaClearLog(void) { logText[0] = 0; }
EXPORT int fakeCudaLiveObjects(void) { return liveObjects; }

/*===-- Errors and initialisation -----------------------------------------===*/

static const char *errorName(CUresult r, int wantString) {
  switch (r) {
  case SUCCESS:
    return wantString ? "no error" : "CUDA_SUCCESS";
  case INVALID_VALUE:
    return wantString ? "invalid argument" : "CUDA_ERROR_INVALID_VALUE";
  case OUT_OF_MEMORY:
    return wantString ? "out of memory" : "CUDA_ERROR_OUT_OF_MEMORY";
  case NO_DEVICE:
    return wantString ? "no CUDA-capable device is detected"
                      : "CUDA_ERROR_NO_DEVICE";
  case INVALID_PTX:
    return wantString ? "a PTX JIT compilation failed"
                      : "CUDA_ERROR_INVALID_PTX";
  case NOT_FOUND:
    return wantString ? "named symbol not found" : "CUDA_ERROR_NOT_FOUND";
  case STREAM_CAPTURE_UNSUPPORTED:
    return wantString ? "operation not permitted when stream is capturing"
                      : "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED";
  case STREAM_CAPTURE_UNJOINED:
    return wantString ? "capture was not joined back to the origin stream"
                      : "CUDA_ERROR_STREAM_CAPTURE_UNJOINED";
  default:
    return NULL;
  }
}

EXPORT CUresult cuGetErrorName(CUresult r, const char **out) {
  *out = errorName(r, 0);
  return *out ? SUCCESS : INVALID_VALUE;
}

EXPORT CUresult cuGetErrorString(CUresult r, const char **out) {
  *out = errorName(r, 1);
  return *out ? SUCCESS : INVALID_VALUE;
}

EXPORT CUresult cuInit(unsigned flags) {
  logCall("cuInit(%u)", flags);
  return isMode("init_fail") ? NO_DEVICE : SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return SUCCESS;
}

/*===-- Devices and contexts ----------------------------------------------===*/

EXPORT CUresult cuDeviceGetCount(int *count) {
  *count = isMode("no_gpu") ? 0 : 1;
  return SUCCESS;
}

EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  int count = 0;
  cuDeviceGetCount(&count);
  *device = ordinal;
  return ordinal >= 0 && ordinal < count ? SUCCESS : INVALID_DEVICE;
}

EXPORT CUresult cuDeviceGetName(char *name, int length, int device) {
  const char *text = isMode("sm80")    ? "NVIDIA A100 fake"
                     : isMode("sm100") ? "NVIDIA B200 fake"
                                       : "NVIDIA H100 fake";
  (void)device;
  snprintf(name, (size_t)length, "%s", text);
  return SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  switch (attribute) {
  case 16: /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
    *value = isMode("sm80") ? 108 : isMode("sm100") ? 148 : 132;
    return SUCCESS;
  case 75: /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
    *value = isMode("sm80") ? 8 : isMode("sm100") ? 10 : 9;
    return SUCCESS;
  case 76: /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR */
    *value = 0;
    return SUCCESS;
  default:
    return INVALID_VALUE;
  }
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, int device) {
  (void)device;
  *bytes = kTotalBytes;
  return SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  logCall("cuDevicePrimaryCtxRetain(%d)", device);
  *ctx = &context;
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(int device) {
  logCall("cuDevicePrimaryCtxRelease_v2(%d)", device);
  --liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(void *ctx) {
  logCall("cuCtxSetCurrent(%s)", ctx == &context ? "primary" : "other");
  return SUCCESS;
}

/*===-- Memory ------------------------------------------------------------===*/

EXPORT CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *totalBytes) {
  *freeBytes = kFreeBytes;
  *totalBytes = kTotalBytes;
  return SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(uint64_t *ptr, size_t bytes) {
  void *memory = NULL;
  if (bytes > kFreeBytes)
    return OUT_OF_MEMORY;
  /* 256-byte aligned, as the real driver's allocations are. */
  if (posix_memalign(&memory, 256, bytes ? bytes : 1) != 0)
    return OUT_OF_MEMORY;
  *ptr = (uint64_t)(uintptr_t)memory;
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuMemFree_v2(uint64_t ptr) {
  free((void *)(uintptr_t)ptr);
  --liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t n) {
  if (captureStream)
    return STREAM_CAPTURE_UNSUPPORTED;
  memcpy((void *)(uintptr_t)dst, src, n);
  return SUCCESS;
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t n) {
  if (captureStream)
    return STREAM_CAPTURE_UNSUPPORTED;
  memcpy(dst, (const void *)(uintptr_t)src, n);
  return SUCCESS;
}

EXPORT CUresult cuMemsetD8_v2(uint64_t dst, unsigned char value, size_t n) {
  if (captureStream)
    return STREAM_CAPTURE_UNSUPPORTED;
  memset((void *)(uintptr_t)dst, value, n);
  return SUCCESS;
}

/*===-- Modules and launches ----------------------------------------------===*/

/* Writes the JIT error log where the CU_JIT_ERROR_LOG_BUFFER(_SIZE_BYTES)
   options point. */
static void writeErrorLog(unsigned count, const int *options, void **values,
                          const char *text) {
  char *buffer = NULL;
  size_t size = 0;
  for (unsigned i = 0; i < count; ++i) {
    if (options[i] == 5)
      buffer = (char *)values[i];
    else if (options[i] == 6)
      size = (size_t)(uintptr_t)values[i];
  }
  if (buffer && size > 0)
    snprintf(buffer, size, "%s", text);
}

EXPORT CUresult cuModuleLoadDataEx(void **module, const void *image,
                                   unsigned count, int *options,
                                   void **values) {
  const char *text = (const char *)image;
  if (text[0] == 0x7f && memcmp(text,
                                "\x7f"
                                "ELF",
                                4) == 0) {
    logCall("cuModuleLoadDataEx(cubin, %u options)", count);
  } else {
    /* PTX: read up to the NUL, as the real driver does. */
    logCall("cuModuleLoadDataEx(ptx of %zu chars, %u options)", strlen(text),
            count);
    if (strstr(text, "error")) {
      writeErrorLog(count, options, values,
                    "ptxas application ptx input, line 3; error   : fake "
                    "syntax error\n");
      return INVALID_PTX;
    }
  }
  *module = &functions;
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuModuleUnload(void *module) {
  (void)module;
  logCall("cuModuleUnload");
  --liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  Function *f = &functions[functionCount++ % 16]; /* reused round-robin */
  (void)module;
  if (strcmp(name, "missing") == 0)
    return NOT_FOUND;
  snprintf(f->name, sizeof(f->name), "%s", name);
  *fn = f;
  return SUCCESS;
}

EXPORT CUresult cuFuncSetAttribute(void *fn, int attribute, int value) {
  logCall("cuFuncSetAttribute(%s, %d, %d)", ((Function *)fn)->name, attribute,
          value);
  return SUCCESS;
}

EXPORT CUresult cuLaunchKernelEx(const LaunchConfig *c, void *fn, void **params,
                                 void **extra) {
  char cluster[64] = "none";
  int captured;
  CUresult status = captureCheck(c->hStream, &captured);
  if (c->numAttrs == 1 && c->attrs[0].id == 4)
    snprintf(cluster, sizeof(cluster), "%u,%u,%u",
             c->attrs[0].value.clusterDim.x, c->attrs[0].value.clusterDim.y,
             c->attrs[0].value.clusterDim.z);
  logCall("cuLaunchKernelEx(%s, grid %u,%u,%u, block %u,%u,%u, smem %u, "
          "stream %s, attrs %u, cluster %s, param0 %d, extra %s%s)",
          ((Function *)fn)->name, c->gridDimX, c->gridDimY, c->gridDimZ,
          c->blockDimX, c->blockDimY, c->blockDimZ, c->sharedMemBytes,
          c->hStream ? "set" : "default", c->numAttrs, cluster,
          params ? *(const int *)params[0] : -1, extra ? "set" : "null",
          captured ? ", captured" : "");
  return status;
}

/*===-- Streams and events ------------------------------------------------===*/

static CUresult newObject(void **out) {
  *out = malloc(1);
  ++liveObjects;
  return SUCCESS;
}

static CUresult deleteObject(void *object) {
  free(object);
  --liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuStreamCreate(void **stream, unsigned flags) {
  logCall("cuStreamCreate(%u)", flags);
  return newObject(stream);
}

EXPORT CUresult cuStreamSynchronize(void *stream) {
  logCall("cuStreamSynchronize");
  return captureIndex(stream) >= 0 ? STREAM_CAPTURE_UNSUPPORTED : SUCCESS;
}

EXPORT CUresult cuStreamBeginCapture_v2(void *stream, int mode) {
  logCall("cuStreamBeginCapture(mode %d)", mode);
  if (!stream || captureStream || mode < 0 || mode > 2)
    return INVALID_VALUE;
  captureStream = stream;
  joined[0] = stream;
  nodes[0] = joinedAt[0] = 0;
  joinedCount = 1;
  capturedNodes = 0;
  return SUCCESS;
}

/* A forked stream joins the capture when it waits on an event recorded in
   it; the origin waiting on an event recorded on a joined stream joins
   that stream's work up to the record. */
EXPORT CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
  Event *e = (Event *)event;
  int index = captureIndex(stream);
  logCall("cuStreamWaitEvent(%u)", flags);
  if (!captureStream || !e->captured)
    return SUCCESS;
  if (index < 0) {
    if (joinedCount == kMaxCaptureStreams)
      return INVALID_VALUE;
    index = joinedCount++;
    joined[index] = stream;
    nodes[index] = joinedAt[index] = 0;
  }
  if (index == 0 && e->nodes > joinedAt[e->index])
    joinedAt[e->index] = e->nodes;
  return SUCCESS;
}

/* A graph is the number of nodes captured into it. */
EXPORT CUresult cuStreamEndCapture(void *stream, void **graph) {
  int *count, i;
  if (!captureStream || stream != captureStream)
    return INVALID_VALUE;
  captureStream = NULL;
  for (i = 1; i < joinedCount; ++i)
    if (nodes[i] > joinedAt[i]) {
      logCall("cuStreamEndCapture: stream %d has %d unjoined nodes", i,
              nodes[i] - joinedAt[i]);
      return STREAM_CAPTURE_UNJOINED;
    }
  logCall("cuStreamEndCapture(%d nodes, %d streams)", capturedNodes,
          joinedCount);
  count = malloc(sizeof(int));
  *count = capturedNodes;
  *graph = count;
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuGraphInstantiateWithFlags(void **exec, void *graph,
                                            unsigned long long flags) {
  int *nodes = malloc(sizeof(int));
  (void)flags;
  *nodes = *(int *)graph;
  *exec = nodes;
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuGraphLaunch(void *exec, void *stream) {
  logCall("cuGraphLaunch(%d nodes, %s)", *(int *)exec,
          stream ? "stream" : "default");
  return captureStream && captureIndex(stream) < 0 ? STREAM_CAPTURE_UNSUPPORTED
                                                   : SUCCESS;
}

EXPORT CUresult cuGraphExecDestroy(void *exec) { return deleteObject(exec); }

EXPORT CUresult cuGraphDestroy(void *graph) { return deleteObject(graph); }

EXPORT CUresult cuStreamDestroy_v2(void *stream) {
  return deleteObject(stream);
}

EXPORT CUresult cuEventCreate(void **event, unsigned flags) {
  logCall("cuEventCreate(%u)", flags);
  *event = calloc(1, sizeof(Event));
  ++liveObjects;
  return SUCCESS;
}

EXPORT CUresult cuEventRecord(void *event, void *stream) {
  Event *e = (Event *)event;
  int index = captureIndex(stream);
  logCall("cuEventRecord(%s)", stream ? "stream" : "default");
  e->captured = index >= 0;
  if (index >= 0) {
    e->index = index;
    e->nodes = nodes[index];
  }
  return SUCCESS;
}

EXPORT CUresult cuEventSynchronize(void *event) {
  (void)event;
  return SUCCESS;
}

EXPORT CUresult cuEventElapsedTime(float *ms, void *start, void *end) {
  *ms = start != end ? 1.5f : 0.0f;
  return SUCCESS;
}

EXPORT CUresult cuEventDestroy_v2(void *event) { return deleteObject(event); }

/*===-- Tensor maps -------------------------------------------------------===*/

#ifndef FAKE_CUDA_OMIT_TENSOR_MAP
/* The rules cuTensorMapEncodeTiled's documentation states for tiled maps,
   so that callers run against this fake (the generated kernel headers) find
   out about bad arguments as they would on a GPU. Logs the broken rule. */
static int tensorMapArgumentsValid(int type, unsigned rank, void *address,
                                   const uint64_t *dims,
                                   const uint64_t *strides, const unsigned *box,
                                   const unsigned *elementStrides,
                                   int interleave, int swizzle) {
  static const unsigned elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4,
                                          8, 2, 4, 4, 4, 1, 1, 1};
  unsigned bytes = type >= 0 && type < 16 ? elementBytes[type] : 0;
  static const unsigned swizzleSpan[] = {0, 32, 64, 128};
  if (rank < 1 || rank > 5 || bytes == 0 || ((uintptr_t)address % 16) != 0) {
    logCall("cuTensorMapEncodeTiled: bad rank %u, type %d or address", rank,
            type);
    return 0;
  }
  for (unsigned i = 0; i < rank; ++i) {
    if (dims[i] == 0 || dims[i] > ((uint64_t)1 << 32) || box[i] == 0 ||
        box[i] > 256 || elementStrides[i] == 0 || elementStrides[i] > 8 ||
        (i + 1 < rank && (strides[i] % 16 != 0 || strides[i] == 0))) {
      logCall("cuTensorMapEncodeTiled: bad dimension %u", i);
      return 0;
    }
  }
  if (interleave == 0 && (box[0] * bytes) % 16 != 0) {
    logCall("cuTensorMapEncodeTiled: inner box of %u bytes", box[0] * bytes);
    return 0;
  }
  if (swizzle > 0 && swizzle < 4 && box[0] * bytes > swizzleSpan[swizzle]) {
    logCall("cuTensorMapEncodeTiled: inner box wider than the swizzle");
    return 0;
  }
  return 1;
}
#endif

#ifndef FAKE_CUDA_OMIT_TENSOR_MAP
/* Records the arguments in the map's 16 words, for the tests to check:
   type, rank, address, dims[5], strides[4], box dims, element strides (9
   and 4 bits each) and the four modes (8 bits each). */
EXPORT CUresult cuTensorMapEncodeTiled(uint64_t *map, int type, unsigned rank,
                                       void *address, const uint64_t *dims,
                                       const uint64_t *strides,
                                       const unsigned *box,
                                       const unsigned *elementStrides,
                                       int interleave, int swizzle, int l2,
                                       int oobFill) {
  if (isMode("tensor_map_fail"))
    return INVALID_VALUE;
  if (!tensorMapArgumentsValid(type, rank, address, dims, strides, box,
                               elementStrides, interleave, swizzle))
    return INVALID_VALUE;
  memset(map, 0, 128);
  map[0] = (uint64_t)type;
  map[1] = rank;
  map[2] = (uint64_t)(uintptr_t)address;
  for (unsigned i = 0; i < rank; ++i) {
    map[3 + i] = dims[i];
    if (i + 1 < rank)
      map[8 + i] = strides[i];
    map[12] |= (uint64_t)box[i] << (9 * i);
    map[13] |= (uint64_t)elementStrides[i] << (4 * i);
  }
  map[14] = (uint64_t)interleave | (uint64_t)swizzle << 8 | (uint64_t)l2 << 16 |
            (uint64_t)oobFill << 24;
  return SUCCESS;
}
#endif

/*===-- The driver API the generated kernel headers use -------------------===*/

EXPORT CUresult cuCtxGetDevice(int *device) {
  *device = 0;
  return SUCCESS;
}

EXPORT CUresult cuCtxSynchronize(void) {
  logCall("cuCtxSynchronize");
  return SUCCESS;
}

EXPORT CUresult cuModuleLoadData(void **module, const void *image) {
  return cuModuleLoadDataEx(module, image, 0, NULL, NULL);
}

EXPORT CUresult cuEventElapsedTime_v2(float *ms, void *start, void *end) {
  return cuEventElapsedTime(ms, start, end);
}

EXPORT CUresult cuMemsetD32Async(uint64_t dst, unsigned value, size_t n,
                                 void *stream) {
  int captured;
  CUresult status = captureCheck(stream, &captured);
  if (status != SUCCESS || captured)
    return status;
  for (size_t i = 0; i < n; ++i)
    ((unsigned *)(uintptr_t)dst)[i] = value;
  return SUCCESS;
}

/* Runs nothing; refuses the launches a GPU would refuse. */
EXPORT CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz,
                               unsigned bx, unsigned by, unsigned bz,
                               unsigned smem, void *stream, void **params,
                               void **extra) {
  int captured;
  CUresult status = captureCheck(stream, &captured);
  logCall("cuLaunchKernel(%s, grid %u,%u,%u, block %u,%u,%u, smem %u%s)",
          ((Function *)fn)->name, gx, gy, gz, bx, by, bz, smem,
          captured ? ", captured" : "");
  (void)extra;
  if (status != SUCCESS)
    return status;
  if (!gx || !gy || !gz || !bx || !by || !bz || bx * by * bz > 1024 ||
      smem > 227 * 1024 || !params)
    return INVALID_VALUE;
  return SUCCESS;
}
