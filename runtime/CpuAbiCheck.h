//===- CpuAbiCheck.h - Artifact metadata against the code's ABI -*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the cross-check of an artifact's metadata against the
// ABI record its CPU code carries (runtime/CpuAbi.h): the runtime sizes the
// logits, the arena and the KV cache from the metadata and the code writes
// into them, so any disagreement is refused before a step runs.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CPUABICHECK_H
#define MOEC_RUNTIME_CPUABICHECK_H

#include "runtime/Artifact.h"
#include "runtime/SharedObject.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace moec::runtime {

/// Returns the name of a binding kind as artifact.fbs spells it.
std::string_view bindingKindName(BindingKind kind);

/// Finds `object`'s ABI record and checks the model-wide fields (vocabulary,
/// token limit, arena, KV cache, packed weights and their layout) against
/// `artifact`; errors start with `where` and name the disagreeing field.
absl::StatusOr<const uint64_t *> loadCpuAbi(const SharedObject &object,
                                            const Artifact &artifact,
                                            std::string_view where);

/// Checks that `step`, which calls `symbol`, passes the bindings the entry
/// was compiled for; `field` names the step ("prefill.steps[0]").
absl::Status checkCpuAbiStep(const uint64_t *record, const PlanStep &step,
                             const std::string &symbol,
                             const std::string &field, std::string_view where);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CPUABICHECK_H
