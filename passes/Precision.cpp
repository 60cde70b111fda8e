//===- Precision.cpp - compute types and FP8 per op class -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-precision. After the compute-type conversion
// (PrecisionComputeType.cpp), the FP8 rewrite visits every matmul of an FP8
// op class:
//
// 1. The activation (lhs) is quantized right after its producer, once per
//    activation and granularity, so that Q/K/V, or a shared expert and the
//    router-side consumers of one norm, share one quantization.
// 2. The weight (rhs) is quantized once per weight value along K
//    (dimension 1 of `[N, K]` and of `[E, K, N]`). Its input is a
//    compile-time constant, so codegen packs it with the weights. An FP8
//    checkpoint weight whose granularity is the scheme's is used as stored.
// 3. The matmul is rebuilt with the FP8 operands, `scales(...)` and the
//    two granularities; result type, residual, epilogue and op class stay.
// 4. Ops the rewrite left without users (the compute-type weight path of a
//    checkpoint used as stored) are erased.
//
//===----------------------------------------------------------------------===//

#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "passes/Passes.h"
#include "passes/PrecisionPolicy.h"
#include "llvm/ADT/SetVector.h"

#define DEBUG_TYPE "moec-precision"

namespace mlir::moec {
#define GEN_PASS_DEF_PRECISION
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// FP8 data and the scales that go with it.
struct Fp8Operand {
  Value data;
  Value scale;
};

/// The contraction dimension of every matmul weight: K of `[N, K]` (dense,
/// `nn.Linear` layout) and of `[E, K, N]` (grouped experts).
constexpr int64_t kWeightReductionDim = 1;

/// How deep checkpoint reuse looks through concat and stack ops.
constexpr unsigned kMaxCheckpointDepth = 4;

/// Rewrites matmuls to FP8 operands under one precision policy.
class Fp8Rewriter {
public:
  Fp8Rewriter(const PrecisionPolicy &policy, MLIRContext *context)
      : policy(policy), fp8Type(policy.getFp8Type(context)),
        activationScaling(policy.getActivationScaling(context)),
        weightScaling(policy.getWeightScaling(context)) {}

  void rewrite(moe::MatmulOp op);
  void rewrite(moe::GroupedMatmulOp op);
  /// Erases the ops the rewrites left without users.
  void eraseDeadOps();

private:
  Fp8Operand quantizeActivation(Value activation);
  Fp8Operand quantizeWeight(Value weight);
  Fp8Operand createQuantize(Value value, moe::ScalingAttr scaling,
                            int64_t reductionDim);
  std::optional<Fp8Operand> reuseCheckpoint(Value weight, int64_t reductionDim,
                                            unsigned depth);
  std::optional<Fp8Operand> reuseStacked(moe::StackExpertsOp stack,
                                         int64_t reductionDim, unsigned depth);
  std::optional<Fp8Operand> reuseConcat(tensor::ConcatOp concat,
                                        int64_t reductionDim, unsigned depth);
  void replace(Operation *op, Operation *replacement);

  const PrecisionPolicy &policy;
  FloatType fp8Type;
  moe::ScalingAttr activationScaling, weightScaling;
  DenseMap<Value, Fp8Operand> activations, weights;
  llvm::SetVector<Operation *> maybeDead;
};

} // namespace

/// Places `builder` right after the definition of `value`.
static void setInsertionPointAfterValue(OpBuilder &builder, Value value) {
  if (Operation *def = value.getDefiningOp())
    builder.setInsertionPointAfter(def);
  else
    builder.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
}

Fp8Operand Fp8Rewriter::createQuantize(Value value, moe::ScalingAttr scaling,
                                       int64_t reductionDim) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> scaleShape =
      scaling.getScaleShape(type.getShape(), reductionDim);
  OpBuilder builder(value.getContext());
  setInsertionPointAfterValue(builder, value);
  // The default reduction dimension is the last one; spell out any other.
  IntegerAttr reductionDimAttr;
  if (reductionDim != type.getRank() - 1)
    reductionDimAttr = builder.getI64IntegerAttr(reductionDim);
  auto quantize = moe::QuantizeOp::create(
      builder, value.getLoc(), type.clone(fp8Type),
      RankedTensorType::get(scaleShape, builder.getF32Type()), value, scaling,
      reductionDimAttr);
  return {quantize.getResult(), quantize.getScale()};
}

Fp8Operand Fp8Rewriter::quantizeActivation(Value activation) {
  auto [it, inserted] = activations.try_emplace(activation);
  if (inserted)
    it->second = createQuantize(activation, activationScaling,
                                /*reductionDim=*/1);
  return it->second;
}

Fp8Operand Fp8Rewriter::quantizeWeight(Value weight) {
  auto it = weights.find(weight);
  if (it != weights.end())
    return it->second;
  // An FP8 checkpoint stored with the scheme's granularity is used as is;
  // any other weight (bf16, or FP8 with another granularity, which keeps its
  // moe.dequantize) is quantized from the compute type.
  std::optional<Fp8Operand> stored =
      reuseCheckpoint(weight, kWeightReductionDim, /*depth=*/0);
  Fp8Operand operand =
      stored ? *stored
             : createQuantize(weight, weightScaling, kWeightReductionDim);
  weights[weight] = operand;
  return operand;
}

std::optional<Fp8Operand> Fp8Rewriter::reuseCheckpoint(Value weight,
                                                       int64_t reductionDim,
                                                       unsigned depth) {
  Operation *def = weight.getDefiningOp();
  if (!def || depth > kMaxCheckpointDepth)
    return std::nullopt;
  if (auto dequantize = dyn_cast<moe::DequantizeOp>(def)) {
    // Same granularity along the same K: the stored FP8 values and scales
    // are exactly what a requantization would approximate.
    if (dequantize.getScaling() != weightScaling ||
        dequantize.getEffectiveReductionDim() != reductionDim)
      return std::nullopt;
    return Fp8Operand{dequantize.getInput(), dequantize.getScale()};
  }
  if (auto stack = dyn_cast<moe::StackExpertsOp>(def))
    return reuseStacked(stack, reductionDim, depth);
  if (auto concat = dyn_cast<tensor::ConcatOp>(def))
    return reuseConcat(concat, reductionDim, depth);
  return std::nullopt;
}

std::optional<Fp8Operand> Fp8Rewriter::reuseStacked(moe::StackExpertsOp stack,
                                                    int64_t reductionDim,
                                                    unsigned depth) {
  // Stacking turns each `[out, in]` expert weight into `[in, out]`: K is
  // dimension 1 on both sides, and stacking the `[out / R, in / K']`
  // scales the same way gives the `[E, in / K', out / R]` layout of the
  // stacked weight for every granularity.
  if (reductionDim != kWeightReductionDim)
    return std::nullopt;
  SmallVector<Value> data, scales;
  for (Value expert : stack.getWeights()) {
    std::optional<Fp8Operand> stored =
        reuseCheckpoint(expert, /*reductionDim=*/1, depth + 1);
    if (!stored)
      return std::nullopt;
    data.push_back(stored->data);
    scales.push_back(stored->scale);
  }
  auto stackedType = [&](Value first) {
    auto type = cast<RankedTensorType>(first.getType());
    return RankedTensorType::get({static_cast<int64_t>(data.size()),
                                  type.getDimSize(1), type.getDimSize(0)},
                                 type.getElementType());
  };
  OpBuilder builder(stack);
  Location loc = stack.getLoc();
  auto stackedData = moe::StackExpertsOp::create(
      builder, loc, stackedType(data.front()), data);
  auto stackedScales = moe::StackExpertsOp::create(
      builder, loc, stackedType(scales.front()), scales);
  return Fp8Operand{stackedData, stackedScales};
}

std::optional<Fp8Operand> Fp8Rewriter::reuseConcat(tensor::ConcatOp concat,
                                                   int64_t reductionDim,
                                                   unsigned depth) {
  // Concatenating along a leading (expert) dimension always keeps the scale
  // layout; along the row dimension only when no scale covers rows of two
  // inputs: per_channel, or blocks that every input but the last fills.
  int64_t dim = concat.getDim();
  int64_t rank = concat.getResultType().getRank();
  if (dim == reductionDim)
    return std::nullopt;
  if (dim >= rank - 2 &&
      weightScaling.getKind() != moe::ScalingKind::PerChannel) {
    if (weightScaling.getKind() != moe::ScalingKind::Block)
      return std::nullopt;
    int64_t rows = weightScaling.getBlock()[0];
    for (Value input : concat.getInputs().drop_back()) {
      int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(dim);
      if (ShapedType::isDynamic(size) || size % rows != 0)
        return std::nullopt;
    }
  }
  SmallVector<Value> data, scales;
  for (Value input : concat.getInputs()) {
    std::optional<Fp8Operand> stored =
        reuseCheckpoint(input, reductionDim, depth + 1);
    if (!stored)
      return std::nullopt;
    data.push_back(stored->data);
    scales.push_back(stored->scale);
  }
  OpBuilder builder(concat);
  Location loc = concat.getLoc();
  Value joinedData = tensor::ConcatOp::create(builder, loc, dim, data);
  Value joinedScales = tensor::ConcatOp::create(builder, loc, dim, scales);
  return Fp8Operand{joinedData, joinedScales};
}

void Fp8Rewriter::replace(Operation *op, Operation *replacement) {
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp())
      maybeDead.insert(def);
  replacement->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  op->replaceAllUsesWith(replacement);
  op->erase();
}

void Fp8Rewriter::rewrite(moe::MatmulOp op) {
  std::optional<moe::OpClass> opClass = op.getOpClass();
  if (!opClass || !policy.computesInFp8(*opClass) || op.getLhsScale())
    return;
  Fp8Operand lhs = quantizeActivation(op.getLhs());
  Fp8Operand rhs = quantizeWeight(op.getRhs());
  OpBuilder builder(op);
  auto fp8 = moe::MatmulOp::create(
      builder, op.getLoc(), op.getType(), lhs.data, rhs.data, lhs.scale,
      rhs.scale, op.getResidual(), op.getEpilogueAttr(), activationScaling,
      weightScaling, op.getOpClassAttr());
  replace(op, fp8);
}

void Fp8Rewriter::rewrite(moe::GroupedMatmulOp op) {
  if (!policy.computesInFp8(moe::OpClass::RoutedExpert) || op.getLhsScale())
    return;
  Fp8Operand lhs = quantizeActivation(op.getLhs());
  Fp8Operand rhs = quantizeWeight(op.getRhs());
  OpBuilder builder(op);
  auto fp8 = moe::GroupedMatmulOp::create(
      builder, op.getLoc(), op.getType(), lhs.data, rhs.data, op.getOffsets(),
      lhs.scale, rhs.scale, op.getEpilogueAttr(), activationScaling,
      weightScaling);
  replace(op, fp8);
}

void Fp8Rewriter::eraseDeadOps() {
  while (!maybeDead.empty()) {
    Operation *op = maybeDead.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        maybeDead.insert(def);
    op->erase();
  }
}

namespace {

/// Functions are converted one by one, so a call would see its callee's old
/// signature: the model must be one function (the frontend emits one).
LogicalResult checkNoCalls(ModuleOp module) {
  WalkResult result = module.walk([](func::CallOp call) {
    call.emitOpError("is not supported by moec-precision, which retypes "
                     "each function on its own: inline @")
        << call.getCallee() << " first";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

struct PrecisionPass : mlir::moec::impl::PrecisionBase<PrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    FailureOr<PrecisionPolicy> policy = PrecisionPolicy::parse(
        precision, fp8Classes, compute, [&] { return module.emitError(); });
    if (failed(policy) || failed(checkNoCalls(module)))
      return signalPassFailure();
    for (auto func : module.getOps<func::FuncOp>())
      convertToComputeType(func, policy->getComputeType(context));
    if (!policy->getActivationScaling(context))
      return;
    rewriteToFp8(*policy);
  }

  /// Runs the FP8 rewrite over every matmul of the module.
  void rewriteToFp8(const PrecisionPolicy &policy) {
    SmallVector<Operation *> matmuls;
    getOperation().walk([&](Operation *op) {
      if (isa<moe::MatmulOp, moe::GroupedMatmulOp>(op))
        matmuls.push_back(op);
      auto router = dyn_cast<moe::RouterTopKOp>(op);
      if (router && policy.computesInFp8(moe::OpClass::Router))
        router.emitWarning("fp8-classes lists router, but moe.router_topk "
                           "has no FP8 form: the router stays in the "
                           "compute type");
    });
    Fp8Rewriter rewriter(policy, &getContext());
    for (Operation *op : matmuls) {
      if (auto matmul = dyn_cast<moe::MatmulOp>(op))
        rewriter.rewrite(matmul);
      else
        rewriter.rewrite(cast<moe::GroupedMatmulOp>(op));
    }
    rewriter.eraseDeadOps();
  }
};

} // namespace
