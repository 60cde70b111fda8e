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
#include "runtime/CpuAbi.h"

namespace mlir::moec::cpu {
#define GEN_PASS_DEF_CPUEMITRUNTIMEENTRY
#include "codegen/cpu/Passes.h.inc"
} // namespace mlir::moec::cpu

using namespace mlir;
namespace abi = ::moec::runtime::cpuabi;

static uint64_t intOf(DictionaryAttr dict, StringRef key) {
  auto attr = dict ? dict.getAs<IntegerAttr>(key) : IntegerAttr();
  return attr ? attr.getInt() : 0;
}

/// The words of the ABI record (runtime/CpuAbi.h) of entry `entry` taking
/// `numParams` pointers, from `moec.cpu_abi` and `moec.cpu_arena`: what the
/// runtime checks the artifact's metadata against.
static SmallVector<uint64_t> abiRecord(DictionaryAttr abi, DictionaryAttr arena,
                                       StringRef entry, unsigned numParams) {
  SmallVector<uint64_t> words(abi::FirstEntry, 0);
  words[abi::Magic] = abi::kMagic;
  words[abi::VocabSize] = intOf(abi, "vocab_size");
  words[abi::KvCacheBytes] = intOf(abi, "kv_cache_bytes");
  words[abi::PackedSize] = intOf(abi, "packed_size");
  abi::LayoutHasher layout;
  for (Attribute a : abi.getAs<ArrayAttr>("weights")) {
    auto weight = cast<DictionaryAttr>(a);
    layout.addWeight(weight.getAs<StringAttr>("name").getValue(),
                     intOf(weight, "offset"), intOf(weight, "bytes"));
  }
  words[abi::LayoutHash] = layout.get();
  // The parameters moec-cpu-bind-runtime-abi lays out, then the arena that
  // moec-cpu-plan-arena appends.
  SmallVector<uint64_t> kinds = {
      abi::PackedWeightsKind, abi::KvCacheAllKind, abi::InputTokenIdsKind,
      abi::InputPositionsKind, abi::OutputLogitsKind};
  if (arena) {
    words[abi::MaxTokens] = intOf(arena, "max_tokens");
    ArrayRef<int64_t> size = arena.getAs<DenseI64ArrayAttr>("size");
    words[abi::ArenaBase] = size[0];
    words[abi::ArenaPerToken] = size[1];
    kinds.push_back(abi::ArenaBufferKind);
  }
  words[abi::EntryCount] = 1;
  words.push_back(
      abi::entryNameHash(std::string_view(entry.data(), entry.size())));
  words.push_back(numParams);
  words.append(kinds.begin(), kinds.end());
  words[abi::WordCount] = words.size();
  return words;
}

namespace {
struct CpuEmitRuntimeEntryPass
    : mlir::moec::cpu::impl::CpuEmitRuntimeEntryBase<CpuEmitRuntimeEntryPass> {
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
    emitAbiRecord(wrapperType.getNumParams(), loc);
  }

  /// Exports the ABI record of the model's forward entry; modules without
  /// `moec.cpu_abi` (single passes under test, the packing entry) get none.
  void emitAbiRecord(unsigned numParams, Location loc) {
    ModuleOp module = getOperation();
    auto abiAttr = module->getAttrOfType<DictionaryAttr>("moec.cpu_abi");
    if (!abiAttr || !abiAttr.get("vocab_size") ||
        abiAttr.getAs<StringAttr>("entry").getValue() != function ||
        module.lookupSymbol(abi::kSymbol))
      return;
    auto arena = module->getAttrOfType<DictionaryAttr>("moec.cpu_arena");
    SmallVector<uint64_t> words = abiRecord(abiAttr, arena, entry, numParams);
    SmallVector<int64_t> values(words.begin(), words.end());
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto i64 = b.getI64Type();
    auto type = LLVM::LLVMArrayType::get(i64, values.size());
    auto global = LLVM::GlobalOp::create(
        b, loc, type, /*isConstant=*/true, LLVM::Linkage::External,
        abi::kSymbol,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(values.size())}, i64),
            ArrayRef<int64_t>(values)));
    global.setAlignment(8);
  }
};
} // namespace
