//===- CudaDevice.h - One GPU through the CUDA driver -----------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares CudaDevice, the GPU the runtime's CUDA device runs on:
// opening checks that a driver and an sm_90 GPU are there and makes the
// GPU's primary context current; then it loads modules (cubin or PTX),
// encodes TMA tensor maps, launches kernels with cuLaunchKernelEx (thread
// block clusters included) and hands out device memory, streams and events
// as move-only owners that release them on destruction.
//
// Driver calls act on the calling thread's current context: use a device
// and its objects on the thread that opened it, or call makeCurrent() first.
// Destroy the objects before their device, which releases the context.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CUDADEVICE_H
#define MOEC_RUNTIME_CUDADEVICE_H

#include "runtime/CudaDriver.h"
#include "runtime/CudaTensorMap.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace moec::runtime {

class CudaStream;
class CudaEvent;

/// Device memory from cuMemAlloc, freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  cuda::CUdeviceptr address() const { return ptr; }
  uint64_t size() const { return bytes; }

  /// Copies `from` to bytes [offset, offset + from.size()) of the buffer.
  absl::Status copyFromHost(absl::Span<const uint8_t> from,
                            uint64_t offset = 0);
  /// Copies bytes [offset, offset + to.size()) of the buffer to `to`.
  absl::Status copyToHost(absl::Span<uint8_t> to, uint64_t offset = 0) const;
  /// Sets every byte to `value`.
  absl::Status fill(uint8_t value);
  /// Queues setting `count` 32-bit words from byte `offset` to `value` on
  /// `stream` (nullptr: the default stream); graph-capturable.
  absl::Status fillWordsAsync(uint32_t value, uint64_t count,
                              const CudaStream *stream, uint64_t offset = 0);

private:
  friend class CudaDevice;
  absl::Status checkRange(std::string_view what, uint64_t offset,
                          uint64_t count) const;

  std::shared_ptr<const CudaDriver> driver;
  cuda::CUdeviceptr ptr = 0;
  uint64_t bytes = 0;
};

/// A kernel of a loaded module; the name is kept for error messages.
struct CudaFunction {
  cuda::CUfunction handle = nullptr;
  std::string name;
};

/// A loaded cubin or PTX module, unloaded on destruction.
class CudaModule {
public:
  CudaModule(CudaModule &&other) noexcept;
  CudaModule &operator=(CudaModule &&other) noexcept;
  ~CudaModule();

  /// Looks up kernel `name`; NotFound naming the module otherwise.
  absl::StatusOr<CudaFunction> function(const std::string &name) const;

private:
  friend class CudaDevice;
  CudaModule() = default;

  std::shared_ptr<const CudaDriver> driver;
  cuda::CUmodule handle = nullptr;
  std::string what;
};

/// A non-blocking stream, destroyed on destruction.
class CudaStream {
public:
  CudaStream(CudaStream &&other) noexcept;
  CudaStream &operator=(CudaStream &&other) noexcept;
  ~CudaStream();

  cuda::CUstream handle() const { return stream; }
  /// Waits until everything queued on the stream is done.
  absl::Status synchronize() const;
  /// Makes later work on this stream wait for `event`'s last record (the
  /// fork and join of concurrent streams; capturable).
  absl::Status waitFor(const CudaEvent &event) const;

private:
  friend class CudaDevice;
  CudaStream() = default;

  std::shared_ptr<const CudaDriver> driver;
  cuda::CUstream stream = nullptr;
};

/// A timing event, destroyed on destruction.
class CudaEvent {
public:
  CudaEvent(CudaEvent &&other) noexcept;
  CudaEvent &operator=(CudaEvent &&other) noexcept;
  ~CudaEvent();

  /// Records the event on `stream` (nullptr: the default stream).
  absl::Status record(const CudaStream *stream = nullptr);
  /// Waits until the event has happened.
  absl::Status synchronize() const;
  /// Returns the milliseconds between two recorded, completed events.
  static absl::StatusOr<float> elapsedMs(const CudaEvent &start,
                                         const CudaEvent &end);

private:
  friend class CudaDevice;
  friend class CudaStream;
  CudaEvent() = default;

  std::shared_ptr<const CudaDriver> driver;
  cuda::CUevent event = nullptr;
};

/// An instantiated CUDA graph (cuGraphInstantiate), destroyed on
/// destruction: a captured launch sequence replayed with one call.
class CudaGraph {
public:
  CudaGraph(CudaGraph &&other) noexcept;
  CudaGraph &operator=(CudaGraph &&other) noexcept;
  ~CudaGraph();

  /// Queues the whole graph on `stream`.
  absl::Status launch(const CudaStream &stream) const;

private:
  friend class CudaDevice;
  CudaGraph() = default;

  std::shared_ptr<const CudaDriver> driver;
  cuda::CUgraphExec exec = nullptr;
};

/// A launch's shape. Every grid dimension must be a multiple of the
/// cluster's; a 1x1x1 cluster launches without the cluster attribute.
struct LaunchDims {
  std::array<uint32_t, 3> grid{1, 1, 1};
  std::array<uint32_t, 3> block{1, 1, 1};
  std::array<uint32_t, 3> cluster{1, 1, 1};
  uint32_t dynamicSharedBytes = 0;
};

/// A GPU's compute capability, e.g. 9.0 for H100 and H200.
struct ComputeCapability {
  int major = 0;
  int minor = 0;
};

/// One GPU, its primary context current on the thread that opened it.
class CudaDevice {
public:
  /// Loads the driver (CudaDriver::load(libraryPath)) and opens GPU
  /// `ordinal`. FailedPrecondition, with the reason, when there is no
  /// driver, no such GPU or the GPU is not sm_90 (moec's kernels are
  /// sm_90a: Hopper only, not forward compatible).
  static absl::StatusOr<std::unique_ptr<CudaDevice>>
  open(int ordinal = 0, std::string libraryPath = "");
  /// Opens GPU `ordinal` with an already loaded (non-null) driver.
  static absl::StatusOr<std::unique_ptr<CudaDevice>>
  open(std::shared_ptr<const CudaDriver> driver, int ordinal);

  CudaDevice(const CudaDevice &) = delete;
  CudaDevice &operator=(const CudaDevice &) = delete;
  ~CudaDevice();

  const CudaDriver &driver() const { return *cu; }
  int ordinal() const { return index; }
  const std::string &name() const { return deviceName; }
  ComputeCapability computeCapability() const { return capability; }
  int smCount() const { return multiprocessors; }
  uint64_t totalMemory() const { return totalBytes; }
  /// "GPU 0 (NVIDIA H100 80GB HBM3)", for messages.
  std::string describe() const;

  /// Makes the primary context current on the calling thread.
  absl::Status makeCurrent() const;

  /// Allocates `bytes` of device memory; ResourceExhausted with the free
  /// and total memory when the GPU has too little.
  absl::StatusOr<DeviceBuffer> allocate(uint64_t bytes) const;

  /// Loads a cubin (ELF), fatbin or PTX image (a NUL is appended to PTX
  /// that lacks one). InvalidArgument with the JIT's error log when the
  /// driver rejects it; errors start with `what` (e.g. "kernels[2] 'gemm'").
  absl::StatusOr<CudaModule> loadModule(absl::Span<const uint8_t> image,
                                        std::string what) const;

  /// Lets `fn` use up to `bytes` of dynamic shared memory (above 48 KiB
  /// needs this).
  absl::Status setMaxDynamicSharedMemory(const CudaFunction &fn,
                                         uint32_t bytes) const;

  /// Validates `spec` and encodes the tensor map of the tensor at `address`.
  absl::StatusOr<cuda::CUtensorMap>
  encodeTiledTensorMap(const TensorMapSpec &spec,
                       cuda::CUdeviceptr address) const;

  /// Launches `fn` with cuLaunchKernelEx on `stream` (nullptr: the default
  /// stream); `params` points at each kernel parameter, as cuLaunchKernel
  /// takes them.
  absl::Status launch(const CudaFunction &fn, const LaunchDims &dims,
                      void **params, const CudaStream *stream = nullptr) const;

  absl::StatusOr<CudaStream> createStream() const;
  absl::StatusOr<CudaEvent> createEvent() const;

  /// Captures what `enqueue` queues on `stream` (thread-local capture: a
  /// host synchronization or a default-stream operation inside it fails)
  /// and instantiates it. The capture always ends, also when `enqueue`
  /// fails, whose error is returned then.
  absl::StatusOr<CudaGraph>
  captureGraph(const CudaStream &stream,
               const std::function<absl::Status()> &enqueue) const;

private:
  CudaDevice() = default;
  absl::Status query();
  absl::Status checkSm90() const;
  absl::Status retainContext();

  std::shared_ptr<const CudaDriver> cu;
  int index = 0;
  cuda::CUdevice device = 0;
  cuda::CUcontext context = nullptr;
  std::string deviceName;
  ComputeCapability capability;
  int multiprocessors = 0;
  uint64_t totalBytes = 0;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CUDADEVICE_H
