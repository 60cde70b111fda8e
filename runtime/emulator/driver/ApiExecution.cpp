//===- ApiExecution.cpp - Modules, launches, streams, graphs, events, tensor
// maps -===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/driver/DriverState.h"

#include <cinttypes>

#include "runtime/emulator/semantics/TensorMap.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

using namespace moec::emu;
using namespace moec::emu::driver;

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
