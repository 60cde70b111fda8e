//===- LowerTileAttention.cpp - Attention tile ops to linalg ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-tile-attention: tile.flash_step,
// tile.flash_finalize, tile.head_rms_norm, tile.temperature_scale and
// tile.cache_write become linalg.generic and tensor ops on tensors with fp32
// arithmetic (cache_write: an scf.for of tensor.insert_slice).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "dialects/Tile/IR/TileOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

#define DEBUG_TYPE "moec-cpu-lower-tile-attention"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPULOWERTILEATTENTION
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;

using utils::IteratorType;

/// Element types whose f32 widening and rounding the CPU lowering emits.
static bool isSupportedFloat(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// An empty tensor with the shape of `dims` of `like` (in order) and
/// element type `element`.
static Value emptyLike(OpBuilder &b, Location loc, Value like,
                       ArrayRef<unsigned> dims, Type element) {
  SmallVector<OpFoldResult> all = tensor::getMixedSizes(b, loc, like);
  SmallVector<OpFoldResult> sizes;
  for (unsigned d : dims)
    sizes.push_back(all[d]);
  return tensor::EmptyOp::create(b, loc, sizes, element);
}

static Value fill(OpBuilder &b, Location loc, Value init, float v) {
  return linalg::FillOp::create(b, loc, cpu::f32Constant(b, loc, v), init)
      .getResult(0);
}

/// A linalg.generic of `rank` loops with the given maps (inputs, then the
/// single output) and iterators; returns its result.
static Value
generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
        ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
        function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto op = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return op.getResult(0);
}

/// QK-norm: `[T, H*D]` is viewed as `[T, H, D]`; the mean of squares of
/// every head is reduced in f32, then `x * (1 / sqrt(mean + eps))` is
/// rounded back to the element type.
static Value lowerHeadRMSNorm(RewriterBase &rw, tile::HeadRMSNormOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  Value input = op.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t headDim = op.getHeadDim();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rw, loc, input);
  // A dynamic row width gives a dynamic head count (width / head_dim).
  int64_t heads = ShapedType::kDynamic;
  OpFoldResult headCount;
  if (type.isDynamicDim(1)) {
    Value headDimValue = arith::ConstantIndexOp::create(rw, loc, headDim);
    headCount =
        arith::DivUIOp::create(rw, loc, cast<Value>(sizes[1]), headDimValue)
            .getResult();
  } else {
    heads = type.getDimSize(1) / headDim;
    headCount = rw.getIndexAttr(heads);
  }
  SmallVector<OpFoldResult> expandedSizes = {sizes[0], headCount,
                                             rw.getIndexAttr(headDim)};
  auto expandedType =
      RankedTensorType::get({type.getDimSize(0), heads, headDim}, element);
  SmallVector<ReassociationIndices> reassociation = {{0}, {1, 2}};
  Value expanded = tensor::ExpandShapeOp::create(rw, loc, expandedType, input,
                                                 reassociation, expandedSizes);

  AffineExpr t, h, d;
  bindDims(ctx, t, h, d);
  AffineMap full = AffineMap::get(3, 0, {t, h, d}, ctx);
  AffineMap perHead = AffineMap::get(3, 0, {t, h}, ctx);
  Value sumInit = fill(
      rw, loc, emptyLike(rw, loc, expanded, {0, 1}, rw.getF32Type()), 0.0f);
  Value sumSq = generic(
      rw, loc, expanded, sumInit, {full, perHead},
      {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value sq = arith::MulFOp::create(b, loc, x, x);
        return arith::AddFOp::create(b, loc, args[1], sq);
      });
  float epsilon = static_cast<float>(op.getEpsilon().convertToDouble());
  Value outInit = emptyLike(rw, loc, expanded, {0, 1, 2}, element);
  Value normalized = generic(
      rw, loc, ValueRange{expanded, sumSq}, outInit, {full, perHead, full},
      SmallVector<IteratorType>(3, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = cpu::widenToF32(b, loc, args[0]);
        // mean = sum / D, as np.mean divides the f32 sum.
        Value mean = arith::DivFOp::create(
            b, loc, args[1],
            cpu::f32Constant(b, loc, static_cast<float>(headDim)));
        Value var = arith::AddFOp::create(b, loc, mean,
                                          cpu::f32Constant(b, loc, epsilon));
        Value root = math::SqrtOp::create(b, loc, var);
        Value inv =
            arith::DivFOp::create(b, loc, cpu::f32Constant(b, loc, 1.0f), root);
        Value y = arith::MulFOp::create(b, loc, x, inv);
        return cpu::roundFromF32(b, loc, y, element);
      });
  return tensor::CollapseShapeOp::create(rw, loc, type, normalized,
                                         reassociation);
}

/// `q * (log1p(floor((p + 1) / floor_scale)) * attn_scale + 1)`, in f32.
static Value lowerTemperatureScale(RewriterBase &rw,
                                   tile::TemperatureScaleOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  Value query = op.getQuery();
  Type element = op.getType().getElementType();
  float floorScale = static_cast<float>(op.getFloorScale().convertToDouble());
  float attnScale = static_cast<float>(op.getAttnScale().convertToDouble());
  AffineExpr t, c;
  bindDims(ctx, t, c);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {t}, ctx);
  Value init = emptyLike(rw, loc, query, {0, 1}, element);
  return generic(
      rw, loc, ValueRange{query, op.getPositions()}, init,
      {identity, row, identity},
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value p = arith::SIToFPOp::create(b, loc, b.getF32Type(), args[1]);
        p = arith::AddFOp::create(b, loc, p, cpu::f32Constant(b, loc, 1.0f));
        p = arith::DivFOp::create(b, loc, p,
                                  cpu::f32Constant(b, loc, floorScale));
        p = math::FloorOp::create(b, loc, p);
        p = math::Log1pOp::create(b, loc, p);
        p = arith::MulFOp::create(b, loc, p,
                                  cpu::f32Constant(b, loc, attnScale));
        p = arith::AddFOp::create(b, loc, p, cpu::f32Constant(b, loc, 1.0f));
        Value y =
            arith::MulFOp::create(b, loc, cpu::widenToF32(b, loc, args[0]), p);
        return cpu::roundFromF32(b, loc, y, element);
      });
}

/// `cache` with row `positions[t]` replaced by `new_rows[t]`, token by
/// token (a later token wins), as an scf.for of tensor.insert_slice.
static Value lowerCacheWrite(RewriterBase &rw, tile::CacheWriteOp op) {
  Location loc = op.getLoc();
  Value rows = op.getNewRows(), positions = op.getPositions();
  Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
  Value one = arith::ConstantIndexOp::create(rw, loc, 1);
  Value tokens = tensor::DimOp::create(rw, loc, rows, 0);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rw, loc, rows);
  OpFoldResult width = sizes[1];
  auto loop = scf::ForOp::create(
      rw, loc, zero, tokens, one, ValueRange{op.getCache()},
      [&](OpBuilder &b, Location loc, Value t, ValueRange iterArgs) {
        Value pos = tensor::ExtractOp::create(b, loc, positions, t);
        Value row = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
        SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
        SmallVector<OpFoldResult> rowSizes = {b.getIndexAttr(1), width};
        Value slice = tensor::ExtractSliceOp::create(
            b, loc, rows, ArrayRef<OpFoldResult>{t, b.getIndexAttr(0)},
            rowSizes, ones);
        Value updated = tensor::InsertSliceOp::create(
            b, loc, slice, iterArgs[0],
            ArrayRef<OpFoldResult>{row, b.getIndexAttr(0)}, rowSizes, ones);
        scf::YieldOp::create(b, loc, updated);
      });
  return loop.getResult(0);
}

/// One online-softmax step (see the op): masked scaled scores, new row max,
/// `p` and the correction `c` (0 where the new max is still -inf), then the
/// sum and accumulator updates.
static SmallVector<Value> lowerFlashStep(RewriterBase &rw,
                                         tile::FlashStepOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  Type f32 = rw.getF32Type();
  float scale = static_cast<float>(op.getScale().convertToDouble());
  bool chunked = op.getMask() == tile::MaskKind::ChunkedCausal;
  int64_t chunk = op.getChunkSize().value_or(0);
  float negInf = -std::numeric_limits<float>::infinity();
  AffineExpr i, j, d;
  bindDims(ctx, i, j, d);
  AffineMap ij2 = AffineMap::get(2, 0, {i, j}, ctx);
  AffineMap i2 = AffineMap::get(2, 0, {i}, ctx);
  AffineMap j2 = AffineMap::get(2, 0, {j}, ctx);
  AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<IteratorType> par2(2, IteratorType::parallel);
  SmallVector<IteratorType> rowReduce = {IteratorType::parallel,
                                         IteratorType::reduction};
  Value scores = op.getScores();

  // 1. s = scores * scale, -inf where key j is hidden from query i.
  Value sInit = emptyLike(rw, loc, scores, {0, 1}, f32);
  Value s = generic(
      rw, loc, ValueRange{scores, op.getQPos(), op.getKPos()}, sInit,
      {ij2, i2, j2, ij2}, par2,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value qp = args[1], kp = args[2];
        Value hidden =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, kp, qp);
        if (chunked) {
          Value c = arith::ConstantOp::create(
              b, loc, b.getIntegerAttr(qp.getType(), chunk));
          Value qc = arith::FloorDivSIOp::create(b, loc, qp, c);
          Value kc = arith::FloorDivSIOp::create(b, loc, kp, c);
          Value other =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, kc, qc);
          hidden = arith::OrIOp::create(b, loc, hidden, other);
        }
        Value scaled = arith::MulFOp::create(b, loc, args[0],
                                             cpu::f32Constant(b, loc, scale));
        return arith::SelectOp::create(
            b, loc, hidden, cpu::f32Constant(b, loc, negInf), scaled);
      });

  // 2. rowmax(s) into a fresh row, new_max = max(max, rowmax) recomputed
  // where needed, so the running state is only overwritten (in place, as
  // bufferization wants loop-carried values) after its last read.
  Value rowMax =
      generic(rw, loc, ValueRange{s},
              fill(rw, loc, emptyLike(rw, loc, op.getMax(), {0}, f32), negInf),
              {ij2, i2}, rowReduce,
              [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                return arith::MaximumFOp::create(b, loc, args[1], args[0]);
              });
  // exp(x - m), or 0 while m is -inf (every key so far masked).
  auto safeExp = [negInf](OpBuilder &b, Location loc, Value x,
                          Value m) -> Value {
    Value isEmpty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                          cpu::f32Constant(b, loc, negInf));
    Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, m));
    return arith::SelectOp::create(b, loc, isEmpty,
                                   cpu::f32Constant(b, loc, 0.0f), e);
  };
  // c = exp(max - new_max) or 0.
  Value correction =
      generic(rw, loc, ValueRange{op.getMax(), rowMax},
              emptyLike(rw, loc, op.getMax(), {0}, f32), {id1, id1, id1},
              {IteratorType::parallel},
              [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                Value m = arith::MaximumFOp::create(b, loc, args[0], args[1]);
                return safeExp(b, loc, args[0], m);
              });
  // p = exp(s - new_max) or 0.
  Value p =
      generic(rw, loc, ValueRange{s, op.getMax(), rowMax},
              emptyLike(rw, loc, scores, {0, 1}, f32), {ij2, i2, i2, ij2}, par2,
              [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                Value m = arith::MaximumFOp::create(b, loc, args[1], args[2]);
                return safeExp(b, loc, args[0], m);
              });

  // 3. new_sum = sum * c + rowsum(p), written over sum.
  Value rowSum = generic(
      rw, loc, ValueRange{p},
      fill(rw, loc, emptyLike(rw, loc, op.getSum(), {0}, f32), 0.0f), {ij2, i2},
      rowReduce, [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::AddFOp::create(b, loc, args[1], args[0]);
      });
  Value newSum =
      generic(rw, loc, ValueRange{correction, rowSum}, op.getSum(),
              {id1, id1, id1}, {IteratorType::parallel},
              [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                Value scaled = arith::MulFOp::create(b, loc, args[2], args[0]);
                return arith::AddFOp::create(b, loc, scaled, args[1]);
              });

  // new_acc = acc * c + p * value: p * value over loops (i, d, j) with j
  // reduced, then written over acc.
  Value acc = op.getAcc();
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineExpr di, dd, dj;
  bindDims(ctx, di, dd, dj);
  Value pv = generic(
      rw, loc, ValueRange{p, op.getValue()},
      fill(rw, loc, emptyLike(rw, loc, acc, {0, 1}, f32), 0.0f),
      {AffineMap::get(3, 0, {di, dj}, ctx), AffineMap::get(3, 0, {dj, dd}, ctx),
       AffineMap::get(3, 0, {di, dd}, ctx)},
      {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value prod = arith::MulFOp::create(b, loc, args[0],
                                           cpu::widenToF32(b, loc, args[1]));
        return arith::AddFOp::create(b, loc, args[2], prod);
      });
  Value newAcc =
      generic(rw, loc, ValueRange{correction, pv}, acc, {i2, id2, id2}, par2,
              [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                Value scaled = arith::MulFOp::create(b, loc, args[2], args[0]);
                return arith::AddFOp::create(b, loc, scaled, args[1]);
              });
  // new_max last: the old max is read above.
  Value newMax =
      generic(rw, loc, ValueRange{rowMax}, op.getMax(), {id1, id1},
              {IteratorType::parallel},
              [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                return arith::MaximumFOp::create(b, loc, args[1], args[0]);
              });
  return {newMax, newSum, newAcc};
}

/// `acc[i, :] / sum[i]`, rounded to the result element type.
static Value lowerFlashFinalize(RewriterBase &rw, tile::FlashFinalizeOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  Type element = op.getType().getElementType();
  AffineExpr i, d;
  bindDims(ctx, i, d);
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {i}, ctx);
  Value init = emptyLike(rw, loc, op.getAcc(), {0, 1}, element);
  return generic(rw, loc, ValueRange{op.getAcc(), op.getSum()}, init,
                 {id2, row, id2},
                 SmallVector<IteratorType>(2, IteratorType::parallel),
                 [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                   Value y = arith::DivFOp::create(b, loc, args[0], args[1]);
                   return cpu::roundFromF32(b, loc, y, element);
                 });
}

/// The float element types an op computes with, for the support check
/// (cache_write only moves data, so any element type is fine).
static SmallVector<Type> computedTypes(Operation *op) {
  return llvm::TypeSwitch<Operation *, SmallVector<Type>>(op)
      .Case([](tile::FlashStepOp o) -> SmallVector<Type> {
        return {o.getValue().getType().getElementType()};
      })
      .Case([](tile::FlashFinalizeOp o) -> SmallVector<Type> {
        return {o.getType().getElementType()};
      })
      .Case([](tile::HeadRMSNormOp o) -> SmallVector<Type> {
        return {o.getType().getElementType()};
      })
      .Case([](tile::TemperatureScaleOp o) -> SmallVector<Type> {
        return {o.getType().getElementType()};
      })
      .Default([](Operation *) -> SmallVector<Type> { return {}; });
}

namespace {

struct CpuLowerTileAttentionPass
    : public cpu::impl::CpuLowerTileAttentionBase<CpuLowerTileAttentionPass> {
  void runOnOperation() override {
    SmallVector<Operation *> attentionOps;
    bool supported = true;
    getOperation()->walk([&](Operation *op) {
      if (!isa<tile::FlashStepOp, tile::FlashFinalizeOp, tile::HeadRMSNormOp,
               tile::TemperatureScaleOp, tile::CacheWriteOp>(op))
        return;
      attentionOps.push_back(op);
      for (Type type : computedTypes(op)) {
        if (isSupportedFloat(type))
          continue;
        op->emitOpError("element type ")
            << type
            << " is not supported by the CPU code generator (f32, bf16, f16)";
        supported = false;
      }
    });
    if (!supported)
      return signalPassFailure();

    IRRewriter rewriter(&getContext());
    for (Operation *op : attentionOps) {
      rewriter.setInsertionPoint(op);
      SmallVector<Value> lowered =
          llvm::TypeSwitch<Operation *, SmallVector<Value>>(op)
              .Case([&](tile::FlashStepOp o) {
                return lowerFlashStep(rewriter, o);
              })
              .Case([&](tile::FlashFinalizeOp o) -> SmallVector<Value> {
                return {lowerFlashFinalize(rewriter, o)};
              })
              .Case([&](tile::HeadRMSNormOp o) -> SmallVector<Value> {
                return {lowerHeadRMSNorm(rewriter, o)};
              })
              .Case([&](tile::TemperatureScaleOp o) -> SmallVector<Value> {
                return {lowerTemperatureScale(rewriter, o)};
              })
              .Case([&](tile::CacheWriteOp o) -> SmallVector<Value> {
                return {lowerCacheWrite(rewriter, o)};
              });
      rewriter.replaceOp(op, lowered);
    }
  }
};

} // namespace
