//===- Pipelines.cpp - moec's target-independent pipelines ------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the stage pipelines. Each step says why it runs
// where it does; the driver (`moec compile`) never lists passes itself.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "passes/Passes.h"

using namespace mlir;
using namespace mlir::moec;

void mlir::moec::buildGraphToRoutedPipeline(OpPassManager &pm,
                                            const PipelineOptions &options) {
  // The frontend's output (or hand-written IR) must be graph-level IR.
  pm.addPass(createVerifyStageLegality({"graph"}));
  // Every MoE block becomes router -> dispatch -> grouped matmuls -> combine.
  pm.addNestedPass<func::FuncOp>(createExpertRouting());
  pm.addPass(createVerifyStageLegality({"routed"}));
}

/// Joins projections before precision runs, so each fused matmul is
/// quantized once with one activation quantization.
static void addFusionPasses(OpPassManager &funcPm) {
  funcPm.addPass(createFuseQKV());
  funcPm.addPass(createFuseGateUp());
  // The remaining projections (o_proj, lm_head) become moe.matmul too, so
  // precision and tiling see one dense matmul op.
  funcPm.addPass(createLinearToMatmul());
  funcPm.addPass(createFuseResidual());
}

void mlir::moec::buildRoutedToTiledPipeline(OpPassManager &pm,
                                            const PipelineOptions &options) {
  pm.addPass(createVerifyStageLegality({"routed"}));
  addFusionPasses(pm.nest<func::FuncOp>());
  PrecisionOptions precision;
  precision.precision = options.precision;
  precision.compute = options.compute;
  precision.fp8Classes.assign(options.fp8Classes.begin(),
                              options.fp8Classes.end());
  pm.addPass(createPrecision(precision));
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  // Activation quantization moves into the RMSNorm that produces it.
  funcPm.addPass(createFuseNormQuantize());
  funcPm.addPass(createVerifyScaling());
  TileOptions tile;
  tile.target = options.target;
  pm.addPass(createTile(tile));
  pm.addPass(createVerifyStageLegality({"tiled"}));
}

void mlir::moec::registerPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "moec-graph-to-routed",
      "Lower graph-level IR to the routed level (expert routing)",
      buildGraphToRoutedPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "moec-routed-to-tiled",
      "Fuse, apply the precision policy and tile routed IR for a target",
      buildRoutedToTiledPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "moec-graph-to-tiled", "The whole target-independent pipeline",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildGraphToRoutedPipeline(pm, options);
        buildRoutedToTiledPipeline(pm, options);
      });
}
