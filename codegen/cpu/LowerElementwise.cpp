//===- LowerElementwise.cpp - Row-wise graph ops to linalg for the CPU ----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-elementwise: graph.embedding,
// graph.rms_norm, graph.rope, moe.quantize, moe.rms_norm_quantize and
// moe.dequantize become linalg ops on tensors with fp32 arithmetic. The FP8
// encoding and the scale maps live in LowerElementwiseQuant.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/LowerElementwise.h"
#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Graph/IR/GraphAttrs.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPULOWERELEMENTWISE
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;
using utils::IteratorType;

/// `result[t, h] = table[ids[t], h]` for ids in `[0, vocab)`, zeros otherwise:
/// an out-of-range id reads row 0 (never out of bounds) and its row is
/// replaced by zeros.
static Value lowerEmbedding(RewriterBase &rw, graph::EmbeddingOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  Value table = op.getTable();
  RankedTensorType resultType = op.getType();
  Value vocab = tensor::DimOp::create(rw, loc, table, 0);
  SmallVector<OpFoldResult> sizes = {
      tensor::getMixedSizes(rw, loc, op.getIds())[0],
      tensor::getMixedSizes(rw, loc, table)[1]};
  Value empty =
      tensor::EmptyOp::create(rw, loc, sizes, resultType.getElementType());
  AffineExpr t, h;
  bindDims(ctx, t, h);
  auto generic = linalg::GenericOp::create(
      rw, loc, empty.getType(), ValueRange{op.getIds()}, ValueRange{empty},
      SmallVector<AffineMap>{AffineMap::get(2, 0, {t}, ctx),
                             AffineMap::get(2, 0, {t, h}, ctx)},
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value id =
            arith::IndexCastOp::create(b, loc, b.getIndexType(), args[0]);
        Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
        Value inRange = arith::AndIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, id,
                                  zeroIdx),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, id,
                                  vocab));
        Value row = arith::SelectOp::create(b, loc, inRange, id, zeroIdx);
        Value col = linalg::IndexOp::create(b, loc, 1);
        Value v =
            tensor::ExtractOp::create(b, loc, table, ValueRange{row, col});
        Value zero = arith::ConstantOp::create(
            b, loc, b.getZeroAttr(resultType.getElementType()));
        Value out = arith::SelectOp::create(b, loc, inRange, v, zero);
        linalg::YieldOp::create(b, loc, out);
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rw, loc, resultType, result);
  return result;
}

/// `round(x * (1 / sqrt(sum(x^2) / K + eps))) * weight`, all in f32, the
/// normalized value rounded to the input type before the weight multiply
/// and the product rounded to the result type.
static Value buildRmsNorm(RewriterBase &rw, Location loc, Value input,
                          Value weight, double epsilon,
                          RankedTensorType resultType) {
  MLIRContext *ctx = rw.getContext();
  Type elementType = resultType.getElementType();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rw, loc, input);
  Type f32 = rw.getF32Type();
  AffineExpr t, k;
  bindDims(ctx, t, k);
  AffineMap identity = AffineMap::get(2, 0, {t, k}, ctx);
  AffineMap row = AffineMap::get(2, 0, {t}, ctx);
  AffineMap col = AffineMap::get(2, 0, {k}, ctx);
  Value sumEmpty = tensor::EmptyOp::create(rw, loc, sizes[0], f32);
  Value zero = cpu::f32Constant(rw, loc, 0.0f);
  Value sumInit = linalg::FillOp::create(rw, loc, zero, sumEmpty).getResult(0);
  auto sumSq = linalg::GenericOp::create(
      rw, loc, sumEmpty.getType(), ValueRange{input}, ValueRange{sumInit},
      SmallVector<AffineMap>{identity, row},
      SmallVector<IteratorType>{IteratorType::parallel,
                                IteratorType::reduction},
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value sq = arith::MulFOp::create(b, loc, x, x);
        Value sum = arith::AddFOp::create(b, loc, args[1], sq);
        linalg::YieldOp::create(b, loc, sum);
      });
  Value featuresIdx = getValueOrCreateConstantIndexOp(rw, loc, sizes[1]);
  Value features = arith::UIToFPOp::create(
      rw, loc, f32,
      arith::IndexCastUIOp::create(rw, loc, rw.getI64Type(), featuresIdx));
  Value empty = tensor::EmptyOp::create(rw, loc, sizes, elementType);
  Type inputElement = cast<RankedTensorType>(input.getType()).getElementType();
  auto generic = linalg::GenericOp::create(
      rw, loc, empty.getType(), ValueRange{input, sumSq.getResult(0), weight},
      ValueRange{empty}, SmallVector<AffineMap>{identity, row, col, identity},
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = cpu::widenToF32(b, loc, args[0]);
        Value mean = arith::DivFOp::create(b, loc, args[1], features);
        Value var = arith::AddFOp::create(
            b, loc, mean,
            cpu::f32Constant(b, loc, static_cast<float>(epsilon)));
        Value inv =
            arith::DivFOp::create(b, loc, cpu::f32Constant(b, loc, 1.0f),
                                  math::SqrtOp::create(b, loc, var));
        Value n = arith::MulFOp::create(b, loc, x, inv);
        n = cpu::widenToF32(b, loc, cpu::roundFromF32(b, loc, n, inputElement));
        Value w = cpu::widenToF32(b, loc, args[2]);
        Value y = arith::MulFOp::create(b, loc, n, w);
        linalg::YieldOp::create(b, loc,
                                cpu::roundFromF32(b, loc, y, elementType));
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rw, loc, resultType, result);
  return result;
}

/// inv_freq[j] = 1 / theta^(f32(2j) / D) in fp32, then the llama3 rule, each
/// step rounded to f32 like rope_inv_freq of the reference. (NumPy's own f32
/// power can be 1 ulp off the correctly rounded value; we use the latter.)
static SmallVector<float> ropeInvFreq(int64_t headDim, double theta,
                                      graph::Llama3RopeScalingAttr scaling) {
  SmallVector<float> inv;
  for (int64_t i = 0; i < headDim; i += 2) {
    float exponent = static_cast<float>(i) / static_cast<float>(headDim);
    // theta^exponent correctly rounded to f32 (via a double pow), so the
    // constant does not depend on the host's powf.
    float power = static_cast<float>(
        std::pow(static_cast<double>(static_cast<float>(theta)),
                 static_cast<double>(exponent)));
    inv.push_back(1.0f / power);
  }
  if (!scaling)
    return inv;
  float factor = scaling.getFactor().convertToDouble();
  double low = scaling.getLowFreqFactor().convertToDouble();
  double high = scaling.getHighFreqFactor().convertToDouble();
  double orig = scaling.getOriginalMaxPositionEmbeddings();
  float lowWl = static_cast<float>(orig / low);
  float highWl = static_cast<float>(orig / high);
  for (float &f : inv) {
    volatile float wavelen = static_cast<float>(2 * M_PI) / f;
    float invL = wavelen > lowWl ? f / factor : f;
    float smooth =
        (static_cast<float>(orig) / wavelen - static_cast<float>(low)) /
        static_cast<float>(high - low);
    float smoothed = (1.0f - smooth) * invL / factor + smooth * invL;
    bool medium = !(wavelen < highWl) && !(wavelen > lowWl);
    f = medium ? smoothed : invL;
  }
  return inv;
}

/// Interleaved pairs: `out[2j] = a cos - b sin`, `out[2j+1] = a sin + b cos`
/// with `a, b = x[2j], x[2j+1]` of the element's head and the angle
/// `f32(position) * inv_freq[j]`, all in f32, rounded to the result type.
static Value lowerRope(RewriterBase &rw, graph::RopeOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  int64_t headDim = op.getHeadDim();
  SmallVector<float> inv = ropeInvFreq(
      headDim, op.getThetaAttr().getValueAsDouble(), op.getScalingAttr());
  auto invType = RankedTensorType::get({headDim / 2}, rw.getF32Type());
  Value invFreq = arith::ConstantOp::create(
      rw, loc, DenseElementsAttr::get(invType, ArrayRef<float>(inv)));
  Value input = op.getInput();
  RankedTensorType resultType = op.getType();
  Type elementType = resultType.getElementType();
  Value empty = tensor::EmptyOp::create(
      rw, loc, tensor::getMixedSizes(rw, loc, input), elementType);
  AffineExpr t, f;
  bindDims(ctx, t, f);
  auto generic = linalg::GenericOp::create(
      rw, loc, empty.getType(), ValueRange{op.getPositions()},
      ValueRange{empty},
      SmallVector<AffineMap>{AffineMap::get(2, 0, {t}, ctx),
                             AffineMap::get(2, 0, {t, f}, ctx)},
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value row = linalg::IndexOp::create(b, loc, 0);
        Value col = linalg::IndexOp::create(b, loc, 1);
        auto cIdx = [&](int64_t v) -> Value {
          return arith::ConstantIndexOp::create(b, loc, v);
        };
        Value odd = arith::RemUIOp::create(b, loc, col, cIdx(2));
        Value evenCol = arith::SubIOp::create(b, loc, col, odd);
        Value oddCol = arith::AddIOp::create(b, loc, evenCol, cIdx(1));
        Value pair = arith::DivUIOp::create(
            b, loc, arith::RemUIOp::create(b, loc, col, cIdx(headDim)),
            cIdx(2));
        Value a = cpu::widenToF32(
            b, loc, tensor::ExtractOp::create(b, loc, input, {row, evenCol}));
        Value bv = cpu::widenToF32(
            b, loc, tensor::ExtractOp::create(b, loc, input, {row, oddCol}));
        Value freq = tensor::ExtractOp::create(b, loc, invFreq, pair);
        Value pos = arith::SIToFPOp::create(b, loc, b.getF32Type(), args[0]);
        Value angle = arith::MulFOp::create(b, loc, pos, freq);
        Value cos = math::CosOp::create(b, loc, angle);
        Value sin = math::SinOp::create(b, loc, angle);
        Value evenOut =
            arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, a, cos),
                                  arith::MulFOp::create(b, loc, bv, sin));
        Value oddOut =
            arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, a, sin),
                                  arith::MulFOp::create(b, loc, bv, cos));
        Value isOdd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            odd, cIdx(0));
        Value out = arith::SelectOp::create(b, loc, isOdd, oddOut, evenOut);
        linalg::YieldOp::create(b, loc,
                                cpu::roundFromF32(b, loc, out, elementType));
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rw, loc, resultType, result);
  return result;
}

namespace {

struct CpuLowerElementwisePass
    : public cpu::impl::CpuLowerElementwiseBase<CpuLowerElementwisePass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    bool supported = true;
    auto checkFp8 = [&](Operation *op, Type type) {
      Type element = cast<RankedTensorType>(type).getElementType();
      if (isa<Float8E4M3FNType>(element))
        return;
      op->emitOpError("result element type ")
          << element
          << " is not supported by the CPU code generator (f8E4M3FN)";
      supported = false;
    };
    getOperation()->walk([&](Operation *op) {
      if (isa<graph::EmbeddingOp, graph::RMSNormOp, graph::RopeOp,
              moe::DequantizeOp>(op)) {
        ops.push_back(op);
      } else if (auto q = dyn_cast<moe::QuantizeOp>(op)) {
        ops.push_back(op);
        checkFp8(op, q.getResult().getType());
      } else if (auto q = dyn_cast<moe::RMSNormQuantizeOp>(op)) {
        ops.push_back(op);
        checkFp8(op, q.getResult().getType());
      }
    });
    if (!supported)
      return signalPassFailure();

    IRRewriter rw(&getContext());
    for (Operation *op : ops) {
      rw.setInsertionPoint(op);
      Location loc = op->getLoc();
      SmallVector<Value> lowered =
          llvm::TypeSwitch<Operation *, SmallVector<Value>>(op)
              .Case([&](graph::EmbeddingOp e) -> SmallVector<Value> {
                return {lowerEmbedding(rw, e)};
              })
              .Case([&](graph::RMSNormOp n) -> SmallVector<Value> {
                return {buildRmsNorm(rw, loc, n.getInput(), n.getWeight(),
                                     n.getEpsilonAttr().getValueAsDouble(),
                                     n.getType())};
              })
              .Case([&](graph::RopeOp r) -> SmallVector<Value> {
                return {lowerRope(rw, r)};
              })
              .Case([&](moe::DequantizeOp d) -> SmallVector<Value> {
                return {cpu::detail::lowerDequantize(rw, d)};
              })
              .Case([&](moe::QuantizeOp q) -> SmallVector<Value> {
                Value scale;
                Value result = cpu::detail::lowerQuantizeValue(
                    rw, loc, q.getInput(), q.getScaling(),
                    q.getEffectiveReductionDim(), q.getResult().getType(),
                    q.getScale().getType(), scale);
                return {result, scale};
              })
              .Case([&](moe::RMSNormQuantizeOp q) -> SmallVector<Value> {
                auto inputType = cast<RankedTensorType>(q.getInput().getType());
                Value norm = buildRmsNorm(rw, loc, q.getInput(), q.getWeight(),
                                          q.getEpsilonAttr().getValueAsDouble(),
                                          inputType);
                Value scale;
                Value result = cpu::detail::lowerQuantizeValue(
                    rw, loc, norm, q.getScaling(), inputType.getRank() - 1,
                    q.getResult().getType(), q.getScale().getType(), scale);
                return {result, scale};
              });
      rw.replaceOp(op, lowered);
    }
  }
};

} // namespace
