//===- CpuFeatures.cpp - The host CPU's instruction-set features ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/CpuFeatures.h"

#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace moec::runtime {
namespace {

enum class Reg : uint8_t { Eax, Ebx, Ecx, Edx };

/// What the OS must save on a context switch for the feature's registers.
enum class OsState : uint8_t { None, Avx, Avx512, Amx };

/// A feature by its LLVM name and where CPUID reports it.
struct FeatureBit {
  std::string_view name;
  uint32_t leaf, subleaf;
  Reg reg;
  uint8_t bit;
  OsState os;
};

// The extensions LLVM's x86 code generation may use for a CPU name, from
// the Intel SDM's CPUID tables (vol. 2A, CPUID) and AMD's (APM vol. 3).
constexpr FeatureBit kFeatures[] = {
    {"sse", 1, 0, Reg::Edx, 25, OsState::None},
    {"sse2", 1, 0, Reg::Edx, 26, OsState::None},
    {"sse3", 1, 0, Reg::Ecx, 0, OsState::None},
    {"pclmul", 1, 0, Reg::Ecx, 1, OsState::None},
    {"ssse3", 1, 0, Reg::Ecx, 9, OsState::None},
    {"fma", 1, 0, Reg::Ecx, 12, OsState::Avx},
    {"cx16", 1, 0, Reg::Ecx, 13, OsState::None},
    {"sse4.1", 1, 0, Reg::Ecx, 19, OsState::None},
    {"sse4.2", 1, 0, Reg::Ecx, 20, OsState::None},
    {"movbe", 1, 0, Reg::Ecx, 22, OsState::None},
    {"popcnt", 1, 0, Reg::Ecx, 23, OsState::None},
    {"aes", 1, 0, Reg::Ecx, 25, OsState::None},
    {"avx", 1, 0, Reg::Ecx, 28, OsState::Avx},
    {"f16c", 1, 0, Reg::Ecx, 29, OsState::Avx},
    {"bmi", 7, 0, Reg::Ebx, 3, OsState::None},
    {"avx2", 7, 0, Reg::Ebx, 5, OsState::Avx},
    {"bmi2", 7, 0, Reg::Ebx, 8, OsState::None},
    {"avx512f", 7, 0, Reg::Ebx, 16, OsState::Avx512},
    {"avx512dq", 7, 0, Reg::Ebx, 17, OsState::Avx512},
    {"adx", 7, 0, Reg::Ebx, 19, OsState::None},
    {"avx512ifma", 7, 0, Reg::Ebx, 21, OsState::Avx512},
    {"avx512cd", 7, 0, Reg::Ebx, 28, OsState::Avx512},
    {"sha", 7, 0, Reg::Ebx, 29, OsState::None},
    {"avx512bw", 7, 0, Reg::Ebx, 30, OsState::Avx512},
    {"avx512vl", 7, 0, Reg::Ebx, 31, OsState::Avx512},
    {"avx512vbmi", 7, 0, Reg::Ecx, 1, OsState::Avx512},
    {"avx512vbmi2", 7, 0, Reg::Ecx, 6, OsState::Avx512},
    {"gfni", 7, 0, Reg::Ecx, 8, OsState::None},
    {"vaes", 7, 0, Reg::Ecx, 9, OsState::Avx},
    {"vpclmulqdq", 7, 0, Reg::Ecx, 10, OsState::Avx},
    {"avx512vnni", 7, 0, Reg::Ecx, 11, OsState::Avx512},
    {"avx512bitalg", 7, 0, Reg::Ecx, 12, OsState::Avx512},
    {"avx512vpopcntdq", 7, 0, Reg::Ecx, 14, OsState::Avx512},
    {"avx512vp2intersect", 7, 0, Reg::Edx, 8, OsState::Avx512},
    {"amx-bf16", 7, 0, Reg::Edx, 22, OsState::Amx},
    {"avx512fp16", 7, 0, Reg::Edx, 23, OsState::Avx512},
    {"amx-tile", 7, 0, Reg::Edx, 24, OsState::Amx},
    {"amx-int8", 7, 0, Reg::Edx, 25, OsState::Amx},
    {"avxvnni", 7, 1, Reg::Eax, 4, OsState::Avx},
    {"avx512bf16", 7, 1, Reg::Eax, 5, OsState::Avx512},
    {"lzcnt", 0x80000001, 0, Reg::Ecx, 5, OsState::None},
    {"sse4a", 0x80000001, 0, Reg::Ecx, 6, OsState::None},
    {"prfchw", 0x80000001, 0, Reg::Ecx, 8, OsState::None},
    {"xop", 0x80000001, 0, Reg::Ecx, 11, OsState::Avx},
    {"fma4", 0x80000001, 0, Reg::Ecx, 16, OsState::Avx},
};

const FeatureBit *findFeature(std::string_view name) {
  for (const FeatureBit &feature : kFeatures)
    if (feature.name == name)
      return &feature;
  return nullptr;
}

#if defined(__x86_64__)
/// XCR0 bits: SSE and AVX state (1, 2); AVX-512 opmask and upper registers
/// (5, 6, 7); AMX tile configuration and data (17, 18).
constexpr uint64_t kAvxState = 0x6;
constexpr uint64_t kAvx512State = 0xe6;
constexpr uint64_t kAmxState = 0x60000;

uint64_t readXcr0() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27)))
    return 0; // No OSXSAVE: the OS saves no extended state.
  uint32_t low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (uint64_t(high) << 32) | low;
}

bool osSaves(OsState state, uint64_t xcr0) {
  auto has = [&](uint64_t bits) { return (xcr0 & bits) == bits; };
  switch (state) {
  case OsState::None:
    return true;
  case OsState::Avx:
    return has(kAvxState);
  case OsState::Avx512:
    return has(kAvx512State);
  case OsState::Amx:
    return has(kAvxState | kAmxState);
  }
  return false;
}

bool hostHas(const FeatureBit &feature, uint64_t xcr0) {
  unsigned regs[4] = {0, 0, 0, 0};
  // __get_cpuid_count checks the leaf against the maximum its range reports.
  if (!__get_cpuid_count(feature.leaf, feature.subleaf, &regs[0], &regs[1],
                         &regs[2], &regs[3]))
    return false;
  return (regs[static_cast<int>(feature.reg)] >> feature.bit & 1u) &&
         osSaves(feature.os, xcr0);
}
#endif

} // namespace

bool isCheckableCpuFeature(std::string_view name) {
  return findFeature(name) != nullptr;
}

std::vector<std::string>
missingHostCpuFeatures(absl::Span<const std::string> required) {
  std::vector<std::string> missing;
#if defined(__x86_64__)
  uint64_t xcr0 = readXcr0();
  for (const std::string &name : required) {
    const FeatureBit *feature = findFeature(name);
    if (!feature || !hostHas(*feature, xcr0))
      missing.push_back(name);
  }
#else
  missing.assign(required.begin(), required.end());
#endif
  return missing;
}

} // namespace moec::runtime
