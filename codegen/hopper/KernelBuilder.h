//===- KernelBuilder.h - helpers for NVVM-level kernels ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What every hand-built sm_90a kernel needs: common types, i32 arithmetic,
// structured control flow on one ImplicitLocOpBuilder, the dynamic shared
// memory symbol and a kernel function with the launch bounds ptxas needs.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_KERNELBUILDER_H
#define MOEC_CODEGEN_HOPPER_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::moec::hopper {

/// The dynamic shared memory symbol of every kernel in a module (1024-byte
/// aligned for 128B-swizzled TMA tiles).
inline constexpr llvm::StringLiteral kSmemSymbol = "__moec_smem";

class KernelBuilderBase {
public:
  explicit KernelBuilderBase(ImplicitLocOpBuilder &b);

protected:
  using LoopBody =
      llvm::function_ref<SmallVector<Value>(Value iv, ValueRange iterArgs)>;
  /// scf.for on i32 bounds; `body` returns the values to yield.
  SmallVector<Value> forLoop(Value lb, Value ub, Value step, ValueRange inits,
                             LoopBody body);
  void ifThen(Value cond, llvm::function_ref<void()> thenBody);
  void ifThenElse(Value cond, llvm::function_ref<void()> thenBody,
                  llvm::function_ref<void()> elseBody);

  Value c32(int64_t v) { return arith::ConstantIntOp::create(b, i32, v); }
  Value c64(int64_t v) { return arith::ConstantIntOp::create(b, i64, v); }
  Value f32c(float v);
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, c32(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, c32(y)); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value eq(Value x, int64_t y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, c32(y));
  }
  Value minU(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value wide(Value x) { return arith::ExtUIOp::create(b, i64, x); }

  /// `base + index` elements of `element` in global memory.
  Value globalAt(Type element, Value base, Value index);
  Value loadGlobal(Type element, Value base, Value index);
  void storeGlobal(Value value, Value base, Value index);

  /// Declares the extern dynamic shared memory symbol once per module.
  void declareDynamicSmem();
  /// `__moec_smem + byteOffset`.
  Value smemAt(Value byteOffset);
  /// A kernel taking `argTypes`, launched with `threads` threads per CTA,
  /// with its entry block as the insertion point (the caller returns).
  LLVM::LLVMFuncOp createKernel(llvm::StringRef name, TypeRange argTypes,
                                int64_t threads);

  ImplicitLocOpBuilder &b;
  Type i1, i8, i16, i32, i64, f32, bf16;
  LLVM::LLVMPointerType genericPtr, globalPtr, sharedPtr, clusterPtr;
  /// The smem symbol's address, set by createKernel.
  Value smem;
};

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_KERNELBUILDER_H
