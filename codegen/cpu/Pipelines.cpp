//===- Pipelines.cpp - moec CPU lowering pipeline ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-lower-to-llvm, tiled GEMM nests on tensors
// to the LLVM dialect, and registers the CPU passes. Each step says why it
// runs where it does.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Pipelines.h"
#include "codegen/cpu/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moec;

void cpu::buildCpuLowerToLLVMPipeline(OpPassManager &pm,
                                      const CpuLowerToLLVMOptions &options) {
  // GEMM tile ops become linalg on tensors, which bufferization understands.
  pm.addPass(createCpuLowerElementwise());
  pm.addPass(createCpuLowerRouting());
  pm.addPass(createCpuLowerTileGemm());
  pm.addPass(createCpuLowerTileAttention());
  // Residual adds the fusion passes left on whole tensors.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  // Whole-module bufferization; function arguments and results get
  // identity-layout memrefs, the ABI the runtime passes buffers in.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.arenaMaxTokens > 0) {
    CpuPlanArenaOptions arena;
    arena.maxTokens = options.arenaMaxTokens;
    pm.addPass(createCpuPlanArena(arena));
  }
  // Tiles run one after another (no thread pool in this slice). Before the
  // deallocation pipeline: it does not see into scf.forall bodies, so the
  // per-tile accumulators and packed tiles would never be freed.
  pm.nest<func::FuncOp>().addPass(createForallToForLoopPass());
  // Frees the temporaries bufferization allocated (accumulators, concats).
  bufferization::buildBufferDeallocationPipeline(pm);
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(createCpuLowerStridedCopies());
  // Scalar loops for now; vectorization of the register block comes later.
  funcPm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  // Subview offsets and strides become plain index arithmetic.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 extf/truncf become integer ops (round to nearest even), which
  // every x86 CPU runs without a bf16 libcall.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  if (options.emitCInterface)
    pm.nest<func::FuncOp>().addPass(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Allocations call _mlir_memref_to_llvm_alloc/free, which
  // moec-cpu-check-allocations defines with a checked malloc.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCpuCheckAllocations());
}

void cpu::registerCpuPipelines() {
  PassPipelineRegistration<CpuLowerToLLVMOptions>(
      "moec-cpu-lower-to-llvm",
      "Lowers tiled GEMM nests on tensors to the LLVM dialect for the host CPU",
      buildCpuLowerToLLVMPipeline);
}

void cpu::registerCpuCodegenPasses() {
  registerMoecCpuPasses();
  registerCpuPipelines();
}

void cpu::registerCpuCodegenDialects(DialectRegistry &registry) {
  // Execution tests and the pipeline's intermediate IR use these dialects.
  registry.insert<bufferization::BufferizationDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, memref::MemRefDialect>();
  // One-shot bufferization finds how to bufferize each op through these
  // external models.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
}
