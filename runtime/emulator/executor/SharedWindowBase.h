//===- SharedWindowBase.h - Where emulated shared memory lives --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every CTA runs in the same shared memory window: a 4 GiB-aligned host
// region in which shared::cta address a is at base + a, dynamic shared
// memory starting at MOEC_EMU_SMEM_RESERVED_BYTES. The window never moves
// once mapped, so an emulation object (or a test kernel) can turn a shared
// address into a host pointer with this base.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_EXECUTOR_SHAREDWINDOWBASE_H
#define MOEC_RUNTIME_EMULATOR_EXECUTOR_SHAREDWINDOWBASE_H

#include <cstdint>

namespace moec::emu {

/// The base of the shared memory window, mapping it on first use; null when
/// the address space cannot be reserved.
uint8_t *sharedWindowBase();

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_EXECUTOR_SHAREDWINDOWBASE_H
