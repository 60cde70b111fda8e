//===- Passes.h - Hopper emulation lowering ---------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The passes that turn an sm_90a kernel module (LLVM + NVVM + scf + arith)
// into a host module whose NVVM operations call the emulation runtime
// (moec/emulator_abi.h), and the pipeline that runs them.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_EMULATION_PASSES_H
#define MOEC_CODEGEN_HOPPER_EMULATION_PASSES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::moec::hopper::emulation {

#define GEN_PASS_DECL
#include "codegen/hopper/emulation/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/hopper/emulation/Passes.h.inc"

/// Adds the whole lowering to `pm` (on a module holding one gpu.module):
/// outline, instrument memory, lower NVVM, entry points, then scf, arith
/// and cf to LLVM.
void buildEmulationPipeline(OpPassManager &pm, uint64_t imageHash);

/// Registers the passes and the `moec-emu-lower-to-llvm` pipeline.
void registerEmulationPasses();

} // namespace mlir::moec::hopper::emulation

#endif // MOEC_CODEGEN_HOPPER_EMULATION_PASSES_H
