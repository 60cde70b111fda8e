//===- CtaState.h - The emulated CTA and its helpers ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The state the executor keeps for the CTA being run (threads as fibers,
// barriers, mbarriers, collectives, queued TMA copies) and the helpers the
// hooks share: errors, blocking and waking, shared addresses, barrier
// and collective bookkeeping. Internal to runtime/emulator/executor.
//
// A hook that finds an error records it and abandons the CTA: the fiber
// switches back to the scheduler and is never resumed (its stack is reused
// by the next launch). Hence the rule for every hook: nothing that owns
// heap memory may be live in its frame when it blocks or fails (FAIL builds
// its message in a full expression that ends before the switch).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_EXECUTOR_CTASTATE_H
#define MOEC_RUNTIME_EMULATOR_EXECUTOR_CTASTATE_H

#include "runtime/emulator/Executor.h"
#include "runtime/emulator/executor/Fiber.h"
#include "runtime/emulator/semantics/TensorMap.h"

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace moec::emu::detail {

constexpr uint64_t kWindowBytes = 1ull << 32;
constexpr uint32_t kReserved = MOEC_EMU_SMEM_RESERVED_BYTES;
constexpr uint32_t kWindowUsable = kReserved + kMaxDynamicSmemBytes;
constexpr uint32_t kMaxThreads = 1024;
constexpr uint32_t kWarpgroupThreads = 128;
constexpr int64_t kMaxTxCount = (1 << 20) - 1;

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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

/// The PTX name of a collective (`shflKind`: the shfl.sync mode).
const char *collectiveName(Collective kind, uint32_t shflKind = 0);

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

  /// Maps the 4 GiB-aligned shared memory window once.
  bool mapWindow(std::string &error);
};

/// The executor, created on first use and never destroyed (hooks may run
/// during static destruction of the host program).
Executor &executor();

/// The thread whose fiber runs now (set by the scheduler).
extern thread_local Thread *currentThread;

// The message is built (and its temporaries destroyed) before the fiber is
// abandoned: see the file comment.
#define FAIL(t, site, ...)                                                     \
  do {                                                                         \
    recordError(*(t).cta, (t), (site), format(__VA_ARGS__));                   \
    abandon(t);                                                                \
  } while (0)

// Errors and scheduling (CtaState.cpp).
std::string threadContext(const Cta &cta, const Thread &t, const char *site);
/// Records the grid's first error, naming the kernel, block, thread and site.
void recordError(Cta &cta, const Thread &t, const char *site,
                 const std::string &message);
Thread &current(const char *site);
/// Leaves the fiber for good: the CTA is aborted, the scheduler never
/// resumes it.
[[noreturn]] void abandon(Thread &t);
/// Blocks the calling thread until another one wakes it.
void block(Thread &t, WaitKind kind, const char *site, uint32_t object = 0,
           uint32_t parity = 0);
void wake(Cta &cta, uint32_t index);
void wakeAll(Cta &cta, std::vector<uint32_t> &waiters);

// Shared memory, barriers, mbarriers, collectives (CtaState.cpp).
/// The shared-window address of a host pointer, or false when it is not in
/// the window.
bool sharedAddress(const Cta &cta, const void *p, uint32_t &address);
std::string dynamicRange(const Cta &cta);
void markGenericWritten(Cta &cta, uint32_t address, uint32_t bytes);
void clearGenericWritten(Cta &cta, uint32_t address, uint32_t bytes);
/// bar.sync completes when the instance's thread count has arrived; for the
/// whole-CTA form (no count), threads that exited count as arrived, as the
/// hardware releases a barrier once every non-exited thread waits on it.
bool barrierComplete(const Cta &cta, const NamedBarrier &b);
void releaseBarrier(Cta &cta, NamedBarrier &b);
/// The mbarrier at host pointer `p`, checked: 8-byte aligned inside the
/// dynamic shared memory and initialised (unless `forInit`).
Mbarrier *mbarrierAt(Thread &t, const void *p, const char *op, const char *site,
                     uint32_t &address, bool forInit);
/// PTX ISA, 'mbarrier' — phase completion: the current phase completes when
/// the pending arrival count and the tx-count are both zero; the mbarrier
/// then moves to the next phase with pending = expected, and every
/// try_wait.parity on the completed phase succeeds.
void maybeCompletePhase(Cta &cta, Mbarrier &m);
std::string describeMbarrier(uint32_t address, const Mbarrier &m);
std::string laneList(uint32_t mask);
uint32_t warpLaneCount(const Cta &cta, uint32_t warp);
/// Joins the warp collective `kind` of the lanes in `mask`. Returns the open
/// collective, whose `arrived` includes the caller.
WarpCollective &joinWarpCollective(Thread &t, Collective kind,
                                   uint32_t shflKind, uint32_t mask,
                                   const char *site);
void closeWarpCollective(Cta &cta, uint32_t warp, WarpCollective &c);
/// Joins the warpgroup collective `kind`: every one of the 128 threads of
/// the caller's warpgroup must reach the same operation at the same site.
/// Returns true for the last thread to arrive (which completes the
/// collective and then calls releaseWarpgroup); the others block until then.
bool joinWarpgroup(Thread &t, Collective kind, const char *site);
void releaseWarpgroup(Cta &cta, uint32_t wg);
/// A fiber's body: runs the kernel, then exits the thread.
void threadMain(void *arg);

/// The hooks of moec/emulator_abi.h (SyncHooks.cpp, AsyncHooks.cpp).
uint32_t hookSreg(uint32_t reg, const char *site);
void hookBarrier(uint32_t id, uint32_t threads, const char *site);
uint32_t hookShfl(uint32_t kind, uint32_t mask, uint32_t value, uint32_t offset,
                  uint32_t clamp, uint32_t *valid, const char *site);
uint32_t hookElect(uint32_t mask, const char *site);
void hookSetMaxNReg(uint32_t registers, uint32_t increase, const char *site);
void hookMbarrierInit(void *p, uint32_t count, const char *site);
uint64_t hookMbarrierArrive(void *p, uint32_t count, const char *site);
uint64_t hookMbarrierArriveExpectTx(void *p, uint32_t txBytes,
                                    const char *site);
void hookMbarrierWaitParity(void *p, uint32_t parity, const char *site);
void hookFence(uint32_t kind, const char *site);
void hookTmaLoad(void *dst, const void *tensorMap, const int32_t *coords,
                 uint32_t rank, void *mbar, const char *site);
void hookWgmmaFence(const char *site);
void hookWgmmaCommit(const char *site);
void hookWgmmaWait(uint32_t pending, const char *site);
void hookWgmma(float *accumulator, uint64_t descA, uint64_t descB,
               uint32_t config, const char *site);
uint32_t hookCvtF32x2ToF8x2(float a, float b, uint32_t config,
                            const char *site);
void hookAccess(const void *p, uint32_t bytes, uint32_t flags,
                const char *site);
void *hookDynamicSmem(const char *site);

/// Performs the queued TMA copies (the async proxy: PTX ISA,
/// 'cp.async.bulk.tensor'), then signals complete_tx on their mbarriers.
void performCopies(Cta &cta);

/// Every live thread of a deadlocked CTA, grouped by what it waits for.
std::string deadlockReport(const Cta &cta);

} // namespace moec::emu::detail

#endif // MOEC_RUNTIME_EMULATOR_EXECUTOR_CTASTATE_H
