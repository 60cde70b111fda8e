//===- Executor.cpp - One CTA's threads as cooperatively scheduled fibers -===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// runGrid runs the CTAs of a grid one after another on the calling OS
// thread. Each thread of a CTA is a fiber (Fiber.h) running the emulation
// object's kernel body; the body calls the hooks (SyncHooks.cpp,
// AsyncHooks.cpp) for every NVVM operation. A fiber runs until it blocks (a
// barrier, an mbarrier wait, a warp or warpgroup collective whose other
// members have not arrived) or exits; then the scheduler resumes the next
// runnable fiber, round-robin.
//
// Asynchronous TMA copies are queued and performed only when no fiber can
// run, so a consumer that reads a stage without waiting on its mbarrier
// reads stale data, as it could on the GPU. When nothing can run, no copy
// is pending and live fibers remain, the CTA is deadlocked: the report
// lists, per warp, what every thread waits for.
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/CtaState.h"

#include "runtime/emulator/executor/SharedWindowBase.h"

#include <cstring>
#include <sys/mman.h>

namespace moec::emu {
namespace detail {

bool Executor::mapWindow(std::string &error) {
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

} // namespace detail

using namespace detail;

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
