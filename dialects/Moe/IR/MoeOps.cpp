//===- MoeOps.cpp - moec moe dialect operations -----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the verifiers of the moe dialect's operations: shape
// agreement between tokens, experts and weights, and the FP8 scale layouts.
//
//===----------------------------------------------------------------------===//

#include "dialects/Moe/IR/MoeOps.h"
#include "dialects/Common/ShapeUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::moe;

#define GET_OP_CLASSES
#include "dialects/Moe/IR/MoeOps.cpp.inc"

/// Emits an error unless `result` has the element type of `input`.
static LogicalResult verifySameElementType(Operation *op, Value input,
                                           Value result) {
  Type inputElt = cast<ShapedType>(input.getType()).getElementType();
  Type resultElt = cast<ShapedType>(result.getType()).getElementType();
  if (inputElt == resultElt)
    return success();
  return op->emitOpError("result element type ")
         << resultElt << " does not match the input element type " << inputElt;
}

/// `a * b` with dynamic sizes staying dynamic.
static int64_t mulDims(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return ShapedType::kDynamic;
  return a * b;
}

/// `a + 1` with dynamic sizes staying dynamic.
static int64_t plusOne(int64_t a) {
  return ShapedType::isDynamic(a) ? a : a + 1;
}

/// Emits an error unless `topK` experts can be picked out of `numExperts`.
static LogicalResult verifyTopK(Operation *op, int64_t topK,
                                int64_t numExperts) {
  if (!ShapedType::isDynamic(numExperts) && topK > numExperts)
    return op->emitOpError("top_k (")
           << topK << ") exceeds the number of experts (" << numExperts << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// BlockOp
//===----------------------------------------------------------------------===//

/// The first static size in `dims`, or dynamic when all are. Verifiers check
/// every operand against it, so that one dynamic operand does not hide a
/// disagreement between the static ones.
static int64_t firstStaticDim(std::initializer_list<int64_t> dims) {
  for (int64_t dim : dims)
    if (!ShapedType::isDynamic(dim))
      return dim;
  return ShapedType::kDynamic;
}

/// Checks the optional shared expert: all three weights or none, in
/// `[out, in]` layout.
static LogicalResult verifySharedExpert(BlockOp op, int64_t hidden) {
  unsigned present = static_cast<bool>(op.getSharedGate()) +
                     static_cast<bool>(op.getSharedUp()) +
                     static_cast<bool>(op.getSharedDown());
  if (present == 0)
    return success();
  if (present != 3)
    return op.emitOpError("shared expert needs gate, up and down weights");
  int64_t width =
      firstStaticDim({dimOf(op.getSharedGate(), 0), dimOf(op.getSharedUp(), 0),
                      dimOf(op.getSharedDown(), 1)});
  if (failed(verifyShape(op, "shared gate", op.getSharedGate(),
                         {width, hidden})) ||
      failed(verifyShape(op, "shared up", op.getSharedUp(), {width, hidden})))
    return failure();
  return verifyShape(op, "shared down", op.getSharedDown(), {hidden, width});
}

LogicalResult BlockOp::verify() {
  int64_t hidden = firstStaticDim({dimOf(getInput(), 1), dimOf(getRouter(), 1),
                                   dimOf(getGateUp(), 1), dimOf(getDown(), 2)});
  int64_t experts = firstStaticDim(
      {dimOf(getRouter(), 0), dimOf(getGateUp(), 0), dimOf(getDown(), 0)});
  if (failed(verifyShape(*this, "router", getRouter(), {experts, hidden})))
    return failure();
  int64_t gateUpWidth = dimOf(getGateUp(), 2);
  if (!ShapedType::isDynamic(gateUpWidth) && gateUpWidth % 2 != 0)
    return emitOpError("gate_up width (")
           << gateUpWidth << ") must be 2 x the expert width (gate | up)";
  int64_t inter = ShapedType::isDynamic(gateUpWidth) ? dimOf(getDown(), 1)
                                                     : gateUpWidth / 2;
  if (failed(verifyShape(*this, "gate_up", getGateUp(),
                         {experts, hidden, gateUpWidth})) ||
      failed(verifyShape(*this, "down", getDown(), {experts, inter, hidden})) ||
      failed(verifyTopK(*this, getTopK(), experts)) ||
      failed(verifySharedExpert(*this, hidden)) ||
      failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  return verifyShape(*this, "result", getResult(),
                     {dimOf(getInput(), 0), hidden});
}

//===----------------------------------------------------------------------===//
// StackExpertsOp
//===----------------------------------------------------------------------===//

LogicalResult StackExpertsOp::verify() {
  if (getWeights().empty())
    return emitOpError("needs at least one expert weight");
  Value first = getWeights().front();
  if (failed(verifySameElementType(*this, first, getResult())))
    return failure();
  return verifyShape(*this, "result", getResult(),
                     {static_cast<int64_t>(getWeights().size()),
                      dimOf(first, 1), dimOf(first, 0)});
}

//===----------------------------------------------------------------------===//
// RouterTopKOp
//===----------------------------------------------------------------------===//

LogicalResult RouterTopKOp::verify() {
  int64_t tokens = dimOf(getInput(), 0);
  int64_t topK = getTopK();
  int64_t experts = dimOf(getRouter(), 0);
  if (failed(verifyShape(*this, "router", getRouter(),
                         {experts, dimOf(getInput(), 1)})) ||
      failed(verifyTopK(*this, topK, experts)) ||
      failed(verifyShape(*this, "experts", getExperts(), {tokens, topK})))
    return failure();
  return verifyShape(*this, "scores", getScores(), {tokens, topK});
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

LogicalResult DispatchOp::verify() {
  int64_t tokens = dimOf(getInput(), 0);
  int64_t topK = dimOf(getExperts(), 1);
  if (failed(verifyShape(*this, "experts", getExperts(), {tokens, topK})))
    return failure();
  if (getScores() &&
      failed(verifyShape(*this, "scores", getScores(), {tokens, topK})))
    return failure();
  int64_t numExperts = getNumExperts();
  if (failed(verifyTopK(*this, topK, numExperts)))
    return failure();
  int64_t rows = mulDims(tokens, topK);
  if (failed(verifyShape(*this, "permuted", getPermuted(),
                         {rows, dimOf(getInput(), 1)})) ||
      failed(verifySameElementType(*this, getInput(), getPermuted())) ||
      failed(verifyShape(*this, "source_rows", getSourceRows(), {rows})))
    return failure();
  return verifyShape(*this, "expert_offsets", getExpertOffsets(),
                     {numExperts + 1});
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

/// Checks that the activation and weight granularities form a scheme a
/// kernel can run: each on its own side, block schemes sharing K'.
static LogicalResult verifyScalingPair(Operation *op, ScalingAttr lhs,
                                       ScalingAttr rhs) {
  if (lhs.getKind() == ScalingKind::PerChannel)
    return op->emitOpError("lhs (activation) scaling cannot be per_channel; "
                           "use per_token");
  if (rhs.getKind() == ScalingKind::PerToken)
    return op->emitOpError("rhs (weight) scaling cannot be per_token; use "
                           "per_channel");
  if (lhs.getKind() == ScalingKind::Block && lhs.getBlock()[0] != 1)
    return op->emitOpError("lhs block scaling must cover one token per scale "
                           "(1xK'), got ")
           << lhs;
  bool lhsBlock = lhs.getKind() == ScalingKind::Block;
  bool rhsBlock = rhs.getKind() == ScalingKind::Block;
  if (lhsBlock != rhsBlock)
    return op->emitOpError("block scaling must be used on both operands, got ")
           << lhs << " and " << rhs;
  if (lhs.getReductionBlock() != rhs.getReductionBlock())
    return op->emitOpError("lhs and rhs scaling blocks disagree along K (")
           << lhs.getReductionBlock() << " vs " << rhs.getReductionBlock()
           << ")";
  return success();
}

/// Checks the FP8 operands of a (grouped) matmul: scales and granularities
/// all present or all absent; `rhsReductionDim` is K's position in rhs.
template <typename MatmulOp>
static LogicalResult verifyScales(MatmulOp op, int64_t rhsReductionDim) {
  bool isFp8 = isa<Float8E4M3FNType, Float8E5M2Type>(
      op.getLhs().getType().getElementType());
  bool rhsFp8 = isa<Float8E4M3FNType, Float8E5M2Type>(
      op.getRhs().getType().getElementType());
  if (isFp8 != rhsFp8)
    return op.emitOpError("lhs and rhs must both be FP8 or both not");
  bool hasScales = op.getLhsScale() && op.getRhsScale();
  bool hasScaling = op.getLhsScaling() && op.getRhsScaling();
  if (!isFp8) {
    if (op.getLhsScale() || op.getRhsScale() || op.getLhsScaling() ||
        op.getRhsScaling())
      return op.emitOpError("scales are only valid with FP8 operands");
    return success();
  }
  if (!hasScales || !hasScaling)
    return op.emitOpError("FP8 operands need scales(...) and both "
                          "lhs_scaling and rhs_scaling");
  ScalingAttr lhs = *op.getLhsScaling(), rhs = *op.getRhsScaling();
  auto emit = [&] { return op.emitOpError(); };
  if (failed(verifyScalingPair(op, lhs, rhs)) ||
      failed(lhs.verifyScaleType(
          emit, "lhs", op.getLhs().getType(),
          cast<RankedTensorType>(op.getLhsScale().getType()),
          /*reductionDim=*/1)))
    return failure();
  return rhs.verifyScaleType(emit, "rhs", op.getRhs().getType(),
                             cast<RankedTensorType>(op.getRhsScale().getType()),
                             rhsReductionDim);
}

LogicalResult GroupedMatmulOp::verify() {
  int64_t rows = dimOf(getLhs(), 0), k = dimOf(getLhs(), 1);
  int64_t experts = dimOf(getRhs(), 0), n = dimOf(getRhs(), 2);
  if (failed(verifyShape(*this, "rhs", getRhs(), {experts, k, n})) ||
      failed(verifyShape(*this, "offsets", getOffsets(), {plusOne(experts)})))
    return failure();
  int64_t resultCols = n;
  if (getEpilogue() == Epilogue::SwiGLU && !ShapedType::isDynamic(n)) {
    if (n % 2 != 0)
      return emitOpError("swiglu epilogue needs an even rhs width (gate | "
                         "up), got ")
             << n;
    resultCols = n / 2;
  }
  if (failed(verifyShape(*this, "result", getResult(), {rows, resultCols})))
    return failure();
  return verifyScales(*this, /*rhsReductionDim=*/1);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  int64_t rows = dimOf(getLhs(), 0), k = dimOf(getLhs(), 1);
  int64_t n = dimOf(getRhs(), 0);
  if (failed(verifyShape(*this, "rhs", getRhs(), {n, k})))
    return failure();
  int64_t resultCols = n;
  if (getEpilogue() == Epilogue::SwiGLU && !ShapedType::isDynamic(n)) {
    if (n % 2 != 0)
      return emitOpError("swiglu epilogue needs an even number of rhs rows "
                         "(gate | up), got ")
             << n;
    resultCols = n / 2;
  }
  if (failed(verifyShape(*this, "result", getResult(), {rows, resultCols})))
    return failure();
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError("residual type ")
           << getResidual().getType() << " does not match the result type "
           << getResult().getType();
  return verifyScales(*this, /*rhsReductionDim=*/1);
}

//===----------------------------------------------------------------------===//
// RMSNormQuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormQuantizeOp::verify() {
  auto inputType = getInput().getType();
  if (failed(verifyShape(*this, "weight", getWeight(),
                         {inputType.getDimSize(1)})) ||
      failed(verifyShape(*this, "result", getResult(), inputType.getShape())))
    return failure();
  ScalingAttr scaling = getScaling();
  if (scaling.getKind() == ScalingKind::PerChannel ||
      (scaling.getKind() == ScalingKind::Block && scaling.getBlock()[0] != 1))
    return emitOpError("normalized activations are scaled per_tensor, "
                       "per_token or in 1xK' blocks, got ")
           << scaling;
  return scaling.verifyScaleType([&] { return emitOpError(); }, "input",
                                 inputType, getScale().getType(),
                                 /*reductionDim=*/1);
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  int64_t rows = dimOf(getRows(), 0);
  int64_t tokens = dimOf(getResult(), 0);
  int64_t topK = getTopK();
  int64_t expectedRows = mulDims(tokens, topK);
  if (!dimsCompatible(rows, expectedRows))
    return emitOpError("has ")
           << rows << " rows, expected tokens x top_k = " << expectedRows;
  if (failed(verifyShape(*this, "source_rows", getSourceRows(), {rows})) ||
      failed(verifySameElementType(*this, getRows(), getResult())))
    return failure();
  if (getScores() &&
      failed(verifyShape(*this, "scores", getScores(), {tokens, topK})))
    return failure();
  return verifyShape(*this, "result", getResult(),
                     {tokens, dimOf(getRows(), 1)});
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Shared rules of quantize and dequantize: same shape on both sides, and a
/// scale tensor laid out as the granularity says. `reductionDim` is the raw
/// attribute: it is range-checked before anything narrows it to unsigned.
static LogicalResult verifyQuantization(Operation *op, ScalingAttr scaling,
                                        Value data, Value other, Value scale,
                                        std::optional<int64_t> reductionDim) {
  auto dataType = cast<RankedTensorType>(data.getType());
  if (failed(verifyShape(op, "result", other, dataType.getShape())))
    return failure();
  return scaling.verifyScaleType([&] { return op->emitOpError(); }, "input",
                                 dataType,
                                 cast<RankedTensorType>(scale.getType()),
                                 reductionDim.value_or(dataType.getRank() - 1));
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantization(*this, getScaling(), getInput(), getResult(),
                            getScale(), getReductionDim());
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantization(*this, getScaling(), getInput(), getResult(),
                            getScale(), getReductionDim());
}
