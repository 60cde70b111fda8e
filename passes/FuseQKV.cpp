//===- FuseQKV.cpp - one matmul for the Q, K and V projections --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the QKV fusion pass: the three graph.linear ops that
// project one activation into the query, key and value of a graph.attention
// become one moe.matmul over the row-wise concatenation of their weights,
// and the three projections are column slices of its result.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

#define DEBUG_TYPE "moec-fuse-qkv"

namespace mlir::moec {
#define GEN_PASS_DEF_FUSEQKV
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// The graph.linear that produces an attention operand, directly or through
/// one graph.rope (Llama 4 rotates q and k after projecting them), or null.
graph::LinearOp getProjection(Value operand) {
  if (auto rope = operand.getDefiningOp<graph::RopeOp>())
    operand = rope.getInput();
  return operand.getDefiningOp<graph::LinearOp>();
}

/// True for the FP8 types moe.matmul only accepts together with scales.
bool isFp8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(getElementTypeOrSelf(type));
}

/// True when `proj` is `[tokens, out] = input * weight^T` with a static
/// `out`, so that its columns are a static slice of the fused result.
bool hasStaticColumns(graph::LinearOp proj) {
  auto weightType = proj.getWeight().getType();
  auto resultType = proj.getResult().getType();
  return weightType.hasStaticShape() &&
         resultType.getDimSize(0) == proj.getInput().getType().getDimSize(0) &&
         resultType.getDimSize(1) == weightType.getDimSize(0);
}

/// The last of `projs` in their block, provided every use of their results
/// comes after it: the fused matmul is created there and must dominate
/// the slices' users. Null when the projections cannot share one matmul.
Operation *getFusionPoint(ArrayRef<graph::LinearOp> projs) {
  Block *block = projs.front()->getBlock();
  Operation *last = projs.front();
  for (graph::LinearOp proj : projs) {
    if (proj->getBlock() != block)
      return nullptr;
    if (last->isBeforeInBlock(proj))
      last = proj;
  }
  for (graph::LinearOp proj : projs) {
    for (Operation *user : proj->getUsers()) {
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || !last->isBeforeInBlock(ancestor))
        return nullptr;
    }
  }
  return last;
}

/// Why `projs` (q, k, v) cannot be fused, or an empty string.
StringRef whyNotFusable(ArrayRef<graph::LinearOp> projs) {
  if (llvm::any_of(projs, [](graph::LinearOp proj) { return !proj; }))
    return "an attention operand is not a graph.linear";
  if (projs[0] == projs[1] || projs[1] == projs[2] || projs[0] == projs[2])
    return "two attention operands share one projection";
  graph::LinearOp first = projs[0];
  Value input = first.getInput();
  Type weightElt = first.getWeight().getType().getElementType();
  for (graph::LinearOp proj : projs) {
    if (proj.getInput() != input)
      return "the projections read different inputs";
    if (proj.getWeight().getType().getElementType() != weightElt)
      return "the weights have different element types";
    if (isFp8(weightElt) || isFp8(input.getType()))
      return "FP8 projections need scales";
    if (!hasStaticColumns(proj))
      return "a projection has a dynamic width or changes the token count";
  }
  return "";
}

/// Columns `[offset, offset + type.dim(1))` of the `rows` rows of
/// `source`, as `type`.
Value sliceColumns(PatternRewriter &rewriter, Location loc, Value source,
                   RankedTensorType type, OpFoldResult rows, int64_t offset) {
  SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(0),
                                       rewriter.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes = {rows,
                                     rewriter.getIndexAttr(type.getDimSize(1))};
  SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(rewriter, loc, type, source, offsets,
                                        sizes, strides);
}

/// Fuses the q, k and v projections of one graph.attention.
struct FuseAttentionProjections : OpRewritePattern<graph::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(graph::AttentionOp attention,
                                PatternRewriter &rewriter) const override {
    SmallVector<graph::LinearOp, 3> projs = {
        getProjection(attention.getQuery()), getProjection(attention.getKey()),
        getProjection(attention.getValue())};
    if (StringRef reason = whyNotFusable(projs); !reason.empty())
      return rewriter.notifyMatchFailure(attention, reason);
    Operation *point = getFusionPoint(projs);
    if (!point)
      return rewriter.notifyMatchFailure(
          attention, "a projection is used before the last one is computed");

    rewriter.setInsertionPointAfter(point);
    Location loc = rewriter.getFusedLoc(
        {projs[0].getLoc(), projs[1].getLoc(), projs[2].getLoc()});
    SmallVector<Value, 3> weights;
    int64_t width = 0;
    for (graph::LinearOp proj : projs) {
      weights.push_back(proj.getWeight());
      width += proj.getWeight().getType().getDimSize(0);
    }
    // [q + k + v, hidden]: a packing step on the weights, done at compile
    // time when they are checkpoint tensors.
    Value packed = tensor::ConcatOp::create(rewriter, loc, /*dim=*/0, weights);
    auto resultType = projs[0].getResult().getType();
    auto matmul = moe::MatmulOp::create(
        rewriter, loc,
        RankedTensorType::get({resultType.getDimSize(0), width},
                              resultType.getElementType()),
        projs[0].getInput(), packed, /*lhs_scale=*/Value(),
        /*rhs_scale=*/Value(), /*residual=*/Value(), moe::Epilogue::None,
        /*lhs_scaling=*/nullptr, /*rhs_scaling=*/nullptr,
        moe::OpClassAttr::get(getContext(), moe::OpClass::Attention));
    OpFoldResult rows =
        tensor::getMixedSize(rewriter, loc, matmul.getResult(), 0);
    int64_t offset = 0;
    for (graph::LinearOp proj : projs) {
      auto type = proj.getResult().getType();
      Value slice = sliceColumns(rewriter, proj.getLoc(), matmul.getResult(),
                                 type, rows, offset);
      offset += type.getDimSize(1);
      rewriter.replaceOp(proj, slice);
    }
    return success();
  }
};

struct FuseQKVPass : mlir::moec::impl::FuseQKVBase<FuseQKVPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionProjections>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
