//===- TilePatterns.h - patterns of the moec-tile pass ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Internal interface between the tiling pass (passes/Tile.cpp) and its
// pattern groups: each group checks that the target can tile an op (with a
// diagnostic naming the op when it cannot) and rewrites it into the loop
// nest of docs/tiled-ir.md. GemmTile.cpp holds the K loop and epilogue that
// dense and grouped matmuls share.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_TILEPATTERNS_TILEPATTERNS_H
#define MOEC_PASSES_TILEPATTERNS_TILEPATTERNS_H

#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "dialects/Tile/IR/TileOps.h"
#include "mlir/IR/PatternMatch.h"
#include "passes/TargetDescription.h"

namespace mlir::moec::tiling {

//===----------------------------------------------------------------------===//
// Shared GEMM tile
//===----------------------------------------------------------------------===//

/// How a (grouped) matmul is tiled, decided before any IR is built.
struct GemmPlan {
  tile::GemmConfigAttr config;
  /// Contraction size.
  int64_t k = 0;
  /// Result columns (`N`, or `N / 2` with SwiGLU) and columns per tile.
  int64_t outCols = 0;
  int64_t outTileN = 0;
  bool swiglu = false;
  /// FP8 scale granularities; null for BF16/F32.
  moe::ScalingAttr lhsScaling, rhsScaling;
  /// Accumulator columns per rhs scale row (`b_block` of tile.promote).
  int64_t rhsScaleBlock = 1;
  /// Block scales whose blocks do not line up with the tile's rows (e.g.
  /// an up half starting inside a 128-row block): the tile gathers one
  /// scale per rhs row instead of one per block.
  bool expandRhsScaleRows = false;

  bool isFp8() const { return static_cast<bool>(lhsScaling); }
};

/// The 2-D operands one output tile reads: `lhs : [R, K]`, K-major
/// `rhs : [N, K]`, scales laid out against them (`lhsScale : [R|1, Kb|1]`,
/// `rhsScale : [Nb|N|1, Kb|1]`), and an optional residual of the result
/// type.
struct GemmOperands {
  Value lhs, rhs, lhsScale, rhsScale, residual;
};

/// Chooses the configuration of a matmul of `shape` and checks that the
/// target can run it with the given epilogue and scales; on failure emits
/// "'<op>' op cannot be tiled for <target>: <reason>".
FailureOr<GemmPlan> planGemm(Operation *op, const TargetDescription &target,
                             const GemmShape &shape, moe::Epilogue epilogue,
                             moe::ScalingAttr lhsScaling,
                             moe::ScalingAttr rhsScaling);

/// Builds the K loop and epilogue of the output tile at rows
/// `[m0, m0 + mSize)` and result columns `[n0, n0 + nSize)`; returns the
/// `[mSize, nSize]` tile of `resultElementType`.
Value buildGemmTile(OpBuilder &b, Location loc, const GemmPlan &plan,
                    const GemmOperands &operands, OpFoldResult m0,
                    OpFoldResult mSize, OpFoldResult n0, OpFoldResult nSize,
                    Type resultElementType);

/// Emits "'<op>' op cannot be tiled for <target>: " for a reason to follow.
InFlightDiagnostic emitTilingError(Operation *op,
                                   const TargetDescription &target);

//===----------------------------------------------------------------------===//
// Loop helpers
//===----------------------------------------------------------------------===//

/// The extent of the tile at `offset` when `total` elements are cut into
/// `tile`-sized pieces from 0: static when every tile is full or there is
/// only one, else `min(tile, total - offset)`.
OpFoldResult tileSize(OpBuilder &b, Location loc, OpFoldResult offset,
                      int64_t tile, OpFoldResult total);

/// `min(tile, end - offset)`: the extent of a tile at `offset` that may be
/// cut short by `end`.
OpFoldResult remainingTile(OpBuilder &b, Location loc, OpFoldResult offset,
                           int64_t tile, OpFoldResult end);

/// The static shape of a tile of `sizes`: dynamic where a size is a value.
SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes);

/// A tensor of `type` filled with the float `value`; `sizes` (one per
/// dimension) give the dynamic dimensions.
Value splat(OpBuilder &b, Location loc, RankedTensorType type,
            ArrayRef<OpFoldResult> sizes, double value);

/// Values for the dynamic dimensions of `type`, taken from `sizes` (one
/// per dimension), for `tensor.empty` and `tensor.splat`.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc,
                                RankedTensorType type,
                                ArrayRef<OpFoldResult> sizes);

/// Size `dim` of `value` as a static attribute or a `tensor.dim`.
OpFoldResult dimSize(OpBuilder &b, Location loc, Value value, int64_t dim);

/// `tensor.extract_slice` of a 2-D `source` with unit strides.
Value slice2D(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes);

/// Element `index` of a 1-D integer tensor as an `index` value.
Value extractIndex(OpBuilder &b, Location loc, Value tensor,
                   OpFoldResult index);

//===----------------------------------------------------------------------===//
// Pattern groups
//===----------------------------------------------------------------------===//

/// Each check emits a diagnostic naming the op when `target` cannot tile it.
LogicalResult checkMatmul(moe::MatmulOp op, const TargetDescription &target);
LogicalResult checkGroupedMatmul(moe::GroupedMatmulOp op,
                                 const TargetDescription &target);
LogicalResult checkAttention(graph::AttentionOp op,
                             const TargetDescription &target);

void populateMatmulTilingPatterns(RewritePatternSet &patterns,
                                  const TargetDescription &target);
void populateGroupedMatmulTilingPatterns(RewritePatternSet &patterns,
                                         const TargetDescription &target);
void populateAttentionTilingPatterns(RewritePatternSet &patterns,
                                     const TargetDescription &target);

} // namespace mlir::moec::tiling

#endif // MOEC_PASSES_TILEPATTERNS_TILEPATTERNS_H
