//===- EntryPoints.cpp - moec-emu-entry-points ------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "moec/emulator_abi.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::moec::hopper::emulation {
#define GEN_PASS_DEF_EMUENTRYPOINTS
#include "codegen/hopper/emulation/Passes.h.inc"
} // namespace mlir::moec::hopper::emulation

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

namespace {

/// How the driver copies one kernel parameter.
struct ParamLayout {
  uint32_t size, align;
  bool byValue;
};

/// One kernel's row of `__moec_emu_kernels`.
struct KernelRecord {
  std::string name, launch;
  SmallVector<ParamLayout> params;
  uint32_t maxThreads = 0;
};

class EntryPointBuilder {
public:
  EntryPointBuilder(ModuleOp module, const DataLayout &layout)
      : module(module), layout(layout), ctx(module.getContext()),
        ptr(LLVM::LLVMPointerType::get(ctx)) {}

  /// Adds the launch function of `kernel` and drops its NVVM attributes.
  KernelRecord addLaunch(LLVM::LLVMFuncOp kernel);
  /// The ABI symbols of moec/emulator_abi.h.
  void addAbiSymbols(ArrayRef<KernelRecord> kernels, uint64_t imageHash);

private:
  LLVM::GlobalOp constantGlobal(llvm::StringRef name, Type type,
                                Attribute value, LLVM::Linkage linkage);
  /// A private `i32[]` global with `values` (none: null pointer).
  Value i32Array(OpBuilder &b, llvm::StringRef name, ArrayRef<uint32_t> values);

  ModuleOp module;
  const DataLayout &layout;
  MLIRContext *ctx;
  LLVM::LLVMPointerType ptr;
};

KernelRecord EntryPointBuilder::addLaunch(LLVM::LLVMFuncOp kernel) {
  KernelRecord record;
  record.name = kernel.getSymName().str();
  record.launch = "__moec_emu_launch_" + record.name;
  if (auto maxntid = kernel->getAttrOfType<DenseI32ArrayAttr>(
          NVVM::NVVMDialect::getMaxntidAttrName())) {
    record.maxThreads = 1;
    for (int32_t dim : maxntid.asArrayRef())
      record.maxThreads *= dim;
  }
  Location loc = kernel.getLoc();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr});
  auto launch = LLVM::LLVMFuncOp::create(b, loc, record.launch, type);
  b.setInsertionPointToStart(launch.addEntryBlock(b));
  Value params = launch.getArgument(0);
  SmallVector<Value> args;
  for (auto [index, argType] :
       llvm::enumerate(kernel.getFunctionType().getParams())) {
    Value slot = LLVM::GEPOp::create(
        b, loc, ptr, ptr, params,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    Value address = LLVM::LoadOp::create(b, loc, ptr, slot);
    // A by-value aggregate (a CUtensorMap) is passed by its address, as the
    // byval attribute expects; scalars and pointers are loaded.
    if (auto byval = kernel.getArgAttrOfType<TypeAttr>(
            index, LLVM::LLVMDialect::getByValAttrName())) {
      auto align = kernel.getArgAttrOfType<IntegerAttr>(
          index, LLVM::LLVMDialect::getAlignAttrName());
      record.params.push_back(
          {static_cast<uint32_t>(
               layout.getTypeSize(byval.getValue()).getFixedValue()),
           align ? static_cast<uint32_t>(align.getInt()) : 8u, true});
      args.push_back(address);
      continue;
    }
    record.params.push_back(
        {static_cast<uint32_t>(layout.getTypeSize(argType).getFixedValue()),
         static_cast<uint32_t>(layout.getTypeABIAlignment(argType)), false});
    args.push_back(LLVM::LoadOp::create(b, loc, argType, address));
  }
  LLVM::CallOp::create(b, loc, kernel, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});

  // Host code has no use for the launch bounds and grid_constant markers.
  for (NamedAttribute attr : llvm::to_vector(kernel->getDiscardableAttrs()))
    if (attr.getName().getValue().starts_with("nvvm."))
      kernel->removeAttr(attr.getName());
  for (unsigned i = 0, e = kernel.getNumArguments(); i < e; ++i)
    kernel.removeArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName());
  kernel.setLinkage(LLVM::Linkage::Internal);
  return record;
}

LLVM::GlobalOp EntryPointBuilder::constantGlobal(llvm::StringRef name,
                                                 Type type, Attribute value,
                                                 LLVM::Linkage linkage) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                                linkage, name, value);
}

Value EntryPointBuilder::i32Array(OpBuilder &b, llvm::StringRef name,
                                  ArrayRef<uint32_t> values) {
  Location loc = module.getLoc();
  if (values.empty())
    return LLVM::ZeroOp::create(b, loc, ptr);
  SmallVector<int32_t> data(values.begin(), values.end());
  auto type = LLVM::LLVMArrayType::get(b.getI32Type(), data.size());
  auto tensorType = RankedTensorType::get({static_cast<int64_t>(data.size())},
                                          b.getI32Type());
  constantGlobal(name, type, DenseIntElementsAttr::get(tensorType, data),
                 LLVM::Linkage::Private);
  return LLVM::AddressOfOp::create(b, loc, ptr, name);
}

void EntryPointBuilder::addAbiSymbols(ArrayRef<KernelRecord> kernels,
                                      uint64_t imageHash) {
  OpBuilder b(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  constantGlobal("__moec_emu_abi_version", i32,
                 b.getI32IntegerAttr(MOEC_EMU_ABI_VERSION),
                 LLVM::Linkage::External);
  constantGlobal("__moec_emu_image_hash", i64,
                 b.getI64IntegerAttr(static_cast<int64_t>(imageHash)),
                 LLVM::Linkage::External);
  constantGlobal("__moec_emu_kernel_count", i32,
                 b.getI32IntegerAttr(kernels.size()), LLVM::Linkage::External);

  // struct MoecEmuKernel { name, launch, param_count, param_sizes,
  // param_aligns, max_threads }, laid out as the C compiler does.
  auto recordType =
      LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr, i32, ptr, ptr, i32});
  auto tableType = LLVM::LLVMArrayType::get(recordType, kernels.size());
  LLVM::GlobalOp table = constantGlobal("__moec_emu_kernels", tableType,
                                        Attribute(), LLVM::Linkage::External);
  Location loc = module.getLoc();
  b.setInsertionPointToStart(b.createBlock(&table.getInitializerRegion()));
  Value value = LLVM::UndefOp::create(b, loc, tableType);
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    std::string nameSymbol = "__moec_emu_name_" + kernel.name;
    std::string nameBytes = kernel.name + '\0';
    {
      OpBuilder::InsertionGuard guard(b);
      constantGlobal(nameSymbol,
                     LLVM::LLVMArrayType::get(b.getI8Type(), nameBytes.size()),
                     b.getStringAttr(nameBytes), LLVM::Linkage::Private);
    }
    SmallVector<uint32_t> sizes, aligns;
    for (const ParamLayout &param : kernel.params) {
      sizes.push_back(param.size);
      aligns.push_back(param.align);
    }
    int64_t row = static_cast<int64_t>(index);
    auto insert = [&](Value field, int64_t position) {
      value = LLVM::InsertValueOp::create(b, loc, value, field,
                                          ArrayRef<int64_t>{row, position});
    };
    insert(LLVM::AddressOfOp::create(b, loc, ptr, nameSymbol), 0);
    insert(LLVM::AddressOfOp::create(b, loc, ptr, kernel.launch), 1);
    insert(LLVM::ConstantOp::create(b, loc, i32, kernel.params.size()), 2);
    insert(i32Array(b, "__moec_emu_sizes_" + kernel.name, sizes), 3);
    insert(i32Array(b, "__moec_emu_aligns_" + kernel.name, aligns), 4);
    insert(LLVM::ConstantOp::create(b, loc, i32, kernel.maxThreads), 5);
  }
  LLVM::ReturnOp::create(b, loc, value);
}

struct EmuEntryPoints
    : public ::mlir::moec::hopper::emulation::impl::EmuEntryPointsBase<
          EmuEntryPoints> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DataLayout layout(module);
    SmallVector<LLVM::LLVMFuncOp> kernels;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
        kernels.push_back(func);
    if (kernels.empty()) {
      module.emitError("no nvvm.kernel function to emulate");
      return signalPassFailure();
    }
    EntryPointBuilder builder(module, layout);
    SmallVector<KernelRecord> records;
    for (LLVM::LLVMFuncOp kernel : kernels)
      records.push_back(builder.addLaunch(kernel));
    builder.addAbiSymbols(records, imageHash);
  }
};
} // namespace
