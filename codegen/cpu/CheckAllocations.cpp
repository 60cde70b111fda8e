//===- CheckAllocations.cpp - Checked malloc in the lowered CPU code ------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements moec-cpu-check-allocations. MLIR lowers memref.alloc to
// a bare malloc whose result nobody checks: under a memory limit the compiled
// step writes through a null pointer and the process dies with SIGSEGV and no
// message. The lowering's generic allocation functions are defined here
// instead, and a failed malloc calls the runtime's handler, which ends the
// step with an error naming the size.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUCHECKALLOCATIONS
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kAllocName = "_mlir_memref_to_llvm_alloc";
constexpr llvm::StringLiteral kFreeName = "_mlir_memref_to_llvm_free";
constexpr llvm::StringLiteral kHandlerName = "moec_cpu_allocation_failed";

struct CpuCheckAllocationsPass
    : moec::cpu::impl::CpuCheckAllocationsBase<CpuCheckAllocationsPass> {
  void runOnOperation() override;
};

/// The function `name` of `type`: the lowering's declaration when there is
/// one (given a body here), else a new definition. Null after an error.
LLVM::LLVMFuncOp getBodilessFunction(ModuleOp module, StringRef name,
                                     LLVM::LLVMFunctionType type) {
  auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  if (!func) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    func = LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
  } else if (!func.isExternal()) {
    func.emitOpError("is already defined; moec-cpu-check-allocations defines "
                     "the allocation functions of the lowered code");
    return nullptr;
  } else if (func.getFunctionType() != type) {
    func.emitOpError("has type ")
        << func.getFunctionType() << ", expected " << type;
    return nullptr;
  }
  func.setLinkage(LLVM::Linkage::Internal);
  return func;
}

/// A libc function declaration, added once.
LLVM::LLVMFuncOp libcFunction(ModuleOp module, StringRef name,
                              LLVM::LLVMFunctionType type) {
  if (auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return func;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
}

/// ptr alloc(i64 bytes): malloc, and the handler when it returns null.
void buildAlloc(LLVM::LLVMFuncOp alloc, LLVM::LLVMFuncOp malloc,
                LLVM::GlobalOp handler) {
  MLIRContext *context = alloc.getContext();
  Location loc = alloc.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  OpBuilder b(context);
  Block *entry = alloc.addEntryBlock(b);
  Block *failed = b.createBlock(&alloc.getBody());
  Block *callHandler = b.createBlock(&alloc.getBody());
  Block *done = b.createBlock(&alloc.getBody(), {}, {ptrType}, {loc});
  Value bytes = entry->getArgument(0);

  b.setInsertionPointToStart(entry);
  Value pointer = LLVM::CallOp::create(b, loc, malloc, bytes).getResult();
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value isNull =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, pointer, null);
  LLVM::CondBrOp::create(b, loc, isNull, failed, done, ValueRange{pointer});

  b.setInsertionPointToStart(failed);
  Value handlerAddress = LLVM::AddressOfOp::create(b, loc, handler);
  Value function = LLVM::LoadOp::create(b, loc, ptrType, handlerAddress);
  Value noHandler =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, function, null);
  LLVM::CondBrOp::create(b, loc, noHandler, done, ValueRange{null}, callHandler,
                         ValueRange{});

  // The handler does not return; a null result is the fallback if it does.
  b.setInsertionPointToStart(callHandler);
  auto handlerType = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(context), {b.getI64Type()});
  LLVM::CallOp::create(b, loc, handlerType, ValueRange{function, bytes});
  LLVM::BrOp::create(b, loc, ValueRange{null}, done);

  b.setInsertionPointToStart(done);
  LLVM::ReturnOp::create(b, loc, done->getArgument(0));
}

void buildFree(LLVM::LLVMFuncOp freeFunc, LLVM::LLVMFuncOp libcFree) {
  OpBuilder b(freeFunc.getContext());
  Block *entry = freeFunc.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  LLVM::CallOp::create(b, freeFunc.getLoc(), libcFree, entry->getArgument(0));
  LLVM::ReturnOp::create(b, freeFunc.getLoc(), ValueRange{});
}

void CpuCheckAllocationsPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto i64Type = IntegerType::get(context, 64);
  auto voidType = LLVM::LLVMVoidType::get(context);
  if (module.lookupSymbol(kHandlerName)) {
    module.emitError("the symbol @") << kHandlerName << " already exists";
    return signalPassFailure();
  }
  LLVM::LLVMFuncOp alloc = getBodilessFunction(
      module, kAllocName, LLVM::LLVMFunctionType::get(ptrType, {i64Type}));
  LLVM::LLVMFuncOp freeFunc = getBodilessFunction(
      module, kFreeName, LLVM::LLVMFunctionType::get(voidType, {ptrType}));
  if (!alloc || !freeFunc)
    return signalPassFailure();

  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  // Exported, so that the runtime finds it with dlsym and sets it.
  auto handler = LLVM::GlobalOp::create(
      b, module.getLoc(), ptrType, /*isConstant=*/false,
      LLVM::Linkage::External, kHandlerName, Attribute());
  Block *init = b.createBlock(&handler.getInitializerRegion());
  b.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(
      b, module.getLoc(),
      LLVM::ZeroOp::create(b, module.getLoc(), ptrType).getResult());

  buildAlloc(alloc,
             libcFunction(module, "malloc",
                          LLVM::LLVMFunctionType::get(ptrType, {i64Type})),
             handler);
  buildFree(freeFunc,
            libcFunction(module, "free",
                         LLVM::LLVMFunctionType::get(voidType, {ptrType})));
}

} // namespace
