//===- FuseGateUp.cpp - SwiGLU MLPs as two fused matmuls --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the gate/up fusion pass: every graph.mlp becomes one
// moe.matmul over the row-wise concatenation [gate | up] of its weights with
// the SwiGLU epilogue, followed by the down projection as a second
// moe.matmul. Both keep the MLP's role (dense MLP or shared expert).
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-fuse-gate-up"

namespace mlir::moec {
#define GEN_PASS_DEF_FUSEGATEUP
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// True for the FP8 types moe.matmul only accepts together with scales.
bool isFp8(Value value) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(
      getElementTypeOrSelf(value.getType()));
}

/// The role the MLP's matmuls get: its `moe.op_class` attribute (set by
/// expert routing on the shared expert; the moe dialect verifies that it is
/// a #moe.op_class), else a dense MLP.
moe::OpClassAttr getOpClass(graph::MLPOp mlp) {
  if (auto opClass =
          mlp->getAttrOfType<moe::OpClassAttr>(moe::kOpClassAttrName))
    return opClass;
  return moe::OpClassAttr::get(mlp.getContext(), moe::OpClass::DenseMLP);
}

/// The intermediate width: the first static one of gate, up and down.
int64_t getInterSize(graph::MLPOp mlp) {
  for (int64_t dim : {mlp.getGate().getType().getDimSize(0),
                      mlp.getUp().getType().getDimSize(0),
                      mlp.getDown().getType().getDimSize(1)})
    if (!ShapedType::isDynamic(dim))
      return dim;
  return ShapedType::kDynamic;
}

/// Rewrites `graph.mlp %x, %gate, %up, %down` into
/// `matmul(matmul(%x, concat(%gate, %up)) {swiglu}, %down)`.
struct FuseMLPGateUp : OpRewritePattern<graph::MLPOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(graph::MLPOp mlp,
                                PatternRewriter &rewriter) const override {
    if (mlp.getGate().getType().getElementType() !=
        mlp.getUp().getType().getElementType())
      return rewriter.notifyMatchFailure(
          mlp, "gate and up weights have different element types");
    if (llvm::any_of(mlp->getOperands(), isFp8))
      return rewriter.notifyMatchFailure(mlp, "FP8 operands need scales");

    Location loc = mlp.getLoc();
    moe::OpClassAttr opClass = getOpClass(mlp);
    auto resultType = mlp.getResult().getType();
    // [2 * inter, hidden]: gate rows first, as the SwiGLU epilogue expects.
    Value gateUp = tensor::ConcatOp::create(
        rewriter, loc, /*dim=*/0, ValueRange{mlp.getGate(), mlp.getUp()});
    auto hiddenType = RankedTensorType::get(
        {mlp.getInput().getType().getDimSize(0), getInterSize(mlp)},
        resultType.getElementType());
    auto swiglu = moe::MatmulOp::create(
        rewriter, loc, hiddenType, mlp.getInput(), gateUp,
        /*lhs_scale=*/Value(), /*rhs_scale=*/Value(), /*residual=*/Value(),
        moe::Epilogue::SwiGLU, /*lhs_scaling=*/nullptr,
        /*rhs_scaling=*/nullptr, opClass);
    rewriter.replaceOpWithNewOp<moe::MatmulOp>(
        mlp, resultType, swiglu.getResult(), mlp.getDown(), Value(), Value(),
        Value(), moe::Epilogue::None, nullptr, nullptr, opClass);
    return success();
  }
};

struct FuseGateUpPass : mlir::moec::impl::FuseGateUpBase<FuseGateUpPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMLPGateUp>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
