//===- CpuArtifact.h - Writes a CPU artifact and its weights ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Assembles the artifact for a model compiled for the CPU: the model config,
// the shared object, one plan step per forward pass (prefill and decode call
// the same entry, which handles any token count), the weight manifest and
// KV-cache layout that moec-cpu-bind-runtime-abi recorded (`moec.cpu_abi`),
// and the packed weights beside the artifact: checkpoint tensors copied, and
// the weights @moec_pack computes (fused, transposed, cast, quantized) made
// by running the compiled packing entry on the checkpoint here, once.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_ARTIFACT_CPUARTIFACT_H
#define MOEC_CODEGEN_ARTIFACT_CPUARTIFACT_H

#include "frontends/llama4/Llama4Config.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::moec {

struct CpuArtifactRequest {
  const llama4::Llama4Config *config = nullptr;
  /// Where the checkpoint tensors the manifest names are read from.
  std::string checkpointDir;
  /// The `moec.cpu_abi` dictionary.
  DictionaryAttr abi;
  /// The `moec.cpu_arena` dictionary; null when the step has no arena.
  DictionaryAttr arena;
  std::vector<uint8_t> sharedObject;
  /// A shared object this machine can run that exports `moec_cpu_pack`
  /// (the artifact's own when it was compiled for the host); needed when
  /// `abi` has a non-empty `pack`.
  std::vector<uint8_t> packObject;
  /// "x86_64", "aarch64", ...
  std::string arch;
  /// The LLVM CPU the code was compiled for and the target features it may
  /// use; the runtime checks the ones it can test before loading the code.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
  /// Most tokens one forward pass takes.
  uint32_t maxTokens = 0;
  std::string compilerVersion;
  /// The .moec path; the packed weights go to `<stem>.weights.safetensors`.
  std::string outputPath;
};

/// Returns the path of the packed weights written beside the artifact at
/// `artifactPath`: `<dir>/<stem>.weights.safetensors`.
std::string packedWeightsPath(llvm::StringRef artifactPath);

/// Writes the artifact and its packed weights.
llvm::Error writeCpuArtifact(const CpuArtifactRequest &request);

} // namespace mlir::moec

#endif // MOEC_CODEGEN_ARTIFACT_CPUARTIFACT_H
