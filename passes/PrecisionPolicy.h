//===- PrecisionPolicy.h - number formats per op class ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The precision policy of moec-precision: the compute element type of
// activations, which op classes compute in FP8 and with which scaling
// scheme, parsed from the pass options. Also declares the conversion of a
// function to the compute type, which the pass runs before the FP8 rewrite.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_PRECISIONPOLICY_H
#define MOEC_PASSES_PRECISIONPOLICY_H

#include "dialects/Moe/IR/MoeAttrs.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallBitVector.h"

#include <string>

namespace mlir::moec {

/// The values of the `precision` option.
enum class Precision {
  F32,        ///< fp32 everywhere.
  BF16,       ///< bf16 activations, no FP8.
  FP8Rowwise, ///< Per-channel weights x dynamic per-token activations.
  FP8Block,   ///< 128x128 weight blocks x 1x128 activation blocks.
  FP8Tensor,  ///< One scale per tensor (per expert for grouped weights).
};

/// What moec-precision does to a function: its compute type, and the FP8
/// scheme of the op classes it computes in FP8.
class PrecisionPolicy {
public:
  /// Parses the pass options; an empty `fp8Classes` means the default
  /// classes (attention, dense_mlp, shared_expert, routed_expert). Emits an
  /// error through `emitError` naming an unknown precision or unknown op
  /// classes and listing the valid ones.
  /// `compute` overrides the compute type of the FP8 precisions ("f32" or
  /// "bf16"; empty: bf16); other precisions accept only their own type.
  static FailureOr<PrecisionPolicy>
  parse(StringRef precision, ArrayRef<std::string> fp8Classes,
        StringRef compute, function_ref<InFlightDiagnostic()> emitError);

  Precision getPrecision() const { return precision; }

  /// The element type every floating activation has: f32 for `f32`, bf16
  /// for `bf16`, the `compute` option (default bf16) for the FP8 ones.
  FloatType getComputeType(MLIRContext *context) const;

  /// True when projections of `opClass` take FP8 operands.
  bool computesInFp8(moe::OpClass opClass) const;

  /// The FP8 element type both operands of an FP8 matmul get (e4m3: the
  /// mantissa matters more than the range once scales are fine-grained).
  FloatType getFp8Type(MLIRContext *context) const;

  /// Scaling of activations (matmul lhs) and of weights (matmul rhs); null
  /// when the precision has no FP8.
  moe::ScalingAttr getActivationScaling(MLIRContext *context) const;
  moe::ScalingAttr getWeightScaling(MLIRContext *context) const;

  /// The `precision` spellings, for diagnostics and option help.
  static constexpr StringLiteral kValidPrecisions =
      "f32, bf16, fp8-rowwise, fp8-block, fp8-tensor";

private:
  PrecisionPolicy(Precision precision, llvm::SmallBitVector fp8Classes,
                  bool computeInF32)
      : precision(precision), fp8Classes(std::move(fp8Classes)),
        computeInF32(computeInF32) {}

  Precision precision;
  bool computeInF32;
  /// Indexed by moe::OpClass; empty unless the precision has FP8.
  llvm::SmallBitVector fp8Classes;
};

/// Gives every floating activation of `func` the element type
/// `computeType`: arguments, results and the results of graph, moe, arith
/// and tensor ops. Checkpoint weights keep their stored type; each
/// `graph.weight_ref` whose type differs gets an `arith.truncf` or
/// `arith.extf` right after it (a compile-time packing step). FP8 tensors,
/// integer tensors, router scores and tensors that end up as FP8 scales
/// keep their types.
void convertToComputeType(func::FuncOp func, FloatType computeType);

} // namespace mlir::moec

#endif // MOEC_PASSES_PRECISIONPOLICY_H
