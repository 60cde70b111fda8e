//===- EmulationObject.h - Finding and loading emulation objects -*- C++
//-*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The driver is given only an image (cubin, fatbin or PTX text); moec writes
// the image's emulation object beside the cubin as
// NAME.<16 hex digits of moecEmuImageHash(image)>.emu.so. This file measures
// an image, finds its object in the search path and loads it, checking the
// ABI symbols of moec/emulator_abi.h.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_DRIVER_EMULATIONOBJECT_H
#define MOEC_RUNTIME_EMULATOR_DRIVER_EMULATIONOBJECT_H

#include "moec/emulator_abi.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moec::emu {

/// What cuModuleLoadData was given.
struct ImageInfo {
  const char *kind = "PTX"; // "cubin", "fatbin" or "PTX"
  size_t bytes = 0;
  uint64_t hash = 0;
};

/// Measures `image` (a cubin's size from its ELF64 headers, a fatbin's from
/// its header, PTX up to the NUL) and hashes it. Returns "" or why the image
/// is malformed.
std::string measureImage(const void *image, ImageInfo &info);

/// "0123456789abcdef".
std::string hashHex(uint64_t hash);

/// A dlopen'ed emulation object whose symbols passed the checks.
struct LoadedObject {
  void *handle = nullptr;
  std::string path;
  const MoecEmuKernel *kernels = nullptr;
  uint32_t kernelCount = 0;
};

/// Finds the object for `hash` in `directories` (in order; the first match
/// in a directory, by name). Returns its path, or "" when there is none.
std::string findObject(const std::vector<std::string> &directories,
                       uint64_t hash);

/// dlopens `path`, checks __moec_emu_abi_version and __moec_emu_image_hash
/// and fills __moec_emu_hooks with `hooks`. Returns "" or the error (the
/// object is closed again then).
std::string loadObject(const std::string &path, uint64_t hash,
                       void *const *hooks, LoadedObject &object);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_DRIVER_EMULATIONOBJECT_H
