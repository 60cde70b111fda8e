//===- Executor.cpp - One CTA's threads as cooperatively scheduled fibers -===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// runGrid runs the CTAs of a grid one after another on the calling OS
// thread. Each thread of a CTA is a fiber (Fiber.h) running the emulation
// object's kernel body; the body calls the hooks below for every NVVM
// operation. A fiber runs until it blocks (a barrier, an mbarrier wait, a
// warp or warpgroup collective whose other members have not arrived) or
// exits; then the scheduler resumes the next runnable fiber, round-robin.
//
// Asynchronous TMA copies are queued and performed only when no fiber can
// run, so a consumer that reads a stage without waiting on its mbarrier
// reads stale data, as it could on the GPU. When nothing can run, no copy
// is pending and live fibers remain, the CTA is deadlocked: the report
// lists, per warp, what every thread waits for.
//
// A hook that finds an error records it and abandons the CTA: the fiber
// switches back to the scheduler and no fiber of that CTA is resumed again
// (their stacks are reused by the next launch). Hence the rule for the code
// in this file: nothing that owns heap memory may be live in a hook's frame
// when it blocks or fails (FAIL builds its message in a full expression
// that ends before the switch).
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/Executor.h"

#include "runtime/emulator/executor/Fiber.h"
#include "runtime/emulator/executor/SharedWindowBase.h"
#include "runtime/emulator/semantics/Fp8.h"
#include "runtime/emulator/semantics/SharedWindow.h"
#include "runtime/emulator/semantics/TensorMap.h"
#include "runtime/emulator/semantics/Tma.h"
#include "runtime/emulator/semantics/Wgmma.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <sys/mman.h>
#include <unordered_map>
#include <vector>

namespace moec::emu {
namespace {

using detail::FiberContext;

constexpr uint64_t kWindowBytes = 1ull << 32;
constexpr uint32_t kReserved = MOEC_EMU_SMEM_RESERVED_BYTES;
constexpr uint32_t kWindowUsable = kReserved + kMaxDynamicSmemBytes;
constexpr uint32_t kMaxThreads = 1024;
constexpr uint32_t kWarpgroupThreads = 128;
constexpr int64_t kMaxTxCount = (1 << 20) - 1;

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/// What a blocked thread waits for (for wake-ups and the deadlock report).
enum class WaitKind : uint8_t { None, Barrier, Mbarrier, Warp, Warpgroup };
enum class ThreadState : uint8_t { Runnable, Blocked, Exited };

/// The warp- and warpgroup-collective operations (they rendezvous).
enum class Collective : uint8_t {
  Shfl,
  Elect,
  SetMaxNReg,
  WgmmaFence,
  WgmmaCommit,
  WgmmaWait,
  Wgmma
};

const char *collectiveName(Collective kind, uint32_t shflKind = 0) {
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

struct Cta;

struct Thread {
  FiberContext context;
  Cta *cta = nullptr;
  uint32_t linear = 0, x = 0, y = 0, z = 0, warp = 0, lane = 0;
  ThreadState state = ThreadState::Runnable;
  WaitKind wait = WaitKind::None;
  const char *waitSite = "";
  /// Barrier id or mbarrier shared address; the parity waited for.
  uint32_t waitObject = 0, waitParity = 0;
  // Collective operands and results (valid while the collective is open
  // and until the thread resumes).
  uint32_t shflValue = 0, shflOffset = 0, shflClamp = 0;
  uint32_t result = 0, resultValid = 0;
  float *accumulator = nullptr;
  uint64_t descA = 0, descB = 0;
  uint32_t config = 0;
};

/// PTX ISA, 'mbarrier' — contents of the mbarrier object: the current phase,
/// the expected and pending arrival counts and the tx-count.
struct Mbarrier {
  uint64_t phase = 0;
  uint32_t expected = 0, pending = 0;
  int64_t tx = 0;
  const char *initSite = "";
  std::vector<uint32_t> waiters;
};

/// One of the 16 named barriers of bar.sync / barrier.sync.
struct NamedBarrier {
  uint32_t threads = 0; ///< the instance's thread count; 0: the whole CTA
  uint32_t arrived = 0;
  const char *site = "";
  std::vector<uint32_t> waiters;
};

struct WarpCollective {
  Collective kind;
  uint32_t shflKind = 0;
  uint32_t mask = 0, arrived = 0;
  const char *site = "";
};

struct WarpgroupCollective {
  bool open = false;
  Collective kind = Collective::Shfl;
  const char *site = "";
  uint32_t arrived = 0;
  uint32_t first = 0; ///< linear id of the first thread to arrive
  uint32_t registers = 0, increase = 0;
  std::vector<uint32_t> waiters;
};

struct PendingCopy {
  TensorMapDesc map;
  int32_t coords[5] = {0, 0, 0, 0, 0};
  uint32_t rank = 0;
  uint32_t dst = 0, mbarrier = 0;
  uint32_t thread = 0;
  const char *site = "";
};

/// The state of the CTA being run (reused, with its allocations, across
/// CTAs and launches).
struct Cta {
  const GridLaunch *launch = nullptr;
  uint32_t bx = 0, by = 0, bz = 0;
  uint32_t threadCount = 0;
  std::vector<Thread> threads;
  std::deque<uint32_t> runQueue;
  uint32_t live = 0, exitedCount = 0;
  std::vector<uint32_t> warpExited; ///< lanes that exited, per warp
  NamedBarrier barriers[16];
  std::unordered_map<uint32_t, Mbarrier> mbarriers;
  std::vector<std::vector<WarpCollective>> warpCollectives;
  std::vector<WarpgroupCollective> warpgroupCollectives;
  std::vector<PendingCopy> copies;
  uint8_t *window = nullptr;
  /// Per-byte flags over the window: written by the generic proxy (a
  /// thread's st.shared) since the last fence.proxy.async. [dirtyLo,
  /// dirtyHi) bounds the set bytes so that fences clear little.
  std::vector<uint8_t> genericWritten;
  uint32_t dirtyLo = 0, dirtyHi = 0;
  std::string error;
  bool aborted = false;
  FiberContext scheduler;

  const char *kernelName() const {
    return launch->kernel->name ? launch->kernel->name : "?";
  }
  uint32_t dynamicEnd() const { return kReserved + launch->dynamicSmemBytes; }
};

/// Process-wide resources: the shared window and the fiber stacks, mapped
/// once. runGrid holds `mutex`: one grid runs at a time.
struct Executor {
  std::mutex mutex;
  uint8_t *window = nullptr;
  detail::StackPool stacks;
  Cta cta;

  std::mutex windowMutex;

  bool mapWindow(std::string &error) {
    std::lock_guard<std::mutex> lock(windowMutex);
    if (window)
      return true;
    // Reserve 8 GiB so that a 4 GiB-aligned 4 GiB window lies inside; only
    // its first kWindowUsable bytes are ever made accessible, the rest
    // faults (PROT_NONE, no memory committed).
    void *mem = mmap(nullptr, 2 * kWindowBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) {
      error = "emulator: cannot reserve the 8 GiB address range of the "
              "shared memory window";
      return false;
    }
    uintptr_t aligned = (reinterpret_cast<uintptr_t>(mem) + kWindowBytes - 1) &
                        ~(kWindowBytes - 1);
    if (mprotect(reinterpret_cast<void *>(aligned), kWindowUsable,
                 PROT_READ | PROT_WRITE) != 0) {
      error = "emulator: cannot map the shared memory window";
      return false;
    }
    window = reinterpret_cast<uint8_t *>(aligned);
    cta.genericWritten.assign(kWindowUsable, 0);
    return true;
  }
};

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

// The message is built (and its temporaries destroyed) before the fiber is
// abandoned: see the file comment.
#define FAIL(t, site, ...)                                                     \
  do {                                                                         \
    recordError(*(t).cta, (t), (site), format(__VA_ARGS__));                   \
    abandon(t);                                                                \
  } while (0)

/// Blocks the calling thread until another one wakes it.
void block(Thread &t, WaitKind kind, const char *site, uint32_t object = 0,
           uint32_t parity = 0) {
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

void threadExit(Thread &t) {
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

//===----------------------------------------------------------------------===//
// Hooks
//===----------------------------------------------------------------------===//

uint32_t hookSreg(uint32_t reg, const char *site) {
  Thread &t = current(site);
  const Cta &cta = *t.cta;
  const GridLaunch &l = *cta.launch;
  switch (reg) {
  case MOEC_EMU_SREG_TID_X:
    return t.x;
  case MOEC_EMU_SREG_TID_Y:
    return t.y;
  case MOEC_EMU_SREG_TID_Z:
    return t.z;
  case MOEC_EMU_SREG_NTID_X:
    return l.block.x;
  case MOEC_EMU_SREG_NTID_Y:
    return l.block.y;
  case MOEC_EMU_SREG_NTID_Z:
    return l.block.z;
  case MOEC_EMU_SREG_CTAID_X:
    return cta.bx;
  case MOEC_EMU_SREG_CTAID_Y:
    return cta.by;
  case MOEC_EMU_SREG_CTAID_Z:
    return cta.bz;
  case MOEC_EMU_SREG_NCTAID_X:
    return l.grid.x;
  case MOEC_EMU_SREG_NCTAID_Y:
    return l.grid.y;
  case MOEC_EMU_SREG_NCTAID_Z:
    return l.grid.z;
  case MOEC_EMU_SREG_LANEID:
    return t.lane;
  case MOEC_EMU_SREG_WARPID:
    // %warpid is the warp's slot on the SM, which is not the program's warp
    // index on the GPU; the emulator gives the index, a valid slot.
    return t.warp;
  default:
    FAIL(t, site, "unknown special register %u", reg);
  }
}

void hookBarrier(uint32_t id, uint32_t threads, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  if (id >= 16)
    FAIL(t, site, "bar.sync %u: barrier ids are 0..15", id);
  if (threads != 0 && (threads % 32 != 0 || threads > cta.threadCount))
    FAIL(t, site,
         "bar.sync %u, %u: the thread count must be a multiple of 32 (the "
         "warp size) no larger than the CTA's %u threads",
         id, threads, cta.threadCount);
  NamedBarrier &b = cta.barriers[id];
  if (b.arrived == 0) {
    b.threads = threads;
    b.site = site;
  } else if (b.threads != threads) {
    FAIL(t, site,
         "bar.sync %u: thread count %u differs from the %u that the %u "
         "threads already waiting at '%s' expect (%s)",
         id, threads, b.threads, b.arrived, b.site,
         b.threads ? "an explicit count" : "0 means the whole CTA");
  }
  ++b.arrived;
  if (barrierComplete(cta, b)) {
    releaseBarrier(cta, b);
    return;
  }
  b.waiters.push_back(t.linear);
  block(t, WaitKind::Barrier, site, id);
}

/// PTX ISA, 'shfl.sync': the source lane j of each lane and whether it is
/// in range (the `valid` predicate); out of range, a lane gets its own value.
void shflSource(uint32_t kind, uint32_t lane, uint32_t b, uint32_t clamp,
                uint32_t &j, bool &valid) {
  uint32_t c = clamp & 0x1f;
  uint32_t segmask = (clamp >> 8) & 0x1f;
  int64_t maxLane = int64_t((lane & segmask) | (c & ~segmask));
  int64_t minLane = int64_t(lane & segmask);
  int64_t src = 0;
  switch (kind) {
  case MOEC_EMU_SHFL_UP:
    src = int64_t(lane) - int64_t(b);
    valid = src >= maxLane;
    break;
  case MOEC_EMU_SHFL_DOWN:
    src = int64_t(lane) + int64_t(b);
    valid = src <= maxLane;
    break;
  case MOEC_EMU_SHFL_BFLY:
    src = int64_t(lane ^ b);
    valid = src <= maxLane;
    break;
  default: // MOEC_EMU_SHFL_IDX
    src = minLane | int64_t(b & 0x1f & ~segmask);
    valid = src <= maxLane;
    break;
  }
  j = valid ? uint32_t(src) : lane;
}

uint32_t hookShfl(uint32_t kind, uint32_t mask, uint32_t value, uint32_t offset,
                  uint32_t clamp, uint32_t *valid, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  if (kind > MOEC_EMU_SHFL_IDX)
    FAIL(t, site, "shfl.sync: unknown mode %u", kind);
  t.shflValue = value;
  t.shflOffset = offset;
  t.shflClamp = clamp;
  WarpCollective &c = joinWarpCollective(t, Collective::Shfl, kind, mask, site);
  if (c.arrived == c.mask) {
    uint32_t base = t.warp * 32;
    for (uint32_t lane = 0; lane < 32; ++lane) {
      if (!(c.mask >> lane & 1))
        continue;
      Thread &u = cta.threads[base + lane];
      uint32_t j;
      bool ok;
      shflSource(kind, lane, u.shflOffset, u.shflClamp, j, ok);
      if (!(c.mask >> j & 1))
        FAIL(t, site,
             "%s: lane %u reads lane %u, which is not in membermask 0x%08x "
             "(the value is undefined in PTX)",
             collectiveName(Collective::Shfl, kind), lane, j, c.mask);
      u.result = cta.threads[base + j].shflValue;
      u.resultValid = ok;
    }
    closeWarpCollective(cta, t.warp, c);
  } else {
    block(t, WaitKind::Warp, site);
  }
  if (valid)
    *valid = t.resultValid;
  return t.result;
}

uint32_t hookElect(uint32_t mask, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  WarpCollective &c = joinWarpCollective(t, Collective::Elect, 0, mask, site);
  if (c.arrived == c.mask) {
    // PTX ISA, 'elect.sync': the leader is the lowest lane of membermask.
    uint32_t leader = uint32_t(__builtin_ctz(c.mask));
    uint32_t base = t.warp * 32;
    for (uint32_t lane = 0; lane < 32; ++lane)
      if (c.mask >> lane & 1)
        cta.threads[base + lane].result = lane == leader;
    closeWarpCollective(cta, t.warp, c);
  } else {
    block(t, WaitKind::Warp, site);
  }
  return t.result;
}

void hookSetMaxNReg(uint32_t registers, uint32_t increase, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  // PTX ISA, 'setmaxnreg': the count is in [24, 256] and a multiple of 8;
  // .sync.aligned: all threads of the warpgroup execute the same instruction.
  const char *op = increase ? "setmaxnreg.inc" : "setmaxnreg.dec";
  if (registers < 24 || registers > 256 || registers % 8)
    FAIL(t, site,
         "%s.sync.aligned.u32 %u: the register count must be a multiple of 8 "
         "in [24, 256]",
         op, registers);
  uint32_t wg = t.warp / 4;
  WarpgroupCollective &c = cta.warpgroupCollectives[wg];
  if (!c.open) {
    // The first to arrive sets the count the others must match.
    c.registers = registers;
    c.increase = increase != 0;
  } else if (c.kind == Collective::SetMaxNReg &&
             (c.registers != registers || c.increase != (increase != 0)))
    FAIL(t, site,
         "setmaxnreg mismatch in warpgroup %u: thread %u executes %s %u while "
         "thread %u executed %s %u",
         wg, t.linear, op, registers, c.first,
         c.increase ? "setmaxnreg.inc" : "setmaxnreg.dec", c.registers);
  if (joinWarpgroup(t, Collective::SetMaxNReg, site))
    releaseWarpgroup(cta, wg);
}

void hookMbarrierInit(void *p, uint32_t count, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "mbarrier.init", site, address, true);
  // PTX ISA, 'mbarrier.init': count in [1, 2^20 - 1].
  if (count < 1 || count > uint32_t(kMaxTxCount))
    FAIL(t, site,
         "mbarrier.init at shared 0x%x with count %u: the count must be in "
         "[1, 1048575]",
         address, count);
  if (!m->waiters.empty())
    FAIL(t, site,
         "mbarrier.init at shared 0x%x while %zu threads wait on it (it was "
         "initialized at '%s')",
         address, m->waiters.size(), m->initSite);
  m->phase = 0;
  m->expected = m->pending = count;
  m->tx = 0;
  m->initSite = site;
}

/// mbarrier.arrive: decrements the pending count; returns the state token
/// (the phase the arrival belongs to).
uint64_t arrive(Thread &t, Mbarrier &m, uint32_t address, uint32_t count,
                const char *op, const char *site) {
  if (count == 0 || count > m.pending)
    FAIL(t, site,
         "%s with count %u on %s: more arrivals than the phase has pending", op,
         count, describeMbarrier(address, m).c_str());
  uint64_t token = m.phase;
  m.pending -= count;
  maybeCompletePhase(*t.cta, m);
  return token;
}

uint64_t hookMbarrierArrive(void *p, uint32_t count, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "arrive", site, address, false);
  return arrive(t, *m, address, count, "mbarrier.arrive", site);
}

uint64_t hookMbarrierArriveExpectTx(void *p, uint32_t txBytes,
                                    const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "arrive.expect_tx", site, address, false);
  // PTX ISA, 'mbarrier' — tx-count: expect-tx increments it; its range is
  // [-(2^20 - 1), 2^20 - 1].
  if (m->tx + int64_t(txBytes) > kMaxTxCount)
    FAIL(t, site,
         "mbarrier.arrive.expect_tx of %u bytes on %s: the tx-count would "
         "exceed 2^20-1",
         txBytes, describeMbarrier(address, *m).c_str());
  m->tx += txBytes;
  return arrive(t, *m, address, 1, "mbarrier.arrive.expect_tx", site);
}

void hookMbarrierWaitParity(void *p, uint32_t parity, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m =
      mbarrierAt(t, p, "mbarrier.try_wait.parity", site, address, false);
  // PTX ISA, 'mbarrier.test_wait/try_wait': .parity P succeeds once the
  // phase with parity P has completed, i.e. while the current phase's parity
  // differs from P.
  if ((m->phase & 1) != (parity & 1))
    return;
  m->waiters.push_back(t.linear);
  block(t, WaitKind::Mbarrier, site, address, parity & 1);
}

void hookFence(uint32_t kind, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  // fence.proxy.async orders the generic proxy's shared-memory writes before
  // later async-proxy (wgmma, TMA) accesses: after it, those bytes are safe
  // for wgmma to read. The other fences order nothing the emulator could get
  // wrong: it runs one thread at a time with sequentially consistent memory.
  if (kind == MOEC_EMU_FENCE_PROXY_ASYNC && cta.dirtyLo < cta.dirtyHi) {
    memset(cta.genericWritten.data() + cta.dirtyLo, 0,
           cta.dirtyHi - cta.dirtyLo);
    cta.dirtyLo = cta.dirtyHi = 0;
  } else if (kind > MOEC_EMU_FENCE_ACQ_REL) {
    FAIL(t, site, "unknown fence kind %u", kind);
  }
}

/// The global memory a TMA box reads must be device memory: every in-bounds
/// row (run along dimension 0) of the box lies in one allocation. Elements
/// outside the tensor's bounds are never read (they are filled), so they do
/// not count.
bool checkTmaGlobal(const Cta &cta, const TensorMapDesc &map,
                    const int32_t *coords, uint32_t rank, std::string &error) {
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

const char *accessKind(uint32_t flags) {
  bool read = flags & MOEC_EMU_ACCESS_READ,
       write = flags & MOEC_EMU_ACCESS_WRITE;
  return read && write ? "atomic" : write ? "store" : "load";
}

/// Checks a shared-memory access at window address `address`.
void checkShared(Thread &t, uint32_t address, uint32_t bytes, uint32_t flags,
                 const char *space, const char *site) {
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

void checkGlobal(Thread &t, uintptr_t address, uint32_t bytes, uint32_t flags,
                 const char *space, const char *site) {
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

template <typename F> void *hook(F *f) { return reinterpret_cast<void *>(f); }

void *const kHookTable[MOEC_EMU_HOOK_COUNT] = {
    hook(&hookSreg),
    hook(&hookBarrier),
    hook(&hookShfl),
    hook(&hookElect),
    hook(&hookSetMaxNReg),
    hook(&hookMbarrierInit),
    hook(&hookMbarrierArrive),
    hook(&hookMbarrierArriveExpectTx),
    hook(&hookMbarrierWaitParity),
    hook(&hookFence),
    hook(&hookTmaLoad),
    hook(&hookWgmmaFence),
    hook(&hookWgmmaCommit),
    hook(&hookWgmmaWait),
    hook(&hookWgmma),
    hook(&hookCvtF32x2ToF8x2),
    hook(&hookAccess),
    hook(&hookDynamicSmem),
};
static_assert(MOEC_EMU_HOOK_DYNAMIC_SMEM == 17 && MOEC_EMU_HOOK_COUNT == 18,
              "the hook table follows enum MoecEmuHook");

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

//===----------------------------------------------------------------------===//
// Deadlock report
//===----------------------------------------------------------------------===//

std::string describeWait(const Cta &cta, const Thread &t) {
  if (t.state == ThreadState::Exited)
    return "exited";
  switch (t.wait) {
  case WaitKind::Barrier: {
    const NamedBarrier &b = cta.barriers[t.waitObject];
    if (b.threads == 0)
      return format("bar.sync (site '%s') on barrier %u for the whole CTA: %u "
                    "of %u threads arrived, %u exited",
                    t.waitSite, t.waitObject, b.arrived, cta.threadCount,
                    cta.exitedCount);
    return format("bar.sync (site '%s') on barrier %u: %u of %u threads "
                  "arrived",
                  t.waitSite, t.waitObject, b.arrived, b.threads);
  }
  case WaitKind::Mbarrier: {
    auto it = cta.mbarriers.find(t.waitObject);
    if (it == cta.mbarriers.end())
      return format("mbarrier.try_wait.parity (site '%s') on a vanished "
                    "mbarrier at shared 0x%x",
                    t.waitSite, t.waitObject);
    const Mbarrier &m = it->second;
    return format("mbarrier.try_wait.parity (site '%s') on mbarrier at shared "
                  "0x%x: waits for the phase with parity %u to complete; "
                  "current phase %llu (parity %u), %u of %u arrivals pending, "
                  "tx-count %lld",
                  t.waitSite, t.waitObject, t.waitParity,
                  (unsigned long long)m.phase, unsigned(m.phase & 1), m.pending,
                  m.expected, (long long)m.tx);
  }
  case WaitKind::Warp:
    for (const WarpCollective &c : cta.warpCollectives[t.warp])
      if (c.mask >> t.lane & 1)
        return format("%s (site '%s') with membermask 0x%08x: lanes %s "
                      "arrived, lanes %s missing",
                      collectiveName(c.kind, c.shflKind), c.site, c.mask,
                      laneList(c.arrived).c_str(),
                      laneList(c.mask & ~c.arrived).c_str());
    return "a warp collective";
  case WaitKind::Warpgroup: {
    const WarpgroupCollective &c = cta.warpgroupCollectives[t.waitObject];
    return format("%s (site '%s') in warpgroup %u: %u of 128 threads arrived",
                  collectiveName(c.kind), c.site, t.waitObject, c.arrived);
  }
  case WaitKind::None:
    break;
  }
  return "runnable";
}

/// "warp 0 lanes 1-31, warps 1-3" for a sorted list of thread ids.
std::string describeThreads(const Cta &cta, const std::vector<uint32_t> &ids) {
  std::string out;
  auto add = [&](const std::string &s) {
    if (!out.empty())
      out += ", ";
    out += s;
  };
  auto warpEnd = [&](uint32_t w) { return w * 32 + warpLaneCount(cta, w) - 1; };
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
      ++j;
    uint32_t a = ids[i], b = ids[j];
    uint32_t wa = a / 32, wb = b / 32;
    auto lanes = [](uint32_t w, uint32_t lo, uint32_t hi) {
      return lo == hi ? format("warp %u lane %u", w, lo)
                      : format("warp %u lanes %u-%u", w, lo, hi);
    };
    uint32_t fullLo = wa, fullHi = wb;
    bool fullHead = a % 32 == 0, fullTail = b == warpEnd(wb);
    if (wa == wb) {
      if (fullHead && fullTail)
        add(format("warp %u", wa));
      else
        add(lanes(wa, a % 32, b % 32));
    } else {
      if (!fullHead) {
        add(lanes(wa, a % 32, warpEnd(wa) % 32));
        ++fullLo;
      }
      uint32_t hi = fullTail ? fullHi : fullHi - 1;
      if (fullLo <= hi && hi != ~0u)
        add(fullLo == hi ? format("warp %u", fullLo)
                         : format("warps %u-%u", fullLo, hi));
      if (!fullTail)
        add(lanes(wb, 0, b % 32));
    }
    i = j + 1;
  }
  if (ids.size() > 1)
    out += format(" (%zu threads)", ids.size());
  return out;
}

std::string deadlockReport(const Cta &cta) {
  std::string out = format("deadlock in kernel '%s' block (%u,%u,%u): every "
                           "live thread waits",
                           cta.kernelName(), cta.bx, cta.by, cta.bz);
  // Threads grouped by identical wait state, groups in order of their first
  // thread.
  std::vector<std::string> descriptions;
  std::vector<std::vector<uint32_t>> members;
  std::unordered_map<std::string, size_t> group;
  for (const Thread &t : cta.threads) {
    std::string d = describeWait(cta, t);
    auto [it, inserted] = group.emplace(d, descriptions.size());
    if (inserted) {
      descriptions.push_back(std::move(d));
      members.emplace_back();
    }
    members[it->second].push_back(t.linear);
  }
  constexpr size_t kMaxGroups = 48;
  for (size_t g = 0; g < descriptions.size() && g < kMaxGroups; ++g)
    out += "\n  " + describeThreads(cta, members[g]) + ": " + descriptions[g];
  if (descriptions.size() > kMaxGroups)
    out += format("\n  ... and %zu more groups of threads",
                  descriptions.size() - kMaxGroups);
  return out;
}

//===----------------------------------------------------------------------===//
// The scheduler
//===----------------------------------------------------------------------===//

void runCta(Executor &ex, const GridLaunch &launch, uint32_t bx, uint32_t by,
            uint32_t bz) {
  Cta &cta = ex.cta;
  uint32_t n = uint32_t(launch.block.count());
  cta.launch = &launch;
  cta.bx = bx;
  cta.by = by;
  cta.bz = bz;
  cta.threadCount = n;
  cta.window = ex.window;
  cta.runQueue.clear();
  cta.live = n;
  cta.exitedCount = 0;
  uint32_t warps = (n + 31) / 32;
  cta.warpExited.assign(warps, 0);
  cta.warpCollectives.resize(warps);
  for (auto &open : cta.warpCollectives)
    open.clear();
  cta.warpgroupCollectives.resize((warps + 3) / 4);
  for (auto &c : cta.warpgroupCollectives) {
    c.open = false;
    c.waiters.clear();
  }
  for (NamedBarrier &b : cta.barriers) {
    b.arrived = 0;
    b.threads = 0;
    b.waiters.clear();
  }
  cta.mbarriers.clear();
  cta.copies.clear();
  if (cta.dirtyLo < cta.dirtyHi)
    memset(cta.genericWritten.data() + cta.dirtyLo, 0,
           cta.dirtyHi - cta.dirtyLo);
  cta.dirtyLo = cta.dirtyHi = 0;
  // Uninitialized shared memory reads as 0xFF bytes: NaN in every float
  // format, so a kernel that consumes data it never loaded fails visibly and
  // deterministically.
  memset(ex.window, 0xff, cta.dynamicEnd());

  cta.threads.resize(n);
  const Dim3 &block = launch.block;
  for (uint32_t i = 0; i < n; ++i) {
    Thread &t = cta.threads[i];
    t = Thread();
    t.cta = &cta;
    t.linear = i;
    t.x = i % block.x;
    t.y = (i / block.x) % block.y;
    t.z = i / (block.x * block.y);
    t.warp = i / 32;
    t.lane = i % 32;
    detail::fiberInit(t.context, ex.stacks.stack(i),
                      detail::StackPool::kStackBytes, &threadMain, &t);
    cta.runQueue.push_back(i);
  }

  while (!cta.aborted) {
    if (!cta.runQueue.empty()) {
      uint32_t index = cta.runQueue.front();
      cta.runQueue.pop_front();
      Thread &t = cta.threads[index];
      currentThread = &t;
      detail::fiberSwitch(cta.scheduler, t.context);
      currentThread = nullptr;
      continue;
    }
    if (!cta.copies.empty()) {
      performCopies(cta);
      continue;
    }
    if (cta.live == 0)
      break;
    cta.error = deadlockReport(cta);
    cta.aborted = true;
  }
}

} // namespace

GridResult runGrid(const GridLaunch &launch) {
  GridResult result;
  Executor &ex = executor();
  std::lock_guard<std::mutex> lock(ex.mutex);
  const MoecEmuKernel *kernel = launch.kernel;
  const char *name = kernel && kernel->name ? kernel->name : "?";
  uint64_t threads = launch.block.count();
  if (!kernel || !kernel->launch) {
    result.error = "emulator: launch without a kernel";
  } else if (threads == 0 || launch.grid.count() == 0) {
    result.error = format("emulator: kernel '%s' launched with an empty grid "
                          "(%u,%u,%u) x block (%u,%u,%u)",
                          name, launch.grid.x, launch.grid.y, launch.grid.z,
                          launch.block.x, launch.block.y, launch.block.z);
  } else if (threads > kMaxThreads ||
             (kernel->max_threads && threads > kernel->max_threads)) {
    result.error =
        format("emulator: kernel '%s' launched with %llu threads "
               "per block; the limit is %u",
               name, (unsigned long long)threads,
               kernel->max_threads ? kernel->max_threads : kMaxThreads);
  } else if (launch.dynamicSmemBytes > kMaxDynamicSmemBytes) {
    result.error = format("emulator: kernel '%s' launched with %u bytes of "
                          "dynamic shared memory; sm_90 allows %u",
                          name, launch.dynamicSmemBytes, kMaxDynamicSmemBytes);
  } else if (ex.mapWindow(result.error)) {
    if (!ex.stacks.reserve(size_t(threads)))
      result.error = "emulator: cannot map the fiber stacks";
  }
  if (!result.ok())
    return result;
  ex.cta.error.clear();
  ex.cta.aborted = false;
  for (uint32_t z = 0; z < launch.grid.z; ++z)
    for (uint32_t y = 0; y < launch.grid.y; ++y)
      for (uint32_t x = 0; x < launch.grid.x; ++x) {
        runCta(ex, launch, x, y, z);
        if (ex.cta.aborted) {
          result.error = std::move(ex.cta.error);
          ex.cta.error.clear();
          ex.cta.aborted = false;
          return result;
        }
      }
  return result;
}

void *const *emulatorHookTable() { return kHookTable; }

uint8_t *sharedWindowBase() {
  std::string error;
  Executor &ex = executor();
  return ex.mapWindow(error) ? ex.window : nullptr;
}

} // namespace moec::emu
