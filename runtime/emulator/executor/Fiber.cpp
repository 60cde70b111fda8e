//===- Fiber.cpp - Cooperative execution contexts ------------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/Fiber.h"

#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#if MOEC_EMU_FIBER_ASM
extern "C" {
// FiberSwitch_x86_64.S.
void moec_emu_fiber_switch(void **saveSp, void *loadSp);
void moec_emu_fiber_start();
}
#endif

namespace moec::emu::detail {

#if MOEC_EMU_FIBER_ASM

void fiberInit(FiberContext &ctx, void *stackLow, size_t stackBytes,
               void (*entry)(void *), void *arg) {
  // The frame moec_emu_fiber_switch pops (FiberSwitch_x86_64.S): control
  // words, r15, r14, r13, r12, rbx, rbp, return address. The return address
  // is moec_emu_fiber_start, which calls r12(rbx); it must find rsp 16-byte
  // aligned after the `ret` so that the callee sees the SysV ABI alignment.
  uintptr_t top = (reinterpret_cast<uintptr_t>(stackLow) + stackBytes) & ~15ull;
  uint64_t *slot = reinterpret_cast<uint64_t *>(top - 24); // return address
  slot[0] = reinterpret_cast<uint64_t>(&moec_emu_fiber_start);
  slot[1] = 0;  // a null "caller" return address ends unwinding
  slot[-1] = 0; // rbp
  slot[-2] = reinterpret_cast<uint64_t>(arg);   // rbx
  slot[-3] = reinterpret_cast<uint64_t>(entry); // r12
  slot[-4] = 0;                                 // r13
  slot[-5] = 0;                                 // r14
  slot[-6] = 0;                                 // r15
  // MXCSR (low 32 bits) and the x87 control word: the defaults (all
  // exceptions masked, round to nearest; 64-bit x87 precision).
  slot[-7] = 0x1f80ull | (0x037full << 32);
  ctx.sp = &slot[-7];
}

void fiberSwitch(FiberContext &from, FiberContext &to) {
  moec_emu_fiber_switch(&from.sp, to.sp);
}

#else

namespace {
void ucontextEntry(unsigned lo, unsigned hi, unsigned elo, unsigned ehi) {
  void *arg = reinterpret_cast<void *>(uintptr_t(lo) | (uintptr_t(hi) << 32));
  auto entry = reinterpret_cast<void (*)(void *)>(uintptr_t(elo) |
                                                  (uintptr_t(ehi) << 32));
  entry(arg);
}
} // namespace

void fiberInit(FiberContext &ctx, void *stackLow, size_t stackBytes,
               void (*entry)(void *), void *arg) {
  getcontext(&ctx.uc);
  ctx.uc.uc_stack.ss_sp = stackLow;
  ctx.uc.uc_stack.ss_size = stackBytes;
  ctx.uc.uc_link = nullptr;
  uintptr_t a = reinterpret_cast<uintptr_t>(arg);
  uintptr_t e = reinterpret_cast<uintptr_t>(entry);
  makecontext(&ctx.uc, reinterpret_cast<void (*)()>(&ucontextEntry), 4,
              unsigned(a), unsigned(uint64_t(a) >> 32), unsigned(e),
              unsigned(uint64_t(e) >> 32));
}

void fiberSwitch(FiberContext &from, FiberContext &to) {
  swapcontext(&from.uc, &to.uc);
}

#endif

bool StackPool::reserve(size_t count) {
  if (stacks.size() >= count)
    return true;
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  size_t stride = kStackBytes + page;
  size_t missing = count - stacks.size();
  void *mem = mmap(nullptr, stride * missing, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED)
    return false;
  for (size_t i = 0; i < missing; ++i) {
    char *guard = static_cast<char *>(mem) + i * stride;
    mprotect(guard, page, PROT_NONE);
    stacks.push_back(guard + page);
  }
  return true;
}

} // namespace moec::emu::detail
