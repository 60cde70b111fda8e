//===- CpuExecutor.h - Running execution plans on the CPU -------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares CpuExecutor: it loads an artifact's CPU shared objects,
// resolves every plan step's entry symbol, owns the KV cache and the arena,
// and runs a plan by calling each step's `void entry(void **args)` with the
// bindings formed as the CPU calling convention of artifact.fbs says (MLIR
// strided memref descriptors for pointers, int64 pointers for scalars).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CPUEXECUTOR_H
#define MOEC_RUNTIME_CPUEXECUTOR_H

#include "runtime/Artifact.h"
#include "runtime/SharedObject.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace moec::runtime {

/// A zero-filled anonymous mapping (page-aligned, so 64-byte aligned too),
/// never empty: a size of 0 still maps one page, so kernels always get a
/// valid pointer. Move-only.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer &&other) noexcept;
  AlignedBuffer &operator=(AlignedBuffer &&other) noexcept;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  ~AlignedBuffer();

  /// Maps `bytes` zeroed bytes, dropping the old contents; ResourceExhausted
  /// naming `what` when the memory is not available.
  absl::Status allocate(uint64_t bytes, std::string_view what);
  /// Zeroes the contents.
  void zero();

  uint8_t *data() const { return base; }
  /// The size asked for (the mapping may be larger).
  uint64_t size() const { return requested; }

private:
  void release();

  uint8_t *base = nullptr;
  uint64_t mappedBytes = 0;
  uint64_t requested = 0;
};

/// The per-forward inputs and output of a plan: T tokens.
struct ForwardIo {
  uint64_t tokens = 0;
  /// [tokens] token ids and positions.
  const int64_t *ids = nullptr;
  const int64_t *positions = nullptr;
  /// [tokens, vocab] f32.
  float *logits = nullptr;
};

/// Runs an artifact's plans with CPU shared objects.
class CpuExecutor {
public:
  /// Loads the shared objects that the plans use and resolves their entry
  /// symbols; `artifact` and `packedData` (the packed weights' data area)
  /// must outlive the executor. Fails for kernels that are not CPU shared
  /// objects for this machine, missing symbols, and bindings the CPU cannot
  /// form (TMA descriptors).
  static absl::StatusOr<std::unique_ptr<CpuExecutor>>
  create(const Artifact &artifact, absl::Span<const uint8_t> packedData);

  /// Runs every step of `plan` once over `io`.
  absl::Status run(PlanKind plan, const ForwardIo &io);

  /// Zeroes the KV cache.
  void clearKvCache() { kvCache.zero(); }

private:
  using Entry = void (*)(void **);
  struct Step {
    Entry entry = nullptr;
    const PlanStep *step = nullptr;
  };

  CpuExecutor(const Artifact &artifact, absl::Span<const uint8_t> packedData)
      : artifact(artifact), packed(packedData) {}
  absl::Status resolvePlan(PlanKind plan, std::vector<Step> &steps);
  absl::StatusOr<void *> entrySymbol(const PlanStep &step,
                                     const std::string &field);
  absl::Status loadObject(uint32_t index);

  const Artifact &artifact;
  absl::Span<const uint8_t> packed;
  /// One per artifact kernel; loaded on first use by a plan step.
  std::vector<std::unique_ptr<SharedObject>> objects;
  /// The ABI record of each loaded object (runtime/CpuAbi.h).
  std::vector<const uint64_t *> abiRecords;
  std::vector<Step> prefillSteps, decodeSteps;
  AlignedBuffer kvCache, arena;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CPUEXECUTOR_H
