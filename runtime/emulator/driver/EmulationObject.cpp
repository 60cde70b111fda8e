//===- EmulationObject.cpp - Finding and loading emulation objects --------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/driver/EmulationObject.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>

namespace moec::emu {

namespace {

template <typename T> T readLittle(const uint8_t *p) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    value |= T(p[i]) << (8 * i);
  return value;
}

/// A cubin is an ELF64 file: its size is the end of whatever lies furthest,
/// the section header table, a section's contents or a segment. The driver
/// reads as far as the headers say, so bytes after that (a caller's
/// padding) are not part of the image.
std::string measureElf(const uint8_t *p, size_t &bytes) {
  constexpr uint8_t kElfClass64 = 2;
  constexpr uint32_t kShtNobits = 8; // occupies no file space (.bss)
  if (p[4] != kElfClass64)
    return "the cubin is not a 64-bit ELF file (EI_CLASS " +
           std::to_string(p[4]) + ")";
  uint64_t phoff = readLittle<uint64_t>(p + 0x20);
  uint64_t shoff = readLittle<uint64_t>(p + 0x28);
  uint16_t ehsize = readLittle<uint16_t>(p + 0x34);
  uint16_t phentsize = readLittle<uint16_t>(p + 0x36);
  uint16_t phnum = readLittle<uint16_t>(p + 0x38);
  uint16_t shentsize = readLittle<uint16_t>(p + 0x3a);
  uint16_t shnum = readLittle<uint16_t>(p + 0x3c);
  // Guards against garbage headers making us read gigabytes.
  constexpr uint64_t kMaxCubin = uint64_t(1) << 32;
  if (shoff > kMaxCubin || phoff > kMaxCubin)
    return "the cubin's ELF header is corrupt (header table offsets past "
           "4 GiB)";
  uint64_t end = std::max<uint64_t>(ehsize, 64);
  end = std::max(end, shoff + uint64_t(shnum) * shentsize);
  end = std::max(end, phoff + uint64_t(phnum) * phentsize);
  for (uint16_t i = 0; i < shnum && shentsize >= 0x28; ++i) {
    const uint8_t *sh = p + shoff + uint64_t(i) * shentsize;
    if (readLittle<uint32_t>(sh + 4) == kShtNobits)
      continue;
    uint64_t offset = readLittle<uint64_t>(sh + 0x18);
    uint64_t size = readLittle<uint64_t>(sh + 0x20);
    if (offset > kMaxCubin || size > kMaxCubin)
      return "the cubin's section " + std::to_string(i) + " is corrupt";
    end = std::max(end, offset + size);
  }
  for (uint16_t i = 0; i < phnum && phentsize >= 0x38; ++i) {
    const uint8_t *ph = p + phoff + uint64_t(i) * phentsize;
    uint64_t offset = readLittle<uint64_t>(ph + 0x08);
    uint64_t size = readLittle<uint64_t>(ph + 0x20);
    if (offset > kMaxCubin || size > kMaxCubin)
      return "the cubin's segment " + std::to_string(i) + " is corrupt";
    end = std::max(end, offset + size);
  }
  bytes = size_t(end);
  return "";
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

std::string hashHex(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016" PRIx64, hash);
  return text;
}

std::string measureImage(const void *image, ImageInfo &info) {
  const uint8_t *p = static_cast<const uint8_t *>(image);
  if (std::memcmp(p,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    info.kind = "cubin";
    if (std::string error = measureElf(p, info.bytes); !error.empty())
      return error;
  } else if (readLittle<uint32_t>(p) == 0xBA55ED50u) {
    // A fatbin: magic, version (16 bits), header size (16 bits), then the
    // size of what follows the header (64 bits).
    info.kind = "fatbin";
    info.bytes = size_t(readLittle<uint16_t>(p + 6)) +
                 size_t(readLittle<uint64_t>(p + 8));
  } else {
    // PTX is read up to its NUL (CUDA Driver API, cuModuleLoadData: "a
    // NULL-terminated text string").
    info.kind = "PTX";
    info.bytes = std::strlen(reinterpret_cast<const char *>(p));
  }
  info.hash = moecEmuImageHash(image, info.bytes);
  return "";
}

std::string findObject(const std::vector<std::string> &directories,
                       uint64_t hash) {
  std::string suffix = "." + hashHex(hash) + ".emu.so";
  for (const std::string &directory : directories) {
    DIR *dir = ::opendir(directory.c_str());
    if (!dir)
      continue;
    std::vector<std::string> matches;
    while (struct dirent *entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name.size() > suffix.size() && endsWith(name, suffix))
        matches.push_back(name);
    }
    ::closedir(dir);
    if (matches.empty())
      continue;
    // Several names for one image (the same kernel emitted under two
    // names) are the same code; sorting makes the choice reproducible.
    std::sort(matches.begin(), matches.end());
    return directory + (endsWith(directory, "/") ? "" : "/") + matches.front();
  }
  return "";
}

std::string loadObject(const std::string &path, uint64_t hash,
                       void *const *hooks, LoadedObject &object) {
  ::dlerror();
  void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = ::dlerror();
    return "cannot load the emulation object " + path + ": " +
           (why ? why : "unknown error");
  }
  auto fail = [&](const std::string &message) {
    ::dlclose(handle);
    return "emulation object " + path + ": " + message;
  };
  auto symbol = [&](const char *name) { return ::dlsym(handle, name); };
  const auto *version =
      static_cast<const uint32_t *>(symbol("__moec_emu_abi_version"));
  const auto *imageHash =
      static_cast<const uint64_t *>(symbol("__moec_emu_image_hash"));
  auto *hookSlots = static_cast<void **>(symbol("__moec_emu_hooks"));
  const auto *count =
      static_cast<const uint32_t *>(symbol("__moec_emu_kernel_count"));
  const auto *kernels =
      static_cast<const MoecEmuKernel *>(symbol("__moec_emu_kernels"));
  if (!version)
    return fail("lacks __moec_emu_abi_version (not an emulation object?)");
  if (*version != MOEC_EMU_ABI_VERSION)
    return fail("ABI version mismatch: the object has emulator ABI version " +
                std::to_string(*version) + ", this emulator implements " +
                std::to_string(MOEC_EMU_ABI_VERSION) +
                "; rebuild the kernel and the emulator from the same moec");
  if (!imageHash || !hookSlots || !count || (*count > 0 && !kernels))
    return fail(std::string("lacks the symbol ") +
                (!imageHash   ? "__moec_emu_image_hash"
                 : !hookSlots ? "__moec_emu_hooks"
                 : !count     ? "__moec_emu_kernel_count"
                              : "__moec_emu_kernels"));
  if (*imageHash != hash)
    return fail("image hash mismatch: the object was compiled for the image "
                "with hash " +
                hashHex(*imageHash) + ", not " + hashHex(hash) +
                " (its file name does not match its contents; re-emit it)");
  for (uint32_t i = 0; i < *count; ++i)
    if (!kernels[i].name || !kernels[i].launch ||
        (kernels[i].param_count > 0 &&
         (!kernels[i].param_sizes || !kernels[i].param_aligns)))
      return fail("kernel table entry " + std::to_string(i) +
                  " is incomplete (name, launch or parameter sizes missing)");
  std::memcpy(hookSlots, hooks, sizeof(void *) * MOEC_EMU_HOOK_COUNT);
  object.handle = handle;
  object.path = path;
  object.kernels = kernels;
  object.kernelCount = *count;
  return "";
}

} // namespace moec::emu
