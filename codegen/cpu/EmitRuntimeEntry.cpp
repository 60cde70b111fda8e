//===- EmitRuntimeEntry.cpp - The `void entry(void **args)` trampoline ----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-emit-runtime-entry. The runtime calls every
// CPU step the same way, `void entry(void **args)` with one memref-descriptor
// pointer per binding (runtime/schema/artifact.fbs), so it needs no per-model
// C signature. The pass adds that trampoline around the C interface wrapper
// (`_mlir_ciface_<name>`) that func-to-llvm emitted for the step.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUEMITRUNTIMEENTRY
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;

namespace {
struct CpuEmitRuntimeEntryPass
    : moec::cpu::impl::CpuEmitRuntimeEntryBase<CpuEmitRuntimeEntryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string wrapperName = "_mlir_ciface_" + function;
    auto wrapper = module.lookupSymbol<LLVM::LLVMFuncOp>(wrapperName);
    if (!wrapper) {
      module.emitError("no LLVM function @")
          << wrapperName << " to wrap; lower @" << function
          << " with llvm.emit_c_interface first";
      return signalPassFailure();
    }
    if (module.lookupSymbol(entry)) {
      module.emitError("the entry symbol @") << entry << " already exists";
      return signalPassFailure();
    }
    LLVM::LLVMFunctionType wrapperType = wrapper.getFunctionType();
    auto ptrType = LLVM::LLVMPointerType::get(&getContext());
    for (Type param : wrapperType.getParams())
      if (param != ptrType) {
        wrapper.emitOpError("takes a ")
            << param << " parameter; the runtime passes only pointers";
        return signalPassFailure();
      }

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = wrapper.getLoc();
    auto voidType = LLVM::LLVMVoidType::get(&getContext());
    auto entryFunc = LLVM::LLVMFuncOp::create(
        b, loc, entry, LLVM::LLVMFunctionType::get(voidType, {ptrType}));
    Block *body = entryFunc.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    SmallVector<Value> args;
    for (unsigned i = 0, e = wrapperType.getNumParams(); i < e; ++i) {
      Value slot =
          LLVM::GEPOp::create(b, loc, ptrType, ptrType, body->getArgument(0),
                              ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
    }
    LLVM::CallOp::create(b, loc, wrapper, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
};
} // namespace
