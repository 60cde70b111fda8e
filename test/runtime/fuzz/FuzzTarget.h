//===- FuzzTarget.h - Interface of the moec fuzz targets --------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each fuzz target defines LLVMFuzzerTestOneInput and moecFuzzSeeds (valid
// inputs to start from). With clang and -DMOEC_ENABLE_FUZZERS=ON a target is
// linked with libFuzzer; everywhere it is also linked with Replay.cpp, a
// driver that runs it over a deterministic corpus of mutated seeds.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_FUZZ_FUZZTARGET_H
#define MOEC_TEST_RUNTIME_FUZZ_FUZZTARGET_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace moec::fuzz {
/// Returns the seed inputs of this target.
std::vector<std::string> moecFuzzSeeds();
} // namespace moec::fuzz

#endif // MOEC_TEST_RUNTIME_FUZZ_FUZZTARGET_H
