//===- SharedWindow.h - One CTA's shared memory as a window -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The shared::cta address space of one CTA as the semantic functions see it,
// and the address swizzle that TMA and wgmma share.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_SHAREDWINDOW_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_SHAREDWINDOW_H

#include <cstdint>

namespace moec::emu {

/// One CTA's shared memory as a shared::cta address space: address a
/// (a 32-bit shared-window offset) is base[a], valid for a < size.
struct SharedWindow {
  uint8_t *base = nullptr;
  uint32_t size = 0;
};

/// The swizzle span in bytes of a swizzle mode as TMA tensor maps and wgmma
/// descriptors both name it: 0 (none), 32, 64 or 128.
///
/// Applies the shared-memory swizzle of that span to a shared-window address.
/// The hardware permutes 16-byte chunks by XORing address bits, so the
/// pattern depends on the absolute address (PTX ISA, "Tensor Swizzling
/// Modes"; the same functions as CUTLASS's Swizzle<3,4,3>, <2,4,3>, <1,4,3>):
///   128B: bits [4,7) ^= bits [7,10)
///    64B: bits [4,6) ^= bits [7,9)
///    32B: bit 4 ^= bit 7
/// Any other span leaves the address alone. The XOR only touches bits below
/// the span, so a swizzled address stays in its span-aligned chunk.
inline uint32_t swizzleSharedAddress(uint32_t address, uint32_t spanBytes) {
  switch (spanBytes) {
  case 128:
    return address ^ (((address >> 7) & 7u) << 4);
  case 64:
    return address ^ (((address >> 7) & 3u) << 4);
  case 32:
    return address ^ (((address >> 7) & 1u) << 4);
  default:
    return address;
  }
}

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_SHAREDWINDOW_H
