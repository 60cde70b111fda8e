//===- CpuExecutor.cpp - Running execution plans on the CPU ---------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements CpuExecutor and AlignedBuffer: loading the shared
// objects, resolving entry symbols, and forming each step's arguments.
//
//===----------------------------------------------------------------------===//

#include "runtime/CpuExecutor.h"

#include "runtime/CpuAbiCheck.h"
#include "runtime/CpuFeatures.h"
#include "runtime/CpuStepGuard.h"

#include "runtime/StringUtil.h"

#include "absl/strings/str_join.h"

#include <cerrno>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace moec::runtime {

//===----------------------------------------------------------------------===//
// AlignedBuffer
//===----------------------------------------------------------------------===//

AlignedBuffer::AlignedBuffer(AlignedBuffer &&other) noexcept {
  *this = std::move(other);
}

AlignedBuffer &AlignedBuffer::operator=(AlignedBuffer &&other) noexcept {
  if (this == &other)
    return *this;
  release();
  base = std::exchange(other.base, nullptr);
  mappedBytes = std::exchange(other.mappedBytes, 0);
  requested = std::exchange(other.requested, 0);
  return *this;
}

AlignedBuffer::~AlignedBuffer() { release(); }

void AlignedBuffer::release() {
  if (base)
    ::munmap(base, mappedBytes);
  base = nullptr;
  mappedBytes = requested = 0;
}

absl::Status AlignedBuffer::allocate(uint64_t bytes, std::string_view what) {
  release();
  uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  uint64_t length = bytes == 0 ? page : bytes;
  // Anonymous mappings are zeroed and page-aligned; an absurd size from a
  // corrupted artifact fails here instead of aborting in operator new.
  void *address = MAP_FAILED;
  int error = ENOMEM;
  if (length <= uint64_t(SIZE_MAX / 2)) {
    address = ::mmap(nullptr, size_t(length), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    error = errno;
  }
  if (address == MAP_FAILED)
    return absl::ResourceExhaustedError(strCat("cannot allocate ", bytes,
                                               " bytes for the ", what, ": ",
                                               std::strerror(error)));
  base = static_cast<uint8_t *>(address);
  mappedBytes = length;
  requested = bytes;
  return absl::OkStatus();
}

void AlignedBuffer::zero() {
  if (!base)
    return;
  // MADV_DONTNEED makes private anonymous pages read back as zeros without
  // touching them (cheap for a large, mostly unused KV cache).
  if (::madvise(base, mappedBytes, MADV_DONTNEED) != 0)
    std::memset(base, 0, mappedBytes);
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// Code compiled for instructions this CPU lacks would die with SIGILL in
/// the middle of a step; refuse it before loading, naming what is missing.
static absl::Status checkCpuFeatures(const Kernel &k, std::string_view where) {
  std::vector<std::string> missing = missingHostCpuFeatures(k.cpuFeatures);
  if (missing.empty())
    return absl::OkStatus();
  return absl::FailedPreconditionError(strCat(
      where, ": compiled for CPU '", k.cpu,
      "', whose instructions this machine lacks: ",
      absl::StrJoin(missing, ", "),
      "; compile the model on this machine (--cpu=host) or for a portable "
      "level it supports (e.g. --cpu=x86-64-v3)"));
}

static std::string_view planName(PlanKind plan) {
  return plan == PlanKind::Prefill ? "prefill" : "decode";
}

/// Loads kernel `index` once its kind, target and CPU features fit this
/// machine, and checks the artifact's metadata against the code's ABI.
absl::Status CpuExecutor::loadObject(uint32_t index) {
  const Kernel &k = artifact.kernels()[index];
  std::string where =
      strCat(artifact.path(), ": kernels[", index, "] '", k.name, "'");
  if (k.kind != KernelKind::CpuSharedObject)
    return absl::FailedPreconditionError(
        strCat(where, ": a ", kernelKindName(k.kind), " kernel for ", k.target,
               " cannot run on the CPU"));
  if (k.target != hostCpuTarget())
    return absl::FailedPreconditionError(
        strCat(where, ": built for target '", k.target,
               "' but this machine is ", hostCpuTarget(),
               "; compile the model with --target=cpu on this machine"));
  if (absl::Status status = checkCpuFeatures(k, where); !status.ok())
    return status;
  absl::StatusOr<SharedObject> object = SharedObject::load(k.bytes, where);
  if (!object.ok())
    return object.status();
  absl::StatusOr<const uint64_t *> record =
      loadCpuAbi(*object, artifact, where);
  if (!record.ok())
    return record.status();
  objects[index] = std::make_unique<SharedObject>(*std::move(object));
  installAllocationFailureHandler(*objects[index]);
  abiRecords[index] = *record;
  return absl::OkStatus();
}

absl::StatusOr<void *> CpuExecutor::entrySymbol(const PlanStep &step,
                                                const std::string &field) {
  if (!objects[step.kernel])
    if (absl::Status s = loadObject(step.kernel); !s.ok())
      return s;
  const std::string &symbol = artifact.launches()[step.launch].kernelName;
  absl::StatusOr<void *> address = objects[step.kernel]->symbol(symbol);
  if (!address.ok())
    return address;
  if (absl::Status s = checkCpuAbiStep(abiRecords[step.kernel], step, symbol,
                                       field, artifact.path());
      !s.ok())
    return s;
  return address;
}

absl::Status CpuExecutor::resolvePlan(PlanKind plan, std::vector<Step> &steps) {
  const ExecutionPlan &p = artifact.plan(plan);
  bool bindsLogits = false;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const PlanStep &s = p.steps[i];
    std::string field = strCat(planName(plan), ".steps[", i, "]");
    for (size_t a = 0; a < s.args.size(); ++a) {
      bindsLogits |= s.args[a].kind == BindingKind::OutputLogits;
      if (s.args[a].kind == BindingKind::TmaDescriptor)
        return absl::FailedPreconditionError(
            strCat(artifact.path(), ": ", field, ".args[", a,
                   "]: tma_descriptor bindings are not supported on the CPU "
                   "(they belong to GPU kernels)"));
    }
    absl::StatusOr<void *> address = entrySymbol(s, field);
    if (!address.ok())
      return absl::Status(
          address.status().code(),
          strCat(address.status().message(), " (used by ", field, ")"));
    steps.push_back(Step{reinterpret_cast<Entry>(*address), &s});
  }
  if (!bindsLogits)
    return absl::InvalidArgumentError(
        strCat(artifact.path(), ": the ", planName(plan),
               " plan never binds output_logits, so it produces no logits"));
  return absl::OkStatus();
}

/// Compiled CPU steps keep most temporaries in the arena, but those inside
/// tile loops or of data-dependent size are malloc'ed and freed before the
/// step returns. glibc would serve large blocks with mmap and unmap them on
/// free, so every step would page-fault them in again; keeping freed memory
/// for reuse avoids that.
static void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  constexpr int kLarge = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kLarge);
  mallopt(M_TRIM_THRESHOLD, kLarge);
#endif
}

absl::StatusOr<std::unique_ptr<CpuExecutor>>
CpuExecutor::create(const Artifact &artifact,
                    absl::Span<const uint8_t> packedData) {
  keepFreedMemoryForReuse();
  std::unique_ptr<CpuExecutor> result(new CpuExecutor(artifact, packedData));
  result->objects.resize(artifact.kernels().size());
  result->abiRecords.resize(artifact.kernels().size());
  if (absl::Status s =
          result->resolvePlan(PlanKind::Prefill, result->prefillSteps);
      !s.ok())
    return s;
  if (absl::Status s =
          result->resolvePlan(PlanKind::Decode, result->decodeSteps);
      !s.ok())
    return s;
  if (absl::Status s =
          result->kvCache.allocate(artifact.kvCacheBytes(), "KV cache");
      !s.ok())
    return s;
  return result;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {
/// An MLIR strided memref descriptor of rank R (the CPU calling convention).
template <int R> struct MemRefDesc {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

/// The storage behind one entry of a step's `void **args`.
union ArgSlot {
  MemRefDesc<1> rank1;
  MemRefDesc<2> rank2;
  int64_t scalar;
};

/// A byte range a pointer binding refers to.
struct Bytes {
  uint8_t *data;
  uint64_t size;
};
} // namespace

static MemRefDesc<1> rank1(void *data, uint64_t size) {
  return MemRefDesc<1>{data, data, 0, {int64_t(size)}, {1}};
}

/// Returns the bytes binding `b` refers to for a pass over `tokens` tokens;
/// `field` names the binding in errors.
static absl::StatusOr<Bytes> bindingBytes(const Artifact &artifact,
                                          const Binding &b, uint64_t tokens,
                                          absl::Span<const uint8_t> packed,
                                          uint8_t *kv, uint8_t *arena,
                                          const std::string &field) {
  // The validator has checked every static offset; only arena buffers
  // depend on the token count.
  uint8_t *packedData = const_cast<uint8_t *>(packed.data());
  switch (b.kind) {
  case BindingKind::ArenaBuffer: {
    const BufferSpec &spec = artifact.bufferPlan().buffers[b.index];
    uint64_t offset = spec.offset.at(tokens).value_or(0);
    uint64_t size = spec.size.at(tokens).value_or(0);
    if (b.byteOffset > size)
      return absl::InvalidArgumentError(
          strCat(artifact.path(), ": ", field, ".byte_offset: ", b.byteOffset,
                 " runs past arena buffer '", spec.name, "' (", size,
                 " bytes at ", tokens, " tokens)"));
    return Bytes{arena + offset + b.byteOffset, size - b.byteOffset};
  }
  case BindingKind::Weight: {
    const WeightEntry &w = artifact.manifest().tensors[b.index];
    return Bytes{packedData + w.byteOffset + b.byteOffset,
                 w.byteSize - b.byteOffset};
  }
  case BindingKind::PackedWeights:
    return Bytes{packedData + b.byteOffset,
                 artifact.manifest().packedSize - b.byteOffset};
  case BindingKind::KvCache:
    return Bytes{kv + b.byteOffset, artifact.kvCacheBytes() - b.byteOffset};
  case BindingKind::KvCacheKeys:
  case BindingKind::KvCacheValues: {
    const KvCacheLayer &l = artifact.kvCache()[b.index];
    uint64_t start = b.kind == BindingKind::KvCacheKeys ? l.keysByteOffset
                                                        : l.valuesByteOffset;
    return Bytes{kv + start + b.byteOffset,
                 l.regionBytes().value_or(0) - b.byteOffset};
  }
  default:
    return absl::InternalError(strCat(field, ": not a byte binding"));
  }
}

absl::Status CpuExecutor::run(PlanKind plan, const ForwardIo &io) {
  std::optional<uint64_t> arenaBytes =
      artifact.bufferPlan().arenaSize.at(io.tokens);
  if (!arenaBytes)
    return absl::InvalidArgumentError(
        strCat(artifact.path(), ": buffer_plan.arena_size overflows at ",
               io.tokens, " tokens"));
  if (!arena.data() || arena.size() < *arenaBytes)
    if (absl::Status s = arena.allocate(*arenaBytes, "arena"); !s.ok())
      return s;
  int64_t tokens = int64_t(io.tokens);
  int64_t vocab = int64_t(artifact.config().vocabSize);
  const std::vector<Step> &steps =
      plan == PlanKind::Prefill ? prefillSteps : decodeSteps;
  std::vector<ArgSlot> slots;
  std::vector<void *> args;
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::vector<Binding> &bindings = steps[i].step->args;
    slots.assign(bindings.size(), ArgSlot{});
    args.assign(bindings.size(), nullptr);
    for (size_t a = 0; a < bindings.size(); ++a) {
      const Binding &b = bindings[a];
      ArgSlot &slot = slots[a];
      args[a] = &slot;
      switch (b.kind) {
      case BindingKind::InputTokenIds:
      case BindingKind::InputPositions: {
        const int64_t *values =
            b.kind == BindingKind::InputTokenIds ? io.ids : io.positions;
        slot.rank1 = rank1(const_cast<int64_t *>(values), 0);
        slot.rank1.sizes[0] = tokens;
        break;
      }
      case BindingKind::OutputLogits:
        slot.rank2 =
            MemRefDesc<2>{io.logits, io.logits, 0, {tokens, vocab}, {vocab, 1}};
        break;
      case BindingKind::NumTokens:
        slot.scalar = tokens;
        break;
      case BindingKind::Immediate:
        slot.scalar = b.value;
        break;
      default: {
        absl::StatusOr<Bytes> bytes = bindingBytes(
            artifact, b, io.tokens, packed, kvCache.data(), arena.data(),
            strCat(planName(plan), ".steps[", i, "].args[", a, "]"));
        if (!bytes.ok())
          return bytes.status();
        slot.rank1 = rank1(bytes->data, bytes->size);
        break;
      }
      }
    }
    if (std::optional<uint64_t> failed =
            runGuardedStep(steps[i].entry, args.data()))
      return allocationFailure(
          strCat(artifact.path(), ": ", planName(plan), ".steps[", i, "]"),
          *failed);
  }
  return absl::OkStatus();
}

} // namespace moec::runtime
