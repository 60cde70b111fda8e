//===- OutlineGpuModule.cpp - moec-emu-outline-gpu-module -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::moec::hopper::emulation {
#define GEN_PASS_DEF_EMUOUTLINEGPUMODULE
#include "codegen/hopper/emulation/Passes.h.inc"
} // namespace mlir::moec::hopper::emulation

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

namespace {
struct EmuOutlineGpuModule
    : public ::mlir::moec::hopper::emulation::impl::EmuOutlineGpuModuleBase<
          EmuOutlineGpuModule> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernels(module.getOps<gpu::GPUModuleOp>());
    if (kernels.size() != 1) {
      module.emitError() << "expected one gpu.module to emulate, found "
                         << kernels.size();
      return signalPassFailure();
    }
    gpu::GPUModuleOp kernelModule = kernels.front();
    Block *body = module.getBody();
    Block &kernelBody = kernelModule.getBodyRegion().front();
    body->getOperations().splice(Block::iterator(kernelModule),
                                 kernelBody.getOperations());
    kernelModule.erase();
    for (gpu::BinaryOp binary :
         llvm::make_early_inc_range(module.getOps<gpu::BinaryOp>()))
      binary.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
