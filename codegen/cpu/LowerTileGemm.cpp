//===- LowerTileGemm.cpp - GEMM tile ops to linalg for the CPU --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-tile-gemm: tile.mma, tile.promote,
// tile.epilogue and tile.transpose_weight become linalg ops on tensors with
// fp32 arithmetic. FP8 operands are decoded from their bits, exactly, so
// the LLVM conversions never see an f8 arithmetic op.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "dialects/Tile/IR/TileOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

#define DEBUG_TYPE "moec-cpu-lower-tile-gemm"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPULOWERTILEGEMM
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;

using utils::IteratorType;

/// Result element types the epilogue rounds f32 to.
static bool isSupportedEpilogueType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// `acc[m, n] += widen(a[m, k]) * widen(b[n, k])`, k innermost.
static Value lowerMma(RewriterBase &rw, tile::MmaOp op) {
  MLIRContext *ctx = rw.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {n, k}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)};
  SmallVector<IteratorType> iterators = {
      IteratorType::parallel, IteratorType::parallel, IteratorType::reduction};
  auto generic = linalg::GenericOp::create(
      rw, op.getLoc(), op.getType(), ValueRange{op.getA(), op.getB()},
      ValueRange{op.getAcc()}, maps, iterators,
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value lhs = cpu::widenToF32(b, loc, args[0]);
        Value rhs = cpu::widenToF32(b, loc, args[1]);
        // The k order of the sum is free (the GPU's differs too), so LLVM
        // may vectorize the reduction with partial sums.
        auto reassoc = arith::FastMathFlags::reassoc;
        Value product = arith::MulFOp::create(b, loc, lhs, rhs, reassoc);
        Value sum = arith::AddFOp::create(b, loc, args[2], product, reassoc);
        linalg::YieldOp::create(b, loc, sum);
      });
  return generic.getResult(0);
}

/// The map selecting scale row `rowExpr` of a `[rows, 1]` scale tensor, or
/// row 0 when it has a single row (a broadcast scale).
static AffineMap scaleMap(Value scale, AffineExpr rowExpr) {
  MLIRContext *ctx = rowExpr.getContext();
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  auto type = cast<RankedTensorType>(scale.getType());
  AffineExpr row = type.getDimSize(0) == 1 ? zero : rowExpr;
  return AffineMap::get(2, 0, {row, zero}, ctx);
}

/// `acc + (partial * a_scale[i(m)]) * b_scale[j(n)]`, in that order.
static Value lowerPromote(RewriterBase &rw, tile::PromoteOp op) {
  MLIRContext *ctx = rw.getContext();
  AffineExpr m, n;
  bindDims(ctx, m, n);
  int64_t block = op.getBBlock();
  AffineExpr bRow = block == 1 ? n : n.floorDiv(block);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<AffineMap> maps = {identity, scaleMap(op.getAScale(), m),
                                 scaleMap(op.getBScale(), bRow), identity};
  SmallVector<IteratorType> iterators(2, IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rw, op.getLoc(), op.getType(),
      ValueRange{op.getPartial(), op.getAScale(), op.getBScale()},
      ValueRange{op.getAcc()}, maps, iterators,
      [](OpBuilder &b, Location loc, ValueRange args) {
        Value scaled = arith::MulFOp::create(b, loc, args[0], args[1]);
        scaled = arith::MulFOp::create(b, loc, scaled, args[2]);
        Value sum = arith::AddFOp::create(b, loc, args[3], scaled);
        linalg::YieldOp::create(b, loc, sum);
      });
  return generic.getResult(0);
}

/// `silu(gate) * up` with `silu(x) = x / (1 + exp(-x))`, in f32.
static Value swiglu(OpBuilder &b, Location loc, Value gate, Value up) {
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  Value negated = arith::NegFOp::create(b, loc, gate);
  Value exp = math::ExpOp::create(b, loc, negated);
  Value denominator = arith::AddFOp::create(b, loc, one, exp);
  Value silu = arith::DivFOp::create(b, loc, gate, denominator);
  return arith::MulFOp::create(b, loc, silu, up);
}

/// Activation, residual add (in f32), then one rounding to the result type.
static Value lowerEpilogue(RewriterBase &rw, tile::EpilogueOp op) {
  Location loc = op.getLoc();
  Value acc = op.getAcc();
  bool isSwiGLU = op.getActivation() == tile::Activation::SwiGLU;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rw, loc, acc);
  SmallVector<Value> inputs = {acc};
  if (isSwiGLU) {
    // Columns [0, N/2) are the gate half, [N/2, N) the up half.
    AffineExpr d0 = getAffineDimExpr(0, rw.getContext());
    sizes[1] = affine::makeComposedFoldedAffineApply(rw, loc, d0.floorDiv(2),
                                                     {sizes[1]});
    SmallVector<OpFoldResult> zeros(2, rw.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(2, rw.getIndexAttr(1));
    SmallVector<OpFoldResult> upOffsets = {rw.getIndexAttr(0), sizes[1]};
    inputs = {
        tensor::ExtractSliceOp::create(rw, loc, acc, zeros, sizes, ones),
        tensor::ExtractSliceOp::create(rw, loc, acc, upOffsets, sizes, ones)};
  }
  if (Value residual = op.getResidual())
    inputs.push_back(residual);
  Type elementType = op.getType().getElementType();
  Value init = tensor::EmptyOp::create(rw, loc, sizes, elementType);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, rw.getContext());
  SmallVector<AffineMap> maps(inputs.size() + 1, identity);
  SmallVector<IteratorType> iterators(2, IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rw, loc, op.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value value = isSwiGLU ? swiglu(b, loc, args[0], args[1]) : args[0];
        if (op.getResidual()) {
          Value residual = cpu::widenToF32(b, loc, args[isSwiGLU ? 2 : 1]);
          value = arith::AddFOp::create(b, loc, value, residual);
        }
        if (!elementType.isF32())
          value = arith::TruncFOp::create(b, loc, elementType, value);
        linalg::YieldOp::create(b, loc, value);
      });
  return generic.getResult(0);
}

/// `result[..., j, i] = input[..., i, j]` as a linalg.transpose.
static Value lowerTransposeWeight(RewriterBase &rw,
                                  tile::TransposeWeightOp op) {
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rw, loc, op.getInput());
  int64_t rank = sizes.size();
  std::swap(sizes[rank - 1], sizes[rank - 2]);
  Value init =
      tensor::EmptyOp::create(rw, loc, sizes, op.getType().getElementType());
  SmallVector<int64_t> permutation =
      llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(permutation[rank - 1], permutation[rank - 2]);
  auto transpose =
      linalg::TransposeOp::create(rw, loc, op.getInput(), init, permutation);
  return transpose->getResult(0);
}

/// Each expert's `[out, in]` weight transposed into slot `e` of the
/// `[experts, in, out]` result.
static Value lowerStackExperts(RewriterBase &rw, moe::StackExpertsOp op) {
  Location loc = op.getLoc();
  RankedTensorType type = op.getType();
  Value result =
      tensor::EmptyOp::create(rw, loc, type.getShape(), type.getElementType());
  SmallVector<OpFoldResult> strides(3, rw.getIndexAttr(1));
  for (auto [index, weight] : llvm::enumerate(op.getWeights())) {
    Value init = tensor::EmptyOp::create(rw, loc, type.getShape().drop_front(),
                                         type.getElementType());
    Value transposed =
        linalg::TransposeOp::create(rw, loc, weight, init, {1, 0})
            ->getResult(0);
    SmallVector<OpFoldResult> offsets = {
        rw.getIndexAttr(index), rw.getIndexAttr(0), rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rw.getIndexAttr(1),
                                       rw.getIndexAttr(type.getDimSize(1)),
                                       rw.getIndexAttr(type.getDimSize(2))};
    result = tensor::InsertSliceOp::create(rw, loc, transposed, result, offsets,
                                           sizes, strides);
  }
  return result;
}

namespace {

struct CpuLowerTileGemmPass
    : public cpu::impl::CpuLowerTileGemmBase<CpuLowerTileGemmPass> {
  void runOnOperation() override {
    SmallVector<Operation *> gemmOps;
    bool supported = true;
    getOperation()->walk([&](Operation *op) {
      if (!isa<tile::MmaOp, tile::PromoteOp, tile::EpilogueOp,
               tile::TransposeWeightOp, moe::StackExpertsOp>(op))
        return;
      gemmOps.push_back(op);
      auto epilogue = dyn_cast<tile::EpilogueOp>(op);
      if (!epilogue)
        return;
      Type elementType = epilogue.getType().getElementType();
      if (isSupportedEpilogueType(elementType))
        return;
      epilogue.emitOpError("result element type ")
          << elementType
          << " is not supported by the CPU code generator (f32, bf16, f16)";
      supported = false;
    });
    if (!supported)
      return signalPassFailure();

    IRRewriter rewriter(&getContext());
    for (Operation *op : gemmOps) {
      rewriter.setInsertionPoint(op);
      Value lowered =
          llvm::TypeSwitch<Operation *, Value>(op)
              .Case([&](tile::MmaOp mma) { return lowerMma(rewriter, mma); })
              .Case([&](tile::PromoteOp promote) {
                return lowerPromote(rewriter, promote);
              })
              .Case([&](tile::EpilogueOp epilogue) {
                return lowerEpilogue(rewriter, epilogue);
              })
              .Case([&](tile::TransposeWeightOp transpose) {
                return lowerTransposeWeight(rewriter, transpose);
              })
              .Case([&](moe::StackExpertsOp stack) {
                return lowerStackExperts(rewriter, stack);
              });
      rewriter.replaceOp(op, lowered);
    }
  }
};

} // namespace
