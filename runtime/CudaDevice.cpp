//===- CudaDevice.cpp - One GPU through the CUDA driver -------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements CudaDevice: the checks of open(), memory allocation,
// module loading with the JIT's error log, and launches. The owners it hands
// out (buffers, modules, streams, events) are in CudaObjects.cpp.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDevice.h"

#include "runtime/StringUtil.h"

#include <cstring>
#include <utility>
#include <vector>

namespace moec::runtime {

absl::StatusOr<std::unique_ptr<CudaDevice>>
CudaDevice::open(int ordinal, std::string libraryPath) {
  absl::StatusOr<std::shared_ptr<const CudaDriver>> driver =
      CudaDriver::load(std::move(libraryPath));
  if (!driver.ok())
    return driver.status();
  return open(*std::move(driver), ordinal);
}

absl::StatusOr<std::unique_ptr<CudaDevice>>
CudaDevice::open(std::shared_ptr<const CudaDriver> driver, int ordinal) {
  int count = 0;
  if (absl::Status s = driver->check(driver->api().deviceGetCount(&count),
                                     "cuDeviceGetCount");
      !s.ok())
    return s;
  if (count == 0)
    return absl::FailedPreconditionError(
        strCat("no CUDA GPU: the NVIDIA driver (", driver->library(), ", CUDA ",
               driver->version() / 1000, ".", driver->version() % 1000 / 10,
               ") reports 0 devices"));
  if (ordinal < 0 || ordinal >= count)
    return absl::FailedPreconditionError(
        strCat("no GPU ", ordinal, ": the NVIDIA driver reports ", count,
               count == 1 ? " GPU (ordinal 0)"
                          : strCat(" GPUs (ordinals 0 to ", count - 1, ")")));
  std::unique_ptr<CudaDevice> gpu(new CudaDevice());
  gpu->cu = std::move(driver);
  gpu->index = ordinal;
  if (absl::Status s = gpu->query(); !s.ok())
    return s;
  if (absl::Status s = gpu->checkSm90(); !s.ok())
    return s;
  if (absl::Status s = gpu->retainContext(); !s.ok())
    return s;
  return gpu;
}

/// Reads the device's name and attributes.
absl::Status CudaDevice::query() {
  const cuda::DriverApi &api = cu->api();
  std::string where = strCat("GPU ", index);
  if (absl::Status s = cu->check(api.deviceGet(&device, index),
                                 strCat(where, ": cuDeviceGet"));
      !s.ok())
    return s;
  char name[256] = {};
  size_t total = 0;
  absl::Status s = cu->check(api.deviceGetName(name, sizeof(name) - 1, device),
                             strCat(where, ": cuDeviceGetName"));
  auto attribute = [&](cuda::CUdevice_attribute a, int &value) {
    if (s.ok())
      s = cu->check(api.deviceGetAttribute(&value, a, device),
                    strCat(where, ": cuDeviceGetAttribute(", int(a), ")"));
  };
  attribute(cuda::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
            capability.major);
  attribute(cuda::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
            capability.minor);
  attribute(cuda::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, multiprocessors);
  if (s.ok())
    s = cu->check(api.deviceTotalMem(&total, device),
                  strCat(where, ": cuDeviceTotalMem"));
  deviceName = name;
  totalBytes = total;
  return s;
}

absl::Status CudaDevice::checkSm90() const {
  // sm_90a code (wgmma, setmaxnreg) runs on compute capability 9.0 only:
  // "a" targets are not forward compatible, so newer GPUs are refused too.
  if (capability.major != 9 || capability.minor != 0)
    return absl::FailedPreconditionError(
        strCat(describe(), " has compute capability ", capability.major, ".",
               capability.minor, "; moec's kernels need sm_90a (H100/H200)"));
  return absl::OkStatus();
}

absl::Status CudaDevice::retainContext() {
  if (absl::Status s =
          cu->check(cu->api().primaryCtxRetain(&context, device),
                    strCat(describe(), ": cuDevicePrimaryCtxRetain"));
      !s.ok()) {
    context = nullptr;
    return s;
  }
  return makeCurrent();
}

CudaDevice::~CudaDevice() {
  if (context)
    cu->api().primaryCtxRelease(device);
}

std::string CudaDevice::describe() const {
  return strCat("GPU ", index, " (", deviceName, ")");
}

absl::Status CudaDevice::makeCurrent() const {
  return cu->check(cu->api().ctxSetCurrent(context),
                   strCat(describe(), ": cuCtxSetCurrent"));
}

absl::StatusOr<DeviceBuffer> CudaDevice::allocate(uint64_t bytes) const {
  DeviceBuffer buffer;
  if (bytes == 0)
    return buffer;
  cuda::CUresult result = cu->api().memAlloc(&buffer.ptr, bytes);
  if (result == cuda::CUDA_ERROR_OUT_OF_MEMORY) {
    size_t free = 0, total = 0;
    bool known = cu->api().memGetInfo(&free, &total) == cuda::CUDA_SUCCESS;
    return absl::ResourceExhaustedError(strCat(
        "out of GPU memory: cannot allocate ", formatBytes(bytes), " (", bytes,
        " bytes) on ", describe(),
        known ? strCat(": ", formatBytes(free), " free of ", formatBytes(total))
              : ""));
  }
  if (absl::Status s = cu->check(
          result, strCat(describe(), ": cuMemAlloc of ", bytes, " bytes"));
      !s.ok())
    return s;
  buffer.driver = cu;
  buffer.bytes = bytes;
  return buffer;
}

/// Returns whether `image` is a cubin (ELF) or a fatbin, which the driver
/// takes as they are; anything else is PTX text.
static bool isBinaryImage(absl::Span<const uint8_t> image) {
  static constexpr uint8_t kElf[] = {0x7f, 'E', 'L', 'F'};
  static constexpr uint8_t kFatbin[] = {0x50, 0xed, 0x55, 0xba};
  return image.size() >= 4 && (std::memcmp(image.data(), kElf, 4) == 0 ||
                               std::memcmp(image.data(), kFatbin, 4) == 0);
}

/// Returns the JIT log without trailing blank space, or a note that the
/// driver left none.
static std::string trimLog(const char *log) {
  std::string text(log);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text.empty() ? "the JIT left no error log" : strCat("JIT log: ", text);
}

absl::StatusOr<CudaModule>
CudaDevice::loadModule(absl::Span<const uint8_t> image,
                       std::string what) const {
  if (image.empty())
    return absl::InvalidArgumentError(strCat(what, ": the image is empty"));
  // The driver reads PTX up to a NUL; artifacts store it without one.
  std::vector<uint8_t> ptx;
  if (!isBinaryImage(image) && image.back() != 0) {
    ptx.assign(image.begin(), image.end());
    ptx.push_back(0);
    image = ptx;
  }
  char log[16384] = {};
  cuda::CUjit_option options[] = {cuda::CU_JIT_ERROR_LOG_BUFFER,
                                  cuda::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log) - 1))};
  CudaModule module;
  cuda::CUresult result = cu->api().moduleLoadDataEx(
      &module.handle, image.data(), 2, options, values);
  if (result != cuda::CUDA_SUCCESS)
    return absl::InvalidArgumentError(
        strCat(what, ": cuModuleLoadDataEx failed on ", describe(), ": ",
               cu->describe(result), "; ", trimLog(log)));
  module.driver = cu;
  module.what = std::move(what);
  return module;
}

absl::Status CudaDevice::setMaxDynamicSharedMemory(const CudaFunction &fn,
                                                   uint32_t bytes) const {
  return cu->check(cu->api().funcSetAttribute(
                       fn.handle,
                       cuda::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                       int(bytes)),
                   strCat("kernel '", fn.name, "': allowing ", bytes,
                          " bytes of dynamic shared memory"),
                   absl::StatusCode::kInvalidArgument);
}

absl::StatusOr<cuda::CUtensorMap>
CudaDevice::encodeTiledTensorMap(const TensorMapSpec &spec,
                                 cuda::CUdeviceptr address) const {
  return runtime::encodeTiledTensorMap(*cu, spec, address);
}

/// Returns e.g. "grid 8x4x1, block 128x1x1, cluster 2x1x1, 1024 bytes of
/// dynamic shared memory".
static std::string describeDims(const LaunchDims &d) {
  auto dim3 = [](const std::array<uint32_t, 3> &v) {
    return strCat(v[0], "x", v[1], "x", v[2]);
  };
  return strCat("grid ", dim3(d.grid), ", block ", dim3(d.block), ", cluster ",
                dim3(d.cluster), ", ", d.dynamicSharedBytes,
                " bytes of dynamic shared memory");
}

/// Checks what the driver would reject with a bare CUDA_ERROR_INVALID_VALUE
/// or CUDA_ERROR_INVALID_CLUSTER_SIZE.
static absl::Status checkDims(const LaunchDims &d) {
  for (int i = 0; i < 3; ++i) {
    if (d.grid[i] == 0 || d.block[i] == 0 || d.cluster[i] == 0)
      return absl::InvalidArgumentError("a dimension is 0");
    if (d.grid[i] % d.cluster[i] != 0)
      return absl::InvalidArgumentError(
          strCat("grid dimension ", std::string(1, "xyz"[i]), " (", d.grid[i],
                 ") is not a multiple of the cluster's (", d.cluster[i], ")"));
  }
  return absl::OkStatus();
}

absl::Status CudaDevice::launch(const CudaFunction &fn, const LaunchDims &dims,
                                void **params, const CudaStream *stream) const {
  std::string what =
      strCat("launching kernel '", fn.name, "' (", describeDims(dims), ")");
  if (absl::Status s = checkDims(dims); !s.ok())
    return absl::InvalidArgumentError(strCat(what, ": ", s.message()));
  cuda::CUlaunchAttribute cluster{};
  cluster.id = cuda::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim = {dims.cluster[0], dims.cluster[1],
                              dims.cluster[2]};
  cuda::CUlaunchConfig config{};
  config.gridDimX = dims.grid[0];
  config.gridDimY = dims.grid[1];
  config.gridDimZ = dims.grid[2];
  config.blockDimX = dims.block[0];
  config.blockDimY = dims.block[1];
  config.blockDimZ = dims.block[2];
  config.sharedMemBytes = dims.dynamicSharedBytes;
  config.hStream = stream ? stream->handle() : nullptr;
  bool clustered = dims.cluster != std::array<uint32_t, 3>{1, 1, 1};
  config.attrs = clustered ? &cluster : nullptr;
  config.numAttrs = clustered ? 1 : 0;
  return cu->check(
      cu->api().launchKernelEx(&config, fn.handle, params, nullptr), what);
}

absl::StatusOr<CudaStream> CudaDevice::createStream() const {
  CudaStream stream;
  if (absl::Status s = cu->check(
          cu->api().streamCreate(&stream.stream, cuda::CU_STREAM_NON_BLOCKING),
          strCat(describe(), ": cuStreamCreate"));
      !s.ok())
    return s;
  stream.driver = cu;
  return stream;
}

absl::StatusOr<CudaEvent> CudaDevice::createEvent() const {
  CudaEvent event;
  if (absl::Status s =
          cu->check(cu->api().eventCreate(&event.event, cuda::CU_EVENT_DEFAULT),
                    strCat(describe(), ": cuEventCreate"));
      !s.ok())
    return s;
  event.driver = cu;
  return event;
}

absl::StatusOr<CudaGraph>
CudaDevice::captureGraph(const CudaStream &stream,
                         const std::function<absl::Status()> &enqueue) const {
  const cuda::DriverApi &api = cu->api();
  if (absl::Status s = cu->check(
          api.streamBeginCapture(stream.handle(),
                                 cuda::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
          strCat(describe(), ": cuStreamBeginCapture"));
      !s.ok())
    return s;
  absl::Status enqueued = enqueue();
  cuda::CUgraph graph = nullptr;
  absl::Status ended = cu->check(api.streamEndCapture(stream.handle(), &graph),
                                 strCat(describe(), ": cuStreamEndCapture"));
  if (!enqueued.ok() || !ended.ok()) {
    if (graph)
      api.graphDestroy(graph);
    return enqueued.ok() ? ended : enqueued;
  }
  CudaGraph instantiated;
  absl::Status made =
      cu->check(api.graphInstantiate(&instantiated.exec, graph, 0),
                strCat(describe(), ": cuGraphInstantiate"));
  api.graphDestroy(graph);
  if (!made.ok())
    return made;
  instantiated.driver = cu;
  return instantiated;
}

} // namespace moec::runtime
