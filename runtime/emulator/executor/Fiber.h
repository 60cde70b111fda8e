//===- Fiber.h - Cooperative execution contexts for emulated threads -*- C++
//-*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One emulated GPU thread is one fiber: a stack and a saved register set,
// switched explicitly by the CTA scheduler on a single OS thread. On x86-64
// the switch is a dozen instructions (FiberSwitch_x86_64.S: the callee-saved
// registers, the stack pointer, MXCSR and the x87 control word); ucontext's
// swapcontext makes a sigprocmask system call per switch, which would
// dominate a 384-thread CTA, so it is only the fallback elsewhere (or with
// -DMOEC_EMU_FIBER_UCONTEXT, to test that path).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_EXECUTOR_FIBER_H
#define MOEC_RUNTIME_EMULATOR_EXECUTOR_FIBER_H

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__x86_64__) && !defined(MOEC_EMU_FIBER_UCONTEXT)
#define MOEC_EMU_FIBER_ASM 1
#else
#define MOEC_EMU_FIBER_ASM 0
#include <ucontext.h>
#endif

namespace moec::emu::detail {

/// A saved execution context. The scheduler's own context (the OS thread's
/// stack) is a FiberContext that was never initialised with fiberInit: the
/// first switch away from it fills it in.
struct FiberContext {
#if MOEC_EMU_FIBER_ASM
  void *sp = nullptr;
#else
  ucontext_t uc;
#endif
};

/// Prepares `ctx` to run entry(arg) on [stackLow, stackLow + stackBytes)
/// when first switched to. `entry` must never return: a finished fiber
/// switches away for good.
void fiberInit(FiberContext &ctx, void *stackLow, size_t stackBytes,
               void (*entry)(void *), void *arg);

/// Saves the running context into `from` and resumes `to`.
void fiberSwitch(FiberContext &from, FiberContext &to);

/// Fiber stacks: `stackBytes` each with a PROT_NONE guard page below, so an
/// overflow faults instead of silently corrupting the neighbouring fiber.
/// Mapped once and reused across CTAs and launches.
class StackPool {
public:
  static constexpr size_t kStackBytes = 64 * 1024;
  /// Makes at least `count` stacks available; false when mmap fails.
  bool reserve(size_t count);
  /// The lowest usable address of stack `index` (< reserved count).
  void *stack(size_t index) const { return stacks[index]; }
  size_t size() const { return stacks.size(); }

private:
  std::vector<void *> stacks;
};

} // namespace moec::emu::detail

#endif // MOEC_RUNTIME_EMULATOR_EXECUTOR_FIBER_H
