//===- Attention.cpp - tiling of graph.attention ----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the tiling of attention into flash attention: the
// per-token steps (QK-norm, temperature scaling, cache writes) first, then
// an scf.forall over (query block, head) whose body runs the online softmax
// over the key blocks the mask lets the query block see.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/TilePatterns/TilePatterns.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::tiling;

LogicalResult tiling::checkAttention(graph::AttentionOp op,
                                     const TargetDescription &target) {
  Type queryElement = op.getQuery().getType().getElementType();
  for (Value operand :
       {op.getKey(), op.getValue(), op.getKeyCache(), op.getValueCache()}) {
    if (!operand)
      continue;
    Type element = cast<RankedTensorType>(operand.getType()).getElementType();
    if (element != queryElement)
      return emitTilingError(op, target)
             << "query, key, value and cache element types differ ("
             << queryElement << " vs " << element << ")";
  }
  std::string reason = target.checkAttention(op.getHeadDim(), queryElement);
  if (!reason.empty())
    return emitTilingError(op, target) << reason;
  return success();
}

/// `tensor.extract_slice` of a 1-D `source`.
static Value slice1D(OpBuilder &b, Location loc, Value source,
                     OpFoldResult offset, OpFoldResult size) {
  return tensor::ExtractSliceOp::create(b, loc, source, {offset}, {size},
                                        {b.getIndexAttr(1)});
}

namespace {

/// Builds the flash attention body of one (query block, head) tile.
class QueryBlockBuilder {
public:
  QueryBlockBuilder(OpBuilder &b, Location loc, graph::AttentionOp op,
                    tile::AttentionConfigAttr config, Value query, Value keys,
                    Value values)
      : b(b), loc(loc), op(op), config(config), query(query), keys(keys),
        values(values), headDim(op.getHeadDim()) {}

  /// The normalized `[qSize, head_dim]` output of the query block of
  /// `qSize` rows at `q0` and of query head `head`, whose columns start at
  /// `qColumn`.
  Value build(Value q0, OpFoldResult qSize, Value head, OpFoldResult qColumn);

private:
  std::pair<OpFoldResult, OpFoldResult> keyRange(Value q0, OpFoldResult qSize);
  Value keyPositions(Value k0, OpFoldResult kSize);
  SmallVector<Value> step(Value k0, OpFoldResult kSize, ValueRange state);

  OpBuilder &b;
  Location loc;
  graph::AttentionOp op;
  tile::AttentionConfigAttr config;
  Value query, keys, values;
  int64_t headDim;
  /// Set by build(): the query tile, its positions, its KV head's columns.
  Value queryTile, queryPositions;
  OpFoldResult kvColumn, qSize;
};

} // namespace

/// The key rows `[lo, hi)` the query block `[q0, q0 + qSize)` may see. Key
/// row `r` is at position `base + r`: `base = positions[0]` without a cache
/// (keys are this call's tokens, at consecutive positions) and 0 with one
/// (cache row r holds position r). `hi` follows the block's last query;
/// `lo` is 0 for a causal mask and, for a chunked one, the start of the
/// chunk of the block's first query.
std::pair<OpFoldResult, OpFoldResult>
QueryBlockBuilder::keyRange(Value q0, OpFoldResult qSize) {
  AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1);
  Value positions = op.getPositions();
  bool cached = static_cast<bool>(op.getKeyCache());
  OpFoldResult hi;
  if (cached) {
    OpFoldResult last =
        affine::makeComposedFoldedAffineApply(b, loc, d0 + d1 - 1, {q0, qSize});
    Value lastPosition = extractIndex(b, loc, positions, last);
    hi = affine::makeComposedFoldedAffineApply(b, loc, d0 + 1, {lastPosition});
  } else {
    hi = affine::makeComposedFoldedAffineApply(b, loc, d0 + d1, {q0, qSize});
  }
  if (op.getMask() != graph::MaskKind::ChunkedCausal)
    return {b.getIndexAttr(0), hi};
  // The verifier guarantees a chunk size on chunked masks.
  int64_t chunk = *op.getChunkSize();
  Value first = extractIndex(b, loc, positions, q0);
  OpFoldResult base = cached
                          ? OpFoldResult(b.getIndexAttr(0))
                          : extractIndex(b, loc, positions, b.getIndexAttr(0));
  AffineMap chunkStart = AffineMap::get(
      2, 0, {d0.floorDiv(chunk) * chunk - d1, b.getAffineConstantExpr(0)},
      b.getContext());
  OpFoldResult lo =
      affine::makeComposedFoldedAffineMax(b, loc, chunkStart, {first, base});
  return {lo, hi};
}

/// Positions of the key rows `[k0, k0 + kSize)`: a slice of `positions`
/// without a cache, the row numbers themselves with one.
Value QueryBlockBuilder::keyPositions(Value k0, OpFoldResult kSize) {
  Value positions = op.getPositions();
  if (!op.getKeyCache())
    return slice1D(b, loc, positions, k0, kSize);
  Type element = op.getPositions().getType().getElementType();
  auto type = RankedTensorType::get(staticShape({kSize}), element);
  return tensor::GenerateOp::create(
      b, loc, type, dynamicSizes(b, loc, type, {kSize}),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange indices) {
        Value row = arith::AddIOp::create(nested, nestedLoc, k0, indices[0]);
        Value position =
            arith::IndexCastOp::create(nested, nestedLoc, element, row);
        tensor::YieldOp::create(nested, nestedLoc, position);
      });
}

/// One online-softmax step over the key block `[k0, k0 + kSize)`.
SmallVector<Value> QueryBlockBuilder::step(Value k0, OpFoldResult kSize,
                                           ValueRange state) {
  OpFoldResult dim = b.getIndexAttr(headDim);
  Value keyTile = slice2D(b, loc, keys, {k0, kvColumn}, {kSize, dim});
  Value valueTile = slice2D(b, loc, values, {k0, kvColumn}, {kSize, dim});
  auto scoreType =
      RankedTensorType::get(staticShape({qSize, kSize}), b.getF32Type());
  Value zero = splat(b, loc, scoreType, {qSize, kSize}, 0.0);
  Value scores =
      tile::MmaOp::create(b, loc, scoreType, zero, queryTile, keyTile);
  tile::MaskKind mask = op.getMask() == graph::MaskKind::ChunkedCausal
                            ? tile::MaskKind::ChunkedCausal
                            : tile::MaskKind::Causal;
  auto flash = tile::FlashStepOp::create(
      b, loc, state.getTypes(), scores, valueTile, state[0], state[1], state[2],
      queryPositions, keyPositions(k0, kSize),
      b.getF64FloatAttr(1.0 / std::sqrt(static_cast<double>(headDim))),
      tile::MaskKindAttr::get(b.getContext(), mask), op.getChunkSizeAttr());
  return SmallVector<Value>(flash.getResults());
}

Value QueryBlockBuilder::build(Value q0, OpFoldResult blockRows, Value head,
                               OpFoldResult qColumn) {
  qSize = blockRows;
  AffineExpr d0 = b.getAffineDimExpr(0);
  int64_t group = op.getNumHeads() / op.getNumKvHeads();
  OpFoldResult dim = b.getIndexAttr(headDim);
  kvColumn = affine::makeComposedFoldedAffineApply(
      b, loc, d0.floorDiv(group) * headDim, {head});
  queryTile = slice2D(b, loc, query, {q0, qColumn}, {qSize, dim});
  queryPositions = slice1D(b, loc, op.getPositions(), q0, qSize);
  auto [lo, hi] = keyRange(q0, qSize);

  auto rowType = RankedTensorType::get(staticShape({qSize}), b.getF32Type());
  auto accType =
      RankedTensorType::get(staticShape({qSize, dim}), b.getF32Type());
  SmallVector<Value> init{
      splat(b, loc, rowType, {qSize}, -std::numeric_limits<double>::infinity()),
      splat(b, loc, rowType, {qSize}, 0.0),
      splat(b, loc, accType, {qSize, dim}, 0.0)};
  Value step = arith::ConstantIndexOp::create(b, loc, config.getBlockKv());
  Value hiValue = getValueOrCreateConstantIndexOp(b, loc, hi);
  auto keyLoop = scf::ForOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, lo), hiValue, step, init,
      [&](OpBuilder &, Location, Value k0, ValueRange state) {
        OpFoldResult kSize = remainingTile(b, loc, k0, config.getBlockKv(), hi);
        scf::YieldOp::create(b, loc, this->step(k0, kSize, state));
      });
  Type outElement = op.getResult().getType().getElementType();
  auto outType = RankedTensorType::get(staticShape({qSize, dim}), outElement);
  return tile::FlashFinalizeOp::create(b, loc, outType, keyLoop.getResult(2),
                                       keyLoop.getResult(1));
}

namespace {

/// Rewrites one graph.attention into the per-token steps and
///   scf.forall (%q0, %h) = (0, 0) to (T, heads) step (block_q, 1)
///     scf.for %k0 over the visible keys step block_kv: tile.mma,
///     tile.flash_step; tile.flash_finalize; tensor.parallel_insert_slice
struct TileAttention : OpRewritePattern<graph::AttentionOp> {
  TileAttention(MLIRContext *context, const TargetDescription &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(graph::AttentionOp op,
                                PatternRewriter &rewriter) const override;

private:
  /// QK-norm and temperature scaling of the query and key rows.
  static std::pair<Value, Value> prepareQueryKey(OpBuilder &b, Location loc,
                                                 graph::AttentionOp op);

  const TargetDescription &target;
};

} // namespace

std::pair<Value, Value> TileAttention::prepareQueryKey(OpBuilder &b,
                                                       Location loc,
                                                       graph::AttentionOp op) {
  Value query = op.getQuery(), key = op.getKey();
  if (FloatAttr epsilon = op.getQkNormEpsilonAttr()) {
    query = tile::HeadRMSNormOp::create(b, loc, query.getType(), query,
                                        op.getHeadDimAttr(), epsilon);
    key = tile::HeadRMSNormOp::create(b, loc, key.getType(), key,
                                      op.getHeadDimAttr(), epsilon);
  }
  if (graph::TemperatureTuningAttr tuning = op.getTemperatureTuningAttr())
    query = tile::TemperatureScaleOp::create(
        b, loc, query.getType(), query, op.getPositions(),
        b.getF64FloatAttr(tuning.getFloorScale().convertToDouble()),
        b.getF64FloatAttr(tuning.getAttnScale().convertToDouble()));
  return {query, key};
}

LogicalResult TileAttention::matchAndRewrite(graph::AttentionOp op,
                                             PatternRewriter &rewriter) const {
  Type element = op.getQuery().getType().getElementType();
  if (!target.checkAttention(op.getHeadDim(), element).empty())
    return failure();
  Location loc = op.getLoc();
  auto config =
      target.chooseAttentionConfig(op.getContext(), op.getHeadDim(), element);
  auto [query, key] = prepareQueryKey(rewriter, loc, op);
  Value keys = key, values = op.getValue();
  SmallVector<Value> results(1);
  if (op.getKeyCache()) {
    keys = tile::CacheWriteOp::create(rewriter, loc, op.getKeyCache().getType(),
                                      op.getKeyCache(), key, op.getPositions());
    values = tile::CacheWriteOp::create(
        rewriter, loc, op.getValueCache().getType(), op.getValueCache(),
        op.getValue(), op.getPositions());
    results.append({keys, values});
  }

  RankedTensorType resultType = op.getResult().getType();
  OpFoldResult tokens = dimSize(rewriter, loc, op.getQuery(), 0);
  OpFoldResult width =
      rewriter.getIndexAttr(op.getNumHeads() * op.getHeadDim());
  Value init = tensor::EmptyOp::create(
      rewriter, loc, resultType,
      dynamicSizes(rewriter, loc, resultType, {tokens, width}));
  OpFoldResult one = rewriter.getIndexAttr(1);
  auto forall = scf::ForallOp::create(
      rewriter, loc,
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                             rewriter.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{tokens, rewriter.getIndexAttr(op.getNumHeads())},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(config.getBlockQ()), one},
      ValueRange{init}, /*mapping=*/std::nullopt);
  forall->setAttr(tile::TileDialect::kConfigAttrName, config);

  rewriter.setInsertionPoint(forall.getTerminator());
  Value q0 = forall.getInductionVar(0), head = forall.getInductionVar(1);
  OpFoldResult qSize = tileSize(rewriter, loc, q0, config.getBlockQ(), tokens);
  AffineExpr d0 = rewriter.getAffineDimExpr(0);
  OpFoldResult column = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0 * op.getHeadDim(), {head});
  Value output =
      QueryBlockBuilder(rewriter, loc, op, config, query, keys, values)
          .build(q0, qSize, head, column);
  rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, output, forall.getRegionIterArgs().front(),
      ArrayRef<OpFoldResult>{q0, column},
      ArrayRef<OpFoldResult>{qSize, rewriter.getIndexAttr(op.getHeadDim())},
      ArrayRef<OpFoldResult>{one, one});
  results[0] = forall.getResult(0);
  rewriter.replaceOp(op, results);
  return success();
}

void tiling::populateAttentionTilingPatterns(RewritePatternSet &patterns,
                                             const TargetDescription &target) {
  patterns.add<TileAttention>(patterns.getContext(), target);
}
