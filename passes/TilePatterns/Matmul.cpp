//===- Matmul.cpp - tiling of moe.matmul ------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the tiling of dense matmuls: an scf.forall over
// (row block, column block) output tiles, each a K loop and an epilogue
// (GemmTile.cpp) written back with tensor.parallel_insert_slice.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/TilePatterns/TilePatterns.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tiling;

/// Shape, precision and configuration of `op`; emits an error naming it
/// when the target cannot tile it.
static FailureOr<GemmPlan> planMatmul(moe::MatmulOp op,
                                      const TargetDescription &target) {
  RankedTensorType lhsType = op.getLhs().getType();
  Type rhsElement = op.getRhs().getType().getElementType();
  if (lhsType.getElementType() != rhsElement)
    return emitTilingError(op, target)
           << "lhs and rhs element types differ (" << lhsType.getElementType()
           << " vs " << rhsElement << ")";
  GemmShape shape{lhsType.getDimSize(0), op.getRhs().getType().getDimSize(0),
                  lhsType.getDimSize(1), lhsType.getElementType(),
                  /*grouped=*/false};
  moe::ScalingAttr lhsScaling = op.getLhsScalingAttr();
  moe::ScalingAttr rhsScaling = op.getRhsScalingAttr();
  return planGemm(op, target, shape, op.getEpilogue(), lhsScaling, rhsScaling);
}

LogicalResult tiling::checkMatmul(moe::MatmulOp op,
                                  const TargetDescription &target) {
  return planMatmul(op, target);
}

namespace {

/// Rewrites one moe.matmul into
///   scf.forall (%m0, %n0) = (0, 0) to (T, N) step (tile M, tile N)
///     K loop, epilogue, tensor.parallel_insert_slice
struct TileMatmul : OpRewritePattern<moe::MatmulOp> {
  TileMatmul(MLIRContext *context, const TargetDescription &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(moe::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<GemmPlan> plan = planMatmul(op, target);
    if (failed(plan))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    OpFoldResult rows = dimSize(rewriter, loc, op.getLhs(), 0);
    OpFoldResult cols = rewriter.getIndexAttr(plan->outCols);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, resultType,
        dynamicSizes(rewriter, loc, resultType, {rows, cols}));
    auto forall = scf::ForallOp::create(
        rewriter, loc,
        /*lbs=*/
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                               rewriter.getIndexAttr(0)},
        /*ubs=*/ArrayRef<OpFoldResult>{rows, cols},
        /*steps=*/
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(plan->config.getTileM()),
                               rewriter.getIndexAttr(plan->outTileN)},
        ValueRange{init}, /*mapping=*/std::nullopt);
    forall->setAttr(tile::TileDialect::kConfigAttrName, plan->config);

    rewriter.setInsertionPoint(forall.getTerminator());
    Value m0 = forall.getInductionVar(0), n0 = forall.getInductionVar(1);
    OpFoldResult mSize =
        tileSize(rewriter, loc, m0, plan->config.getTileM(), rows);
    OpFoldResult nSize = tileSize(rewriter, loc, n0, plan->outTileN, cols);
    GemmOperands operands{op.getLhs(), op.getRhs(), op.getLhsScale(),
                          op.getRhsScale(), op.getResidual()};
    Value tileValue = buildGemmTile(rewriter, loc, *plan, operands, m0, mSize,
                                    n0, nSize, resultType.getElementType());

    rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, tileValue, forall.getRegionIterArgs().front(),
        ArrayRef<OpFoldResult>{m0, n0}, ArrayRef<OpFoldResult>{mSize, nSize},
        strides);
    rewriter.replaceOp(op, forall.getResult(0));
    return success();
  }

  const TargetDescription &target;
};

} // namespace

void tiling::populateMatmulTilingPatterns(RewritePatternSet &patterns,
                                          const TargetDescription &target) {
  patterns.add<TileMatmul>(patterns.getContext(), target);
}
