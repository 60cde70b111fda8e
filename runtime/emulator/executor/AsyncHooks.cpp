//===- AsyncHooks.cpp - TMA, wgmma, FP8, memory checks --------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/CtaState.h"

#include "runtime/emulator/semantics/Fp8.h"
#include "runtime/emulator/semantics/SharedWindow.h"
#include "runtime/emulator/semantics/Tma.h"
#include "runtime/emulator/semantics/Wgmma.h"

#include <algorithm>
#include <cstring>

namespace moec::emu::detail {

/// The global memory a TMA box reads must be device memory: every in-bounds
/// row (run along dimension 0) of the box lies in one allocation. Elements
/// outside the tensor's bounds are never read (they are filled), so they do
/// not count.
static bool checkTmaGlobal(const Cta &cta, const TensorMapDesc &map,
                           const int32_t *coords, uint32_t rank,
                           std::string &error) {
  if (rank != map.rank) {
    error = format("the instruction is %ud but the tensor map has rank %u",
                   rank, map.rank);
    return false;
  }
  int64_t lo[5] = {0, 0, 0, 0, 0}, hi[5] = {1, 1, 1, 1, 1};
  for (uint32_t i = 0; i < rank; ++i) {
    lo[i] = std::max<int64_t>(0, coords[i]);
    hi[i] = std::min<int64_t>(int64_t(map.dims[i]),
                              int64_t(coords[i]) + int64_t(map.box[i]));
    if (lo[i] >= hi[i])
      return true; // the whole box is out of bounds: it is only filled
  }
  auto offsetOf = [&](const int64_t *index) {
    uint64_t offset = 0;
    for (uint32_t i = 0; i < rank; ++i)
      offset += uint64_t(index[i]) * map.strides[i];
    return offset;
  };
  uint64_t rowBytes = uint64_t(hi[0] - lo[0]) * map.strides[0];
  const DeviceMemory *memory = cta.launch->memory;
  std::string detail;
  // Fast path: the span from the first to the last row is one allocation.
  int64_t last[5];
  for (uint32_t i = 0; i < 5; ++i)
    last[i] = i == 0 ? lo[0] : hi[i] - 1;
  uint64_t first = offsetOf(lo), end = offsetOf(last) + rowBytes;
  if (memory && end > first &&
      memory->contains(map.globalAddress + first, end - first, detail))
    return true;
  int64_t index[5] = {lo[0], lo[1], lo[2], lo[3], lo[4]};
  while (true) {
    uint64_t address = map.globalAddress + offsetOf(index);
    detail.clear();
    if (!memory || !memory->contains(address, rowBytes, detail)) {
      std::string box, row;
      for (uint32_t i = 0; i < rank; ++i) {
        box += format(i ? ", %d" : "%d", coords[i]);
        row += format(i ? ", %lld" : "%lld", (long long)index[i]);
      }
      error = format("out-of-bounds TMA read: the box at tensor coordinates "
                     "(%s) reads %llu bytes at 0x%llx (elements (%s)) of the "
                     "tensor at 0x%llx, outside device memory",
                     box.c_str(), (unsigned long long)rowBytes,
                     (unsigned long long)address, row.c_str(),
                     (unsigned long long)map.globalAddress);
      if (!detail.empty())
        error += ": " + detail;
      return false;
    }
    uint32_t i = 1;
    for (; i < rank; ++i) {
      if (++index[i] < hi[i])
        break;
      index[i] = lo[i];
    }
    if (i >= rank)
      return true;
  }
}

void hookTmaLoad(void *dst, const void *tensorMap, const int32_t *coords,
                 uint32_t rank, void *mbar, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  if (rank < 1 || rank > 5)
    FAIL(t, site, "cp.async.bulk.tensor with rank %u (1..5)", rank);
  uint32_t barrier;
  mbarrierAt(t, mbar, "cp.async.bulk.tensor (complete_tx)", site, barrier,
             false);
  uint32_t address;
  if (!sharedAddress(cta, dst, address) || address < kReserved ||
      address >= cta.dynamicEnd())
    FAIL(t, site,
         "cp.async.bulk.tensor destination %p is not in dynamic shared "
         "memory (%s)",
         dst, dynamicRange(cta).c_str());
  cta.copies.emplace_back();
  PendingCopy &copy = cta.copies.back();
  {
    std::string error;
    std::optional<TensorMapDesc> map = decodeTensorMap(tensorMap, error);
    if (map) {
      copy.map = *map;
      checkTmaGlobal(cta, copy.map, coords, rank, error);
    } else if (error.empty()) {
      error = "invalid tensor map";
    }
    if (!error.empty()) {
      cta.copies.pop_back();
      recordError(cta, t, site,
                  format("cp.async.bulk.tensor.%ud with the tensor map at %p: ",
                         rank, tensorMap) +
                      error);
    }
  }
  if (cta.aborted)
    abandon(t);
  std::copy(coords, coords + rank, copy.coords);
  copy.rank = rank;
  copy.dst = address;
  copy.mbarrier = barrier;
  copy.thread = t.linear;
  copy.site = site;
}

void hookWgmmaFence(const char *site) {
  Thread &t = current(site);
  if (joinWarpgroup(t, Collective::WgmmaFence, site))
    releaseWarpgroup(*t.cta, t.warp / 4);
}

void hookWgmmaCommit(const char *site) {
  Thread &t = current(site);
  if (joinWarpgroup(t, Collective::WgmmaCommit, site))
    releaseWarpgroup(*t.cta, t.warp / 4);
}

void hookWgmmaWait(uint32_t pending, const char *site) {
  Thread &t = current(site);
  // The MMA already happened at its rendezvous: every group is complete.
  (void)pending;
  if (joinWarpgroup(t, Collective::WgmmaWait, site))
    releaseWarpgroup(*t.cta, t.warp / 4);
}

void hookWgmma(float *accumulator, uint64_t descA, uint64_t descB,
               uint32_t config, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  uint32_t wg = t.warp / 4;
  t.accumulator = accumulator;
  t.descA = descA;
  t.descB = descB;
  t.config = config;
  WarpgroupCollective &c = cta.warpgroupCollectives[wg];
  if (c.open && c.kind == Collective::Wgmma &&
      (c.site == site || strcmp(c.site, site) == 0)) {
    const Thread &f = cta.threads[c.first];
    if (f.descA != descA)
      FAIL(t, site,
           "wgmma.mma_async operands differ within warpgroup %u: thread %u "
           "passes A %s; thread %u passed A %s",
           wg, t.linear, describeWgmmaDescriptor(descA).c_str(), f.linear,
           describeWgmmaDescriptor(f.descA).c_str());
    if (f.descB != descB)
      FAIL(t, site,
           "wgmma.mma_async operands differ within warpgroup %u: thread %u "
           "passes B %s; thread %u passed B %s",
           wg, t.linear, describeWgmmaDescriptor(descB).c_str(), f.linear,
           describeWgmmaDescriptor(f.descB).c_str());
    if (f.config != config)
      FAIL(t, site,
           "wgmma.mma_async operands differ within warpgroup %u: thread %u "
           "passes config 0x%08x, thread %u passed 0x%08x",
           wg, t.linear, config, f.linear, f.config);
  }
  if (!joinWarpgroup(t, Collective::Wgmma, site))
    return;
  float *fragments[kWarpgroupThreads];
  for (uint32_t i = 0; i < kWarpgroupThreads; ++i)
    fragments[i] = cta.threads[wg * kWarpgroupThreads + i].accumulator;
  {
    std::string error = wgmmaExecute(descA, descB, config,
                                     SharedWindow{cta.window, cta.dynamicEnd()},
                                     fragments, cta.genericWritten.data());
    if (!error.empty())
      recordError(cta, t, site, "wgmma.mma_async: " + error);
  }
  if (cta.aborted)
    abandon(t);
  releaseWarpgroup(cta, wg);
}

uint32_t hookCvtF32x2ToF8x2(float a, float b, uint32_t config,
                            const char *site) {
  if (__builtin_expect(validateCvtF8x2Config(config).size() != 0, 0)) {
    Thread &t = current(site);
    FAIL(t, site, "cvt to an f8x2 type: %s",
         validateCvtF8x2Config(config).c_str());
  }
  return cvtF32x2ToF8x2(a, b, config);
}

static const char *accessKind(uint32_t flags) {
  bool read = flags & MOEC_EMU_ACCESS_READ,
       write = flags & MOEC_EMU_ACCESS_WRITE;
  return read && write ? "atomic" : write ? "store" : "load";
}

/// Checks a shared-memory access at window address `address`.
static void checkShared(Thread &t, uint32_t address, uint32_t bytes,
                        uint32_t flags, const char *space, const char *site) {
  Cta &cta = *t.cta;
  uint32_t align = MOEC_EMU_ACCESS_ALIGN(flags);
  if (address < kReserved || uint64_t(address) + bytes > cta.dynamicEnd())
    FAIL(t, site, "out-of-bounds %sshared %s of %u bytes at shared 0x%x (%s)",
         space, accessKind(flags), bytes, address, dynamicRange(cta).c_str());
  if (align > 1 && address % align)
    FAIL(t, site,
         "misaligned %sshared %s of %u bytes at shared 0x%x (needs %u-byte "
         "alignment)",
         space, accessKind(flags), bytes, address, align);
  if (!(flags & MOEC_EMU_ACCESS_WRITE))
    return;
  if (!cta.mbarriers.empty()) {
    // A generic store over a live mbarrier corrupts it (PTX ISA, 'mbarrier':
    // the object may only be accessed through mbarrier operations).
    uint32_t first = address & ~7u, last = (address + bytes - 1) & ~7u;
    if ((last - first) / 8 + 1 <= cta.mbarriers.size()) {
      for (uint32_t a = first; a <= last; a += 8) {
        auto it = cta.mbarriers.find(a);
        if (it != cta.mbarriers.end())
          FAIL(t, site,
               "%sshared %s of %u bytes at shared 0x%x overwrites the live "
               "%s (initialized at '%s')",
               space, accessKind(flags), bytes, address,
               describeMbarrier(a, it->second).c_str(), it->second.initSite);
      }
    } else {
      for (auto &[a, m] : cta.mbarriers)
        if (a >= first && a <= last)
          FAIL(t, site,
               "%sshared %s of %u bytes at shared 0x%x overwrites the live "
               "%s (initialized at '%s')",
               space, accessKind(flags), bytes, address,
               describeMbarrier(a, m).c_str(), m.initSite);
    }
  }
  markGenericWritten(cta, address, bytes);
}

static void checkGlobal(Thread &t, uintptr_t address, uint32_t bytes,
                        uint32_t flags, const char *space, const char *site) {
  Cta &cta = *t.cta;
  uint32_t align = MOEC_EMU_ACCESS_ALIGN(flags);
  {
    std::string detail;
    if (!cta.launch->memory ||
        !cta.launch->memory->contains(address, bytes, detail))
      recordError(cta, t, site,
                  format("out-of-bounds %sglobal %s of %u bytes at 0x%llx",
                         space, accessKind(flags), bytes,
                         (unsigned long long)address) +
                      (detail.empty() ? std::string() : ": " + detail));
  }
  if (cta.aborted)
    abandon(t);
  if (align > 1 && address % align)
    FAIL(t, site,
         "misaligned %sglobal %s of %u bytes at 0x%llx (needs %u-byte "
         "alignment)",
         space, accessKind(flags), bytes, (unsigned long long)address, align);
}

void hookAccess(const void *p, uint32_t bytes, uint32_t flags,
                const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  uint32_t space = MOEC_EMU_ACCESS_SPACE(flags);
  uint32_t address;
  switch (space) {
  case 3:
    if (!sharedAddress(cta, p, address))
      FAIL(t, site,
           "out-of-bounds shared %s of %u bytes at %p: not in the CTA's "
           "shared memory window (%s)",
           accessKind(flags), bytes, p, dynamicRange(cta).c_str());
    checkShared(t, address, bytes, flags, "", site);
    return;
  case 1:
    checkGlobal(t, reinterpret_cast<uintptr_t>(p), bytes, flags, "", site);
    return;
  case 0:
    if (sharedAddress(cta, p, address))
      checkShared(t, address, bytes, flags, "generic ", site);
    else
      checkGlobal(t, reinterpret_cast<uintptr_t>(p), bytes, flags, "generic ",
                  site);
    return;
  default:
    FAIL(t, site, "%s of %u bytes at %p in unsupported address space %u",
         accessKind(flags), bytes, p, space);
  }
}

void *hookDynamicSmem(const char *site) {
  Thread &t = current(site);
  return t.cta->window + kReserved;
}

//===----------------------------------------------------------------------===//
// Asynchronous copies
//===----------------------------------------------------------------------===//

/// Performs the queued TMA copies (the async proxy: PTX ISA,
/// 'cp.async.bulk.tensor'), then signals complete_tx on their mbarriers.
void performCopies(Cta &cta) {
  std::vector<PendingCopy> copies;
  copies.swap(cta.copies);
  for (const PendingCopy &copy : copies) {
    const Thread &t = cta.threads[copy.thread];
    uint32_t tx = 0;
    std::string error =
        tmaLoadTile(copy.map, copy.coords, copy.rank, copy.dst,
                    SharedWindow{cta.window, cta.dynamicEnd()}, tx);
    if (!error.empty()) {
      recordError(cta, t, copy.site, "cp.async.bulk.tensor: " + error);
      return;
    }
    // The async proxy wrote these bytes: they no longer hold generic writes.
    clearGenericWritten(cta, copy.dst, tx);
    auto it = cta.mbarriers.find(copy.mbarrier);
    if (it == cta.mbarriers.end()) {
      recordError(cta, t, copy.site,
                  format("cp.async.bulk.tensor completed on the mbarrier at "
                         "shared 0x%x, which is no longer initialized",
                         copy.mbarrier));
      return;
    }
    Mbarrier &m = it->second;
    // PTX ISA, 'mbarrier' — complete-tx: decrements the tx-count by the
    // bytes the copy wrote.
    m.tx -= int64_t(tx);
    if (m.tx < 0) {
      recordError(cta, t, copy.site,
                  format("tx-count %lld on mbarrier at shared 0x%x: the TMA "
                         "copies completed %lld bytes more than "
                         "arrive.expect_tx announced (current phase %llu, %u "
                         "of %u arrivals pending)",
                         (long long)m.tx, copy.mbarrier, (long long)-m.tx,
                         (unsigned long long)m.phase, m.pending, m.expected));
      return;
    }
    maybeCompletePhase(cta, m);
  }
}

} // namespace moec::emu::detail
