//===- CudaDriver.cpp - The CUDA driver API, loaded with dlopen -----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements CudaDriver: dlopen of libcuda, the entry point table
// and the error messages built from cuGetErrorName/cuGetErrorString.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"

#include "runtime/StringUtil.h"

#include <cstdlib>
#include <dlfcn.h>
#include <unistd.h>

namespace moec::runtime {

/// Returns dlerror()'s message, or `fallback` when there is none.
static std::string dlError(std::string_view fallback) {
  const char *message = ::dlerror();
  return message ? std::string(message) : std::string(fallback);
}

/// Returns the library to load: `path`, else $MOEC_LIBCUDA, else the
/// default; `fromEnv` says whether the environment chose it.
static std::string chooseLibrary(std::string path, bool &fromEnv) {
  fromEnv = false;
  if (!path.empty())
    return path;
  const char *env = std::getenv(CudaDriver::kLibraryEnvVar);
  if (env && *env) {
    fromEnv = true;
    return env;
  }
  return CudaDriver::kDefaultLibrary;
}

/// Resolves `symbol` into `entry`, or fails naming what is missing.
template <typename Fn>
static absl::Status resolve(void *handle, const std::string &library,
                            const char *symbol, Fn &entry) {
  ::dlerror(); // clear a stale message
  void *address = ::dlsym(handle, symbol);
  if (!address)
    return absl::FailedPreconditionError(
        strCat("CUDA driver ", library, " lacks the entry point ", symbol, " (",
               dlError("the symbol is null"),
               "); moec needs an NVIDIA driver for CUDA 12.0 or newer"));
  entry = reinterpret_cast<Fn>(address);
  return absl::OkStatus();
}

absl::Status CudaDriver::resolveEntryPoints() {
  cuda::DriverApi &e = entries;
  // Each pair: the symbol, then where it goes. The _v2 names are the ones
  // cuda.h maps the plain names to (64-bit sizes, current semantics).
  absl::Status s = absl::OkStatus();
  auto get = [&](const char *symbol, auto &entry) {
    if (s.ok())
      s = resolve(handle, path, symbol, entry);
  };
  get("cuGetErrorName", e.getErrorName);
  get("cuGetErrorString", e.getErrorString);
  get("cuInit", e.init);
  get("cuDriverGetVersion", e.driverGetVersion);
  get("cuDeviceGet", e.deviceGet);
  get("cuDeviceGetCount", e.deviceGetCount);
  get("cuDeviceGetName", e.deviceGetName);
  get("cuDeviceGetAttribute", e.deviceGetAttribute);
  get("cuDeviceTotalMem_v2", e.deviceTotalMem);
  get("cuDevicePrimaryCtxRetain", e.primaryCtxRetain);
  get("cuDevicePrimaryCtxRelease_v2", e.primaryCtxRelease);
  get("cuCtxSetCurrent", e.ctxSetCurrent);
  get("cuMemGetInfo_v2", e.memGetInfo);
  get("cuMemAlloc_v2", e.memAlloc);
  get("cuMemFree_v2", e.memFree);
  get("cuMemcpyHtoD_v2", e.memcpyHtoD);
  get("cuMemcpyDtoH_v2", e.memcpyDtoH);
  get("cuMemsetD8_v2", e.memsetD8);
  get("cuMemsetD32Async", e.memsetD32Async);
  get("cuModuleLoadDataEx", e.moduleLoadDataEx);
  get("cuModuleGetFunction", e.moduleGetFunction);
  get("cuModuleUnload", e.moduleUnload);
  get("cuFuncSetAttribute", e.funcSetAttribute);
  get("cuLaunchKernelEx", e.launchKernelEx);
  get("cuStreamCreate", e.streamCreate);
  get("cuStreamSynchronize", e.streamSynchronize);
  get("cuStreamDestroy_v2", e.streamDestroy);
  get("cuEventCreate", e.eventCreate);
  get("cuEventRecord", e.eventRecord);
  get("cuEventSynchronize", e.eventSynchronize);
  // Every CUDA 12+ driver exports the plain name; CUDA 13's header maps it
  // to cuEventElapsedTime_v2 (12.8+), which has the same signature.
  get("cuEventElapsedTime", e.eventElapsedTime);
  get("cuEventDestroy_v2", e.eventDestroy);
  get("cuStreamWaitEvent", e.streamWaitEvent);
  get("cuStreamBeginCapture_v2", e.streamBeginCapture);
  get("cuStreamEndCapture", e.streamEndCapture);
  get("cuGraphInstantiateWithFlags", e.graphInstantiate);
  get("cuGraphLaunch", e.graphLaunch);
  get("cuGraphExecDestroy", e.graphExecDestroy);
  get("cuGraphDestroy", e.graphDestroy);
  get("cuTensorMapEncodeTiled", e.tensorMapEncodeTiled);
  return s;
}

absl::StatusOr<std::shared_ptr<const CudaDriver>>
CudaDriver::load(std::string path) {
  return loadLibrary(std::move(path), /*emulator=*/false);
}

/// The directory of the running program ("" when /proc does not say).
static std::string programDirectory() {
  char buffer[4096];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0)
    return "";
  std::string path(buffer, size_t(length));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string CudaDriver::emulatorLibrary() {
  if (const char *env = std::getenv(kEmulatorEnvVar); env && *env)
    return env;
  // bin/<program> and lib/emulator/libcuda.so.1 of one build tree, so that
  // a build tree copied to another machine finds its own emulator.
  if (std::string dir = programDirectory(); !dir.empty()) {
    std::string beside = strCat(dir, "/../lib/emulator/libcuda.so.1");
    if (::access(beside.c_str(), R_OK) == 0)
      return beside;
  }
#ifdef MOEC_EMULATOR_LIBCUDA_BUILD_PATH
  return MOEC_EMULATOR_LIBCUDA_BUILD_PATH;
#else
  return "lib/emulator/libcuda.so.1";
#endif
}

absl::StatusOr<std::shared_ptr<const CudaDriver>> CudaDriver::loadEmulator() {
  return loadLibrary(emulatorLibrary(), /*emulator=*/true);
}

absl::StatusOr<std::shared_ptr<const CudaDriver>>
CudaDriver::loadLibrary(std::string path, bool emulator) {
  bool fromEnv = false;
  std::shared_ptr<CudaDriver> driver(new CudaDriver());
  if (emulator) {
    const char *env = std::getenv(kEmulatorEnvVar);
    fromEnv = env && *env;
    driver->path = std::move(path);
  } else {
    driver->path = chooseLibrary(std::move(path), fromEnv);
  }
  ::dlerror();
  // RTLD_LOCAL: libcuda's symbols stay out of the global namespace.
  // RTLD_NODELETE: libcuda starts threads in cuInit and is not made to be
  // unloaded, so dlclose only drops the reference.
  driver->handle =
      ::dlopen(driver->path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!driver->handle && emulator)
    return absl::FailedPreconditionError(strCat(
        "moec emulator not found: cannot load ",
        fromEnv ? strCat("$", kEmulatorEnvVar, "=") : "", driver->path, " (",
        dlError("unknown error"),
        "); build the MoecCudaEmulator target (lib/emulator/libcuda.so.1 of "
        "the build tree) or set $",
        kEmulatorEnvVar, " to its path"));
  if (!driver->handle)
    return absl::FailedPreconditionError(strCat(
        "CUDA driver not found: cannot load ",
        fromEnv ? strCat("$", kLibraryEnvVar, "=") : "", driver->path, " (",
        dlError("unknown error"),
        "); the cuda device needs an NVIDIA GPU driver (set $", kLibraryEnvVar,
        " to libcuda's path if it is installed elsewhere)"));
  if (absl::Status s = driver->resolveEntryPoints(); !s.ok())
    return s;
  // Only the emulating driver has it; it is optional for any library.
  driver->addSearchPath = reinterpret_cast<void (*)(const char *)>(
      ::dlsym(driver->handle, "moecEmulatorAddSearchPath"));
  if (emulator && !driver->addSearchPath)
    return absl::FailedPreconditionError(
        strCat(driver->path, " is not moec's emulating driver (it lacks "
                             "moecEmulatorAddSearchPath)"));
  const cuda::DriverApi &cu = driver->entries;
  if (absl::Status s = driver->check(
          cu.init(0), strCat("CUDA driver ", driver->path, ": cuInit"),
          absl::StatusCode::kFailedPrecondition);
      !s.ok())
    return s;
  if (absl::Status s = driver->check(
          cu.driverGetVersion(&driver->driverVersion), "cuDriverGetVersion");
      !s.ok())
    return s;
  return std::shared_ptr<const CudaDriver>(std::move(driver));
}

void CudaDriver::addEmulatorSearchPath(const std::string &directory) const {
  if (addSearchPath)
    addSearchPath(directory.c_str());
}

CudaDriver::~CudaDriver() {
  if (handle)
    ::dlclose(handle);
}

std::string CudaDriver::describe(cuda::CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  if (entries.getErrorName(result, &name) != cuda::CUDA_SUCCESS || !name)
    return strCat("CUresult ", result);
  if (entries.getErrorString(result, &text) != cuda::CUDA_SUCCESS || !text)
    return name;
  return strCat(name, " (", text, ")");
}

absl::Status CudaDriver::check(cuda::CUresult result, std::string_view what,
                               absl::StatusCode code) const {
  if (result == cuda::CUDA_SUCCESS)
    return absl::OkStatus();
  return absl::Status(code, strCat(what, " failed: ", describe(result)));
}

} // namespace moec::runtime
