//===- HookCalls.h - Calls into the emulation runtime -----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Emulated operations call the runtime through the hook table
// `@__moec_emu_hooks` (moec/emulator_abi.h) rather than through external
// symbols: the emulation object then resolves nothing at load time, so the
// emulator can be loaded with RTLD_LOCAL by any process.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_EMULATION_HOOKCALLS_H
#define MOEC_CODEGEN_HOPPER_EMULATION_HOOKCALLS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::moec::hopper::emulation {

inline constexpr llvm::StringLiteral kHookTableSymbol = "__moec_emu_hooks";

/// Emits hook calls into one module; site strings are deduplicated.
class HookCaller {
public:
  explicit HookCaller(ModuleOp module);

  /// Calls hook `hook` with `args` and the site string `site` appended.
  /// Pointer arguments are cast to the generic address space. Returns the
  /// call's result (null when `result` is null).
  Value call(OpBuilder &b, Location loc, unsigned hook, Type result,
             ValueRange args, llvm::StringRef site);

  /// The address of a private NUL-terminated string holding `text`.
  Value siteString(OpBuilder &b, Location loc, llvm::StringRef text);

  /// "kernel: opname #n": a site name unique within the module.
  std::string siteName(Operation *op);

private:
  LLVM::GlobalOp hookTable();

  ModuleOp module;
  LLVM::GlobalOp table;
  llvm::StringMap<std::string> siteSymbols;
  llvm::StringMap<unsigned> opCounts;
  unsigned siteCount = 0;
};

/// The host-generic pointer type.
LLVM::LLVMPointerType genericPointer(MLIRContext *context);

} // namespace mlir::moec::hopper::emulation

#endif // MOEC_CODEGEN_HOPPER_EMULATION_HOOKCALLS_H
