//===- LowerElementwise.h - shared pieces of the elementwise lowering -----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The FP8 quantization lowerings (LowerElementwiseQuant.cpp) that the
// moec-cpu-lower-elementwise pass (LowerElementwise.cpp) calls.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_LOWERELEMENTWISE_H
#define MOEC_CODEGEN_CPU_LOWERELEMENTWISE_H

#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::moec::cpu::detail {

/// Quantizes `input` to FP8 (`resultType`) with `scaling` along
/// `reductionDim`; returns the codes and sets `scaleOut` to the scales.
Value lowerQuantizeValue(RewriterBase &rw, Location loc, Value input,
                         moe::ScalingAttr scaling, unsigned reductionDim,
                         RankedTensorType resultType,
                         RankedTensorType scaleType, Value &scaleOut);

/// Lowers `op` to FP8 decode times the scale of each element's group.
Value lowerDequantize(RewriterBase &rw, moe::DequantizeOp op);

} // namespace mlir::moec::cpu::detail

#endif // MOEC_CODEGEN_CPU_LOWERELEMENTWISE_H
