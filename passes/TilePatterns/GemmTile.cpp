//===- GemmTile.cpp - the K loop and epilogue of a matmul tile --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements what dense and grouped matmul nests share: choosing
// and checking the configuration, and the body of one output tile, a K loop
// of tile.mma (BF16/F32) or tile.mma from zero + tile.promote with the
// scales of the K block (FP8), followed by tile.epilogue.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "passes/TilePatterns/TilePatterns.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tiling;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

InFlightDiagnostic tiling::emitTilingError(Operation *op,
                                           const TargetDescription &target) {
  return op->emitOpError("cannot be tiled for ") << target.getName() << ": ";
}

OpFoldResult tiling::tileSize(OpBuilder &b, Location loc, OpFoldResult offset,
                              int64_t tile, OpFoldResult total) {
  std::optional<int64_t> staticTotal = getConstantIntValue(total);
  if (staticTotal && (*staticTotal % tile == 0 || *staticTotal <= tile))
    return b.getIndexAttr(std::min(tile, *staticTotal));
  return remainingTile(b, loc, offset, tile, total);
}

OpFoldResult tiling::remainingTile(OpBuilder &b, Location loc,
                                   OpFoldResult offset, int64_t tile,
                                   OpFoldResult end) {
  AffineExpr d0 = b.getAffineDimExpr(0), s0 = b.getAffineSymbolExpr(0);
  AffineMap map = AffineMap::get(1, 1, {b.getAffineConstantExpr(tile), s0 - d0},
                                 b.getContext());
  return affine::makeComposedFoldedAffineMin(b, loc, map, {offset, end});
}

SmallVector<int64_t> tiling::staticShape(ArrayRef<OpFoldResult> sizes) {
  return llvm::map_to_vector(sizes, [](OpFoldResult size) {
    return getConstantIntValue(size).value_or(ShapedType::kDynamic);
  });
}

Value tiling::splat(OpBuilder &b, Location loc, RankedTensorType type,
                    ArrayRef<OpFoldResult> sizes, double value) {
  Value element = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), value));
  return tensor::SplatOp::create(b, loc, element, type,
                                 dynamicSizes(b, loc, type, sizes));
}

SmallVector<Value> tiling::dynamicSizes(OpBuilder &b, Location loc,
                                        RankedTensorType type,
                                        ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> values;
  for (auto [dim, size] : llvm::zip_equal(type.getShape(), sizes))
    if (ShapedType::isDynamic(dim))
      values.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  return values;
}

OpFoldResult tiling::dimSize(OpBuilder &b, Location loc, Value value,
                             int64_t dim) {
  int64_t size = cast<RankedTensorType>(value.getType()).getDimSize(dim);
  if (!ShapedType::isDynamic(size))
    return b.getIndexAttr(size);
  return tensor::DimOp::create(b, loc, value, dim).getResult();
}

Value tiling::slice2D(OpBuilder &b, Location loc, Value source,
                      ArrayRef<OpFoldResult> offsets,
                      ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                        strides);
}

Value tiling::extractIndex(OpBuilder &b, Location loc, Value tensor,
                           OpFoldResult index) {
  Value element = tensor::ExtractOp::create(
      b, loc, tensor, getValueOrCreateConstantIndexOp(b, loc, index));
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

/// `expr(operands)` folded to a constant where possible.
static OpFoldResult apply(OpBuilder &b, Location loc, AffineExpr expr,
                          ArrayRef<OpFoldResult> operands) {
  return affine::makeComposedFoldedAffineApply(b, loc, expr, operands);
}

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

/// FP8 nests promote once per K step; block scales must change exactly at
/// promotion points.
static LogicalResult checkPromotion(Operation *op,
                                    const TargetDescription &target,
                                    const GemmPlan &plan) {
  if (!plan.isFp8())
    return success();
  int64_t interval = plan.config.getPromoteEvery();
  if (interval != plan.config.getTileK())
    return emitTilingError(op, target)
           << "FP8 needs a promotion every K step, got " << plan.config;
  for (moe::ScalingAttr scaling : {plan.lhsScaling, plan.rhsScaling}) {
    if (scaling.getKind() != moe::ScalingKind::Block)
      continue;
    if (scaling.getReductionBlock() != interval)
      return emitTilingError(op, target)
             << "block scaling along K (" << scaling.getReductionBlock()
             << ") must equal the " << interval
             << "-element promotion interval";
    // A K that is not a multiple of the interval ends in a partial block:
    // its scale column is ceil-divided like the scale tensor's.
  }
  return success();
}

/// `config` with an output tile `tileN` columns wide (and an MMA no wider).
static tile::GemmConfigAttr withTileN(tile::GemmConfigAttr config,
                                      int64_t tileN) {
  SmallVector<int64_t> tileShape(config.getTile());
  SmallVector<int64_t> mmaShape(config.getMma());
  tileShape[1] = tileN;
  // A swapped MMA's n runs along tile M, which does not change.
  if (!config.getSwapAb())
    mmaShape[1] = std::min(mmaShape[1], tileN);
  return tile::GemmConfigAttr::get(
      config.getContext(), tileShape, mmaShape, config.getStages(),
      config.getWarpRoles(), config.getPromoteEvery(), config.getSwapAb());
}

/// Rows of rhs sharing one scale row must not straddle tiles, nor (with
/// SwiGLU, where a tile joins gate rows and up rows) the gate/up boundary.
static LogicalResult planRhsScaleBlock(Operation *op,
                                       const TargetDescription &target,
                                       GemmPlan &plan) {
  plan.rhsScaleBlock = 1;
  if (!plan.isFp8() || plan.rhsScaling.getKind() != moe::ScalingKind::Block)
    return success();
  int64_t block = plan.rhsScaling.getBlock()[0];
  if (plan.swiglu && plan.outCols % block != 0) {
    if (plan.outCols <= plan.outTileN && block % plan.outCols == 0) {
      // Halves narrower than a scale block: one tile spans each half
      // whole, so its gate rows and its up rows each sit in one block.
      plan.outTileN = plan.outCols;
      plan.config = withTileN(plan.config, 2 * plan.outCols);
    } else {
      // The up half starts inside a block: gather a scale per row.
      plan.expandRhsScaleRows = true;
      return success();
    }
  }
  int64_t width = plan.swiglu ? plan.outTileN : plan.config.getTileN();
  if (width % block != 0 && block % width != 0) {
    plan.expandRhsScaleRows = true;
    return success();
  }
  plan.rhsScaleBlock = plan.swiglu ? std::min(width, block) : block;
  return success();
}

FailureOr<GemmPlan>
tiling::planGemm(Operation *op, const TargetDescription &target,
                 const GemmShape &shape, moe::Epilogue epilogue,
                 moe::ScalingAttr lhsScaling, moe::ScalingAttr rhsScaling) {
  if (ShapedType::isDynamic(shape.n) || ShapedType::isDynamic(shape.k))
    return emitTilingError(op, target) << "K and N must be static";
  std::string reason = target.checkGemm(shape);
  if (!reason.empty())
    return emitTilingError(op, target) << reason;
  GemmPlan plan;
  GemmShape chosen = shape;
  chosen.swiglu = epilogue == moe::Epilogue::SwiGLU;
  plan.config = target.chooseGemmConfig(op->getContext(), chosen);
  plan.k = shape.k;
  plan.swiglu = epilogue == moe::Epilogue::SwiGLU;
  plan.outCols = plan.swiglu ? shape.n / 2 : shape.n;
  plan.outTileN = plan.config.getTileN() / (plan.swiglu ? 2 : 1);
  if (isFp8(shape.elementType)) {
    plan.lhsScaling = lhsScaling;
    plan.rhsScaling = rhsScaling;
  }
  if (failed(checkPromotion(op, target, plan)) ||
      failed(planRhsScaleBlock(op, target, plan)))
    return failure();
  return plan;
}

//===----------------------------------------------------------------------===//
// Building one output tile
//===----------------------------------------------------------------------===//

namespace {

/// Builds the body of the output tile `[m0, m0 + mSize) x [n0, n0 + nSize)`
/// (result columns).
class GemmTileBuilder {
public:
  GemmTileBuilder(OpBuilder &b, Location loc, const GemmPlan &plan,
                  const GemmOperands &operands, OpFoldResult m0,
                  OpFoldResult mSize, OpFoldResult n0, OpFoldResult nSize)
      : b(b), loc(loc), plan(plan), operands(operands), m0(m0), mSize(mSize),
        n0(n0), nSize(nSize) {}

  Value build(Type resultElementType);

private:
  /// The rows of an operand laid out against the K-major rhs that this
  /// tile reads: `count` rows from `gate` (and from `up` with SwiGLU).
  struct RowRange {
    OpFoldResult gate, up, count;
  };
  RowRange rowRange(int64_t rowsPerRow);
  Value rhsRows(Value source, const RowRange &rows, OpFoldResult col,
                OpFoldResult cols);
  Value lhsScaleTile(OpFoldResult kBlock);
  Value rhsScaleTile(OpFoldResult kBlock);
  Value gatherRowScales(OpFoldResult base, OpFoldResult count,
                        OpFoldResult kBlock);
  Value kStep(Value k0, Value acc, Value zero);

  OpBuilder &b;
  Location loc;
  const GemmPlan &plan;
  const GemmOperands &operands;
  OpFoldResult m0, mSize, n0, nSize;
  /// Rows of rhs and of its block scales, computed before the K loop.
  RowRange rhsRange, rhsScaleRange;
  /// Scale tiles that are the same for every K block, sliced once before
  /// the K loop (null for block scales).
  Value lhsScaleFixed, rhsScaleFixed;
};

} // namespace

/// This tile's rows of an operand with `rowsPerRow` rhs rows per row: rhs
/// rows `[n0, n0 + nSize)`, and with SwiGLU the up rows
/// `[I + n0, I + n0 + nSize)`, so that one accumulator holds `[gate | up]`.
GemmTileBuilder::RowRange GemmTileBuilder::rowRange(int64_t rowsPerRow) {
  AffineExpr d0 = b.getAffineDimExpr(0);
  RowRange rows;
  rows.count = apply(b, loc, d0.ceilDiv(rowsPerRow), {nSize});
  rows.gate = apply(b, loc, d0.floorDiv(rowsPerRow), {n0});
  if (plan.swiglu)
    rows.up = apply(b, loc, (d0 + plan.outCols).floorDiv(rowsPerRow), {n0});
  return rows;
}

/// `rows` of `source` at columns `[col, col + cols)`, gate rows then up
/// rows.
Value GemmTileBuilder::rhsRows(Value source, const RowRange &rows,
                               OpFoldResult col, OpFoldResult cols) {
  Value gate = slice2D(b, loc, source, {rows.gate, col}, {rows.count, cols});
  if (!plan.swiglu)
    return gate;
  Value up = slice2D(b, loc, source, {rows.up, col}, {rows.count, cols});
  return tensor::ConcatOp::create(b, loc, /*dim=*/0, ValueRange{gate, up});
}

/// The activation scales of this tile's rows for K block `kBlock`.
Value GemmTileBuilder::lhsScaleTile(OpFoldResult kBlock) {
  switch (plan.lhsScaling.getKind()) {
  case moe::ScalingKind::PerTensor:
    return operands.lhsScale;
  case moe::ScalingKind::Block:
    return slice2D(b, loc, operands.lhsScale, {m0, kBlock},
                   {mSize, b.getIndexAttr(1)});
  default:
    return slice2D(b, loc, operands.lhsScale, {m0, b.getIndexAttr(0)},
                   {mSize, b.getIndexAttr(1)});
  }
}

/// One scale per rhs row `[base, base + count)`: row r reads the scale of
/// its block, `scale[r / blockRows, kBlock]`.
Value GemmTileBuilder::gatherRowScales(OpFoldResult base, OpFoldResult count,
                                       OpFoldResult kBlock) {
  int64_t blockRows = plan.rhsScaling.getBlock()[0];
  auto type = RankedTensorType::get(staticShape({count, b.getIndexAttr(1)}),
                                    b.getF32Type());
  SmallVector<Value> extents =
      dynamicSizes(b, loc, type, {count, b.getIndexAttr(1)});
  Value baseValue = getValueOrCreateConstantIndexOp(b, loc, base);
  Value column = getValueOrCreateConstantIndexOp(b, loc, kBlock);
  Value scales = operands.rhsScale;
  return tensor::GenerateOp::create(
      b, loc, type, extents, [&](OpBuilder &nb, Location nloc, ValueRange ij) {
        AffineExpr d0 = nb.getAffineDimExpr(0), d1 = nb.getAffineDimExpr(1);
        Value row = affine::AffineApplyOp::create(nb, nloc,
                                                  (d0 + d1).floorDiv(blockRows),
                                                  ValueRange{ij[0], baseValue});
        Value scale = tensor::ExtractOp::create(nb, nloc, scales,
                                                ValueRange{row, column});
        tensor::YieldOp::create(nb, nloc, scale);
      });
}

/// The weight scales of this tile's rhs rows for K block `kBlock`.
Value GemmTileBuilder::rhsScaleTile(OpFoldResult kBlock) {
  OpFoldResult one = b.getIndexAttr(1);
  if (plan.expandRhsScaleRows) {
    Value gate = gatherRowScales(rhsRange.gate, rhsRange.count, kBlock);
    if (!plan.swiglu)
      return gate;
    Value up = gatherRowScales(rhsRange.up, rhsRange.count, kBlock);
    return tensor::ConcatOp::create(b, loc, /*dim=*/0, ValueRange{gate, up});
  }
  switch (plan.rhsScaling.getKind()) {
  case moe::ScalingKind::PerTensor:
    return operands.rhsScale;
  case moe::ScalingKind::Block:
    return rhsRows(operands.rhsScale, rhsScaleRange, kBlock, one);
  default:
    return rhsRows(operands.rhsScale, rhsRange, b.getIndexAttr(0), one);
  }
}

/// One step of the K loop at `k0`: `acc + a * b^T`, or for FP8 the partial
/// product from `zero` promoted into `acc` with this K block's scales.
Value GemmTileBuilder::kStep(Value k0, Value acc, Value zero) {
  int64_t tileK = plan.config.getTileK();
  OpFoldResult kSize = tileSize(b, loc, k0, tileK, b.getIndexAttr(plan.k));
  Value a = slice2D(b, loc, operands.lhs, {m0, k0}, {mSize, kSize});
  Value rhs = rhsRows(operands.rhs, rhsRange, k0, kSize);
  Type accType = acc.getType();
  if (!plan.isFp8())
    return tile::MmaOp::create(b, loc, accType, acc, a, rhs);
  Value partial = tile::MmaOp::create(b, loc, accType, zero, a, rhs);
  // Block scales are sliced per K block: column k0 / promote_every.
  OpFoldResult kBlock;
  if (!lhsScaleFixed || !rhsScaleFixed) {
    AffineExpr d0 = b.getAffineDimExpr(0);
    kBlock = apply(b, loc, d0.floorDiv(plan.config.getPromoteEvery()), {k0});
  }
  Value lhsScale = lhsScaleFixed ? lhsScaleFixed : lhsScaleTile(kBlock);
  Value rhsScale = rhsScaleFixed ? rhsScaleFixed : rhsScaleTile(kBlock);
  return tile::PromoteOp::create(b, loc, accType, acc, partial, lhsScale,
                                 rhsScale, plan.rhsScaleBlock);
}

Value GemmTileBuilder::build(Type resultElementType) {
  AffineExpr d0 = b.getAffineDimExpr(0);
  OpFoldResult accCols = plan.swiglu ? apply(b, loc, d0 * 2, {nSize}) : nSize;
  auto accType =
      RankedTensorType::get(staticShape({mSize, accCols}), b.getF32Type());
  Value zero = splat(b, loc, accType, {mSize, accCols}, 0.0);
  rhsRange = rowRange(1);
  if (plan.isFp8()) {
    if (plan.rhsScaling.getKind() == moe::ScalingKind::Block)
      rhsScaleRange = rowRange(plan.rhsScaling.getBlock()[0]);
    if (plan.lhsScaling.getKind() != moe::ScalingKind::Block)
      lhsScaleFixed = lhsScaleTile(OpFoldResult());
    if (plan.rhsScaling.getKind() != moe::ScalingKind::Block)
      rhsScaleFixed = rhsScaleTile(OpFoldResult());
  }
  Value lower = arith::ConstantIndexOp::create(b, loc, 0);
  Value upper = arith::ConstantIndexOp::create(b, loc, plan.k);
  Value step = arith::ConstantIndexOp::create(b, loc, plan.config.getTileK());
  auto kLoop = scf::ForOp::create(
      b, loc, lower, upper, step, ValueRange{zero},
      [&](OpBuilder &, Location, Value k0, ValueRange iterArgs) {
        Value acc = kStep(k0, iterArgs.front(), zero);
        scf::YieldOp::create(b, loc, acc);
      });
  Value residual;
  if (operands.residual)
    residual = slice2D(b, loc, operands.residual, {m0, n0}, {mSize, nSize});
  auto resultType =
      RankedTensorType::get(staticShape({mSize, nSize}), resultElementType);
  tile::Activation activation =
      plan.swiglu ? tile::Activation::SwiGLU : tile::Activation::None;
  return tile::EpilogueOp::create(b, loc, resultType, kLoop.getResult(0),
                                  residual, activation);
}

Value tiling::buildGemmTile(OpBuilder &b, Location loc, const GemmPlan &plan,
                            const GemmOperands &operands, OpFoldResult m0,
                            OpFoldResult mSize, OpFoldResult n0,
                            OpFoldResult nSize, Type resultElementType) {
  return GemmTileBuilder(b, loc, plan, operands, m0, mSize, n0, nSize)
      .build(resultElementType);
}
