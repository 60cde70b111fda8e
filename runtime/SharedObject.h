//===- SharedObject.h - Loading shared objects from memory ------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares SharedObject: a CPU kernel's shared object, loaded from
// bytes held in memory (an artifact's kernel table). The bytes go into an
// anonymous memfd that dlopen reads through /proc/self/fd, so no file with a
// predictable name is ever written; where memfd_create or /proc is missing,
// a mkstemp file in $TMPDIR is used and unlinked right after dlopen.
//
// Before dlopen the ELF header and program headers are checked (64-bit,
// little-endian, ET_DYN, the host's machine, every loaded segment inside the
// bytes), so that a corrupted kernel gives an error rather than a fault
// inside the dynamic loader.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_SHAREDOBJECT_H
#define MOEC_RUNTIME_SHAREDOBJECT_H

#include "runtime/File.h"

#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace moec::runtime {

/// Returns the name artifacts use for the host's CPU ("x86_64", "aarch64"),
/// or "unknown".
std::string_view hostCpuTarget();

/// Checks that `bytes` hold an ELF shared object the host can load.
/// InvalidArgument messages start with `where`.
absl::Status checkElfSharedObject(absl::Span<const uint8_t> bytes,
                                  std::string_view where);

/// A shared object loaded with RTLD_NOW | RTLD_LOCAL; dlclose'd on
/// destruction. Move-only.
class SharedObject {
public:
  /// How load hands the bytes to dlopen.
  enum class Method {
    /// An anonymous memfd, or the temporary file where that fails.
    Memfd,
    /// Always the unlinked temporary file (tests use it to cover the
    /// fallback).
    TempFile,
  };

  /// Checks and loads `bytes`; errors start with `where` (e.g. "kernels[0]
  /// 'model'") and carry dlerror()'s message.
  static absl::StatusOr<SharedObject> load(absl::Span<const uint8_t> bytes,
                                           std::string where,
                                           Method method = Method::Memfd);

  SharedObject(SharedObject &&other) noexcept;
  SharedObject &operator=(SharedObject &&other) noexcept;
  SharedObject(const SharedObject &) = delete;
  SharedObject &operator=(const SharedObject &) = delete;
  ~SharedObject();

  /// Returns the address of `name`; NotFound naming the object, the symbol
  /// and dlerror()'s message when it is missing.
  absl::StatusOr<void *> symbol(const std::string &name) const;

private:
  SharedObject() = default;
  /// dlclose's the object; keeps its memfd open if it stays loaded.
  void unload();

  void *handle = nullptr;
  /// The memfd dlopen read, open as long as the object is loaded.
  ScopedFd memfd;
  std::string where;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_SHAREDOBJECT_H
