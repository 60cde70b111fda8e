//===- CpuFeaturesTest.cpp - Tests for the host CPU feature check ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/CpuFeatures.h"
#include "runtime/SharedObject.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <fstream>
#include <sstream>

namespace moec::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(CpuFeaturesTest, KnowsTheFeaturesItChecks) {
  EXPECT_TRUE(isCheckableCpuFeature("avx2"));
  EXPECT_TRUE(isCheckableCpuFeature("avx512bf16"));
  EXPECT_TRUE(isCheckableCpuFeature("amx-tile"));
  EXPECT_FALSE(isCheckableCpuFeature("64bit"));
  EXPECT_FALSE(isCheckableCpuFeature(""));
}

TEST(CpuFeaturesTest, UnknownNamesCountAsMissing) {
  EXPECT_THAT(missingHostCpuFeatures({"no-such-feature"}),
              ElementsAre("no-such-feature"));
  EXPECT_THAT(missingHostCpuFeatures({}), IsEmpty());
}

/// The kernel's own view of the CPU: /proc/cpuinfo's flags line.
std::string procCpuFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0)
      return line + " ";
  return "";
}

TEST(CpuFeaturesTest, AgreesWithProcCpuinfo) {
  if (hostCpuTarget() != "x86_64")
    GTEST_SKIP() << "CPUID is x86's";
  std::string flags = procCpuFlags();
  if (flags.empty())
    GTEST_SKIP() << "no /proc/cpuinfo";
  // LLVM's name, then Linux's.
  std::pair<std::string, std::string> pairs[] = {{"sse2", "sse2"},
                                                 {"ssse3", "ssse3"},
                                                 {"sse4.2", "sse4_2"},
                                                 {"popcnt", "popcnt"},
                                                 {"avx", "avx"},
                                                 {"avx2", "avx2"},
                                                 {"fma", "fma"},
                                                 {"bmi2", "bmi2"},
                                                 {"avx512f", "avx512f"},
                                                 {"avx512bw", "avx512bw"},
                                                 {"avx512vl", "avx512vl"},
                                                 {"avx512bf16", "avx512_bf16"},
                                                 {"avx512fp16", "avx512_fp16"},
                                                 {"amx-tile", "amx_tile"},
                                                 {"fma4", "fma4"},
                                                 {"xop", "xop"}};
  for (const auto &[llvmName, linuxName] : pairs) {
    bool linuxHas = flags.find(" " + linuxName + " ") != std::string::npos;
    bool missing = !missingHostCpuFeatures({llvmName}).empty();
    EXPECT_EQ(linuxHas, !missing) << llvmName << " (" << linuxName << ")";
  }
}

} // namespace
} // namespace moec::runtime
