//===- CudaDriver.h - The CUDA driver API, loaded with dlopen ---*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares CudaDriver: libcuda loaded at run time with dlopen, its
// entry points resolved by name, and cuInit called. The runtime builds and
// its tests pass on machines without CUDA (DESIGN.md section 4), so it never
// includes cuda.h: runtime/CudaAbi.h declares the driver types and
// constants it uses.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CUDADRIVER_H
#define MOEC_RUNTIME_CUDADRIVER_H

#include "runtime/CudaAbi.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace moec::cuda {

/// The driver entry points moec calls, resolved from libcuda by the symbol
/// names in comments (the versioned ones cuda.h maps the plain names to).
struct DriverApi {
  CUresult (*getErrorName)(CUresult, const char **);   // cuGetErrorName
  CUresult (*getErrorString)(CUresult, const char **); // cuGetErrorString
  CUresult (*init)(unsigned flags);                    // cuInit
  CUresult (*driverGetVersion)(int *);                 // cuDriverGetVersion
  CUresult (*deviceGet)(CUdevice *, int ordinal);      // cuDeviceGet
  CUresult (*deviceGetCount)(int *);                   // cuDeviceGetCount
  CUresult (*deviceGetName)(char *, int, CUdevice);    // cuDeviceGetName
  CUresult (*deviceGetAttribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*deviceTotalMem)(size_t *, CUdevice);      // cuDeviceTotalMem_v2
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice); // ...PrimaryCtxRetain
  CUresult (*primaryCtxRelease)(CUdevice);             // ...Release_v2
  CUresult (*ctxSetCurrent)(CUcontext);                // cuCtxSetCurrent
  CUresult (*memGetInfo)(size_t *free, size_t *total); // cuMemGetInfo_v2
  CUresult (*memAlloc)(CUdeviceptr *, size_t);         // cuMemAlloc_v2
  CUresult (*memFree)(CUdeviceptr);                    // cuMemFree_v2
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*memsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*memsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *image, unsigned count,
                               CUjit_option *options, void **values);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*funcSetAttribute)(CUfunction, CUfunction_attribute, int);
  CUresult (*launchKernelEx)(const CUlaunchConfig *, CUfunction, void **params,
                             void **extra);
  CUresult (*streamCreate)(CUstream *, unsigned flags);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*streamDestroy)(CUstream); // cuStreamDestroy_v2
  CUresult (*eventCreate)(CUevent *, unsigned flags);
  CUresult (*eventRecord)(CUevent, CUstream);
  CUresult (*eventSynchronize)(CUevent);
  CUresult (*eventElapsedTime)(float *ms, CUevent start, CUevent end);
  CUresult (*eventDestroy)(CUevent); // cuEventDestroy_v2
  CUresult (*streamWaitEvent)(CUstream, CUevent, unsigned flags);
  CUresult (*streamBeginCapture)(CUstream, CUstreamCaptureMode); // ..._v2
  CUresult (*streamEndCapture)(CUstream, CUgraph *);
  CUresult (*graphInstantiate)(CUgraphExec *, CUgraph, // ...WithFlags
                               unsigned long long flags);
  CUresult (*graphLaunch)(CUgraphExec, CUstream);
  CUresult (*graphExecDestroy)(CUgraphExec);
  CUresult (*graphDestroy)(CUgraph);
  CUresult (*tensorMapEncodeTiled)(
      CUtensorMap *, CUtensorMapDataType, uint32_t rank, void *address,
      const uint64_t *dims, const uint64_t *strides, const uint32_t *box,
      const uint32_t *elementStrides, CUtensorMapInterleave, CUtensorMapSwizzle,
      CUtensorMapL2promotion, CUtensorMapFloatOOBfill);
};

} // namespace moec::cuda

namespace moec::runtime {

/// libcuda, loaded and initialised (cuInit). Immutable once loaded, so one
/// instance is shared (std::shared_ptr) by everything that calls the driver.
/// The library stays mapped after the last owner goes (RTLD_NODELETE).
class CudaDriver {
public:
  /// The library loaded when neither load's argument nor $MOEC_LIBCUDA
  /// names one.
  static constexpr const char *kDefaultLibrary = "libcuda.so.1";
  /// Overrides the default (tests point it at a fake driver).
  static constexpr const char *kLibraryEnvVar = "MOEC_LIBCUDA";

  /// Loads `path` (empty: $MOEC_LIBCUDA, else libcuda.so.1), resolves every
  /// entry point and calls cuInit. FailedPrecondition when the library is
  /// missing, lacks an entry point or cuInit fails.
  static absl::StatusOr<std::shared_ptr<const CudaDriver>>
  load(std::string path = "");

  /// Overrides where the emulating driver (runtime/emulator/driver, a
  /// libcuda.so.1 that runs kernels on the host) is loaded from.
  static constexpr const char *kEmulatorEnvVar = "MOEC_EMULATOR_LIBCUDA";
  /// The emulating driver's path: $MOEC_EMULATOR_LIBCUDA, else
  /// <directory of the running program>/../lib/emulator/libcuda.so.1 when
  /// it exists (a build or install tree carried to another machine), else
  /// the copy in the build tree this runtime was built in.
  static std::string emulatorLibrary();
  /// Loads the emulating driver (emulatorLibrary()) like load() does a
  /// real one; `--device emulator` of the tools.
  static absl::StatusOr<std::shared_ptr<const CudaDriver>> loadEmulator();

  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;
  ~CudaDriver();

  /// The resolved entry points.
  const cuda::DriverApi &api() const { return entries; }
  /// The library as it was named to dlopen, e.g. "libcuda.so.1".
  const std::string &library() const { return path; }
  /// cuDriverGetVersion's value, e.g. 13000 for CUDA 13.0.
  int version() const { return driverVersion; }
  /// True when the library is moec's emulating driver (it exports
  /// moecEmulatorAddSearchPath).
  bool isEmulator() const { return addSearchPath != nullptr; }
  /// Makes the emulating driver look for emulation objects
  /// (NAME.<hash>.emu.so) in `directory` too; nothing for a real driver.
  void addEmulatorSearchPath(const std::string &directory) const;

  /// Returns e.g. "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", or "CUresult
  /// 1234" when the driver does not know `result`.
  std::string describe(cuda::CUresult result) const;
  /// OK for CUDA_SUCCESS; otherwise a `code` error "<what> failed: <describe>".
  absl::Status check(cuda::CUresult result, std::string_view what,
                     absl::StatusCode code = absl::StatusCode::kInternal) const;

private:
  CudaDriver() = default;
  absl::Status resolveEntryPoints();
  static absl::StatusOr<std::shared_ptr<const CudaDriver>>
  loadLibrary(std::string path, bool emulator);

  void *handle = nullptr;
  std::string path;
  int driverVersion = 0;
  cuda::DriverApi entries{};
  /// The emulator's moecEmulatorAddSearchPath; null for a real driver.
  void (*addSearchPath)(const char *directory) = nullptr;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CUDADRIVER_H
