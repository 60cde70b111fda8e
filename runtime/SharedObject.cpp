//===- SharedObject.cpp - Loading shared objects from memory --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements SharedObject: the ELF checks, the memfd (or unlinked
// mkstemp file) that dlopen reads, and symbol lookup.
//
//===----------------------------------------------------------------------===//

#include "runtime/SharedObject.h"

#include "runtime/File.h"
#include "runtime/StringUtil.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace moec::runtime {

#if defined(__x86_64__)
static constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
static constexpr uint16_t kHostMachine = EM_AARCH64;
#else
static constexpr uint16_t kHostMachine = EM_NONE;
#endif

std::string_view hostCpuTarget() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

/// Returns the artifact name of ELF machine `machine`.
static std::string machineName(uint16_t machine) {
  switch (machine) {
  case EM_X86_64:
    return "x86_64";
  case EM_AARCH64:
    return "aarch64";
  default:
    return strCat("ELF machine ", machine);
  }
}

/// Returns dlerror()'s message, or `fallback` when there is none.
static std::string dlError(std::string_view fallback) {
  const char *message = ::dlerror();
  return message ? std::string(message) : std::string(fallback);
}

absl::Status checkElfSharedObject(absl::Span<const uint8_t> bytes,
                                  std::string_view where) {
  auto error = [&](std::string_view message) {
    return absl::InvalidArgumentError(
        strCat(where, ": not a loadable shared object: ", message));
  };
  Elf64_Ehdr header;
  if (bytes.size() < sizeof(header))
    return error(strCat(bytes.size(), " bytes, too short for an ELF header"));
  // The bytes need not be aligned for Elf64_Ehdr: copy instead of casting.
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return error("no ELF magic number");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB)
    return error("not a 64-bit little-endian ELF file");
  if (header.e_type != ET_DYN)
    return error(
        strCat("ELF type ", header.e_type, " is not a shared object (ET_DYN)"));
  if (header.e_machine != kHostMachine)
    return error(strCat("built for ", machineName(header.e_machine),
                        ", this machine is ", hostCpuTarget()));
  uint64_t tableEnd = 0;
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 ||
      __builtin_add_overflow(header.e_phoff,
                             uint64_t(header.e_phnum) * sizeof(Elf64_Phdr),
                             &tableEnd) ||
      tableEnd > bytes.size())
    return error("the program header table is missing or truncated");
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, bytes.data() + header.e_phoff + i * sizeof(segment),
                sizeof(segment));
    if (segment.p_type != PT_LOAD && segment.p_type != PT_DYNAMIC)
      continue;
    uint64_t end = 0;
    // Mapping a segment past the end of the file would fault (SIGBUS) when
    // the loader touches it.
    if (__builtin_add_overflow(segment.p_offset, segment.p_filesz, &end) ||
        end > bytes.size() ||
        (segment.p_type == PT_LOAD && segment.p_filesz > segment.p_memsz))
      return error(strCat("segment ", i, " (bytes [", segment.p_offset, ", +",
                          segment.p_filesz, ")) lies outside the ",
                          bytes.size(), " bytes (truncated?)"));
  }
  return absl::OkStatus();
}

/// Writes all of `bytes` to `fd`.
static bool writeAll(int fd, absl::Span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}

/// Loads `bytes` through an anonymous memfd; returns nullptr in `handle`
/// with an OK status when memfd or /proc is unavailable (the caller falls
/// back to a temporary file). The memfd moves to `kept`: it must stay open
/// while the object is loaded, because glibc recognizes loaded objects by
/// path, and a later memfd with the same number would otherwise get this
/// object back from dlopen.
static absl::Status loadThroughMemfd(absl::Span<const uint8_t> bytes,
                                     std::string_view where, void *&handle,
                                     ScopedFd &kept) {
  handle = nullptr;
  ScopedFd fd(::memfd_create("moec-kernel", MFD_CLOEXEC));
  if (fd.get() < 0)
    return absl::OkStatus();
  std::string path = strCat("/proc/self/fd/", fd.get());
  if (::access(path.c_str(), R_OK) != 0)
    return absl::OkStatus();
  if (!writeAll(fd.get(), bytes))
    return absl::InternalError(strCat(where,
                                      ": cannot write the shared object "
                                      "to a memfd: ",
                                      std::strerror(errno)));
  handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return absl::InvalidArgumentError(
        strCat(where, ": dlopen failed: ", dlError("unknown error")));
  kept = std::move(fd);
  return absl::OkStatus();
}

/// Loads `bytes` through a mkstemp file in $TMPDIR (or /tmp), unlinked as
/// soon as dlopen has mapped it.
static absl::Status loadThroughTempFile(absl::Span<const uint8_t> bytes,
                                        std::string_view where, void *&handle) {
  const char *tmp = std::getenv("TMPDIR");
  std::string path =
      joinPath(tmp && *tmp ? tmp : "/tmp", "moec-kernel-XXXXXX.so");
  ScopedFd fd(::mkstemps(path.data(), 3));
  if (fd.get() < 0)
    return makeFileError(errno, "create a temporary file for a kernel", path);
  bool written = writeAll(fd.get(), bytes);
  int writeErrno = errno;
  handle = written ? ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL) : nullptr;
  std::string dlMessage = handle ? "" : dlError("unknown error");
  ::unlink(path.c_str());
  if (!written)
    return makeFileError(writeErrno, "write", path);
  if (!handle)
    return absl::InvalidArgumentError(
        strCat(where, ": dlopen failed: ", dlMessage));
  return absl::OkStatus();
}

absl::StatusOr<SharedObject> SharedObject::load(absl::Span<const uint8_t> bytes,
                                                std::string where,
                                                Method method) {
  if (absl::Status s = checkElfSharedObject(bytes, where); !s.ok())
    return s;
  void *handle = nullptr;
  ScopedFd memfd;
  if (method == Method::Memfd)
    if (absl::Status s = loadThroughMemfd(bytes, where, handle, memfd); !s.ok())
      return s;
  if (!handle)
    if (absl::Status s = loadThroughTempFile(bytes, where, handle); !s.ok())
      return s;
  SharedObject result;
  result.handle = handle;
  result.memfd = std::move(memfd);
  result.where = std::move(where);
  return result;
}

SharedObject::SharedObject(SharedObject &&other) noexcept {
  *this = std::move(other);
}

SharedObject &SharedObject::operator=(SharedObject &&other) noexcept {
  if (this == &other)
    return *this;
  unload();
  handle = std::exchange(other.handle, nullptr);
  memfd = std::move(other.memfd);
  where = std::move(other.where);
  return *this;
}

SharedObject::~SharedObject() { unload(); }

void SharedObject::unload() {
  if (!handle)
    return;
  ::dlclose(handle);
  handle = nullptr;
  if (memfd.get() < 0)
    return;
  // dlclose need not unload (e.g. an object with unique symbols stays):
  // then its /proc/self/fd path stays registered, so the descriptor must
  // stay taken too, or a later memfd with its number would be answered
  // with this object.
  std::string path = strCat("/proc/self/fd/", memfd.get());
  if (void *stillLoaded = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
    ::dlclose(stillLoaded);
    (void)memfd.release();
  }
  memfd = ScopedFd();
}

/// Returns the link map of the object that holds `address`, or null.
static const link_map *objectHolding(const void *address) {
  Dl_info info;
  void *map = nullptr;
  if (::dladdr1(address, &info, &map, RTLD_DL_LINKMAP) == 0)
    return nullptr;
  return static_cast<const link_map *>(map);
}

absl::StatusOr<void *> SharedObject::symbol(const std::string &name) const {
  ::dlerror(); // clear a stale message
  void *address = ::dlsym(handle, name.c_str());
  if (!address)
    return absl::NotFoundError(
        strCat(where, ": entry symbol '", name,
               "' not found: ", dlError("the symbol is null")));
  // dlsym also searches the object's dependencies (libc, libm), so a name
  // like "abort" would resolve to code the artifact does not contain.
  link_map *own = nullptr;
  const link_map *holder = objectHolding(address);
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &own) != 0 || !holder || holder != own)
    return absl::NotFoundError(
        strCat(where, ": entry symbol '", name,
               "' is not defined in the artifact's code (it resolves to ",
               holder && holder->l_name && *holder->l_name
                   ? strCat("'", holder->l_name, "'")
                   : std::string("another object"),
               "); an artifact may only call its own code"));
  return address;
}

} // namespace moec::runtime
