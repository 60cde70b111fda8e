//===- DriverState.h - The emulating driver's state --------------*- C++
//-*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The objects behind the emulating libcuda's handles (modules, functions,
// streams, events, graphs, the capture in progress), the one lock that
// serializes the API, and the helpers the entry points share: errors,
// context checks, enqueueing or capturing work, launches, module loading.
// Internal to runtime/emulator/driver; the entry points are in Api*.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_DRIVER_DRIVERSTATE_H
#define MOEC_RUNTIME_EMULATOR_DRIVER_DRIVERSTATE_H

#include "runtime/CudaAbi.h"
#include "runtime/emulator/Executor.h"
#include "runtime/emulator/driver/EmulationObject.h"
#include "runtime/emulator/driver/MemoryRegistry.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#define MOEC_EXPORT extern "C" __attribute__((visibility("default")))

// The emulator defines the context type; modules, functions, streams, events
// and graphs are its own objects behind the opaque handles.
struct moec::cuda::CUctx_st {};

namespace moec::emu::driver {

using namespace moec::cuda;
using cuuint32_t = uint32_t;
using cuuint64_t = uint64_t;

constexpr unsigned kEventFlagsMask = 0x7; // blocking sync, no timing, IPC
constexpr const char *kDeviceName = "NVIDIA H200 (moec emulator)";
constexpr uint64_t kTotalBytes = uint64_t(141) << 30;
constexpr int kDriverVersion = 13000;
/// Dynamic shared memory a launch may use without opting in (CUDA Driver
/// API, cuFuncSetAttribute: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
constexpr uint32_t kDefaultDynamicSmemBytes = 48 * 1024;
constexpr uint32_t kMaxThreadsPerBlock = 1024;

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

/// The driver's state, created on first use and never destroyed: kernels'
/// emulation objects and callers' atexit handlers may call in during exit.
DriverState &state();

extern CUctx_st primaryContext;
extern thread_local CUcontext currentContext;

using Lock = std::lock_guard<std::recursive_mutex>;

/// Returns the context error (not initialized, no current context, a
/// poisoned context) from the calling entry point.
#define CHECK_CONTEXT()                                                        \
  do {                                                                         \
    if (CUresult status_ = contextCheck(); status_ != CUDA_SUCCESS)            \
      return status_;                                                          \
  } while (0)

/// Prints "moec emulator: <message>", keeps it for moecEmulatorLastError()
/// and returns `code`.
CUresult fail(CUresult code, const std::string &message);
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/// The checks of every call that uses the context: cuInit was called, the
/// thread has a current context and no grid has failed in it.
CUresult contextCheck();
/// The default stream is null, CU_STREAM_LEGACY (0x1) or
/// CU_STREAM_PER_THREAD (0x2).
bool isDefaultStream(CUstream stream);

/// Resolves a stream handle: true with `out` null for the default stream.
bool lookupStream(CUstream handle, Stream *&out);
/// Checks that [address, address + bytes) is device memory; `role` names
/// the argument ("cuMemcpyHtoD: the destination").
CUresult checkDeviceRange(uint64_t address, uint64_t bytes,
                          const std::string &role);
bool startsWith(const std::string &text, const char *prefix);
CUresult runLaunch(const Node &node);
CUresult runNode(const Node &node);
bool capturing();

/// The index of `stream` among the streams in the capture, or -1.
long captureIndex(Stream *stream);
/// Something the capture cannot contain happened: the capture is
/// invalidated, as the real driver does, and `what` fails.
CUresult refuseDuringCapture(const std::string &what);
/// Queues `node` on `stream`: recorded when the stream is capturing, run
/// now otherwise. Work on the default stream during a capture is refused
/// (it would depend on the capturing stream's unexecuted work).
CUresult enqueue(Stream *stream, Node node);
/// A synchronous call (copy, memset, host synchronization) while capturing.
CUresult refuseIfCapturing(const char *what);
CUresult launch(CUfunction handle, Dim3 grid, Dim3 block, unsigned smem,
                CUstream hStream, void **kernelParams, void **extra,
                const char *what);
/// Writes `text` where the CU_JIT_ERROR_LOG_BUFFER(_SIZE_BYTES) options
/// point.
void writeJitErrorLog(unsigned count, const int *options, void **values,
                      const std::string &text);
std::vector<std::string> searchDirectories();
CUresult loadModule(CUmodule *out, const void *image, unsigned count,
                    const int *options, void **values);
void unloadModule(Module *module);
/// The primary context is reset (its last reference released, or
/// cuDevicePrimaryCtxReset): a failed grid's sticky error is cleared.
/// Memory, modules and streams are kept, so that handles a caller forgot
/// stay valid in the emulator; a GPU would destroy them.
void resetContext();
const char *errorName(CUresult r, bool wantString);

} // namespace moec::emu::driver

#endif // MOEC_RUNTIME_EMULATOR_DRIVER_DRIVERSTATE_H
