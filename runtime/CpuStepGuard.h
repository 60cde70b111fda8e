//===- CpuStepGuard.h - Allocation failures in compiled CPU code -*- C++
//-*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Compiled CPU code checks every malloc (moec-cpu-check-allocations): when one
// fails it calls the handler in its exported `moec_cpu_allocation_failed`
// global. The runtime's handler jumps back to the step's caller, which
// reports the failure as an error instead of a SIGSEGV. Memory the step had
// allocated before the failure is not returned (the step never finishes), a
// bounded loss on a path that ends in an error.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CPUSTEPGUARD_H
#define MOEC_RUNTIME_CPUSTEPGUARD_H

#include "runtime/SharedObject.h"

#include "absl/status/status.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace moec::runtime {

/// Points `object`'s allocation-failure hook at the runtime's handler; code
/// compiled before the hook existed has none, and is left alone.
void installAllocationFailureHandler(const SharedObject &object);

/// Calls `entry(args)`; returns the size of the allocation that failed
/// inside it (the step did not finish), or nullopt.
std::optional<uint64_t> runGuardedStep(void (*entry)(void **), void **args);

/// The error for a step at `where` whose allocation of `bytes` failed.
absl::Status allocationFailure(std::string_view where, uint64_t bytes);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CPUSTEPGUARD_H
