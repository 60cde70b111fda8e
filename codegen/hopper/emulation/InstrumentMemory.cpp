//===- InstrumentMemory.cpp - moec-emu-instrument-memory --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/emulation/HookCalls.h"
#include "codegen/hopper/emulation/Passes.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "moec/emulator_abi.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::moec::hopper::emulation {
#define GEN_PASS_DEF_EMUINSTRUMENTMEMORY
#include "codegen/hopper/emulation/Passes.h.inc"
} // namespace mlir::moec::hopper::emulation

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

namespace {

/// What one access touches.
struct Access {
  Value address;
  Type valueType;
  uint64_t alignment = 0;
  bool read = false, write = false;
};

std::optional<Access> describeAccess(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Access>>(op)
      .Case([](LLVM::LoadOp load) {
        return Access{load.getAddr(), load.getType(),
                      load.getAlignment().value_or(0),
                      /*read=*/true, /*write=*/false};
      })
      .Case([](LLVM::StoreOp store) {
        return Access{store.getAddr(), store.getValue().getType(),
                      store.getAlignment().value_or(0), /*read=*/false,
                      /*write=*/true};
      })
      .Case([](LLVM::AtomicRMWOp rmw) {
        return Access{rmw.getPtr(), rmw.getVal().getType(),
                      rmw.getAlignment().value_or(0), true, true};
      })
      .Case([](LLVM::AtomicCmpXchgOp cmpxchg) {
        return Access{cmpxchg.getPtr(), cmpxchg.getVal().getType(),
                      cmpxchg.getAlignment().value_or(0), true, true};
      })
      .Default([](Operation *) { return std::nullopt; });
}

struct EmuInstrumentMemory
    : public ::mlir::moec::hopper::emulation::impl::EmuInstrumentMemoryBase<
          EmuInstrumentMemory> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    HookCaller hooks(module);
    DataLayout layout(module);
    SmallVector<std::pair<Operation *, Access>> accesses;
    module.walk([&](Operation *op) {
      std::optional<Access> access = describeAccess(op);
      if (!access)
        return;
      auto pointer = cast<LLVM::LLVMPointerType>(access->address.getType());
      unsigned space = pointer.getAddressSpace();
      // Stack slots (registers on the GPU) need no check.
      if ((space != 0 && space != 1 && space != 3) ||
          access->address.getDefiningOp<LLVM::AllocaOp>())
        return;
      accesses.push_back({op, *access});
    });
    for (auto &[op, access] : accesses) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      uint64_t bytes = layout.getTypeSize(access.valueType).getFixedValue();
      uint64_t alignment = access.alignment
                               ? access.alignment
                               : layout.getTypeABIAlignment(access.valueType);
      unsigned space = cast<LLVM::LLVMPointerType>(access.address.getType())
                           .getAddressSpace();
      uint32_t flags = MOEC_EMU_ACCESS_FLAGS(
          space, access.read, access.write, std::min<uint64_t>(alignment, 128));
      Value sizeValue = LLVM::ConstantOp::create(b, loc, b.getI32Type(), bytes);
      Value flagValue = LLVM::ConstantOp::create(b, loc, b.getI32Type(), flags);
      hooks.call(b, loc, MOEC_EMU_HOOK_ACCESS, Type(),
                 {access.address, sizeValue, flagValue}, hooks.siteName(op));
    }
  }
};
} // namespace
