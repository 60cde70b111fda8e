//===- CpuAbi.h - The ABI record inside compiled CPU code -------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A CPU shared object that moec compiles exports `moec_cpu_abi_v1`, an array
// of little-endian uint64 words recording what the code was compiled for, so
// that the runtime refuses artifact metadata that disagrees with the code
// (an edited vocab_size would overflow the logits buffer, a shrunk arena or
// swapped bindings would crash the step). Layout (Word below):
//
//   magic, word count, vocab_size, max_tokens, arena base, arena per_token,
//   kv_cache_bytes, packed_size, weight layout hash, entry count, then per
//   entry: name hash, argument count, one BindingKind per argument.
//
// max_tokens 0 means the code has no arena (and then no token limit of its
// own). Header-only and free of Abseil: the compiler's codegen/cpu emits the
// record and the runtime (CpuAbiCheck.cpp) reads it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CPUABI_H
#define MOEC_RUNTIME_CPUABI_H

#include <cstdint>
#include <string_view>

namespace moec::runtime::cpuabi {

constexpr const char *kSymbol = "moec_cpu_abi_v1";
/// "MOECABI1" as a little-endian word.
constexpr uint64_t kMagic = 0x3149424143454f4dull;
/// More words than any record has: bounds what the runtime reads.
constexpr uint64_t kMaxWords = 1 << 16;

enum Word : unsigned {
  Magic,
  WordCount,
  VocabSize,
  MaxTokens,
  ArenaBase,
  ArenaPerToken,
  KvCacheBytes,
  PackedSize,
  LayoutHash,
  EntryCount,
  FirstEntry
};

/// The BindingKind values (runtime/schema/artifact.fbs) the compiler's
/// records use; CpuAbiCheck.cpp asserts they match the runtime's enum.
enum Kind : uint64_t {
  ArenaBufferKind = 0,
  InputTokenIdsKind = 4,
  InputPositionsKind = 5,
  OutputLogitsKind = 6,
  PackedWeightsKind = 10,
  KvCacheAllKind = 11
};

/// 64-bit FNV-1a: not cryptographic; the artifact's SHA-256 guards the
/// bytes, this only ties the metadata to the code's view of it.
class Fnv1a {
public:
  void add(std::string_view bytes) {
    for (char c : bytes)
      value = (value ^ uint8_t(c)) * 0x100000001b3ull;
  }
  void add(uint64_t word) {
    for (int i = 0; i < 8; ++i)
      value = (value ^ uint8_t(word >> (8 * i))) * 0x100000001b3ull;
  }
  uint64_t get() const { return value; }

private:
  uint64_t value = 0xcbf29ce484222325ull;
};

/// Returns the hash that identifies an entry symbol in the record.
inline uint64_t entryNameHash(std::string_view name) {
  Fnv1a hash;
  hash.add(name);
  return hash.get();
}

/// Accumulates the weight layout hash: for each packed weight in manifest
/// order, its name, a zero byte, its byte offset and its byte size.
class LayoutHasher {
public:
  void addWeight(std::string_view name, uint64_t offset, uint64_t bytes) {
    hash.add(name);
    hash.add(std::string_view("\0", 1));
    hash.add(offset);
    hash.add(bytes);
  }
  uint64_t get() const { return hash.get(); }

private:
  Fnv1a hash;
};

} // namespace moec::runtime::cpuabi

#endif // MOEC_RUNTIME_CPUABI_H
