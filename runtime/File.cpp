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
#include <cstdio>
#include <cstdlib>
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
  // O_NONBLOCK: opening a FIFO without a writer would otherwise wait
  // forever; the file type is checked before anything is read.
  file.fd = ScopedFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (file.fd.get() < 0)
    return makeFileError(errno, "open", path);
  struct stat st;
  if (::fstat(file.fd.get(), &st) != 0)
    return makeFileError(errno, "stat", path);
  if (!S_ISREG(st.st_mode))
    return absl::InvalidArgumentError(
        strCat("cannot read '", path, "': not a regular file"));
  // Back to blocking reads (regular files ignore the flag, but callers may
  // hand the descriptor on).
  int flags = ::fcntl(file.fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(file.fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    return makeFileError(errno, "configure", path);
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
               " bytes, more than the limit of ", maxBytes, " bytes",
               maxBytes % (size_t(1) << 20) == 0
                   ? strCat(" (", maxBytes >> 20, " MiB)")
                   : std::string()));
  std::string text;
  absl::Status status =
      readAll(file->fd.get(), text, static_cast<size_t>(file->size), path);
  if (!status.ok())
    return status;
  return text;
}

/// Returns the folder part of `path` ("." for a bare file name).
static std::string folderOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Creates an empty, uniquely named file beside `path`; returns its
/// descriptor and sets `tempPath`.
static absl::StatusOr<ScopedFd> createTempBeside(const std::string &path,
                                                 std::string &tempPath) {
  std::string folder = folderOf(path);
  if (!isDirectory(folder))
    return absl::NotFoundError(strCat("cannot write '", path, "': folder '",
                                      folder, "' does not exist"));
  tempPath = strCat(path, ".tmp-XXXXXX");
  ScopedFd fd(::mkostemp(tempPath.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    int error = errno;
    tempPath.clear();
    return absl::ErrnoToStatus(error, strCat("cannot write '", path,
                                             "': cannot create a file in '",
                                             folder, "'"));
  }
  return fd;
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::discard() {
  fd = ScopedFd();
  if (!tempPath.empty())
    ::unlink(tempPath.c_str());
  tempPath.clear();
}

absl::Status AtomicFileWriter::open(const std::string &target) {
  discard();
  path = target;
  writeErrno = 0;
  // Renaming over a device node would replace it (as root).
  if (pathExists(path) && !isRegularFile(path))
    return absl::InvalidArgumentError(
        strCat("cannot write '", path, "': not a regular file"));
  absl::StatusOr<ScopedFd> created = createTempBeside(path, tempPath);
  if (!created.ok())
    return created.status();
  fd = std::move(*created);
  // mkostemp creates the file private (0600); give it the permissions a
  // plain create would.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd.get(), 0666 & ~mask) != 0)
    writeErrno = errno;
  return absl::OkStatus();
}

void AtomicFileWriter::write(const void *data, size_t size) {
  const char *bytes = static_cast<const char *>(data);
  while (size > 0 && writeErrno == 0 && fd.get() >= 0) {
    ssize_t done = ::write(fd.get(), bytes, size);
    if (done < 0 && errno == EINTR)
      continue;
    if (done < 0) {
      writeErrno = errno;
      return;
    }
    bytes += done;
    size -= static_cast<size_t>(done);
  }
}

absl::Status AtomicFileWriter::commit() {
  if (fd.get() < 0)
    return absl::FailedPreconditionError(
        strCat("cannot write '", path, "': the file was not opened"));
  int error = writeErrno;
  if (error == 0 && ::close(fd.release()) != 0)
    error = errno;
  if (error == 0 && ::rename(tempPath.c_str(), path.c_str()) != 0)
    error = errno;
  if (error != 0) {
    discard();
    return makeFileError(error, "write", path);
  }
  tempPath.clear();
  return absl::OkStatus();
}

absl::Status writeFileAtomically(const std::string &path,
                                 std::string_view bytes) {
  AtomicFileWriter writer;
  if (absl::Status status = writer.open(path); !status.ok())
    return status;
  writer.write(bytes.data(), bytes.size());
  return writer.commit();
}

absl::Status checkOutputPath(const std::string &path) {
  if (isDirectory(path))
    return absl::InvalidArgumentError(
        strCat("cannot write '", path, "': it is a folder"));
  // A device or FIFO (/dev/null, /dev/stdout) is written in place.
  if (pathExists(path) && !isRegularFile(path))
    return absl::OkStatus();
  // Creating a file is the one reliable test (permissions, read-only file
  // systems, root's privileges).
  std::string tempPath;
  absl::StatusOr<ScopedFd> probe = createTempBeside(path, tempPath);
  if (!probe.ok())
    return probe.status();
  ::unlink(tempPath.c_str());
  return absl::OkStatus();
}

absl::Status flushStdout() {
  errno = 0;
  int flushed = std::fflush(stdout);
  int error = errno;
  if (flushed == 0 && !std::ferror(stdout))
    return absl::OkStatus();
  // An earlier failed write leaves only the error flag; EBADF or ENOSPC
  // comes from the flush when it fails itself.
  return absl::ErrnoToStatus(error != 0 ? error : EIO,
                             "cannot write the output to stdout");
}

int exitCodeAfterFlushingStdout(const char *program, int exitCode) {
  absl::Status status = flushStdout();
  if (status.ok())
    return exitCode;
  std::fprintf(stderr, "%s: error: %s\n", program,
               std::string(status.message()).c_str());
  return exitCode != 0 ? exitCode : 1;
}

bool isSameFile(const std::string &a, const std::string &b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool isPlainFileName(std::string_view name) {
  return !name.empty() && name.find('/') == name.npos &&
         name.find('\\') == name.npos && name.find("..") == name.npos &&
         name.find('\0') == name.npos;
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
