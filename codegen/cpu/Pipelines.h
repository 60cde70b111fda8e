//===- Pipelines.h - moec CPU lowering pipeline -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// tiled IR (GEMM nests on tensors) --moec-cpu-lower-to-llvm--> LLVM dialect
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_PIPELINES_H
#define MOEC_CODEGEN_CPU_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::moec::cpu {

/// Options of the CPU lowering pipeline.
struct CpuLowerToLLVMOptions
    : public PassPipelineOptions<CpuLowerToLLVMOptions> {
  Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Emit _mlir_ciface_ wrappers for every function (the "
                     "ABI the runtime and mlir-runner call)"),
      llvm::cl::init(true)};
  Option<int64_t> arenaMaxTokens{
      *this, "arena-max-tokens",
      llvm::cl::desc("Plan @moec_forward's temporaries into one arena for up "
                     "to this many tokens per call (0: keep malloc)"),
      llvm::cl::init(0)};
};

/// Tiled GEMM nests on tensors -> LLVM dialect: tile ops to linalg,
/// one-shot bufferization (identity layouts at function boundaries), loops,
/// sequential scf.forall, and the LLVM conversions.
void buildCpuLowerToLLVMPipeline(OpPassManager &pm,
                                 const CpuLowerToLLVMOptions &options);

/// Registers `moec-cpu-lower-to-llvm`.
void registerCpuPipelines();

} // namespace mlir::moec::cpu

#endif // MOEC_CODEGEN_CPU_PIPELINES_H
