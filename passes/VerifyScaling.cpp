//===- VerifyScaling.cpp - FP8 scale layouts across the graph ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-verify-scaling: the scales an FP8 matmul reads
// must have been computed with the granularity, and along the reduction
// dimension, that the matmul's lhs_scaling / rhs_scaling claim.
//
//===----------------------------------------------------------------------===//

#include "dialects/Moe/IR/MoeOps.h"
#include "passes/Passes.h"
#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "moec-verify-scaling"

namespace mlir::moec {
#define GEN_PASS_DEF_VERIFYSCALING
#include "passes/Passes.h.inc"
} // namespace mlir::moec

using namespace mlir;
using namespace mlir::moec;

namespace {

/// One FP8 operand of a matmul as the matmul reads it.
struct ScaledOperand {
  StringRef name;
  Value data;
  Value scale;
  moe::ScalingAttr scaling;
  int64_t reductionDim;
};

/// The op that computed a scale tensor, and how.
struct ScaleProducer {
  Operation *op;
  Value data;
  moe::ScalingAttr scaling;
  int64_t reductionDim;
};

/// The quantization that computed `scale`; none for scales the IR does not
/// describe (checkpoint tensors, function arguments).
std::optional<ScaleProducer> findProducer(Value scale) {
  Operation *def = scale.getDefiningOp();
  if (auto quantize = dyn_cast_or_null<moe::QuantizeOp>(def))
    return ScaleProducer{quantize, quantize.getResult(), quantize.getScaling(),
                         quantize.getEffectiveReductionDim()};
  // Normalized rows [tokens, K] are always scaled along K.
  if (auto normQuantize = dyn_cast_or_null<moe::RMSNormQuantizeOp>(def))
    return ScaleProducer{normQuantize, normQuantize.getResult(),
                         normQuantize.getScaling(), /*reductionDim=*/1};
  return std::nullopt;
}

/// Checks one operand against the producer of its scales.
LogicalResult checkOperand(Operation *consumer, const ScaledOperand &operand) {
  std::optional<ScaleProducer> producer = findProducer(operand.scale);
  if (!producer)
    return success();
  StringRef producerName = producer->op->getName().getStringRef();
  auto fail = [&](InFlightDiagnostic &&diag) {
    diag.attachNote(producer->op->getLoc()) << "scales produced here";
    return failure();
  };
  if (producer->data != operand.data)
    return fail(consumer->emitOpError()
                << operand.name << " is not the FP8 data of its scales: they "
                << "come from another '" << producerName << "'");
  if (producer->scaling != operand.scaling)
    return fail(consumer->emitOpError()
                << operand.name << "_scaling " << operand.scaling
                << " does not match the " << producer->scaling
                << " scaling of its scale producer '" << producerName << "'");
  if (producer->reductionDim != operand.reductionDim)
    return fail(consumer->emitOpError()
                << operand.name << " is contracted along dimension "
                << operand.reductionDim << ", but its scale producer '"
                << producerName << "' laid out " << producer->scaling
                << " scales along dimension " << producer->reductionDim);
  return success();
}

/// Checks both operands of an FP8 (grouped) matmul. K is dimension 1 of
/// lhs `[M, K]`, of rhs `[N, K]` and of grouped rhs `[E, K, N]`.
template <typename MatmulOp> LogicalResult checkMatmul(MatmulOp op) {
  if (!op.getLhsScale())
    return success();
  ScaledOperand lhs = {"lhs", op.getLhs(), op.getLhsScale(),
                       *op.getLhsScaling(), /*reductionDim=*/1};
  ScaledOperand rhs = {"rhs", op.getRhs(), op.getRhsScale(),
                       *op.getRhsScaling(), /*reductionDim=*/1};
  LogicalResult lhsOk = checkOperand(op, lhs);
  LogicalResult rhsOk = checkOperand(op, rhs);
  return success(succeeded(lhsOk) && succeeded(rhsOk));
}

struct VerifyScalingPass
    : mlir::moec::impl::VerifyScalingBase<VerifyScalingPass> {
  void runOnOperation() override {
    bool consistent = true;
    getOperation().walk([&](Operation *op) {
      LogicalResult checked =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case<moe::MatmulOp, moe::GroupedMatmulOp>(
                  [](auto matmul) { return checkMatmul(matmul); })
              .Default([](Operation *) { return success(); });
      consistent &= succeeded(checked);
    });
    if (!consistent)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
