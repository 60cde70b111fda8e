//===- DriverState.cpp - The emulating driver's shared machinery ----------===//
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

#include "runtime/emulator/driver/DriverState.h"

#include "runtime/emulator/semantics/TensorMap.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>

namespace moec::emu::driver {

DriverState &state() {
  // Never destroyed: kernels' emulation objects and callers' atexit
  // handlers may call in during exit.
  static DriverState *s = new DriverState();
  return *s;
}

CUctx_st primaryContext;
thread_local CUcontext currentContext = nullptr;

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

} // namespace moec::emu::driver
