//===- HookCalls.cpp - Calls into the emulation runtime ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/HookCalls.h"
#include "moec/emulator_abi.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

LLVM::LLVMPointerType
mlir::moec::hopper::emulation::genericPointer(MLIRContext *context) {
  return LLVM::LLVMPointerType::get(context);
}

static constexpr llvm::StringLiteral kSitePrefix = "__moec_emu_site_";

HookCaller::HookCaller(ModuleOp module) : module(module) {
  table = module.lookupSymbol<LLVM::GlobalOp>(kHookTableSymbol);
  // Earlier passes' site strings are reused, and new names stay unique.
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (!global.getSymName().starts_with(kSitePrefix))
      continue;
    ++siteCount;
    if (auto text = dyn_cast_or_null<StringAttr>(global.getValueOrNull()))
      siteSymbols.try_emplace(text.getValue().drop_back(),
                              global.getSymName().str());
  }
}

/// `void *__moec_emu_hooks[MOEC_EMU_HOOK_COUNT]`, zero until the emulator
/// fills it after loading the object.
LLVM::GlobalOp HookCaller::hookTable() {
  if (table)
    return table;
  MLIRContext *context = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type =
      LLVM::LLVMArrayType::get(genericPointer(context), MOEC_EMU_HOOK_COUNT);
  table = LLVM::GlobalOp::create(b, module.getLoc(), type,
                                 /*isConstant=*/false, LLVM::Linkage::External,
                                 kHookTableSymbol, Attribute(),
                                 /*alignment=*/8);
  Block *init = b.createBlock(&table.getInitializerRegion());
  b.setInsertionPointToStart(init);
  Value zero = LLVM::ZeroOp::create(b, module.getLoc(), type);
  LLVM::ReturnOp::create(b, module.getLoc(), zero);
  return table;
}

Value HookCaller::siteString(OpBuilder &b, Location loc, llvm::StringRef text) {
  auto it = siteSymbols.find(text);
  if (it == siteSymbols.end()) {
    std::string symbol = (kSitePrefix + llvm::Twine(siteCount++)).str();
    it = siteSymbols.try_emplace(text, symbol).first;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    std::string bytes = text.str();
    bytes.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
    LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                           LLVM::Linkage::Private, symbol,
                           b.getStringAttr(bytes), /*alignment=*/1);
  }
  return LLVM::AddressOfOp::create(b, loc, genericPointer(b.getContext()),
                                   it->second);
}

std::string HookCaller::siteName(Operation *op) {
  auto func = op->getParentOfType<LLVM::LLVMFuncOp>();
  llvm::StringRef kernel = func ? func.getSymName() : "?";
  std::string key = (kernel + "/" + op->getName().getStringRef()).str();
  unsigned index = ++opCounts[key];
  std::string site =
      llvm::formatv("{0}: {1} #{2}", kernel, op->getName(), index).str();
  // Kernels parsed from a file carry their source position.
  if (auto fileLoc = dyn_cast<FileLineColLoc>(op->getLoc()))
    site += llvm::formatv(" ({0}:{1}:{2})", fileLoc.getFilename(),
                          fileLoc.getLine(), fileLoc.getColumn())
                .str();
  return site;
}

Value HookCaller::call(OpBuilder &b, Location loc, unsigned hook, Type result,
                       ValueRange args, llvm::StringRef site) {
  MLIRContext *context = b.getContext();
  LLVM::LLVMPointerType ptr = genericPointer(context);
  SmallVector<Value> operands;
  SmallVector<Type> types;
  for (Value arg : args) {
    auto pointer = dyn_cast<LLVM::LLVMPointerType>(arg.getType());
    if (pointer && pointer.getAddressSpace() != 0)
      arg = LLVM::AddrSpaceCastOp::create(b, loc, ptr, arg);
    operands.push_back(arg);
    types.push_back(arg.getType());
  }
  operands.push_back(siteString(b, loc, site));
  types.push_back(ptr);

  LLVM::GlobalOp hooks = hookTable();
  Value base = LLVM::AddressOfOp::create(b, loc, ptr, hooks.getSymName());
  Value slot = LLVM::GEPOp::create(
      b, loc, ptr, hooks.getGlobalType(), base,
      ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(hook)});
  Value callee = LLVM::LoadOp::create(b, loc, ptr, slot);
  Type resultType = result ? result : LLVM::LLVMVoidType::get(context);
  auto calleeType = LLVM::LLVMFunctionType::get(resultType, types);
  SmallVector<Value> callOperands = {callee};
  callOperands.append(operands);
  auto callOp = LLVM::CallOp::create(b, loc, calleeType, callOperands);
  return result ? callOp.getResult() : Value();
}
