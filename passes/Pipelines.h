//===- Pipelines.h - moec's target-independent pipelines --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The stage pipelines `moec compile` runs and moec-opt registers:
//
//   graph  --moec-graph-to-routed-->  routed  --moec-routed-to-tiled-->  tiled
//
// Each ends with the legality contract of the stage it produces.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_PIPELINES_H
#define MOEC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::moec {

/// Options shared by the stage pipelines.
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target: cpu or sm_90a"),
                             llvm::cl::init("cpu")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("f32, bf16, fp8-rowwise, fp8-block or fp8-tensor"),
      llvm::cl::init("bf16")};
  ListOption<std::string> fp8Classes{
      *this, "fp8-classes",
      llvm::cl::desc("Op classes computed in FP8 under an fp8 precision "
                     "(default: attention, dense_mlp, shared_expert, "
                     "routed_expert)")};
  Option<std::string> compute{
      *this, "compute",
      llvm::cl::desc("Compute type of an fp8 precision: bf16 (default) or "
                     "f32"),
      llvm::cl::init("")};
};

/// Graph -> routed: expert routing of every MoE block.
void buildGraphToRoutedPipeline(OpPassManager &pm,
                                const PipelineOptions &options);

/// Routed -> tiled: fusion, precision, and tiling for the target.
void buildRoutedToTiledPipeline(OpPassManager &pm,
                                const PipelineOptions &options);

/// Registers both pipelines and their composition (`moec-graph-to-tiled`).
void registerPipelines();

} // namespace mlir::moec

#endif // MOEC_PASSES_PIPELINES_H
