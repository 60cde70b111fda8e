//===- MemoryRegistry.cpp - The emulated device's memory ------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/driver/MemoryRegistry.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace moec::emu {

namespace {
/// Bounds the use-after-free record; older entries are forgotten.
constexpr size_t kMaxFreedRecords = 4096;

std::string describeAllocation(uint64_t base, uint64_t size) {
  char text[96];
  std::snprintf(text, sizeof(text), "the %" PRIu64 "-byte allocation at %s",
                size, hexAddress(base).c_str());
  return text;
}
} // namespace

std::string hexAddress(uint64_t address) {
  char text[32];
  std::snprintf(text, sizeof(text), "0x%" PRIx64, address);
  return text;
}

MemoryRegistry::~MemoryRegistry() { releaseAll(); }

uint64_t MemoryRegistry::allocate(uint64_t bytes) {
  uint64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void *memory = std::aligned_alloc(kAlignment, rounded);
  if (!memory)
    return 0;
  std::memset(memory, kFillByte, rounded);
  uint64_t base = uint64_t(uintptr_t(memory));
  // The host may hand out an address range freed earlier: it is live again.
  freed.erase(base);
  live[base] = bytes;
  allocated += bytes;
  return base;
}

bool MemoryRegistry::release(uint64_t address) {
  auto it = live.find(address);
  if (it == live.end())
    return false;
  if (freed.size() >= kMaxFreedRecords)
    freed.clear();
  freed[it->first] = it->second;
  allocated -= it->second;
  std::free(reinterpret_cast<void *>(uintptr_t(it->first)));
  live.erase(it);
  return true;
}

void MemoryRegistry::releaseAll() {
  for (auto &[base, size] : live)
    std::free(reinterpret_cast<void *>(uintptr_t(base)));
  live.clear();
  freed.clear();
  allocated = 0;
}

bool MemoryRegistry::contains(uint64_t address, uint64_t bytes,
                              std::string &detail) const {
  uint64_t end = address + bytes;
  if (end < address) {
    detail = "the range wraps around the address space";
    return false;
  }
  // The allocation at or before `address`, and the one after it.
  auto next = live.upper_bound(address);
  auto prev = next == live.begin() ? live.end() : std::prev(next);
  if (prev != live.end() && end <= prev->first + prev->second &&
      address >= prev->first)
    return true;
  // Inside an allocation that was freed (and not handed out again)?
  auto gone = freed.upper_bound(address);
  if (gone != freed.begin()) {
    --gone;
    if (address < gone->first + gone->second) {
      detail = std::to_string(address - gone->first) + " bytes into " +
               describeAllocation(gone->first, gone->second) +
               ", which was freed";
      return false;
    }
  }
  if (live.empty()) {
    detail = "no device memory is allocated";
    return false;
  }
  uint64_t pastPrev = UINT64_MAX, beforeNext = UINT64_MAX;
  if (prev != live.end()) {
    uint64_t prevEnd = prev->first + prev->second;
    pastPrev = address >= prevEnd ? address - prevEnd : 0;
  }
  if (next != live.end())
    beforeNext = next->first >= end ? next->first - end : 0;
  if (pastPrev <= beforeNext) {
    uint64_t prevEnd = prev->first + prev->second;
    if (address < prevEnd)
      detail = "its last " + std::to_string(end - prevEnd) +
               " bytes lie past the end of " +
               describeAllocation(prev->first, prev->second);
    else
      detail = std::to_string(pastPrev) + " bytes past the end of " +
               describeAllocation(prev->first, prev->second);
  } else {
    if (end > next->first)
      detail = "it starts " + std::to_string(next->first - address) +
               " bytes before the start of " +
               describeAllocation(next->first, next->second);
    else
      detail = std::to_string(beforeNext) + " bytes before the start of " +
               describeAllocation(next->first, next->second);
  }
  return false;
}

} // namespace moec::emu
