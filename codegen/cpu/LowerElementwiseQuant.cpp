//===- LowerElementwiseQuant.cpp - FP8 (de)quantization for the CPU -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The FP8 half of moec-cpu-lower-elementwise: moe.quantize (and the quantize
// step of moe.rms_norm_quantize) and moe.dequantize as linalg.generic ops on
// tensors. f32 -> f8E4M3FN is encoded from the f32 bits (round to nearest
// even, saturating to +-448), so no f8 arithmetic reaches LLVM.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/LowerElementwise.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moec;
using utils::IteratorType;

namespace {
/// i32 scalar helpers for the bit-level encoding.
struct I32 {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value f(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value andI(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, c(m));
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, int64_t s) {
    return arith::ShLIOp::create(b, loc, x, c(s));
  }
  Value shr(Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, c(s));
  }
  Value sel(Value cond, Value t, Value f) {
    return arith::SelectOp::create(b, loc, cond, t, f);
  }
  Value toBits(Value x) {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), x);
  }
  Value toF32(Value x) {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), x);
  }
};
} // namespace

/// Encodes an f32 to f8E4M3FN exactly as round_to_e4m3_f32 of the reference:
/// |x| >= 2^-6 rounds the f32 mantissa to 3 bits (nearest even, by adding
/// 0x7FFFF plus the kept lsb and masking), smaller magnitudes round to a
/// multiple of 2^-9 (roundeven of |x| * 512, exact), then the magnitude
/// saturates at 448 (infinity too) and NaN becomes S.1111.111.
static Value encodeE4M3FN(OpBuilder &b, Location loc, Value x) {
  I32 ib{b, loc};
  Value bits = ib.toBits(x);
  Value sign = ib.shr(ib.andI(bits, 0x80000000LL), 24);
  Value absBits = ib.andI(bits, 0x7fffffff);
  Value absF = ib.toF32(absBits);
  // Normal range: RNE to 3 mantissa bits on the f32 pattern.
  Value lsb = ib.andI(ib.shr(absBits, 20), 1);
  Value rounded = ib.add(ib.add(absBits, ib.c(0x7ffff)), lsb);
  Value rn = ib.toF32(ib.andI(rounded, 0xfff00000LL));
  // Subnormal range: multiples of 2^-9.
  Value scaled = arith::MulFOp::create(b, loc, absF, ib.f(512.0f));
  Value steps = math::RoundEvenOp::create(b, loc, scaled);
  Value sub = arith::DivFOp::create(b, loc, steps, ib.f(512.0f));
  Value isSub = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absF,
                                      ib.f(std::ldexp(1.0f, -6)));
  Value r = ib.sel(isSub, sub, rn);
  Value over =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, r, ib.f(448.0f));
  r = ib.sel(over, ib.f(448.0f), r);
  // r is now an e4m3fn magnitude: re-encode its exponent and mantissa.
  Value rBits = ib.toBits(r);
  Value exp = arith::SubIOp::create(b, loc, ib.shr(rBits, 23), ib.c(120));
  Value normalCode = ib.orI(ib.shl(exp, 3), ib.andI(ib.shr(rBits, 20), 7));
  Value subCode = arith::FPToUIOp::create(
      b, loc, b.getI32Type(), arith::MulFOp::create(b, loc, r, ib.f(512.0f)));
  Value rIsSub = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r,
                                       ib.f(std::ldexp(1.0f, -6)));
  Value code = ib.sel(rIsSub, subCode, normalCode);
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  code = ib.sel(isNan, ib.c(0x7f), code);
  code = ib.orI(code, sign);
  Value byte = arith::TruncIOp::create(b, loc, b.getI8Type(), code);
  return arith::BitcastOp::create(b, loc, b.getType<Float8E4M3FNType>(), byte);
}

/// The map from a data element to its scale element: leading dims keep their
/// own scales, the row and reduction dims divide by the group extent (or
/// select 0 when the whole extent shares one scale).
static AffineMap scaleMap(MLIRContext *ctx, unsigned rank,
                          moe::ScalingAttr scaling, unsigned reductionDim) {
  unsigned rowDim = reductionDim == rank - 1 ? rank - 2 : rank - 1;
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d) {
    AffineExpr dim = getAffineDimExpr(d, ctx);
    if (d != rowDim && d != reductionDim) {
      exprs.push_back(dim);
      continue;
    }
    switch (scaling.getKind()) {
    case moe::ScalingKind::PerTensor:
      exprs.push_back(zero);
      break;
    case moe::ScalingKind::PerToken:
    case moe::ScalingKind::PerChannel:
      exprs.push_back(d == rowDim ? dim : zero);
      break;
    case moe::ScalingKind::Block: {
      int64_t block = scaling.getBlock()[d == rowDim ? 0 : 1];
      exprs.push_back(block == 1 ? dim : dim.floorDiv(block));
      break;
    }
    }
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Sizes of the scale tensor of `input`, with dynamic extents computed from
/// the input's (`ceil(size / block)` for blocked dims).
static SmallVector<OpFoldResult> scaleSizes(OpBuilder &b, Location loc,
                                            Value input, AffineMap map) {
  SmallVector<OpFoldResult> inputSizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<OpFoldResult> sizes;
  for (AffineExpr expr : map.getResults()) {
    if (isa<AffineConstantExpr>(expr)) {
      sizes.push_back(b.getIndexAttr(1));
      continue;
    }
    unsigned dim = 0;
    expr.walk([&](AffineExpr e) {
      if (auto d = dyn_cast<AffineDimExpr>(e))
        dim = d.getPosition();
    });
    AffineExpr s0 = getAffineDimExpr(0, b.getContext());
    AffineExpr sized = expr.replace(getAffineDimExpr(dim, b.getContext()), s0);
    if (auto div = dyn_cast<AffineBinaryOpExpr>(sized))
      sized = div.getLHS().ceilDiv(div.getRHS());
    sizes.push_back(affine::makeComposedFoldedAffineApply(
        b, loc, AffineMap::get(1, 0, sized), {inputSizes[dim]}));
  }
  return sizes;
}

Value cpu::detail::lowerQuantizeValue(RewriterBase &rw, Location loc,
                                      Value input, moe::ScalingAttr scaling,
                                      unsigned reductionDim,
                                      RankedTensorType resultType,
                                      RankedTensorType scaleType,
                                      Value &scaleOut) {
  MLIRContext *ctx = rw.getContext();
  unsigned rank = resultType.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap toScale = scaleMap(ctx, rank, scaling, reductionDim);
  SmallVector<OpFoldResult> sSizes = scaleSizes(rw, loc, input, toScale);
  Type f32 = rw.getF32Type();

  // amax(|x|) per group, from zero.
  Value sEmpty = tensor::EmptyOp::create(rw, loc, sSizes, f32);
  Value zero = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0f));
  Value amaxInit = linalg::FillOp::create(rw, loc, zero, sEmpty).getResult(0);
  SmallVector<IteratorType> reduce(rank, IteratorType::reduction);
  for (unsigned d = 0; d < rank; ++d)
    if (toScale.getResult(d) == getAffineDimExpr(d, ctx))
      reduce[d] = IteratorType::parallel;
  auto amax = linalg::GenericOp::create(
      rw, loc, sEmpty.getType(), ValueRange{input}, ValueRange{amaxInit},
      SmallVector<AffineMap>{identity, toScale}, reduce,
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value a = math::AbsFOp::create(b, loc, x);
        Value m = arith::MaximumFOp::create(b, loc, args[1], a);
        linalg::YieldOp::create(b, loc, m);
      });
  // scale = amax / 448 (fp32), an all-zero group gets 1.
  AffineMap sIdentity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto scale = linalg::GenericOp::create(
      rw, loc, sEmpty.getType(), ValueRange{amax.getResult(0)},
      ValueRange{sEmpty}, SmallVector<AffineMap>{sIdentity, sIdentity},
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [](OpBuilder &b, Location loc, ValueRange args) {
        I32 ib{b, loc};
        Value s = arith::DivFOp::create(b, loc, args[0], ib.f(448.0f));
        Value positive = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OGT, args[0], ib.f(0.0f));
        linalg::YieldOp::create(b, loc, ib.sel(positive, s, ib.f(1.0f)));
      });
  scaleOut = scale.getResult(0);
  if (scaleOut.getType() != scaleType)
    scaleOut = tensor::CastOp::create(rw, loc, scaleType, scaleOut);

  // q = e4m3(x / scale), the quotient formed in fp32.
  Value qEmpty =
      tensor::EmptyOp::create(rw, loc, tensor::getMixedSizes(rw, loc, input),
                              resultType.getElementType());
  auto quant = linalg::GenericOp::create(
      rw, loc, qEmpty.getType(), ValueRange{input, scale.getResult(0)},
      ValueRange{qEmpty}, SmallVector<AffineMap>{identity, toScale, identity},
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value q = arith::DivFOp::create(b, loc, x, args[1]);
        linalg::YieldOp::create(b, loc, encodeE4M3FN(b, loc, q));
      });
  Value result = quant.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rw, loc, resultType, result);
  return result;
}

Value cpu::detail::lowerDequantize(RewriterBase &rw, moe::DequantizeOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  RankedTensorType resultType = op.getType();
  unsigned rank = resultType.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap toScale =
      scaleMap(ctx, rank, op.getScaling(), op.getEffectiveReductionDim());
  // A scale dim of static size 1 is a broadcast whatever the granularity.
  auto scaleType = cast<RankedTensorType>(op.getScale().getType());
  SmallVector<AffineExpr> exprs(toScale.getResults());
  for (unsigned d = 0; d < rank; ++d)
    if (scaleType.getDimSize(d) == 1)
      exprs[d] = getAffineConstantExpr(0, ctx);
  toScale = AffineMap::get(rank, 0, exprs, ctx);
  Type elementType = resultType.getElementType();
  Value empty = tensor::EmptyOp::create(
      rw, loc, tensor::getMixedSizes(rw, loc, op.getInput()), elementType);
  auto generic = linalg::GenericOp::create(
      rw, loc, empty.getType(), ValueRange{op.getInput(), op.getScale()},
      ValueRange{empty}, SmallVector<AffineMap>{identity, toScale, identity},
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value y = arith::MulFOp::create(b, loc, x, args[1]);
        if (elementType.getIntOrFloatBitWidth() > 32)
          y = arith::ExtFOp::create(b, loc, elementType, y);
        else if (!elementType.isF32())
          y = arith::TruncFOp::create(b, loc, elementType, y);
        linalg::YieldOp::create(b, loc, y);
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rw, loc, resultType, result);
  return result;
}
