//===- MemoryRegistry.h - The emulated device's memory ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Device memory of the emulating driver: cuMemAlloc returns host
// allocations, and every device range the driver or a kernel touches is
// checked against the live ones, so that an access outside them is an error
// naming the nearest allocation instead of silent host memory corruption.
//
// Not thread-safe: the driver calls it with its lock held, and the executor
// calls contains() from inside runGrid, which the driver calls with its
// lock held too.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_DRIVER_MEMORYREGISTRY_H
#define MOEC_RUNTIME_EMULATOR_DRIVER_MEMORYREGISTRY_H

#include "runtime/emulator/Executor.h"

#include <cstdint>
#include <map>
#include <string>

namespace moec::emu {

class MemoryRegistry final : public DeviceMemory {
public:
  /// What uninitialized device memory holds: not zero, so that code which
  /// relies on fresh allocations being zeroed fails in the emulator too.
  static constexpr uint8_t kFillByte = 0xA5;
  /// cuMemAlloc's alignment on every GPU.
  static constexpr uint64_t kAlignment = 256;

  MemoryRegistry() = default;
  MemoryRegistry(const MemoryRegistry &) = delete;
  MemoryRegistry &operator=(const MemoryRegistry &) = delete;
  ~MemoryRegistry() override;

  /// A new allocation of `bytes` (> 0) filled with kFillByte; 0 when the
  /// host is out of memory.
  uint64_t allocate(uint64_t bytes);
  /// Frees the allocation that starts at `address`; false when there is
  /// none.
  bool release(uint64_t address);
  /// Frees everything (the context was reset).
  void releaseAll();
  /// Bytes held by live allocations.
  uint64_t allocatedBytes() const { return allocated; }

  bool contains(uint64_t address, uint64_t bytes,
                std::string &detail) const override;

private:
  /// base -> size of the live allocations.
  std::map<uint64_t, uint64_t> live;
  /// base -> size of allocations freed recently (use-after-free reports).
  std::map<uint64_t, uint64_t> freed;
  uint64_t allocated = 0;
};

/// "0x7f0012345600" for error messages.
std::string hexAddress(uint64_t address);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_DRIVER_MEMORYREGISTRY_H
