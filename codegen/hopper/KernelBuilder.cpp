//===- KernelBuilder.cpp - helpers for NVVM-level kernels -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/KernelBuilder.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::moec::hopper;

KernelBuilderBase::KernelBuilderBase(ImplicitLocOpBuilder &b) : b(b) {
  MLIRContext *ctx = b.getContext();
  i1 = b.getI1Type();
  i8 = b.getI8Type();
  i16 = b.getI16Type();
  i32 = b.getI32Type();
  i64 = b.getI64Type();
  f32 = b.getF32Type();
  bf16 = b.getBF16Type();
  genericPtr = LLVM::LLVMPointerType::get(ctx);
  globalPtr = LLVM::LLVMPointerType::get(ctx, 1);
  sharedPtr = LLVM::LLVMPointerType::get(ctx, 3);
  clusterPtr = LLVM::LLVMPointerType::get(ctx, 7);
}

SmallVector<Value> KernelBuilderBase::forLoop(Value lb, Value ub, Value step,
                                              ValueRange inits, LoopBody body) {
  auto loop = scf::ForOp::create(b, lb, ub, step, inits);
  OpBuilder::InsertionGuard guard(b);
  Block *block = loop.getBody();
  if (inits.empty())
    b.setInsertionPoint(block->getTerminator());
  else
    b.setInsertionPointToEnd(block);
  SmallVector<Value> results =
      body(loop.getInductionVar(), loop.getRegionIterArgs());
  if (!inits.empty())
    scf::YieldOp::create(b, results);
  return SmallVector<Value>(loop.getResults());
}

void KernelBuilderBase::ifThen(Value cond,
                               llvm::function_ref<void()> thenBody) {
  auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  thenBody();
}

void KernelBuilderBase::ifThenElse(Value cond,
                                   llvm::function_ref<void()> thenBody,
                                   llvm::function_ref<void()> elseBody) {
  auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  thenBody();
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  elseBody();
}

Value KernelBuilderBase::f32c(float v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(v));
}

Value KernelBuilderBase::globalAt(Type element, Value base, Value index) {
  return LLVM::GEPOp::create(b, globalPtr, element, base,
                             ValueRange{wide(index)});
}

Value KernelBuilderBase::loadGlobal(Type element, Value base, Value index) {
  return LLVM::LoadOp::create(b, element, globalAt(element, base, index));
}

void KernelBuilderBase::storeGlobal(Value value, Value base, Value index) {
  LLVM::StoreOp::create(b, value, globalAt(value.getType(), base, index));
}

void KernelBuilderBase::declareDynamicSmem() {
  Operation *scope = b.getInsertionBlock()->getParentOp();
  if (SymbolTable::lookupSymbolIn(scope, kSmemSymbol))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(b.getInsertionBlock());
  auto smemType = LLVM::LLVMArrayType::get(i8, 0);
  LLVM::GlobalOp::create(b, smemType, /*isConstant=*/false,
                         LLVM::Linkage::External, kSmemSymbol, Attribute(),
                         /*alignment=*/1024, /*addrSpace=*/3);
}

Value KernelBuilderBase::smemAt(Value byteOffset) {
  return LLVM::GEPOp::create(b, sharedPtr, i8, smem, ValueRange{byteOffset});
}

LLVM::LLVMFuncOp KernelBuilderBase::createKernel(llvm::StringRef name,
                                                 TypeRange argTypes,
                                                 int64_t threads) {
  declareDynamicSmem();
  auto type = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(b.getContext()), SmallVector<Type>(argTypes));
  auto func = LLVM::LLVMFuncOp::create(b, name, type);
  // setmaxnreg is dropped (ptxas C7508) unless both bounds are known.
  func->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                b.getI32IntegerAttr(1));
  Block *entry = func.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  smem = LLVM::AddressOfOp::create(b, sharedPtr, kSmemSymbol);
  return func;
}
