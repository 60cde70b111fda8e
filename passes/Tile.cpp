//===- Tile.cpp - tiling of matmuls and attention for a target --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the moec-tile pass: it looks up the target
// description, checks that every moe.matmul, moe.grouped_matmul and
// graph.attention can be tiled for it (reporting each one that cannot), then
// rewrites them into the loop nests of docs/tiled-ir.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "passes/TargetDescription.h"
#include "passes/TilePatterns/TilePatterns.h"
#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "moec-tile"

namespace mlir::moec {
#define GEN_PASS_DEF_TILE
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// Reports every op of `module` that `target` cannot tile; fails if any.
LogicalResult checkTileable(ModuleOp module, const TargetDescription &target) {
  bool tileable = true;
  module.walk([&](Operation *op) {
    LogicalResult checked =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](moe::MatmulOp matmul) {
              return tiling::checkMatmul(matmul, target);
            })
            .Case([&](moe::GroupedMatmulOp grouped) {
              return tiling::checkGroupedMatmul(grouped, target);
            })
            .Case([&](graph::AttentionOp attention) {
              return tiling::checkAttention(attention, target);
            })
            .Default([](Operation *) { return success(); });
    tileable &= succeeded(checked);
  });
  return success(tileable);
}

struct TilePass : mlir::moec::impl::TileBase<TilePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const TargetDescription *description = lookupTargetDescription(target);
    if (!description) {
      module.emitError("unknown target '")
          << target << "' for moec-tile, expected " << getTargetNames();
      return signalPassFailure();
    }
    if (failed(checkTileable(module, *description)))
      return signalPassFailure();
    module->setAttr(tile::TileDialect::kTargetAttrName,
                    StringAttr::get(&getContext(), description->getName()));
    RewritePatternSet patterns(&getContext());
    tiling::populateMatmulTilingPatterns(patterns, *description);
    tiling::populateGroupedMatmulTilingPatterns(patterns, *description);
    tiling::populateAttentionTilingPatterns(patterns, *description);
    // One walk suffices: the nests contain nothing these patterns match.
    walkAndApplyPatterns(module, std::move(patterns));
  }
};

} // namespace
