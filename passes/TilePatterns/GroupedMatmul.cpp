//===- GroupedMatmul.cpp - tiling of moe.grouped_matmul ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the tiling of grouped (per-expert) matmuls: the
// weights are packed K-major once, then tiles map to (expert, row block,
// column block), with each expert's row segment read from the device
// offsets; no host synchronization is needed.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/TilePatterns/TilePatterns.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tiling;

/// Shape, precision and configuration of `op`; emits an error naming it
/// when the target cannot tile it.
static FailureOr<GemmPlan> planGroupedMatmul(moe::GroupedMatmulOp op,
                                             const TargetDescription &target) {
  RankedTensorType lhsType = op.getLhs().getType();
  RankedTensorType rhsType = op.getRhs().getType();
  if (lhsType.getElementType() != rhsType.getElementType())
    return emitTilingError(op, target)
           << "lhs and rhs element types differ (" << lhsType.getElementType()
           << " vs " << rhsType.getElementType() << ")";
  if (rhsType.isDynamicDim(0))
    return emitTilingError(op, target) << "the number of experts must be "
                                          "static";
  GemmShape shape{lhsType.getDimSize(0), rhsType.getDimSize(2),
                  lhsType.getDimSize(1), lhsType.getElementType(),
                  /*grouped=*/true,      /*experts=*/rhsType.getDimSize(0)};
  return planGemm(op, target, shape, op.getEpilogue(), op.getLhsScalingAttr(),
                  op.getRhsScalingAttr());
}

LogicalResult tiling::checkGroupedMatmul(moe::GroupedMatmulOp op,
                                         const TargetDescription &target) {
  return planGroupedMatmul(op, target);
}

/// Expert `expert`'s 2-D slice `[d1, d2]` of a 3-D `[E, d1, d2]` tensor.
static Value sliceExpert(OpBuilder &b, Location loc, Value source,
                         Value expert) {
  auto type = cast<RankedTensorType>(source.getType());
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  SmallVector<OpFoldResult> offsets{expert, b.getIndexAttr(0),
                                    b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1),
                                  b.getIndexAttr(type.getDimSize(1)),
                                  b.getIndexAttr(type.getDimSize(2))};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, source, offsets,
                                        sizes, strides);
}

/// `tile.transpose_weight`: `[E, a, b]` to `[E, b, a]`.
static Value packKMajor(OpBuilder &b, Location loc, Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[1], shape[2]);
  return tile::TransposeWeightOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), weight);
}

namespace {

/// Rewrites one moe.grouped_matmul into
///   scf.for %e                          (experts; carries tile.config)
///     scf.for %m0 = offsets[e] to offsets[e+1] step tile M
///       scf.forall (%n0) = (0) to (N) step (tile N)
///         K loop, epilogue, tensor.parallel_insert_slice
struct TileGroupedMatmul : OpRewritePattern<moe::GroupedMatmulOp> {
  TileGroupedMatmul(MLIRContext *context, const TargetDescription &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(moe::GroupedMatmulOp op,
                                PatternRewriter &rewriter) const override;

private:
  Value buildExpert(OpBuilder &b, Location loc, moe::GroupedMatmulOp op,
                    const GemmPlan &plan, const GemmOperands &packed,
                    Value expert, Value out) const;
  Value buildColumnTiles(OpBuilder &b, Location loc, const GemmPlan &plan,
                         const GemmOperands &operands, Value m0,
                         OpFoldResult mSize, Value out,
                         Type resultElementType) const;

  const TargetDescription &target;
};

} // namespace

/// The row blocks of one expert's segment `[offsets[e], offsets[e+1])`.
Value TileGroupedMatmul::buildExpert(OpBuilder &b, Location loc,
                                     moe::GroupedMatmulOp op,
                                     const GemmPlan &plan,
                                     const GemmOperands &packed, Value expert,
                                     Value out) const {
  AffineExpr d0 = b.getAffineDimExpr(0);
  OpFoldResult next =
      affine::makeComposedFoldedAffineApply(b, loc, d0 + 1, {expert});
  Value start = extractIndex(b, loc, op.getOffsets(), expert);
  Value end = extractIndex(b, loc, op.getOffsets(), next);
  GemmOperands operands{op.getLhs(), sliceExpert(b, loc, packed.rhs, expert),
                        op.getLhsScale(), Value(), Value()};
  if (packed.rhsScale)
    operands.rhsScale = sliceExpert(b, loc, packed.rhsScale, expert);
  Value step = arith::ConstantIndexOp::create(b, loc, plan.config.getTileM());
  Type resultElement = op.getResult().getType().getElementType();
  auto rowLoop = scf::ForOp::create(
      b, loc, start, end, step, ValueRange{out},
      [&](OpBuilder &, Location, Value m0, ValueRange iterArgs) {
        OpFoldResult mSize = tileSize(b, loc, m0, plan.config.getTileM(), end);
        Value tiles = buildColumnTiles(b, loc, plan, operands, m0, mSize,
                                       iterArgs.front(), resultElement);
        scf::YieldOp::create(b, loc, tiles);
      });
  return rowLoop.getResult(0);
}

/// The column tiles of rows `[m0, m0 + mSize)`, written into `out`.
Value TileGroupedMatmul::buildColumnTiles(OpBuilder &b, Location loc,
                                          const GemmPlan &plan,
                                          const GemmOperands &operands,
                                          Value m0, OpFoldResult mSize,
                                          Value out,
                                          Type resultElementType) const {
  OpFoldResult cols = b.getIndexAttr(plan.outCols);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{cols},
      ArrayRef<OpFoldResult>{b.getIndexAttr(plan.outTileN)}, ValueRange{out},
      /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value n0 = forall.getInductionVar(0);
  OpFoldResult nSize = tileSize(b, loc, n0, plan.outTileN, cols);
  Value tileValue = buildGemmTile(b, loc, plan, operands, m0, mSize, n0, nSize,
                                  resultElementType);
  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  tensor::ParallelInsertSliceOp::create(
      b, loc, tileValue, forall.getRegionIterArgs().front(),
      ArrayRef<OpFoldResult>{m0, n0}, ArrayRef<OpFoldResult>{mSize, nSize},
      strides);
  return forall.getResult(0);
}

LogicalResult
TileGroupedMatmul::matchAndRewrite(moe::GroupedMatmulOp op,
                                   PatternRewriter &rewriter) const {
  FailureOr<GemmPlan> plan = planGroupedMatmul(op, target);
  if (failed(plan))
    return failure();
  Location loc = op.getLoc();
  // Pack every expert K-major once (compile time for checkpoint weights).
  GemmOperands packed{Value(), packKMajor(rewriter, loc, op.getRhs()), Value(),
                      Value(), Value()};
  if (op.getRhsScale())
    packed.rhsScale = packKMajor(rewriter, loc, op.getRhsScale());
  // Rows outside every expert segment are zero.
  RankedTensorType resultType = op.getResult().getType();
  OpFoldResult rows = dimSize(rewriter, loc, op.getLhs(), 0);
  Value init = splat(rewriter, loc, resultType,
                     {rows, rewriter.getIndexAttr(plan->outCols)}, 0.0);
  int64_t experts = op.getRhs().getType().getDimSize(0);
  Value lower = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value upper = arith::ConstantIndexOp::create(rewriter, loc, experts);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto expertLoop = scf::ForOp::create(
      rewriter, loc, lower, upper, one, ValueRange{init},
      [&](OpBuilder &b, Location, Value expert, ValueRange iterArgs) {
        Value out =
            buildExpert(b, loc, op, *plan, packed, expert, iterArgs.front());
        scf::YieldOp::create(b, loc, out);
      });
  expertLoop->setAttr(tile::TileDialect::kConfigAttrName, plan->config);
  rewriter.replaceOp(op, expertLoop.getResult(0));
  return success();
}

void tiling::populateGroupedMatmulTilingPatterns(
    RewritePatternSet &patterns, const TargetDescription &target) {
  patterns.add<TileGroupedMatmul>(patterns.getContext(), target);
}
