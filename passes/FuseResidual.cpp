//===- FuseResidual.cpp - skip adds into matmul epilogues -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the residual fusion pass: `arith.addf %skip, %m`,
// where `%m` is a moe.matmul whose only use is the add, becomes the matmul
// with `residual(%skip)`, so the skip connection is added in the epilogue
// instead of in a separate pass over the activations.
//
//===----------------------------------------------------------------------===//

#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-fuse-residual"

namespace mlir::moec {
#define GEN_PASS_DEF_FUSERESIDUAL
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// The moe.matmul producing `value` if `add` may absorb it: it has no
/// residual yet, the add is its only use (the plain product is not needed
/// elsewhere), and both are in one block (fusing a matmul into an add in a
/// loop body would recompute it on every iteration). Null otherwise.
moe::MatmulOp getFusableMatmul(Value value, arith::AddFOp add) {
  auto matmul = value.getDefiningOp<moe::MatmulOp>();
  if (!matmul || matmul.getResidual() || !value.hasOneUse() ||
      matmul->getBlock() != add->getBlock())
    return nullptr;
  return matmul;
}

/// Folds `arith.addf` of a fusable matmul and a skip value into the matmul.
///
/// Which addend is the skip connection must not depend on operand order or
/// on the order the driver visits ops, so the rule is: the add is fused
/// when exactly one addend is a fusable matmul, and the other addend (an
/// activation, or a matmul that already has a residual or other users)
/// becomes its residual. When both addends are fusable matmuls, neither is
/// recognizably the skip and the add is left alone.
struct FuseAddIntoMatmul : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    moe::MatmulOp lhs = getFusableMatmul(add.getLhs(), add);
    moe::MatmulOp rhs = getFusableMatmul(add.getRhs(), add);
    if (!lhs && !rhs)
      return rewriter.notifyMatchFailure(add, "no fusable matmul addend");
    if (lhs && rhs)
      return rewriter.notifyMatchFailure(
          add, "both addends are fusable matmuls: no skip connection");
    moe::MatmulOp matmul = lhs ? lhs : rhs;
    Value skip = lhs ? add.getRhs() : add.getLhs();
    // arith.addf has one type for operands and result, so the skip has the
    // matmul's result type, as the residual must.
    //
    // The skip may be defined after the matmul: the fused matmul takes the
    // add's place, where both the skip and the matmul's operands dominate.
    rewriter.setInsertionPoint(add);
    auto fused = moe::MatmulOp::create(
        rewriter, rewriter.getFusedLoc({matmul.getLoc(), add.getLoc()}),
        matmul.getResult().getType(), matmul.getLhs(), matmul.getRhs(),
        matmul.getLhsScale(), matmul.getRhsScale(), skip, matmul.getEpilogue(),
        matmul.getLhsScalingAttr(), matmul.getRhsScalingAttr(),
        matmul.getOpClassAttr());
    fused->setDiscardableAttrs(matmul->getDiscardableAttrDictionary());
    rewriter.replaceOp(add, fused.getResult());
    rewriter.eraseOp(matmul);
    return success();
  }
};

struct FuseResidualPass : mlir::moec::impl::FuseResidualBase<FuseResidualPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddIntoMatmul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
