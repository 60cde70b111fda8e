//===- CpuFeatures.h - The host CPU's instruction-set features --*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A CPU artifact's code may use any instruction its target CPU has; run on a
// CPU without one, it dies with SIGILL somewhere in the middle of a step. The
// compiler records the instruction-set features the code was allowed to use
// (by their LLVM names, restricted to the ones listed here), and the runtime
// checks them with CPUID (and the OS's XSAVE state for AVX, AVX-512 and AMX)
// before it loads the code.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CPUFEATURES_H
#define MOEC_RUNTIME_CPUFEATURES_H

#include "absl/types/span.h"

#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

/// True when `name` (an LLVM feature name such as "avx512bf16") is one the
/// runtime can check; the compiler records only those.
bool isCheckableCpuFeature(std::string_view name);

/// The features of `required` this machine lacks, in the order given. A name
/// the runtime cannot check counts as missing: running code that needs it
/// would be a guess.
std::vector<std::string>
missingHostCpuFeatures(absl::Span<const std::string> required);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CPUFEATURES_H
