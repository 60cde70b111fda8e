//===- VerifyStageLegality.cpp - stage boundary contract --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the contract check between pipeline stages: every op
// left in the module must be legal at the named stage.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "passes/Passes.h"
#include "llvm/ADT/StringSwitch.h"

#define DEBUG_TYPE "moec-verify-stage-legality"

namespace mlir::moec {
#define GEN_PASS_DEF_VERIFYSTAGELEGALITY
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// The stages whose contracts this pass knows.
enum class Stage { Graph, Routed, Tiled };

/// Why `op` is illegal at the tiled stage, or an empty string when it is
/// legal: the loop nests (scf, affine, tensor, arith, math, tile) and the
/// memory-bound ops codegen emits directly (remaining moe and graph ops).
std::string tiledIllegalityReason(Operation *op) {
  if (isa<moe::BlockOp, moe::MatmulOp, moe::GroupedMatmulOp, graph::AttentionOp,
          graph::LinearOp, graph::MLPOp>(op))
    return ("tiling must lower every " + op->getName().getStringRef() +
            " before the tiled stage")
        .str();
  if (isa<ModuleOp>(op) ||
      isa_and_nonnull<affine::AffineDialect, arith::ArithDialect,
                      func::FuncDialect, graph::GraphDialect, math::MathDialect,
                      moe::MoeDialect, scf::SCFDialect, tensor::TensorDialect,
                      tile::TileDialect>(op->getDialect()))
    return "";
  return "it belongs to no dialect of the tiled stage";
}

/// Why `op` is illegal at `stage`, or an empty string when it is legal.
std::string illegalityReason(Operation *op, Stage stage) {
  if (stage == Stage::Tiled)
    return tiledIllegalityReason(op);
  Dialect *dialect = op->getDialect();
  if (isa<ModuleOp>(op) ||
      isa_and_nonnull<graph::GraphDialect, arith::ArithDialect,
                      func::FuncDialect, tensor::TensorDialect>(dialect))
    return "";
  if (stage == Stage::Graph) {
    // FP8 checkpoints enter as dequantize (+ stack_experts for per-expert
    // weights); precision folds them later.
    if (isa<moe::BlockOp, moe::DequantizeOp, moe::StackExpertsOp>(op))
      return "";
    return "only graph ops, moe.block, moe.dequantize and moe.stack_experts "
           "are legal at the graph stage";
  }
  if (isa<moe::BlockOp>(op))
    return "expert routing must lower every moe.block before the routed "
           "stage";
  if (isa_and_nonnull<moe::MoeDialect, math::MathDialect, scf::SCFDialect>(
          dialect))
    return "";
  return "it belongs to no dialect of the routed stage";
}

struct VerifyStageLegalityPass
    : mlir::moec::impl::VerifyStageLegalityBase<VerifyStageLegalityPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<Stage> parsed =
        llvm::StringSwitch<std::optional<Stage>>(stage)
            .Case("graph", Stage::Graph)
            .Case("routed", Stage::Routed)
            .Case("tiled", Stage::Tiled)
            .Default(std::nullopt);
    if (!parsed) {
      getOperation().emitError("unknown stage '")
          << stage << "' for moec-verify-stage-legality, expected "
          << "graph, routed or tiled";
      return signalPassFailure();
    }
    bool legal = true;
    getOperation().walk([&](Operation *op) {
      std::string reason = illegalityReason(op, *parsed);
      if (reason.empty())
        return;
      op->emitError("'") << op->getName() << "' is not legal at the " << stage
                         << " stage: " << reason;
      legal = false;
    });
    if (!legal)
      signalPassFailure();
  }
};

} // namespace
