//===- PrecisionComputeType.cpp - retype activations ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the first step of moec-precision: every floating
// activation of a function gets the compute element type.
//
// 1. Arguments that are activations (not FP8 data, not scales) are retyped.
// 2. Ops are visited in program order. Checkpoint weights keep their type;
//    a conversion right after `graph.weight_ref` produces the compute type.
//    Graph and moe ops produce activations, so their floating results get
//    the compute type (router scores stay f32). Other ops (arith, tensor)
//    follow their operands: a result that had the element type of an
//    operand before the pass has it after. Conversions that became no-ops
//    fold away.
// 3. The function type is rebuilt from the arguments and returned values.
//
// Tensors that end up as FP8 scales (through extf, reshapes, concat or
// stacking) are never retyped: scales are f32 by definition.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeDialect.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "passes/PrecisionPolicy.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::moec;

/// The float element type of a ranked tensor value, or null.
static FloatType floatElementType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type ? dyn_cast<FloatType>(type.getElementType()) : FloatType();
}

/// True for 8-bit (and narrower) floats: quantized data, never activations.
static bool isFp8(FloatType type) { return type && type.getWidth() <= 8; }

/// True when `use` is the scale operand of a dequantization or matmul.
static bool isScaleOperand(OpOperand &use) {
  Operation *user = use.getOwner();
  Value value = use.get();
  if (auto dequantize = dyn_cast<moe::DequantizeOp>(user))
    return value == dequantize.getScale();
  if (auto matmul = dyn_cast<moe::MatmulOp>(user))
    return value == matmul.getLhsScale() || value == matmul.getRhsScale();
  if (auto grouped = dyn_cast<moe::GroupedMatmulOp>(user))
    return value == grouped.getLhsScale() || value == grouped.getRhsScale();
  return false;
}

/// True when `value` reaches an FP8 scale operand through conversions and
/// layout changes (checkpoint scales are often stored in bf16 and widened).
static bool isScale(Value value) {
  SmallVector<Value> worklist = {value};
  llvm::SmallPtrSet<Operation *, 8> visited;
  while (!worklist.empty()) {
    for (OpOperand &use : worklist.pop_back_val().getUses()) {
      if (isScaleOperand(use))
        return true;
      Operation *user = use.getOwner();
      if (isa<arith::ExtFOp, arith::TruncFOp, tensor::CollapseShapeOp,
              tensor::ExpandShapeOp, tensor::ConcatOp, moe::StackExpertsOp>(
              user) &&
          visited.insert(user).second)
        worklist.push_back(user->getResult(0));
    }
  }
  return false;
}

/// `value`'s tensor type with element type `elementType`.
static RankedTensorType withElementType(Value value, Type elementType) {
  return cast<RankedTensorType>(value.getType()).clone(elementType);
}

/// Converts `value` to `type` (same shape, other float element type).
static Value createConversion(OpBuilder &builder, Location loc, Value value,
                              RankedTensorType type) {
  unsigned from = floatElementType(value).getWidth();
  unsigned to = cast<FloatType>(type.getElementType()).getWidth();
  if (from < to)
    return arith::ExtFOp::create(builder, loc, type, value);
  if (from > to)
    return arith::TruncFOp::create(builder, loc, type, value);
  // Same width, other format (f16 <-> bf16): go through f32.
  Value wide = arith::ExtFOp::create(
      builder, loc, withElementType(value, builder.getF32Type()), value);
  return arith::TruncFOp::create(builder, loc, type, wide);
}

namespace {

/// Retypes one function; see the file comment for the algorithm.
class ComputeTypeConverter {
public:
  explicit ComputeTypeConverter(FloatType computeType)
      : computeType(computeType) {}

  void run(func::FuncOp func);

private:
  /// True for an activation: a float, non-FP8 tensor that is no scale.
  bool isActivation(Value value) const {
    FloatType type = floatElementType(value);
    return type && !isFp8(type) && !isScale(value);
  }
  void convertWeightRef(graph::WeightRefOp op);
  void convertCast(Operation *castOp);
  void convertMoecResults(Operation *op);
  void convertFollowingResults(Operation *op, ArrayRef<Type> operandElts);

  FloatType computeType;
};

} // namespace

void ComputeTypeConverter::convertWeightRef(graph::WeightRefOp op) {
  Value weight = op.getResult();
  if (!isActivation(weight) || floatElementType(weight) == computeType)
    return;
  OpBuilder builder(op->getContext());
  builder.setInsertionPointAfter(op);
  Value converted = createConversion(builder, op.getLoc(), weight,
                                     withElementType(weight, computeType));
  weight.replaceAllUsesExcept(converted, converted.getDefiningOp());
}

void ComputeTypeConverter::convertCast(Operation *castOp) {
  Value input = castOp->getOperand(0), result = castOp->getResult(0);
  auto target = cast<RankedTensorType>(result.getType());
  if (isActivation(result))
    target = withElementType(result, computeType);
  if (input.getType() == target) {
    result.replaceAllUsesWith(input);
    castOp->erase();
    return;
  }
  unsigned from = floatElementType(input).getWidth();
  unsigned to = cast<FloatType>(target.getElementType()).getWidth();
  bool fits = isa<arith::ExtFOp>(castOp) ? from < to : from > to;
  if (fits && target == result.getType())
    return;
  OpBuilder builder(castOp);
  result.replaceAllUsesWith(
      createConversion(builder, castOp->getLoc(), input, target));
  castOp->erase();
}

void ComputeTypeConverter::convertMoecResults(Operation *op) {
  // Quantizations produce FP8 data and f32 scales, never activations.
  if (isa<moe::QuantizeOp, moe::RMSNormQuantizeOp>(op))
    return;
  for (OpResult result : op->getResults()) {
    // Router scores are fp32 by definition (sigmoid of fp32 logits).
    if (isa<moe::RouterTopKOp>(op) && result.getResultNumber() == 1)
      continue;
    if (isActivation(result))
      result.setType(withElementType(result, computeType));
  }
}

void ComputeTypeConverter::convertFollowingResults(Operation *op,
                                                   ArrayRef<Type> operandElts) {
  for (OpResult result : op->getResults()) {
    FloatType resultElt = floatElementType(result);
    if (!resultElt || isFp8(resultElt))
      continue;
    for (auto [operand, before] : llvm::zip(op->getOperands(), operandElts)) {
      if (before != resultElt)
        continue;
      FloatType now = floatElementType(operand);
      if (now && now != resultElt)
        result.setType(withElementType(result, now));
      break;
    }
  }
}

void ComputeTypeConverter::run(func::FuncOp func) {
  if (func.isExternal())
    return;
  // Operand element types before anything changes: ops that follow their
  // operands compare against them.
  SmallVector<std::pair<Operation *, SmallVector<Type>>> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == func.getOperation())
      return;
    SmallVector<Type> elts;
    for (Value operand : op->getOperands())
      elts.push_back(floatElementType(operand));
    ops.emplace_back(op, std::move(elts));
  });
  for (BlockArgument arg : func.getArguments())
    if (isActivation(arg))
      arg.setType(withElementType(arg, computeType));
  for (auto &[op, operandElts] : ops) {
    if (auto weightRef = dyn_cast<graph::WeightRefOp>(op))
      convertWeightRef(weightRef);
    else if (isa<arith::ExtFOp, arith::TruncFOp>(op))
      convertCast(op);
    else if (isa_and_nonnull<graph::GraphDialect, moe::MoeDialect>(
                 op->getDialect()) &&
             !isa<moe::StackExpertsOp>(op))
      convertMoecResults(op);
    else if (!isa<func::ReturnOp>(op))
      convertFollowingResults(op, operandElts);
  }
  auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.front().getArgumentTypes(),
                                         returnOp.getOperandTypes()));
}

void mlir::moec::convertToComputeType(func::FuncOp func,
                                      FloatType computeType) {
  ComputeTypeConverter(computeType).run(func);
}
