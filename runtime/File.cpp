//===- File.cpp - Small file-system helpers for the runtime ---------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements reading whole text files and the errno-to-status
// conversion used by the runtime's file readers.
//
//===----------------------------------------------------------------------===//

#include "runtime/File.h"

#include "runtime/StringUtil.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moec::runtime {

absl::Status makeFileError(int errnoValue, std::string_view what,
                           std::string_view path) {
  return absl::ErrnoToStatus(errnoValue,
                             strCat("cannot ", what, " '", path, "'"));
}

ScopedFd &ScopedFd::operator=(ScopedFd &&other) noexcept {
  if (this != &other) {
    if (fd >= 0)
      ::close(fd);
    fd = other.release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd >= 0)
    ::close(fd);
}

absl::StatusOr<OpenFile> openRegularFile(const std::string &path) {
  OpenFile file;
  file.fd = ScopedFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd.get() < 0)
    return makeFileError(errno, "open", path);
  struct stat st;
  if (::fstat(file.fd.get(), &st) != 0)
    return makeFileError(errno, "stat", path);
  if (!S_ISREG(st.st_mode))
    return absl::InvalidArgumentError(
        strCat("cannot read '", path, "': not a regular file"));
  file.size = static_cast<uint64_t>(st.st_size);
  return file;
}

/// Reads exactly `size` bytes from `fd` into `out`, retrying short reads.
static absl::Status readAll(int fd, std::string &out, size_t size,
                            const std::string &path) {
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t got = ::read(fd, out.data() + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return makeFileError(errno, "read", path);
    if (got == 0)
      return absl::DataLossError(strCat("cannot read '", path,
                                        "': file shrank to ", done,
                                        " bytes while it was being read"));
    done += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> readTextFile(const std::string &path,
                                         size_t maxBytes) {
  absl::StatusOr<OpenFile> file = openRegularFile(path);
  if (!file.ok())
    return file.status();
  if (file->size > maxBytes)
    return absl::InvalidArgumentError(
        strCat("cannot read '", path, "': file is ", file->size,
               " bytes, more than the limit of ", maxBytes, " bytes"));
  std::string text;
  absl::Status status =
      readAll(file->fd.get(), text, static_cast<size_t>(file->size), path);
  if (!status.ok())
    return status;
  return text;
}

std::string joinPath(std::string_view dir, std::string_view name) {
  if (dir.empty())
    return std::string(name);
  if (dir.back() == '/')
    return strCat(dir, name);
  return strCat(dir, "/", name);
}

bool pathExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool isRegularFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace moec::runtime
