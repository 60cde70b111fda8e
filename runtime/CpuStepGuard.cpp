//===- CpuStepGuard.cpp - Allocation failures in compiled CPU code --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/CpuStepGuard.h"

#include "runtime/StringUtil.h"

#include <csetjmp>
#include <cstdint>

namespace moec::runtime {
namespace {

/// The step running on this thread, where the handler jumps to.
thread_local std::jmp_buf *activeStep = nullptr;
thread_local uint64_t failedAllocationBytes = 0;

// Called from compiled code, between frames that hold no C++ objects: the
// entry trampoline and the lowered step have no destructors to skip.
extern "C" void moecCpuAllocationFailed(uint64_t bytes) {
  // malloc(0) may return null without failing; the code never uses the
  // pointer of an empty buffer.
  if (bytes == 0)
    return;
  failedAllocationBytes = bytes;
  if (activeStep)
    std::longjmp(*activeStep, 1);
  // Outside a step the compiled code gets null back, as without a handler.
}

} // namespace

void installAllocationFailureHandler(const SharedObject &object) {
  absl::StatusOr<void *> hook = object.symbol("moec_cpu_allocation_failed");
  if (!hook.ok())
    return;
  using Handler = void (*)(uint64_t);
  *static_cast<Handler *>(*hook) = &moecCpuAllocationFailed;
}

std::optional<uint64_t> runGuardedStep(void (*entry)(void **), void **args) {
  std::jmp_buf jump;
  std::jmp_buf *outer = activeStep;
  activeStep = &jump;
  if (setjmp(jump) != 0) {
    activeStep = outer;
    return failedAllocationBytes;
  }
  entry(args);
  activeStep = outer;
  return std::nullopt;
}

absl::Status allocationFailure(std::string_view where, uint64_t bytes) {
  return absl::ResourceExhaustedError(
      strCat(where, ": out of memory: the compiled code could not allocate ",
             bytes, " bytes"));
}

} // namespace moec::runtime
