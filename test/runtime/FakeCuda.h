//===- FakeCuda.h - Running the runtime against the fake libcuda -*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the helpers that point the runtime's CUDA driver at
// FakeLibcuda.c (built as MOEC_FAKE_LIBCUDA) for the length of a scope, so
// that tests of the cuda device run the same on every machine, with or
// without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_FAKECUDA_H
#define MOEC_TEST_RUNTIME_FAKECUDA_H

#include <cstdlib>
#include <dlfcn.h>
#include <optional>
#include <string>

namespace moec::runtime::testutil {

/// Sets environment variable `name` to `value` (nullptr: unsets it) until
/// the end of the scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    if (const char *old = std::getenv(name))
      saved = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;
  ~ScopedEnv() {
    if (saved)
      ::setenv(name.c_str(), saved->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }

private:
  std::string name;
  std::optional<std::string> saved;
};

/// The fake driver in `mode` (see FakeLibcuda.c) as $MOEC_LIBCUDA. It stays
/// loaded for the scope, so its call log outlives the runtime's dlclose.
class FakeCuda {
public:
  explicit FakeCuda(const char *mode = "ok",
                    const char *path = MOEC_FAKE_LIBCUDA)
      : library("MOEC_LIBCUDA", path), modeVar("FAKE_CUDA_MODE", mode),
        handle(::dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
    clearLog();
  }
  FakeCuda(const FakeCuda &) = delete;
  FakeCuda &operator=(const FakeCuda &) = delete;
  ~FakeCuda() {
    if (handle)
      ::dlclose(handle);
  }

  /// The calls logged since the last clearLog(), one per line.
  std::string log() const {
    auto fn = reinterpret_cast<const char *(*)()>(symbol("fakeCudaLog"));
    return fn ? fn() : "(the fake driver is not loaded)";
  }
  void clearLog() const {
    if (auto fn = reinterpret_cast<void (*)()>(symbol("fakeCudaClearLog")))
      fn();
  }
  /// Contexts, allocations, modules, streams and events not yet released.
  int liveObjects() const {
    auto fn = reinterpret_cast<int (*)()>(symbol("fakeCudaLiveObjects"));
    return fn ? fn() : -1;
  }

private:
  void *symbol(const char *name) const {
    return handle ? ::dlsym(handle, name) : nullptr;
  }

  ScopedEnv library;
  ScopedEnv modeVar;
  void *handle;
};

} // namespace moec::runtime::testutil

#endif // MOEC_TEST_RUNTIME_FAKECUDA_H
