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

/// The size cap of the JSON files the runtime and the compiler read
/// (config.json, model.safetensors.index.json, tokenizer.json, ...): far
/// above any real one, low enough that a hostile file cannot exhaust memory.
inline constexpr size_t kMaxJsonFileBytes = size_t(64) << 20;

/// Opens `path` read-only and checks that it is a regular file (directories,
/// FIFOs and devices are rejected with a message naming the path, without
/// blocking on a FIFO that has no writer).
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

/// Writes a file under a temporary name in the folder of `path` and renames
/// it into place on commit(), so that a failed or interrupted write never
/// leaves a truncated file at `path`. Until committed, the temporary file is
/// removed on destruction.
class AtomicFileWriter {
public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;
  ~AtomicFileWriter();

  /// Creates the temporary file beside `path`.
  absl::Status open(const std::string &path);
  /// Appends `size` bytes. The first error is kept; commit() reports it.
  void write(const void *data, size_t size);
  /// Closes the temporary file and renames it to the path given to open();
  /// on any error (including one of write()) removes it and returns a status
  /// naming the path.
  absl::Status commit();

private:
  void discard();

  std::string path;
  std::string tempPath;
  ScopedFd fd;
  int writeErrno = 0;
};

/// Writes `bytes` to `path` through an AtomicFileWriter.
absl::Status writeFileAtomically(const std::string &path,
                                 std::string_view bytes);

/// Checks, without leaving anything behind, that a file can be created in
/// the folder of `path` and that `path` is not a folder: a missing or
/// unwritable folder is reported before any work is done.
absl::Status checkOutputPath(const std::string &path);

/// Flushes stdout and reports whether everything written to it arrived: a
/// full disk (`> /dev/full`) or a closed stdout (`>&-`) is an error, so that
/// a tool does not exit 0 with its output lost.
absl::Status flushStdout();

/// The exit status of a tool whose work ended with `exitCode`: when stdout
/// lost output (flushStdout), prints "<program>: error: ..." and turns a
/// success into status 1.
int exitCodeAfterFlushingStdout(const char *program, int exitCode);

/// Returns true when `a` and `b` name the same existing file (following
/// symbolic links).
bool isSameFile(const std::string &a, const std::string &b);

/// Returns true when `name` is a plain file name: not empty, without '/',
/// '\\', '..' or a NUL byte, so that joining it to a folder stays inside.
bool isPlainFileName(std::string_view name);

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
