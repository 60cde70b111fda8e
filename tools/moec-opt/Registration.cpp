//===- Registration.cpp - what moec-opt registers ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the registration of moec-opt. The dialect list is
// what moec prints: graph/routed/tiled IR (graph, moe, tile, func, arith,
// math, tensor, scf, affine), the CPU lowering's intermediate IR
// (bufferization, linalg, memref, vector, index, cf, llvm) and emitted
// kernels (gpu, nvvm, llvm) with their emulation modules (llvm, nvvm).
//
//===----------------------------------------------------------------------===//

#include "tools/moec-opt/Registration.h"

#include "codegen/cpu/Passes.h"
#include "codegen/hopper/Ptx.h"
#include "codegen/hopper/emulation/Passes.h"
#include "dialects/InitAllDialects.h"
#include "passes/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/InlinerInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void mlir::moec::registerMoecOptDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  cpu::registerCpuCodegenDialects(registry);
  hopper::registerHopperCodegen(registry);
  registry.insert<cf::ControlFlowDialect, index::IndexDialect, ub::UBDialect,
                  vector::VectorDialect>();
  // --inline only moves calls whose callee's dialect says it is legal.
  func::registerInlinerExtension(registry);
  LLVM::registerInlinerInterface(registry);
  NVVM::registerInlinerInterface(registry);
}

void mlir::moec::registerMoecOptPasses() {
  registerAllPasses();
  cpu::registerCpuCodegenPasses();
  hopper::emulation::registerEmulationPasses();
  // canonicalize, cse, inline, symbol-dce, sccp, loop-invariant-code-motion
  // and the rest of MLIR's dialect-independent transforms.
  registerTransformsPasses();
}
