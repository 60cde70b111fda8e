//===- Pipeline.cpp - The Hopper emulation pipeline -------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/Passes.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

void mlir::moec::hopper::emulation::buildEmulationPipeline(OpPassManager &pm,
                                                           uint64_t imageHash) {
  pm.addPass(createEmuOutlineGpuModule());
  // Before the NVVM lowering: its stack arrays need no checks.
  pm.addPass(createEmuInstrumentMemory());
  pm.addPass(createEmuLowerNvvm());
  EmuEntryPointsOptions options;
  options.imageHash = imageHash;
  pm.addPass(createEmuEntryPoints(options));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createEmuLegalizeBf16());
}

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<uint64_t> imageHash{
      *this, "image-hash",
      llvm::cl::desc("FNV-1a hash of the image the object emulates"),
      llvm::cl::init(0)};
};
} // namespace

void mlir::moec::hopper::emulation::registerEmulationPasses() {
  registerMoecEmulationPasses();
  PassPipelineRegistration<PipelineOptions>(
      "moec-emu-lower-to-llvm",
      "Lowers an sm_90a kernel module to a host LLVM module whose NVVM "
      "operations call the Hopper emulator",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildEmulationPipeline(pm, options.imageHash);
      });
}
