//===- CtaState.cpp - Errors, blocking, barriers, collectives -------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/CtaState.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace moec::emu::detail {

std::string format(const char *fmt, ...) {
  char buffer[512];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(buffer, sizeof(buffer), fmt, args);
  va_end(args);
  if (n < int(sizeof(buffer)))
    return std::string(buffer, n < 0 ? 0 : size_t(n));
  std::string out(size_t(n) + 1, '\0');
  va_start(args, fmt);
  vsnprintf(out.data(), out.size(), fmt, args);
  va_end(args);
  out.resize(size_t(n));
  return out;
}

const char *collectiveName(Collective kind, uint32_t shflKind) {
  switch (kind) {
  case Collective::Shfl: {
    static const char *const names[] = {"shfl.sync.bfly", "shfl.sync.up",
                                        "shfl.sync.down", "shfl.sync.idx"};
    return shflKind < 4 ? names[shflKind] : "shfl.sync";
  }
  case Collective::Elect:
    return "elect.sync";
  case Collective::SetMaxNReg:
    return "setmaxnreg";
  case Collective::WgmmaFence:
    return "wgmma.fence";
  case Collective::WgmmaCommit:
    return "wgmma.commit_group";
  case Collective::WgmmaWait:
    return "wgmma.wait_group";
  case Collective::Wgmma:
    return "wgmma.mma_async";
  }
  return "?";
}

Executor &executor() {
  static Executor *instance = new Executor();
  return *instance;
}

thread_local Thread *currentThread = nullptr;

//===----------------------------------------------------------------------===//
// Errors and scheduling primitives
//===----------------------------------------------------------------------===//

std::string threadContext(const Cta &cta, const Thread &t, const char *site) {
  return format(" [kernel '%s', block (%u,%u,%u), thread %u (warp %u, lane "
                "%u), at '%s']",
                cta.kernelName(), cta.bx, cta.by, cta.bz, t.linear, t.warp,
                t.lane, site ? site : "");
}

/// Records the grid's first error, naming the kernel, block, thread and site.
void recordError(Cta &cta, const Thread &t, const char *site,
                 const std::string &message) {
  if (cta.error.empty())
    cta.error = message + threadContext(cta, t, site);
  cta.aborted = true;
}

Thread &current(const char *site) {
  Thread *t = currentThread;
  if (!t) {
    fprintf(stderr,
            "moec emulator: hook called outside of an emulated thread (at "
            "'%s')\n",
            site ? site : "");
    abort();
  }
  return *t;
}

/// Leaves the fiber for good: the CTA is aborted, the scheduler never
/// resumes it.
[[noreturn]] void abandon(Thread &t) {
  fiberSwitch(t.context, t.cta->scheduler);
  __builtin_trap();
}

/// Blocks the calling thread until another one wakes it.
void block(Thread &t, WaitKind kind, const char *site, uint32_t object,
           uint32_t parity) {
  t.state = ThreadState::Blocked;
  t.wait = kind;
  t.waitSite = site;
  t.waitObject = object;
  t.waitParity = parity;
  fiberSwitch(t.context, t.cta->scheduler);
}

void wake(Cta &cta, uint32_t index) {
  Thread &t = cta.threads[index];
  t.state = ThreadState::Runnable;
  t.wait = WaitKind::None;
  cta.runQueue.push_back(index);
}

void wakeAll(Cta &cta, std::vector<uint32_t> &waiters) {
  for (uint32_t index : waiters)
    wake(cta, index);
  waiters.clear();
}

//===----------------------------------------------------------------------===//
// Shared memory addresses
//===----------------------------------------------------------------------===//

/// The shared-window address of a host pointer, or false when it is not in
/// the window.
bool sharedAddress(const Cta &cta, const void *p, uint32_t &address) {
  uintptr_t offset =
      reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(cta.window);
  if (offset >= kWindowBytes)
    return false;
  address = uint32_t(offset);
  return true;
}

std::string dynamicRange(const Cta &cta) {
  return format("dynamic shared memory is [0x%x, 0x%x)", kReserved,
                cta.dynamicEnd());
}

void markGenericWritten(Cta &cta, uint32_t address, uint32_t bytes) {
  memset(cta.genericWritten.data() + address, 1, bytes);
  if (cta.dirtyLo == cta.dirtyHi) {
    cta.dirtyLo = address;
    cta.dirtyHi = address + bytes;
  } else {
    cta.dirtyLo = std::min(cta.dirtyLo, address);
    cta.dirtyHi = std::max(cta.dirtyHi, address + bytes);
  }
}

void clearGenericWritten(Cta &cta, uint32_t address, uint32_t bytes) {
  uint32_t lo = std::max(address, cta.dirtyLo);
  uint32_t hi = std::min(address + bytes, cta.dirtyHi);
  if (lo < hi)
    memset(cta.genericWritten.data() + lo, 0, hi - lo);
}

//===----------------------------------------------------------------------===//
// Named barriers: PTX ISA, 'bar.sync' / 'barrier.sync'
//===----------------------------------------------------------------------===//

/// bar.sync completes when the instance's thread count has arrived; for the
/// whole-CTA form (no count), threads that exited count as arrived, as the
/// hardware releases a barrier once every non-exited thread waits on it.
bool barrierComplete(const Cta &cta, const NamedBarrier &b) {
  if (b.threads == 0)
    return b.arrived + cta.exitedCount >= cta.threadCount;
  return b.arrived >= b.threads;
}

void releaseBarrier(Cta &cta, NamedBarrier &b) {
  b.arrived = 0;
  b.threads = 0;
  wakeAll(cta, b.waiters);
}

//===----------------------------------------------------------------------===//
// mbarriers: PTX ISA, 'mbarrier'
//===----------------------------------------------------------------------===//

/// The mbarrier at host pointer `p`, checked: 8-byte aligned inside the
/// dynamic shared memory and initialised (unless `forInit`).
Mbarrier *mbarrierAt(Thread &t, const void *p, const char *op, const char *site,
                     uint32_t &address, bool forInit) {
  Cta &cta = *t.cta;
  if (!sharedAddress(cta, p, address))
    FAIL(t, site,
         "%s on an mbarrier at %p, which is not a shared memory address", op,
         p);
  if (address < kReserved || uint64_t(address) + 8 > cta.dynamicEnd())
    FAIL(t, site, "%s on an mbarrier at shared 0x%x outside of %s", op, address,
         dynamicRange(cta).c_str());
  if (address % 8)
    FAIL(t, site,
         "%s on a misaligned mbarrier at shared 0x%x (mbarrier objects are "
         "8-byte aligned)",
         op, address);
  if (forInit)
    return &cta.mbarriers[address];
  auto it = cta.mbarriers.find(address);
  if (it == cta.mbarriers.end())
    FAIL(t, site,
         "%s on an mbarrier at shared 0x%x that was never initialized "
         "(mbarrier.init)",
         op, address);
  return &it->second;
}

/// PTX ISA, 'mbarrier' — phase completion: the current phase completes when
/// the pending arrival count and the tx-count are both zero; the mbarrier
/// then moves to the next phase with pending = expected, and every
/// try_wait.parity on the completed phase succeeds.
void maybeCompletePhase(Cta &cta, Mbarrier &m) {
  if (m.pending != 0 || m.tx != 0)
    return;
  ++m.phase;
  m.pending = m.expected;
  wakeAll(cta, m.waiters);
}

std::string describeMbarrier(uint32_t address, const Mbarrier &m) {
  return format("mbarrier at shared 0x%x: current phase %llu (parity %u), %u "
                "of %u arrivals pending, tx-count %lld",
                address, (unsigned long long)m.phase, unsigned(m.phase & 1),
                m.pending, m.expected, (long long)m.tx);
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

std::string laneList(uint32_t mask) {
  std::string out;
  for (uint32_t lane = 0; lane < 32;) {
    if (!(mask >> lane & 1)) {
      ++lane;
      continue;
    }
    uint32_t end = lane;
    while (end + 1 < 32 && (mask >> (end + 1) & 1))
      ++end;
    if (!out.empty())
      out += ",";
    out += end == lane ? format("%u", lane) : format("%u-%u", lane, end);
    lane = end + 1;
  }
  return out.empty() ? "none" : out;
}

uint32_t warpLaneCount(const Cta &cta, uint32_t warp) {
  return std::min<uint32_t>(32, cta.threadCount - warp * 32);
}

/// Joins the warp collective `kind` of the lanes in `mask`. Returns the open
/// collective, whose `arrived` includes the caller.
WarpCollective &joinWarpCollective(Thread &t, Collective kind,
                                   uint32_t shflKind, uint32_t mask,
                                   const char *site) {
  Cta &cta = *t.cta;
  const char *op = collectiveName(kind, shflKind);
  uint32_t bit = 1u << t.lane;
  if (!(mask & bit))
    FAIL(t, site,
         "%s: the executing lane %u is not in membermask 0x%08x (undefined "
         "behavior in PTX)",
         op, t.lane, mask);
  uint32_t lanes = warpLaneCount(cta, t.warp);
  if (lanes < 32 && (mask >> lanes))
    FAIL(t, site,
         "%s: membermask 0x%08x names lanes %s that do not exist (warp %u has "
         "%u threads)",
         op, mask, laneList(mask & ~((1u << lanes) - 1)).c_str(), t.warp,
         lanes);
  if (uint32_t gone = cta.warpExited[t.warp] & mask)
    FAIL(t, site,
         "%s with membermask 0x%08x: lane%s %s of warp %u ha%s exited, so the "
         "collective can never complete",
         op, mask, (gone & (gone - 1)) ? "s" : "", laneList(gone).c_str(),
         t.warp, (gone & (gone - 1)) ? "ve" : "s");
  auto &open = cta.warpCollectives[t.warp];
  for (WarpCollective &c : open) {
    if (!(c.mask & mask))
      continue;
    if (c.mask != mask || c.kind != kind || c.shflKind != shflKind ||
        (c.site != site && strcmp(c.site, site) != 0))
      FAIL(t, site,
           "warp diverged: lane %u reaches %s (membermask 0x%08x) while lanes "
           "%s of warp %u wait in %s at '%s' (membermask 0x%08x)",
           t.lane, op, mask, laneList(c.arrived).c_str(), t.warp,
           collectiveName(c.kind, c.shflKind), c.site, c.mask);
    c.arrived |= bit;
    return c;
  }
  open.push_back(WarpCollective{kind, shflKind, mask, bit, site});
  return open.back();
}

void closeWarpCollective(Cta &cta, uint32_t warp, WarpCollective &c) {
  uint32_t base = warp * 32;
  for (uint32_t lane = 0; lane < 32; ++lane)
    if ((c.mask >> lane & 1) && base + lane != currentThread->linear)
      wake(cta, base + lane);
  auto &open = cta.warpCollectives[warp];
  open.erase(open.begin() + (&c - open.data()));
}

/// Joins the warpgroup collective `kind`: every one of the 128 threads of
/// the caller's warpgroup must reach the same operation at the same site.
/// Returns true for the last thread to arrive (which completes the
/// collective and then calls releaseWarpgroup); the others block until then.
bool joinWarpgroup(Thread &t, Collective kind, const char *site) {
  Cta &cta = *t.cta;
  const char *op = collectiveName(kind);
  uint32_t wg = t.warp / 4;
  uint32_t first = wg * kWarpgroupThreads;
  if (first + kWarpgroupThreads > cta.threadCount)
    FAIL(t, site,
         "%s is warpgroup-collective but warpgroup %u has only %u threads (a "
         "warpgroup is 4 complete warps)",
         op, wg, cta.threadCount - first);
  for (uint32_t w = wg * 4; w < wg * 4 + 4; ++w)
    if (cta.warpExited[w])
      FAIL(t, site,
           "%s is warpgroup-collective but lane%s %s of warp %u in warpgroup "
           "%u ha%s exited",
           op, (cta.warpExited[w] & (cta.warpExited[w] - 1)) ? "s" : "",
           laneList(cta.warpExited[w]).c_str(), w, wg,
           (cta.warpExited[w] & (cta.warpExited[w] - 1)) ? "ve" : "s");
  WarpgroupCollective &c = cta.warpgroupCollectives[wg];
  if (!c.open) {
    c.open = true;
    c.kind = kind;
    c.site = site;
    c.arrived = 0;
    c.first = t.linear;
  } else if (c.kind != kind || (c.site != site && strcmp(c.site, site) != 0)) {
    FAIL(t, site,
         "warpgroup diverged: thread %u reaches %s while %u thread%s of "
         "warpgroup %u (first thread %u) wait%s in %s at '%s'",
         t.linear, op, c.arrived, c.arrived == 1 ? "" : "s", wg, c.first,
         c.arrived == 1 ? "s" : "", collectiveName(c.kind), c.site);
  }
  if (++c.arrived == kWarpgroupThreads)
    return true;
  c.waiters.push_back(t.linear);
  block(t, WaitKind::Warpgroup, site, wg);
  return false;
}

void releaseWarpgroup(Cta &cta, uint32_t wg) {
  WarpgroupCollective &c = cta.warpgroupCollectives[wg];
  c.open = false;
  wakeAll(cta, c.waiters);
}

//===----------------------------------------------------------------------===//
// Thread exit
//===----------------------------------------------------------------------===//

static void threadExit(Thread &t) {
  Cta &cta = *t.cta;
  static const char *const kExitSite = "(kernel return)";
  // A lane that leaves while its warp waits for it in a collective: the
  // collective can never complete (PTX ISA, 'shfl.sync': every lane of
  // membermask must execute the same shfl.sync).
  for (WarpCollective &c : cta.warpCollectives[t.warp])
    if ((c.mask >> t.lane & 1) && !(c.arrived >> t.lane & 1))
      FAIL(t, kExitSite,
           "lane %u exited while lanes %s of warp %u wait for it in %s at "
           "'%s' (membermask 0x%08x)",
           t.lane, laneList(c.arrived).c_str(), t.warp,
           collectiveName(c.kind, c.shflKind), c.site, c.mask);
  WarpgroupCollective &wgc = cta.warpgroupCollectives[t.warp / 4];
  if (wgc.open)
    FAIL(t, kExitSite,
         "thread %u exited while %u thread%s of its warpgroup wait%s for it "
         "in %s at '%s'",
         t.linear, wgc.arrived, wgc.arrived == 1 ? "" : "s",
         wgc.arrived == 1 ? "s" : "", collectiveName(wgc.kind), wgc.site);
  t.state = ThreadState::Exited;
  t.wait = WaitKind::None;
  --cta.live;
  ++cta.exitedCount;
  cta.warpExited[t.warp] |= 1u << t.lane;
  for (NamedBarrier &b : cta.barriers)
    if (b.arrived && b.threads == 0 && barrierComplete(cta, b))
      releaseBarrier(cta, b);
}

void threadMain(void *arg) {
  Thread &t = *static_cast<Thread *>(arg);
  const GridLaunch &launch = *t.cta->launch;
  launch.kernel->launch(launch.params);
  threadExit(t);
  fiberSwitch(t.context, t.cta->scheduler);
  __builtin_trap();
}

} // namespace moec::emu::detail
