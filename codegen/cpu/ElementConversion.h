//===- ElementConversion.h - scalar f32 conversions ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The scalar conversions every CPU lowering uses inside linalg bodies:
// computation is in f32, FP8 is decoded from its bits (LLVM has no FP8
// arithmetic), results are rounded once to the destination type.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_ELEMENTCONVERSION_H
#define MOEC_CODEGEN_CPU_ELEMENTCONVERSION_H

#include "mlir/IR/Builders.h"

namespace mlir::moec::cpu {

/// Widens a float scalar to f32: exactly for f16, bf16, f8E4M3FN and
/// f8E5M2 (decoded from their bits); f64 is rounded.
Value widenToF32(OpBuilder &b, Location loc, Value v);

/// Rounds an f32 scalar to `type` (a no-op for f32).
Value roundFromF32(OpBuilder &b, Location loc, Value v, Type type);

/// An f32 constant.
Value f32Constant(OpBuilder &b, Location loc, float v);

} // namespace mlir::moec::cpu

#endif // MOEC_CODEGEN_CPU_ELEMENTCONVERSION_H
