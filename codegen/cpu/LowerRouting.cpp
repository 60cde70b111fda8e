//===- LowerRouting.cpp - MoE routing ops to loops for the CPU ------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-routing: moe.router_topk, moe.dispatch
// and moe.combine become linalg ops and scf.for loops on tensors (scalar
// tensor.extract/insert and row-sized slices), which one-shot bufferization
// turns into in-place loops. Routing is a small fraction of the MoE layer's
// work, so the loops stay simple and sequential.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ElementConversion.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPULOWERROUTING
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
using namespace mlir::moec;
using utils::IteratorType;

namespace {
/// Scalar and row helpers for loop bodies.
struct Emitter {
  OpBuilder &b;
  Location loc;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  Value fromIndex(Value v, Type type) {
    return arith::IndexCastOp::create(b, loc, type, v);
  }
  Value extract(Value tensor, ValueRange indices) {
    return tensor::ExtractOp::create(b, loc, tensor, indices);
  }
  Value insert(Value scalar, Value tensor, ValueRange indices) {
    return tensor::InsertOp::create(b, loc, scalar, tensor, indices);
  }
  /// Row `row` of the 2-D `tensor` as a 1xW slice.
  Value extractRow(Value tensor, Value row) {
    return tensor::ExtractSliceOp::create(b, loc, tensor, rowOffsets(row),
                                          rowSizes(tensor), unitStrides());
  }
  Value insertRow(Value rowSlice, Value tensor, Value row) {
    return tensor::InsertSliceOp::create(b, loc, rowSlice, tensor,
                                         rowOffsets(row), rowSizes(tensor),
                                         unitStrides());
  }
  SmallVector<OpFoldResult> rowOffsets(Value row) {
    return {row, b.getIndexAttr(0)};
  }
  SmallVector<OpFoldResult> rowSizes(Value tensor) {
    return {b.getIndexAttr(1), tensor::getMixedSize(b, loc, tensor, 1)};
  }
  SmallVector<OpFoldResult> unitStrides() {
    return {b.getIndexAttr(1), b.getIndexAttr(1)};
  }
  /// `body(v...)` applied elementwise to same-shaped 2-D tensors, into a
  /// new tensor of `element` type.
  Value map(ValueRange inputs, Type element,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, inputs[0]);
    Value init = tensor::EmptyOp::create(b, loc, sizes, element);
    AffineMap id = b.getMultiDimIdentityMap(2);
    return linalg::GenericOp::create(
               b, loc, init.getType(), inputs, ValueRange{init},
               SmallVector<AffineMap>(inputs.size() + 1, id),
               SmallVector<IteratorType>(2, IteratorType::parallel),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 linalg::YieldOp::create(nb, nl,
                                         body(nb, nl, args.drop_back()));
               })
        .getResult(0);
  }
};
} // namespace

/// `round_to(type, v)` widened back to f32: the value a `type` tensor holds.
static Value roundTrip(OpBuilder &b, Location loc, Value v, Type type) {
  if (type.isF32())
    return v;
  return cpu::widenToF32(b, loc, cpu::roundFromF32(b, loc, v, type));
}

/// Router logits `x * w^T` accumulated in f32 and rounded to the input's
/// element type (the router is a linear layer of that type), held in f32.
static Value routerLogits(RewriterBase &rw, Location loc, Value x, Value w) {
  MLIRContext *ctx = rw.getContext();
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rw, loc, x, 0),
                                     tensor::getMixedSize(rw, loc, w, 0)};
  Value init = tensor::EmptyOp::create(rw, loc, sizes, rw.getF32Type());
  Value zero =
      linalg::FillOp::create(rw, loc, cpu::f32Constant(rw, loc, 0.0f), init)
          .getResult(0);
  AffineExpr t, e, k;
  bindDims(ctx, t, e, k);
  auto maps = SmallVector<AffineMap>{AffineMap::get(3, 0, {t, k}, ctx),
                                     AffineMap::get(3, 0, {e, k}, ctx),
                                     AffineMap::get(3, 0, {t, e}, ctx)};
  Value acc =
      linalg::GenericOp::create(
          rw, loc, zero.getType(), ValueRange{x, w}, ValueRange{zero}, maps,
          {IteratorType::parallel, IteratorType::parallel,
           IteratorType::reduction},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value prod =
                arith::MulFOp::create(b, l, cpu::widenToF32(b, l, args[0]),
                                      cpu::widenToF32(b, l, args[1]));
            linalg::YieldOp::create(
                b, l, arith::AddFOp::create(b, l, args[2], prod).getResult());
          })
          .getResult(0);
  if (element.isF32())
    return acc;
  Emitter em{rw, loc};
  return em.map({acc}, rw.getF32Type(),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  return roundTrip(b, l, args[0], element);
                });
}

/// For every token, the `top_k` largest logits (strictly larger wins, so
/// ties go to the lower expert) and their sigmoids in f32. A NaN logit is
/// always chosen and then never displaced: its NaN score reaches the output
/// logits, where the runtime reports NaNs, instead of the NaN being skipped
/// silently.
static SmallVector<Value> lowerRouterTopK(RewriterBase &rw,
                                          moe::RouterTopKOp op) {
  Location loc = op.getLoc();
  Emitter em{rw, loc};
  Value logits = routerLogits(rw, loc, op.getInput(), op.getRouter());
  auto expertsType = cast<RankedTensorType>(op.getExperts().getType());
  auto scoresType = cast<RankedTensorType>(op.getScores().getType());
  int64_t topK = op.getTopK();
  OpFoldResult tokens = tensor::getMixedSize(rw, loc, op.getInput(), 0);
  Value experts = tensor::EmptyOp::create(
      rw, loc, SmallVector<OpFoldResult>{tokens, rw.getIndexAttr(topK)},
      expertsType.getElementType());
  Value scores = tensor::EmptyOp::create(
      rw, loc, SmallVector<OpFoldResult>{tokens, rw.getIndexAttr(topK)},
      scoresType.getElementType());
  Value numTokens = tensor::DimOp::create(rw, loc, logits, 0);
  Value numExperts = tensor::DimOp::create(rw, loc, logits, 1);
  Value zero = em.idx(0), one = em.idx(1);
  float negInf = -std::numeric_limits<float>::infinity();

  auto tokenLoop = scf::ForOp::create(
      rw, loc, zero, numTokens, one, ValueRange{experts, scores},
      [&](OpBuilder &b, Location l, Value t, ValueRange tokenArgs) {
        Emitter e{b, l};
        auto choiceLoop = scf::ForOp::create(
            b, l, zero, e.idx(topK), one, tokenArgs,
            [&](OpBuilder &b, Location l, Value c, ValueRange choiceArgs) {
              Emitter e{b, l};
              Value none = e.idx(-1);
              auto scan = scf::ForOp::create(
                  b, l, zero, numExperts, one,
                  ValueRange{cpu::f32Constant(b, l, negInf), none},
                  [&](OpBuilder &b, Location l, Value x, ValueRange best) {
                    Emitter e{b, l};
                    Value v = e.extract(logits, {t, x});
                    Value better = arith::OrIOp::create(
                        b, l,
                        arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                              best[1], e.idx(0)),
                        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                              v, best[0]));
                    // A NaN wins; once chosen, `v > NaN` keeps it.
                    better = arith::OrIOp::create(
                        b, l, better,
                        arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO,
                                              v, v));
                    if (topK > 1) {
                      // An expert an earlier choice took is skipped.
                      auto taken = scf::ForOp::create(
                          b, l, zero, c, one,
                          ValueRange{arith::ConstantIntOp::create(
                              b, l, b.getI1Type(), 0)},
                          [&](OpBuilder &b, Location l, Value j,
                              ValueRange found) {
                            Emitter e{b, l};
                            Value prev =
                                e.toIndex(e.extract(choiceArgs[0], {t, j}));
                            Value same = arith::CmpIOp::create(
                                b, l, arith::CmpIPredicate::eq, prev, x);
                            scf::YieldOp::create(
                                b, l,
                                ValueRange{arith::OrIOp::create(b, l, found[0],
                                                                same)});
                          });
                      Value free = arith::XOrIOp::create(
                          b, l, taken.getResult(0),
                          arith::ConstantIntOp::create(b, l, b.getI1Type(), 1));
                      better = arith::AndIOp::create(b, l, better, free);
                    }
                    scf::YieldOp::create(
                        b, l,
                        ValueRange{
                            arith::SelectOp::create(b, l, better, v, best[0]),
                            arith::SelectOp::create(b, l, better, x, best[1])});
                  });
              Value logit = scan.getResult(0);
              // sigmoid(x) = 1 / (1 + exp(-x)), in f32.
              Value oneF = cpu::f32Constant(b, l, 1.0f);
              Value sig = arith::DivFOp::create(
                  b, l, oneF,
                  arith::AddFOp::create(
                      b, l, oneF,
                      math::ExpOp::create(b, l,
                                          arith::NegFOp::create(b, l, logit))));
              Value expert =
                  e.fromIndex(scan.getResult(1), expertsType.getElementType());
              Value score =
                  cpu::roundFromF32(b, l, sig, scoresType.getElementType());
              scf::YieldOp::create(
                  b, l,
                  ValueRange{e.insert(expert, choiceArgs[0], {t, c}),
                             e.insert(score, choiceArgs[1], {t, c})});
            });
        scf::YieldOp::create(b, l, choiceLoop.getResults());
      });
  return {tokenLoop.getResult(0), tokenLoop.getResult(1)};
}

/// Row `r` of the (token, choice) pairs: its expert, clamped into
/// `[0, numExperts)` so a corrupt id can never index out of bounds.
static Value expertOfPair(Emitter &e, Value experts, Value r, int64_t topK,
                          int64_t numExperts) {
  Value t = arith::DivUIOp::create(e.b, e.loc, r, e.idx(topK));
  Value c = arith::RemUIOp::create(e.b, e.loc, r, e.idx(topK));
  Value x = e.toIndex(e.extract(experts, {t, c}));
  x = arith::MaxSIOp::create(e.b, e.loc, x, e.idx(0));
  return arith::MinSIOp::create(e.b, e.loc, x, e.idx(numExperts - 1));
}

/// Histogram, exclusive prefix sum and a stable counting sort of the
/// (token, choice) pairs by expert; each moved row is scaled by its score
/// (rounded to the row type first, as the model multiplies two tensors of
/// that type).
static SmallVector<Value> lowerDispatch(RewriterBase &rw, moe::DispatchOp op) {
  Location loc = op.getLoc();
  Emitter em{rw, loc};
  int64_t topK =
      cast<RankedTensorType>(op.getExperts().getType()).getDimSize(1);
  int64_t numExperts = op.getNumExperts();
  auto offsetsType = cast<RankedTensorType>(op.getExpertOffsets().getType());
  auto sourceType = cast<RankedTensorType>(op.getSourceRows().getType());
  auto permutedType = cast<RankedTensorType>(op.getPermuted().getType());
  Type offsetElement = offsetsType.getElementType();
  Value input = op.getInput(), experts = op.getExperts();
  Value zero = em.idx(0), one = em.idx(1);
  Value numPairs = arith::MulIOp::create(
      rw, loc, tensor::DimOp::create(rw, loc, input, 0), em.idx(topK));

  // counts[e] = rows routed to e, computed in the offsets' type.
  Value counts = tensor::EmptyOp::create(rw, loc, {numExperts}, offsetElement);
  Value zeroCount =
      arith::ConstantOp::create(rw, loc, rw.getZeroAttr(offsetElement));
  counts = linalg::FillOp::create(rw, loc, zeroCount, counts).getResult(0);
  counts = scf::ForOp::create(
               rw, loc, zero, numPairs, one, ValueRange{counts},
               [&](OpBuilder &b, Location l, Value r, ValueRange args) {
                 Emitter e{b, l};
                 Value x = expertOfPair(e, experts, r, topK, numExperts);
                 Value n = arith::AddIOp::create(
                     b, l, e.extract(args[0], {x}),
                     arith::ConstantOp::create(
                         b, l, b.getIntegerAttr(offsetElement, 1)));
                 scf::YieldOp::create(b, l, e.insert(n, args[0], {x}));
               })
               .getResult(0);

  // offsets[0] = 0, offsets[e + 1] = offsets[e] + counts[e].
  Value offsets =
      tensor::EmptyOp::create(rw, loc, {numExperts + 1}, offsetElement);
  offsets = em.insert(zeroCount, offsets, {zero});
  offsets = scf::ForOp::create(
                rw, loc, zero, em.idx(numExperts), one, ValueRange{offsets},
                [&](OpBuilder &b, Location l, Value x, ValueRange args) {
                  Emitter e{b, l};
                  Value next = arith::AddIOp::create(
                      b, l, e.extract(args[0], {x}), e.extract(counts, {x}));
                  Value x1 = arith::AddIOp::create(b, l, x, e.idx(1));
                  scf::YieldOp::create(b, l, e.insert(next, args[0], {x1}));
                })
                .getResult(0);

  // Stable placement: pair r goes to cursor[expert(r)]++.
  Value cursor = tensor::ExtractSliceOp::create(
      rw, loc, offsets, ArrayRef<OpFoldResult>{rw.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{rw.getIndexAttr(numExperts)},
      ArrayRef<OpFoldResult>{rw.getIndexAttr(1)});
  Value source =
      tensor::EmptyOp::create(rw, loc, SmallVector<OpFoldResult>{numPairs},
                              sourceType.getElementType());
  Value permuted = tensor::EmptyOp::create(
      rw, loc,
      SmallVector<OpFoldResult>{numPairs,
                                tensor::getMixedSize(rw, loc, input, 1)},
      permutedType.getElementType());
  Type rowElement = permutedType.getElementType();
  Value scores = op.getScores();
  auto place = scf::ForOp::create(
      rw, loc, zero, numPairs, one, ValueRange{cursor, source, permuted},
      [&](OpBuilder &b, Location l, Value r, ValueRange args) {
        Emitter e{b, l};
        Value x = expertOfPair(e, experts, r, topK, numExperts);
        Value dstRaw = e.extract(args[0], {x});
        Value dst = e.toIndex(dstRaw);
        Value bumped = arith::AddIOp::create(
            b, l, dstRaw,
            arith::ConstantOp::create(b, l,
                                      b.getIntegerAttr(offsetElement, 1)));
        Value newCursor = e.insert(bumped, args[0], {x});
        Value newSource = e.insert(e.fromIndex(r, sourceType.getElementType()),
                                   args[1], {dst});
        Value t = arith::DivUIOp::create(b, l, r, e.idx(topK));
        Value row = e.extractRow(input, t);
        if (scores) {
          Value c = arith::RemUIOp::create(b, l, r, e.idx(topK));
          Value s =
              roundTrip(b, l, cpu::widenToF32(b, l, e.extract(scores, {t, c})),
                        rowElement);
          row = e.map({row}, rowElement,
                      [&](OpBuilder &nb, Location nl, ValueRange v) {
                        Value p = arith::MulFOp::create(
                            nb, nl, cpu::widenToF32(nb, nl, v[0]), s);
                        return cpu::roundFromF32(nb, nl, p, rowElement);
                      });
        }
        scf::YieldOp::create(
            b, l,
            ValueRange{newCursor, newSource, e.insertRow(row, args[2], dst)});
      });
  return {place.getResult(2), place.getResult(1), offsets};
}

/// `result[t] = sum_c w(t, c) * rows[r]` over the rows `r` whose source is
/// `t * top_k + c`, accumulated in f32 and rounded once.
static Value lowerCombine(RewriterBase &rw, moe::CombineOp op) {
  Location loc = op.getLoc();
  Emitter em{rw, loc};
  int64_t topK = op.getTopK();
  Value rows = op.getRows(), source = op.getSourceRows(),
        scores = op.getScores();
  Type element = op.getType().getElementType();
  Value numRows = tensor::DimOp::create(rw, loc, rows, 0);
  Value numTokens = arith::DivUIOp::create(rw, loc, numRows, em.idx(topK));
  Value acc = tensor::EmptyOp::create(
      rw, loc,
      SmallVector<OpFoldResult>{numTokens,
                                tensor::getMixedSize(rw, loc, rows, 1)},
      rw.getF32Type());
  acc = linalg::FillOp::create(rw, loc, cpu::f32Constant(rw, loc, 0.0f), acc)
            .getResult(0);
  Value zero = em.idx(0), one = em.idx(1);
  acc =
      scf::ForOp::create(
          rw, loc, zero, numRows, one, ValueRange{acc},
          [&](OpBuilder &b, Location l, Value r, ValueRange args) {
            Emitter e{b, l};
            Value pair = e.toIndex(e.extract(source, {r}));
            // A corrupt source index is clamped, never out of bounds.
            pair = arith::MinSIOp::create(
                b, l, arith::MaxSIOp::create(b, l, pair, e.idx(0)),
                arith::SubIOp::create(b, l, numRows, e.idx(1)));
            Value t = arith::DivUIOp::create(b, l, pair, e.idx(topK));
            Value w = cpu::f32Constant(b, l, 1.0f);
            if (scores) {
              Value c = arith::RemUIOp::create(b, l, pair, e.idx(topK));
              w = cpu::widenToF32(b, l, e.extract(scores, {t, c}));
            }
            Value sum = e.map(
                {e.extractRow(args[0], t), e.extractRow(rows, r)},
                b.getF32Type(), [&](OpBuilder &nb, Location nl, ValueRange v) {
                  Value p = arith::MulFOp::create(
                      nb, nl, w, cpu::widenToF32(nb, nl, v[1]));
                  return arith::AddFOp::create(nb, nl, v[0], p).getResult();
                });
            scf::YieldOp::create(b, l, e.insertRow(sum, args[0], t));
          })
          .getResult(0);
  if (element.isF32())
    return acc;
  return em.map({acc}, element, [&](OpBuilder &b, Location l, ValueRange v) {
    return cpu::roundFromF32(b, l, v[0], element);
  });
}

namespace {
struct CpuLowerRoutingPass
    : cpu::impl::CpuLowerRoutingBase<CpuLowerRoutingPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    bool supported = true;
    getOperation()->walk([&](Operation *op) {
      if (!isa<moe::RouterTopKOp, moe::DispatchOp, moe::CombineOp>(op))
        return;
      ops.push_back(op);
      for (Type t : op->getOperandTypes()) {
        Type element = getElementTypeOrSelf(t);
        if (isa<FloatType>(element) &&
            !(element.isF32() || element.isBF16() || element.isF16())) {
          op->emitOpError("operand element type ")
              << element
              << " is not supported by the CPU code generator (f32, bf16, "
                 "f16)";
          supported = false;
          return;
        }
      }
    });
    if (!supported)
      return signalPassFailure();

    IRRewriter rw(&getContext());
    for (Operation *op : ops) {
      rw.setInsertionPoint(op);
      SmallVector<Value> lowered =
          llvm::TypeSwitch<Operation *, SmallVector<Value>>(op)
              .Case([&](moe::RouterTopKOp r) { return lowerRouterTopK(rw, r); })
              .Case([&](moe::DispatchOp d) { return lowerDispatch(rw, d); })
              .Case([&](moe::CombineOp c) -> SmallVector<Value> {
                return {lowerCombine(rw, c)};
              });
      // Static result shapes (e.g. tensor<5xi32>) refine the dynamic ones
      // built above through a cast.
      for (unsigned i = 0; i < lowered.size(); ++i) {
        Type resultType = op->getResult(i).getType();
        if (lowered[i].getType() != resultType)
          lowered[i] =
              tensor::CastOp::create(rw, op->getLoc(), resultType, lowered[i]);
      }
      rw.replaceOp(op, lowered);
    }
  }
};
} // namespace
