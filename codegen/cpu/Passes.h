//===- Passes.h - moec CPU code generator passes ----------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_PASSES_H
#define MOEC_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::moec::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/Passes.h.inc"

/// Adds the dialects and bufferization models the CPU pipeline needs to a
/// registry (before the context that runs the pipeline is created).
void registerCpuCodegenDialects(DialectRegistry &registry);

/// Registers the CPU passes and the `moec-cpu-lower-to-llvm` pipeline.
void registerCpuCodegenPasses();

} // namespace mlir::moec::cpu

#endif // MOEC_CODEGEN_CPU_PASSES_H
