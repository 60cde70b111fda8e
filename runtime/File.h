//===- File.h - Small file-system helpers for the runtime -------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the few file-system helpers the runtime needs: reading a
// whole text file, joining paths, and turning errno values into statuses whose
// messages name the file involved.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_FILE_H
#define MOEC_RUNTIME_FILE_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace moec::runtime {

/// Owns a POSIX file descriptor and closes it on destruction. Move-only.
class ScopedFd {
public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd(fd) {}
  ScopedFd(ScopedFd &&other) noexcept : fd(other.release()) {}
  ScopedFd &operator=(ScopedFd &&other) noexcept;
  ScopedFd(const ScopedFd &) = delete;
  ScopedFd &operator=(const ScopedFd &) = delete;
  ~ScopedFd();

  /// Returns the descriptor, or -1 when none is owned.
  int get() const { return fd; }
  /// Gives up ownership and returns the descriptor.
  int release() {
    int result = fd;
    fd = -1;
    return result;
  }

private:
  int fd = -1;
};

/// A regular file opened read-only, with its size at the time of opening.
struct OpenFile {
  ScopedFd fd;
  uint64_t size = 0;
};

/// Opens `path` read-only and checks that it is a regular file (directories
/// and devices are rejected with a message naming the path).
absl::StatusOr<OpenFile> openRegularFile(const std::string &path);

/// Returns a status for the failed system call `what` on `path`, with a code
/// derived from `errnoValue` (ENOENT gives NotFound, EACCES PermissionDenied,
/// ...) and a message such as "cannot open 'x': No such file or directory".
absl::Status makeFileError(int errnoValue, std::string_view what,
                           std::string_view path);

/// Reads the whole file at `path`. Fails with a message naming the path when
/// the file is missing, unreadable, a directory, or larger than `maxBytes`.
absl::StatusOr<std::string> readTextFile(const std::string &path,
                                         size_t maxBytes = size_t(1) << 30);

/// Joins a directory and a file name with exactly one '/' between them.
std::string joinPath(std::string_view dir, std::string_view name);

/// Returns true when something exists at `path` (following symbolic links).
bool pathExists(const std::string &path);

/// Returns true when `path` names an existing regular file (following
/// symbolic links).
bool isRegularFile(const std::string &path);

/// Returns true when `path` names an existing directory (following symbolic
/// links).
bool isDirectory(const std::string &path);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_FILE_H
