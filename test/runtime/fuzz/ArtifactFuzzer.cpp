//===- ArtifactFuzzer.cpp - Fuzz target for Artifact::loadFromBuffer ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file fuzzes the artifact loader: any input must load or give an
// error, never crash; a loaded artifact must pass validateArtifact again and
// every kernel byte must be readable.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"
#include "TinyArtifact.h"

#include "runtime/Artifact.h"
#include "runtime/ArtifactBuilder.h"
#include "runtime/Integrity.h"

#include <cstdlib>
#include <vector>

using namespace moec::runtime;

/// Loads `bytes` and checks the invariants of a loaded artifact.
static int loadAndCheck(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Artifact> artifact = Artifact::loadFromBuffer("fuzz", bytes);
  if (!artifact.ok())
    return 0;
  if (!validateArtifact(artifact->contents(), "fuzz").ok())
    std::abort(); // the loader accepted what the validator rejects
  unsigned sum = 0;
  for (const Kernel &kernel : artifact->kernels())
    for (uint8_t byte : kernel.bytes)
      sum += byte;
  return sum == 0xffffffffu ? 1 : 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loadAndCheck(absl::MakeConstSpan(data, size));
  // Most mutations break the size prefix or the SHA-256 and stop at the
  // first checks; also load a copy with the prefix fixed up and the digest
  // resealed, so that they reach the verifier and the semantic checks.
  if (size < 4)
    return 0;
  std::vector<uint8_t> fixed(data, data + size);
  for (int i = 0; i < 4; ++i)
    fixed[i] = uint8_t(uint64_t(size - 4) >> (8 * i));
  (void)sealArtifact(absl::MakeSpan(fixed));
  loadAndCheck(fixed);
  return 0;
}

std::vector<std::string> moec::fuzz::moecFuzzSeeds() {
  std::vector<std::string> seeds;
  ArtifactContents contents = testutil::tinyArtifactContents();
  seeds.push_back(serializeArtifact(contents).value_or(""));
  contents.tmaDescriptors.clear();
  contents.prefill.steps.resize(1);
  contents.decode.steps.resize(1);
  contents.bufferPlan.buffers.resize(1);
  contents.bufferPlan.buffers[0].live = {{PlanKind::Prefill, 0, 0}};
  seeds.push_back(serializeArtifact(contents).value_or(""));
  return seeds;
}
