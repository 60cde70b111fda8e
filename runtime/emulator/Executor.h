//===- Executor.h - Runs an emulated kernel grid on the host ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The boundary between the emulating driver (runtime/emulator/Driver*.cpp:
// the libcuda API) and the CTA executor (fibers, mbarriers, collectives,
// TMA and wgmma through the hook table of moec/emulator_abi.h).
//
// The driver owns device memory (host allocations) and emulation objects;
// the executor runs one grid at a time, CTA after CTA, each CTA's threads
// as cooperatively scheduled fibers on the calling OS thread.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_EXECUTOR_H
#define MOEC_RUNTIME_EMULATOR_EXECUTOR_H

#include "moec/emulator_abi.h"

#include <cstdint>
#include <string>

namespace moec::emu {

/// Where device allocations live: the executor asks it about every global
/// access. Implemented by the driver.
class DeviceMemory {
public:
  virtual ~DeviceMemory() = default;
  /// True when [address, address + bytes) lies inside one live allocation.
  /// Otherwise false, with `detail` describing the nearest allocation
  /// ("12 bytes past the end of the 4096-byte allocation at 0x...").
  virtual bool contains(uint64_t address, uint64_t bytes,
                        std::string &detail) const = 0;
};

struct Dim3 {
  uint32_t x = 1, y = 1, z = 1;
  uint64_t count() const { return uint64_t(x) * y * z; }
};

struct GridLaunch {
  const MoecEmuKernel *kernel = nullptr;
  /// One pointer per parameter (the driver's own copies).
  void **params = nullptr;
  Dim3 grid, block;
  uint32_t dynamicSmemBytes = 0;
  const DeviceMemory *memory = nullptr;
};

/// What went wrong in a grid: empty when it ran to completion. Otherwise a
/// named error with the kernel, the block and the thread, e.g.
/// "deadlock in kernel 'k' block (3,0,0): ...", "out-of-bounds global store
/// of 4 bytes at 0x... by thread 130 (warp 4, lane 2) ...".
struct GridResult {
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Runs every CTA of the grid to completion (or to the first error).
GridResult runGrid(const GridLaunch &launch);

/// The hook table an emulation object's `__moec_emu_hooks` must hold:
/// MOEC_EMU_HOOK_COUNT function pointers, in MoecEmuHook order.
void *const *emulatorHookTable();

/// The shared memory a CTA may use (sm_90: 227 KiB of dynamic shared memory
/// per block, 228 KiB per SM minus the 1 KiB reserved per block).
inline constexpr uint32_t kMaxDynamicSmemBytes = 232448;

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_EXECUTOR_H
