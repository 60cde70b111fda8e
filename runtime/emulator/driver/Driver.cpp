//===- Driver.cpp - libcuda.so.1 over host memory -------------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The emulating CUDA driver: one "NVIDIA H200 (moec emulator)" whose device
// memory is host memory and whose modules are the emulation objects moec
// compiles beside each cubin (moec/emulator_abi.h). Kernels run through the
// CTA executor (runtime/emulator/Executor.h).
//
// Work is executed eagerly when it is enqueued, in program order: a valid
// serialization of any set of streams, since each stream's work stays in
// order and every event wait is then already satisfied. Stream capture
// records the work instead, with the real driver's rules (what a capture
// refuses, forked streams joining back), and graph launches replay it.
//
// The driver API entry points are extern "C" with default visibility and
// the signatures of cuda.h (which is not included: the emulator builds
// without the CUDA toolkit). Every error is printed as "moec emulator:
// <message>" on stderr and kept for moecEmulatorLastError(). A failed grid
// makes the context unusable as on a GPU: every later call on the context
// returns the grid's error until the primary context is reset or released.
//
// One lock serializes the API: the executor runs a grid on the calling
// thread, so a launch holds the lock until its grid is done.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaAbi.h"
#include "runtime/emulator/Executor.h"
#include "runtime/emulator/driver/EmulationObject.h"
#include "runtime/emulator/driver/MemoryRegistry.h"

#include "runtime/emulator/semantics/TensorMap.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#define MOEC_EXPORT extern "C" __attribute__((visibility("default")))

using namespace moec::emu;

// cuda.h's types and constants (runtime/CudaAbi.h). The emulator defines
// the context type; modules, functions, streams, events and graphs are its
// own objects behind the opaque handles.
using namespace moec::cuda;
using cuuint32_t = uint32_t;
using cuuint64_t = uint64_t;
struct moec::cuda::CUctx_st {};

namespace {
constexpr unsigned kEventFlagsMask = 0x7; // blocking sync, no timing, IPC
} // namespace

//===----------------------------------------------------------------------===//
// The device
//===----------------------------------------------------------------------===//

namespace {

constexpr const char *kDeviceName = "NVIDIA H200 (moec emulator)";
constexpr uint64_t kTotalBytes = uint64_t(141) << 30;
constexpr int kDriverVersion = 13000;
/// Dynamic shared memory a launch may use without opting in (CUDA Driver
/// API, cuFuncSetAttribute: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
constexpr uint32_t kDefaultDynamicSmemBytes = 48 * 1024;
constexpr uint32_t kMaxThreadsPerBlock = 1024;

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

//===----------------------------------------------------------------------===//
// Driver objects
//===----------------------------------------------------------------------===//

struct Module;

struct Function {
  Module *module = nullptr;
  const MoecEmuKernel *kernel = nullptr;
  /// cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
  uint32_t maxDynamicSmem = kDefaultDynamicSmemBytes;
};

struct Module {
  LoadedObject object;
  std::vector<std::unique_ptr<Function>> functions;
};

struct Stream {
  unsigned flags = 0;
};

struct Event {
  unsigned flags = 0;
  bool recorded = false;
  std::chrono::steady_clock::time_point time;
  /// Where it was last recorded inside the active capture, if it was.
  bool captured = false;
  size_t captureIndex = 0, captureNodes = 0;
};

/// A launch's copies of its parameters, laid out at the kernel's
/// alignments (a CUtensorMap at 64 bytes) in one block.
struct LaunchParams {
  void *storage = nullptr;
  std::vector<void *> pointers;
  ~LaunchParams() { std::free(storage); }
};

/// Work on a stream, run now or recorded in a graph.
struct Node {
  enum Kind { Launch, Memset, Memcpy, EventRecord } kind = Launch;
  // Launch.
  Function *function = nullptr;
  Dim3 grid, block;
  uint32_t smem = 0;
  std::shared_ptr<LaunchParams> params;
  // Memset: `count` elements of `elementBytes` at dst; Memcpy: `count`
  // bytes. dstDevice/srcDevice say which side is device memory.
  uint64_t dst = 0, src = 0, count = 0;
  uint32_t value = 0, elementBytes = 1;
  bool dstDevice = true, srcDevice = true;
  // EventRecord.
  Event *event = nullptr;
  const char *what = "";
};

struct Graph {
  std::vector<Node> nodes;
};

/// The stream capture in progress (one at a time): its origin stream is
/// joined[0]; other streams join by waiting on an event recorded in it.
/// nodes[i] counts the work captured on joined[i], joinedAt[i] how much of
/// it the origin has waited for.
struct Capture {
  Stream *origin = nullptr;
  std::vector<Stream *> joined;
  std::vector<size_t> nodes, joinedAt;
  std::vector<Node> graph;
  std::string invalidatedBy; // why the capture is invalid, if it is
};

struct DriverState {
  std::recursive_mutex mutex;
  bool initialized = false;
  int primaryRefs = 0;
  /// The grid error that poisoned the context (CUDA_SUCCESS: none).
  CUresult sticky = CUDA_SUCCESS;
  std::string lastError;
  MemoryRegistry memory;
  std::set<Module *> modules;
  std::set<Function *> functions;
  std::set<Stream *> streams;
  std::set<Event *> events;
  std::set<Graph *> graphs;
  std::set<Graph *> execs;
  Capture capture;
  std::vector<std::string> searchPaths;
};

DriverState &state() {
  // Never destroyed: kernels' emulation objects and callers' atexit
  // handlers may call in during exit.
  static DriverState *s = new DriverState();
  return *s;
}

CUctx_st primaryContext;
thread_local CUcontext currentContext = nullptr;

using Lock = std::lock_guard<std::recursive_mutex>;

/// Prints "moec emulator: <message>", keeps it for moecEmulatorLastError()
/// and returns `code`.
CUresult fail(CUresult code, const std::string &message) {
  std::fprintf(stderr, "moec emulator: %s\n", message.c_str());
  state().lastError = message;
  return code;
}

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *fmt, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, args);
  va_end(args);
  return buffer;
}

/// The checks of every call that uses the context: cuInit was called, the
/// thread has a current context and no grid has failed in it.
CUresult contextCheck() {
  DriverState &s = state();
  if (!s.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!currentContext)
    return CUDA_ERROR_INVALID_CONTEXT;
  return s.sticky;
}

#define CHECK_CONTEXT()                                                        \
  do {                                                                         \
    if (CUresult status_ = contextCheck(); status_ != CUDA_SUCCESS)            \
      return status_;                                                          \
  } while (0)

/// The default stream is null, CU_STREAM_LEGACY (0x1) or
/// CU_STREAM_PER_THREAD (0x2).
bool isDefaultStream(CUstream stream) { return uintptr_t(stream) <= 2; }

/// Resolves a stream handle: true with `out` null for the default stream.
bool lookupStream(CUstream handle, Stream *&out) {
  out = nullptr;
  if (isDefaultStream(handle))
    return true;
  Stream *stream = reinterpret_cast<Stream *>(handle);
  if (!state().streams.count(stream))
    return false;
  out = stream;
  return true;
}

//===----------------------------------------------------------------------===//
// Execution
//===----------------------------------------------------------------------===//

/// Checks that [address, address + bytes) is device memory; `role` names
/// the argument ("cuMemcpyHtoD: the destination").
CUresult checkDeviceRange(uint64_t address, uint64_t bytes,
                          const std::string &role) {
  std::string detail;
  if (bytes == 0 || state().memory.contains(address, bytes, detail))
    return CUDA_SUCCESS;
  return fail(CUDA_ERROR_INVALID_VALUE,
              format("%s [%s, +%" PRIu64 ") is not device memory: %s",
                     role.c_str(), hexAddress(address).c_str(), bytes,
                     detail.c_str()));
}

bool startsWith(const std::string &text, const char *prefix) {
  return text.compare(0, std::strlen(prefix), prefix) == 0;
}

CUresult runLaunch(const Node &node) {
  DriverState &s = state();
  if (!s.functions.count(node.function))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "a launch's kernel was unloaded (its module was unloaded "
                "before the graph that launches it ran)");
  GridLaunch launch;
  launch.kernel = node.function->kernel;
  launch.params = node.params->pointers.data();
  launch.grid = node.grid;
  launch.block = node.block;
  launch.dynamicSmemBytes = node.smem;
  launch.memory = &s.memory;
  GridResult result = runGrid(launch);
  if (result.ok())
    return CUDA_SUCCESS;
  // Like a GPU fault, a failed grid poisons the context (sticky error).
  CUresult code = startsWith(result.error, "out-of-bounds") ||
                          startsWith(result.error, "misaligned")
                      ? CUDA_ERROR_ILLEGAL_ADDRESS
                      : CUDA_ERROR_LAUNCH_FAILED;
  s.sticky = code;
  return fail(code, result.error);
}

CUresult runNode(const Node &node) {
  switch (node.kind) {
  case Node::Launch:
    return runLaunch(node);
  case Node::Memset: {
    uint64_t bytes = node.count * node.elementBytes;
    if (CUresult r = checkDeviceRange(node.dst, bytes,
                                      std::string(node.what) + ": the range");
        r != CUDA_SUCCESS)
      return r;
    auto *p = reinterpret_cast<uint8_t *>(uintptr_t(node.dst));
    if (node.elementBytes == 1) {
      std::memset(p, int(node.value & 0xff), node.count);
    } else {
      for (uint64_t i = 0; i < node.count; ++i)
        std::memcpy(p + i * node.elementBytes, &node.value, node.elementBytes);
    }
    return CUDA_SUCCESS;
  }
  case Node::Memcpy: {
    if (node.dstDevice)
      if (CUresult r =
              checkDeviceRange(node.dst, node.count,
                               std::string(node.what) + ": the destination");
          r != CUDA_SUCCESS)
        return r;
    if (node.srcDevice)
      if (CUresult r = checkDeviceRange(
              node.src, node.count, std::string(node.what) + ": the source");
          r != CUDA_SUCCESS)
        return r;
    if (node.count)
      std::memmove(reinterpret_cast<void *>(uintptr_t(node.dst)),
                   reinterpret_cast<const void *>(uintptr_t(node.src)),
                   node.count);
    return CUDA_SUCCESS;
  }
  case Node::EventRecord:
    if (!state().events.count(node.event))
      return fail(CUDA_ERROR_INVALID_HANDLE,
                  "a graph records an event that was destroyed");
    node.event->recorded = true;
    node.event->time = std::chrono::steady_clock::now();
    return CUDA_SUCCESS;
  }
  return CUDA_ERROR_UNKNOWN;
}

//===----------------------------------------------------------------------===//
// Stream capture
//===----------------------------------------------------------------------===//

bool capturing() { return state().capture.origin != nullptr; }

/// The index of `stream` among the streams in the capture, or -1.
long captureIndex(Stream *stream) {
  const Capture &c = state().capture;
  if (!c.origin || !stream)
    return -1;
  for (size_t i = 0; i < c.joined.size(); ++i)
    if (c.joined[i] == stream)
      return long(i);
  return -1;
}

/// Something the capture cannot contain happened: the capture is
/// invalidated, as the real driver does, and `what` fails.
CUresult refuseDuringCapture(const std::string &what) {
  Capture &c = state().capture;
  if (c.invalidatedBy.empty())
    c.invalidatedBy = what;
  return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
              what + " is not permitted while a stream is capturing (CUDA "
                     "Driver API, cuStreamBeginCapture); the capture is "
                     "invalidated");
}

/// Queues `node` on `stream`: recorded when the stream is capturing, run
/// now otherwise. Work on the default stream during a capture is refused
/// (it would depend on the capturing stream's unexecuted work).
CUresult enqueue(Stream *stream, Node node) {
  DriverState &s = state();
  if (capturing()) {
    long index = captureIndex(stream);
    if (index >= 0) {
      ++s.capture.nodes[size_t(index)];
      s.capture.graph.push_back(std::move(node));
      return CUDA_SUCCESS;
    }
    if (!stream)
      return refuseDuringCapture(std::string(node.what) +
                                 " on the default stream");
  }
  return runNode(node);
}

/// A synchronous call (copy, memset, host synchronization) while capturing.
CUresult refuseIfCapturing(const char *what) {
  if (!capturing())
    return CUDA_SUCCESS;
  return refuseDuringCapture(what);
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

CUresult launch(CUfunction handle, Dim3 grid, Dim3 block, unsigned smem,
                CUstream hStream, void **kernelParams, void **extra,
                const char *what) {
  DriverState &s = state();
  CHECK_CONTEXT();
  Function *fn = reinterpret_cast<Function *>(handle);
  if (!s.functions.count(fn))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                format("%s: not a function of a loaded module", what));
  const MoecEmuKernel &k = *fn->kernel;
  Stream *stream = nullptr;
  if (!lookupStream(hStream, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                format("%s of '%s': unknown stream", what, k.name));
  // CUDA Driver API, cuLaunchKernel: the grid and block limits of
  // cuDeviceGetAttribute, and the dynamic shared memory the function was
  // allowed with cuFuncSetAttribute.
  uint64_t threads = block.count();
  std::string shape = format("grid (%u,%u,%u), block (%u,%u,%u)", grid.x,
                             grid.y, grid.z, block.x, block.y, block.z);
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 ||
      grid.z > 65535 || grid.x > 2147483647u)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s of '%s': invalid %s (grid dimensions are 1 to "
                       "2^31-1, 65535, 65535)",
                       what, k.name, shape.c_str()));
  if (block.x == 0 || block.y == 0 || block.z == 0 || block.x > 1024 ||
      block.y > 1024 || block.z > 64 || threads > kMaxThreadsPerBlock)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s of '%s': invalid %s (at most 1024 threads per "
                       "block, block.z at most 64)",
                       what, k.name, shape.c_str()));
  if (k.max_threads != 0 && threads > k.max_threads)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s of '%s': %" PRIu64 " threads per block exceed the "
                       "kernel's maxntid of %u",
                       what, k.name, threads, k.max_threads));
  if (smem > fn->maxDynamicSmem)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s of '%s': %u bytes of dynamic shared memory exceed "
                       "the function's limit of %u (raise it with "
                       "cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_"
                       "SHARED_SIZE_BYTES), up to %u)",
                       what, k.name, smem, fn->maxDynamicSmem,
                       kMaxDynamicSmemBytes));
  if (extra && extra[0])
    return fail(CUDA_ERROR_NOT_SUPPORTED,
                format("%s of '%s': parameters passed through `extra` are "
                       "not emulated; pass kernelParams",
                       what, k.name));
  if (k.param_count > 0 && !kernelParams)
    return fail(CUDA_ERROR_INVALID_VALUE,
                format("%s of '%s': kernelParams is null but the kernel has "
                       "%u parameters",
                       what, k.name, k.param_count));
  // The driver copies the parameters at launch (CUDA Driver API,
  // cuLaunchKernel: "kernelParams ... are copied"), so the caller's may
  // change before the grid runs or a graph replays it.
  auto params = std::make_shared<LaunchParams>();
  size_t offset = 0, maxAlign = 16;
  std::vector<size_t> offsets(k.param_count);
  for (uint32_t i = 0; i < k.param_count; ++i) {
    size_t align = std::max<size_t>(k.param_aligns[i], 1);
    maxAlign = std::max(maxAlign, align);
    offset = (offset + align - 1) / align * align;
    offsets[i] = offset;
    offset += k.param_sizes[i];
  }
  size_t total =
      std::max<size_t>((offset + maxAlign - 1) / maxAlign * maxAlign, maxAlign);
  params->storage = std::aligned_alloc(maxAlign, total);
  if (!params->storage)
    return fail(CUDA_ERROR_OUT_OF_MEMORY, "out of host memory for parameters");
  auto *base = static_cast<uint8_t *>(params->storage);
  params->pointers.resize(k.param_count);
  for (uint32_t i = 0; i < k.param_count; ++i) {
    if (!kernelParams[i])
      return fail(
          CUDA_ERROR_INVALID_VALUE,
          format("%s of '%s': kernelParams[%u] is null", what, k.name, i));
    std::memcpy(base + offsets[i], kernelParams[i], k.param_sizes[i]);
    params->pointers[i] = base + offsets[i];
  }
  Node node;
  node.kind = Node::Launch;
  node.function = fn;
  node.grid = grid;
  node.block = block;
  node.smem = smem;
  node.params = std::move(params);
  node.what = what;
  return enqueue(stream, std::move(node));
}

/// Writes `text` where the CU_JIT_ERROR_LOG_BUFFER(_SIZE_BYTES) options
/// point.
void writeJitErrorLog(unsigned count, const int *options, void **values,
                      const std::string &text) {
  char *buffer = nullptr;
  size_t size = 0;
  for (unsigned i = 0; options && values && i < count; ++i) {
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
      buffer = static_cast<char *>(values[i]);
    else if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
      size = size_t(uintptr_t(values[i]));
  }
  if (buffer && size > 0)
    std::snprintf(buffer, size, "%s", text.c_str());
}

std::vector<std::string> searchDirectories() {
  std::vector<std::string> dirs;
  if (const char *env = std::getenv("MOEC_EMULATOR_PATH")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos)
        end = list.size();
      if (end > start)
        dirs.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const std::string &dir : state().searchPaths)
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end())
      dirs.push_back(dir);
  return dirs;
}

CUresult loadModule(CUmodule *out, const void *image, unsigned count,
                    const int *options, void **values) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  auto failLoad = [&](CUresult code, const std::string &message) {
    writeJitErrorLog(count, options, values, "moec emulator: " + message);
    return fail(code, message);
  };
  if (!out || !image)
    return failLoad(CUDA_ERROR_INVALID_VALUE,
                    "cuModuleLoadData: the module or image pointer is null");
  ImageInfo info;
  if (std::string error = measureImage(image, info); !error.empty())
    return failLoad(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: " + error);
  std::vector<std::string> dirs = searchDirectories();
  std::string path = findObject(dirs, info.hash);
  std::string hex = hashHex(info.hash);
  if (path.empty()) {
    std::string searched;
    for (const std::string &dir : dirs)
      searched += (searched.empty() ? "" : ", ") + dir;
    return failLoad(
        CUDA_ERROR_NO_BINARY_FOR_GPU,
        format("no emulation object for the %s image of %zu bytes with hash "
               "%s: no file *.%s.emu.so in ",
               info.kind, info.bytes, hex.c_str(), hex.c_str()) +
            (searched.empty() ? std::string("any directory (none given)")
                              : "the directories searched: " + searched) +
            ". `moec emit-kernel` writes NAME." + hex +
            ".emu.so beside the cubin; add its directory to "
            "MOEC_EMULATOR_PATH (colon-separated) or pass it to "
            "moecEmulatorAddSearchPath()");
  }
  auto module = std::make_unique<Module>();
  if (std::string error =
          loadObject(path, info.hash, emulatorHookTable(), module->object);
      !error.empty())
    return failLoad(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: " + error);
  for (uint32_t i = 0; i < module->object.kernelCount; ++i) {
    auto fn = std::make_unique<Function>();
    fn->module = module.get();
    fn->kernel = &module->object.kernels[i];
    state().functions.insert(fn.get());
    module->functions.push_back(std::move(fn));
  }
  *out = reinterpret_cast<CUmodule>(module.get());
  state().modules.insert(module.release());
  return CUDA_SUCCESS;
}

void unloadModule(Module *module) {
  for (auto &fn : module->functions)
    state().functions.erase(fn.get());
  ::dlclose(module->object.handle);
  state().modules.erase(module);
  delete module;
}

/// The primary context is reset (its last reference released, or
/// cuDevicePrimaryCtxReset): a failed grid's sticky error is cleared.
/// Memory, modules and streams are kept, so that handles a caller forgot
/// stay valid in the emulator; a GPU would destroy them.
void resetContext() {
  state().sticky = CUDA_SUCCESS;
  state().lastError.clear();
}

const char *errorName(CUresult r, bool wantString) {
  struct Entry {
    CUresult code;
    const char *name, *text;
  };
  static const Entry kErrors[] = {
      {0, "CUDA_SUCCESS", "no error"},
      {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
      {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
      {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
      {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
      {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
      {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
      {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
      {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
      {209, "CUDA_ERROR_NO_BINARY_FOR_GPU",
       "no kernel image is available for execution on the device"},
      {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
      {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
       "the provided PTX was compiled with an unsupported toolchain."},
      {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
      {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
      {600, "CUDA_ERROR_NOT_READY", "device not ready"},
      {700, "CUDA_ERROR_ILLEGAL_ADDRESS",
       "an illegal memory access was encountered"},
      {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
      {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
      {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
       "operation not permitted when stream is capturing"},
      {901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
       "operation failed due to a previous error during capture"},
      {904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
       "capture was not joined back to the origin stream"},
      {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
  };
  for (const Entry &e : kErrors)
    if (e.code == r)
      return wantString ? e.text : e.name;
  return nullptr;
}

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

//===----------------------------------------------------------------------===//
// Modules and functions
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                                        unsigned count, int *options,
                                        void **values) {
  return loadModule(module, image, count, options, values);
}

MOEC_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  return loadModule(module, image, 0, nullptr, nullptr);
}

MOEC_EXPORT CUresult cuModuleUnload(CUmodule handle) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Module *module = reinterpret_cast<Module *>(handle);
  if (!state().modules.count(module))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload: unknown module");
  unloadModule(module);
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuModuleGetFunction(CUfunction *fn, CUmodule handle,
                                         const char *name) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Module *module = reinterpret_cast<Module *>(handle);
  if (!fn || !name)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuModuleGetFunction: a pointer is null");
  if (!state().modules.count(module))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuModuleGetFunction: unknown module");
  std::string names;
  for (auto &f : module->functions) {
    if (std::strcmp(f->kernel->name, name) == 0) {
      *fn = reinterpret_cast<CUfunction>(f.get());
      return CUDA_SUCCESS;
    }
    names += (names.empty() ? "'" : ", '") + std::string(f->kernel->name) + "'";
  }
  return fail(CUDA_ERROR_NOT_FOUND,
              format("cuModuleGetFunction: no kernel '%s' in %s (it has ", name,
                     module->object.path.c_str()) +
                  (names.empty() ? "none" : names) + ")");
}

MOEC_EXPORT CUresult cuFuncSetAttribute(CUfunction handle, int attribute,
                                        int value) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Function *fn = reinterpret_cast<Function *>(handle);
  if (!state().functions.count(fn))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuFuncSetAttribute: unknown "
                                           "function");
  if (attribute == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
    // CUDA Driver API, cuFuncSetAttribute: the value may not exceed
    // CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN minus the
    // function's static shared memory (none in moec's kernels).
    if (value < 0 || uint32_t(value) > kMaxDynamicSmemBytes)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  format("cuFuncSetAttribute: %d bytes of dynamic shared "
                         "memory for '%s' exceed sm_90's %u",
                         value, fn->kernel->name, kMaxDynamicSmemBytes));
    fn->maxDynamicSmem = uint32_t(value);
  }
  // Other attributes (carveout, cluster shapes) do not change emulation.
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuLaunchKernel(CUfunction fn, unsigned gx, unsigned gy,
                                    unsigned gz, unsigned bx, unsigned by,
                                    unsigned bz, unsigned smem, CUstream stream,
                                    void **params, void **extra) {
  Lock lock(state().mutex);
  return launch(fn, Dim3{gx, gy, gz}, Dim3{bx, by, bz}, smem, stream, params,
                extra, "cuLaunchKernel");
}

MOEC_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *config,
                                      CUfunction fn, void **params,
                                      void **extra) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!config)
    return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernelEx: config is null");
  for (unsigned i = 0; i < config->numAttrs; ++i) {
    const CUlaunchAttribute &a = config->attrs[i];
    if (a.id != CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION)
      continue; // priorities, access policies: no effect on results
    auto c = a.value.clusterDim;
    if (c.x * c.y * c.z != 1)
      return fail(CUDA_ERROR_NOT_SUPPORTED,
                  format("cuLaunchKernelEx: cluster (%u,%u,%u): thread block "
                         "clusters are not emulated",
                         c.x, c.y, c.z));
  }
  return launch(fn, Dim3{config->gridDimX, config->gridDimY, config->gridDimZ},
                Dim3{config->blockDimX, config->blockDimY, config->blockDimZ},
                config->sharedMemBytes, config->hStream, params, extra,
                "cuLaunchKernelEx");
}

//===----------------------------------------------------------------------===//
// Streams
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuStreamCreate(CUstream *out, unsigned flags) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!out || (flags & ~CU_STREAM_NON_BLOCKING))
    return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate: invalid argument");
  Stream *stream = new Stream();
  stream->flags = flags;
  state().streams.insert(stream);
  *out = reinterpret_cast<CUstream>(stream);
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamCreateWithPriority(CUstream *out, unsigned flags,
                                                int priority) {
  (void)priority; // all work runs in program order anyway
  return cuStreamCreate(out, flags);
}

MOEC_EXPORT CUresult cuStreamDestroy_v2(CUstream handle) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (isDefaultStream(handle) || !lookupStream(handle, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: unknown stream");
  if (captureIndex(stream) >= 0)
    return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
                "cuStreamDestroy: the stream takes part in a capture");
  state().streams.erase(stream);
  delete stream;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamDestroy(CUstream handle) {
  return cuStreamDestroy_v2(handle);
}

MOEC_EXPORT CUresult cuStreamSynchronize(CUstream handle) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (!lookupStream(handle, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuStreamSynchronize: unknown stream");
  if (captureIndex(stream) >= 0 || (capturing() && !stream))
    return refuseDuringCapture("cuStreamSynchronize");
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamQuery(CUstream handle) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (!lookupStream(handle, stream))
    return CUDA_ERROR_INVALID_HANDLE;
  if (captureIndex(stream) >= 0)
    return refuseDuringCapture("cuStreamQuery");
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamBeginCapture_v2(CUstream handle, int mode) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  // CUDA Driver API, cuStreamBeginCapture: the legacy stream cannot be
  // captured. One capture at a time is emulated.
  if (!lookupStream(handle, stream) || !stream || mode < 0 || mode > 2)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuStreamBeginCapture: needs a created stream and a capture "
                "mode 0-2");
  if (capturing())
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuStreamBeginCapture: a capture is already in progress (one "
                "capture at a time is emulated)");
  Capture &c = state().capture;
  c = Capture();
  c.origin = stream;
  c.joined = {stream};
  c.nodes = {0};
  c.joinedAt = {0};
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamIsCapturing(CUstream handle, int *status) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  if (!status || !lookupStream(handle, stream))
    return CUDA_ERROR_INVALID_VALUE;
  // CU_STREAM_CAPTURE_STATUS_NONE 0, ACTIVE 1, INVALIDATED 2.
  long index = captureIndex(stream);
  *status = index < 0 ? 0 : state().capture.invalidatedBy.empty() ? 1 : 2;
  return CUDA_SUCCESS;
}

/// A stream joins the capture by waiting on an event recorded in it; the
/// origin waiting on an event recorded on a joined stream joins that
/// stream's work up to the record (CUDA Driver API, cuStreamEndCapture:
/// every forked stream must be joined back).
MOEC_EXPORT CUresult cuStreamWaitEvent(CUstream handle, CUevent hEvent,
                                       unsigned flags) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  Event *event = reinterpret_cast<Event *>(hEvent);
  if (!lookupStream(handle, stream) || !state().events.count(event))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuStreamWaitEvent: unknown stream or event");
  (void)flags;
  Capture &c = state().capture;
  if (!capturing() || !event->captured)
    return CUDA_SUCCESS; // eager execution: the event has happened
  long index = captureIndex(stream);
  if (index < 0) {
    if (!stream)
      return refuseDuringCapture("cuStreamWaitEvent on the default stream");
    c.joined.push_back(stream);
    c.nodes.push_back(0);
    c.joinedAt.push_back(0);
    index = long(c.joined.size() - 1);
  }
  if (index == 0 && event->captureNodes > c.joinedAt[event->captureIndex])
    c.joinedAt[event->captureIndex] = event->captureNodes;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuStreamEndCapture(CUstream handle, CUgraph *out) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Stream *stream = nullptr;
  Capture &c = state().capture;
  if (!out || !lookupStream(handle, stream) || !capturing() ||
      stream != c.origin)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuStreamEndCapture: the stream is not capturing");
  Capture ended = std::move(c);
  c = Capture();
  for (Event *e : state().events)
    e->captured = false;
  if (!ended.invalidatedBy.empty())
    return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED,
                "cuStreamEndCapture: the capture was invalidated by " +
                    ended.invalidatedBy);
  for (size_t i = 1; i < ended.joined.size(); ++i)
    if (ended.nodes[i] > ended.joinedAt[i])
      return fail(CUDA_ERROR_STREAM_CAPTURE_UNJOINED,
                  format("cuStreamEndCapture: forked stream %zu has %zu "
                         "captured operations the origin stream never waited "
                         "for (record an event on it after its last work and "
                         "make the origin wait on it)",
                         i, ended.nodes[i] - ended.joinedAt[i]));
  Graph *graph = new Graph();
  graph->nodes = std::move(ended.graph);
  state().graphs.insert(graph);
  *out = reinterpret_cast<CUgraph>(graph);
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec *out,
                                                 CUgraph handle,
                                                 unsigned long long flags) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Graph *graph = reinterpret_cast<Graph *>(handle);
  (void)flags;
  if (!out || !state().graphs.count(graph))
    return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiate: unknown graph");
  Graph *exec = new Graph(*graph);
  state().execs.insert(exec);
  *out = reinterpret_cast<CUgraphExec>(exec);
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuGraphLaunch(CUgraphExec handle, CUstream hStream) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Graph *exec = reinterpret_cast<Graph *>(handle);
  Stream *stream = nullptr;
  if (!state().execs.count(exec) || !lookupStream(hStream, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuGraphLaunch: unknown graph exec or stream");
  if (capturing()) {
    long index = captureIndex(stream);
    if (index >= 0) {
      // Launching a graph into a capture adds its work to the capture.
      Capture &c = state().capture;
      c.nodes[size_t(index)] += exec->nodes.size();
      c.graph.insert(c.graph.end(), exec->nodes.begin(), exec->nodes.end());
      return CUDA_SUCCESS;
    }
    if (!stream)
      return refuseDuringCapture("cuGraphLaunch on the default stream");
  }
  for (const Node &node : exec->nodes)
    if (CUresult r = runNode(node); r != CUDA_SUCCESS)
      return r;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuGraphExecDestroy(CUgraphExec handle) {
  Lock lock(state().mutex);
  Graph *exec = reinterpret_cast<Graph *>(handle);
  if (!state().execs.erase(exec))
    return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphExecDestroy: unknown exec");
  delete exec;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuGraphDestroy(CUgraph handle) {
  Lock lock(state().mutex);
  Graph *graph = reinterpret_cast<Graph *>(handle);
  if (!state().graphs.erase(graph))
    return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphDestroy: unknown graph");
  delete graph;
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Events
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuEventCreate(CUevent *out, unsigned flags) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!out || (flags & ~kEventFlagsMask))
    return fail(CUDA_ERROR_INVALID_VALUE, "cuEventCreate: invalid argument");
  Event *event = new Event();
  event->flags = flags;
  state().events.insert(event);
  *out = reinterpret_cast<CUevent>(event);
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventRecord(CUevent hEvent, CUstream hStream) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Event *event = reinterpret_cast<Event *>(hEvent);
  Stream *stream = nullptr;
  if (!state().events.count(event) || !lookupStream(hStream, stream))
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuEventRecord: unknown event or stream");
  long index = captureIndex(stream);
  if (index >= 0) {
    Capture &c = state().capture;
    event->captured = true;
    event->captureIndex = size_t(index);
    event->captureNodes = c.nodes[size_t(index)];
    Node node;
    node.kind = Node::EventRecord;
    node.event = event;
    node.what = "cuEventRecord";
    // Not counted as work: recording the join event is not work to join.
    c.graph.push_back(std::move(node));
    return CUDA_SUCCESS;
  }
  event->captured = false;
  event->recorded = true;
  event->time = std::chrono::steady_clock::now();
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventQuery(CUevent hEvent) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  if (!state().events.count(reinterpret_cast<Event *>(hEvent)))
    return CUDA_ERROR_INVALID_HANDLE;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventSynchronize(CUevent hEvent) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Event *event = reinterpret_cast<Event *>(hEvent);
  if (!state().events.count(event))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventSynchronize: unknown event");
  if (capturing() && event->captured)
    return refuseDuringCapture("cuEventSynchronize on an event recorded in "
                               "the capture");
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventElapsedTime_v2(float *ms, CUevent hStart,
                                           CUevent hEnd) {
  Lock lock(state().mutex);
  CHECK_CONTEXT();
  Event *start = reinterpret_cast<Event *>(hStart);
  Event *end = reinterpret_cast<Event *>(hEnd);
  if (!ms || !state().events.count(start) || !state().events.count(end))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: unknown event");
  // CUDA Driver API, cuEventElapsedTime: events created with
  // CU_EVENT_DISABLE_TIMING or never recorded give
  // CUDA_ERROR_INVALID_HANDLE.
  if ((start->flags | end->flags) & CU_EVENT_DISABLE_TIMING)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuEventElapsedTime: an event was created with "
                "CU_EVENT_DISABLE_TIMING");
  if (!start->recorded || !end->recorded)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "cuEventElapsedTime: an event has not been recorded");
  *ms =
      std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventElapsedTime(float *ms, CUevent start, CUevent end) {
  return cuEventElapsedTime_v2(ms, start, end);
}

MOEC_EXPORT CUresult cuEventDestroy_v2(CUevent hEvent) {
  Lock lock(state().mutex);
  Event *event = reinterpret_cast<Event *>(hEvent);
  if (!state().events.erase(event))
    return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventDestroy: unknown event");
  delete event;
  return CUDA_SUCCESS;
}

MOEC_EXPORT CUresult cuEventDestroy(CUevent event) {
  return cuEventDestroy_v2(event);
}

//===----------------------------------------------------------------------===//
// Tensor maps
//===----------------------------------------------------------------------===//

MOEC_EXPORT CUresult cuTensorMapEncodeTiled(
    void *tensorMap, int dataType, cuuint32_t rank, void *globalAddress,
    const cuuint64_t *globalDim, const cuuint64_t *globalStrides,
    const cuuint32_t *boxDim, const cuuint32_t *elementStrides, int interleave,
    int swizzle, int l2Promotion, int oobFill) {
  Lock lock(state().mutex);
  auto refuse = [](const std::string &message) {
    return fail(CUDA_ERROR_INVALID_VALUE, "cuTensorMapEncodeTiled: " + message);
  };
  if (!tensorMap || !globalDim || !boxDim || !elementStrides ||
      (rank > 1 && !globalStrides))
    return refuse("a pointer argument is null");
  TensorMapDesc desc;
  desc.dataType = uint32_t(dataType);
  desc.rank = rank;
  desc.globalAddress = uint64_t(uintptr_t(globalAddress));
  // strides[0] is the element size; the caller gives the other rank - 1.
  desc.strides[0] = tensorMapElementBytes(desc.dataType);
  for (uint32_t i = 0; i < rank && i < 5; ++i) {
    desc.dims[i] = globalDim[i];
    desc.box[i] = boxDim[i];
    desc.elementStrides[i] = elementStrides[i];
    if (i > 0)
      desc.strides[i] = globalStrides[i - 1];
  }
  desc.interleave = uint32_t(interleave);
  desc.swizzle = uint32_t(swizzle);
  desc.l2Promotion = uint32_t(l2Promotion);
  desc.oobFill = uint32_t(oobFill);
  std::string error = encodeTensorMap(tensorMap, desc);
  if (!error.empty())
    return refuse(error);
  return CUDA_SUCCESS;
}
