//===- LowerNvvm.cpp - moec-emu-lower-nvvm ----------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each NVVM operation becomes a call through the hook table; the runtime
// (runtime/emulator) implements its PTX semantics. Operations are rewritten
// in place by a walk: every one maps to a fixed call sequence, and an
// operation without a model stops the pass with its name.
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/KernelBuilder.h"
#include "codegen/hopper/emulation/HookCalls.h"
#include "codegen/hopper/emulation/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "moec/emulator_abi.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::moec::hopper::emulation {
#define GEN_PASS_DEF_EMULOWERNVVM
#include "codegen/hopper/emulation/Passes.h.inc"
} // namespace mlir::moec::hopper::emulation

using namespace mlir;
using namespace mlir::moec::hopper::emulation;

namespace {

class NvvmLowering {
public:
  NvvmLowering(ModuleOp module) : module(module), hooks(module) {}

  /// Rewrites `op`; failure (with a diagnostic) when it has no model.
  LogicalResult lower(Operation *op);

private:
  Value i32(OpBuilder &b, Location loc, int64_t v) {
    return LLVM::ConstantOp::create(b, loc, b.getI32Type(), v);
  }
  Value callHook(Operation *op, OpBuilder &b, unsigned hook, Type result,
                 ValueRange args) {
    return hooks.call(b, op->getLoc(), hook, result, args, hooks.siteName(op));
  }
  /// Replaces `op` by the call of `hook` (its result, if any, replaces the
  /// op's only result).
  void replaceWithHook(Operation *op, unsigned hook, ValueRange args);
  std::optional<unsigned> specialRegister(Operation *op);
  /// A stack array of `count` x `element` at the function entry, so that
  /// loops do not grow the (small) fiber stacks.
  Value entryAlloca(Operation *op, Type element, int64_t count);

  LogicalResult lowerShfl(NVVM::ShflOp op);
  LogicalResult lowerElect(NVVM::ElectSyncOp op);
  LogicalResult lowerBarrier(NVVM::BarrierOp op);
  LogicalResult lowerTmaLoad(NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp op);
  LogicalResult lowerWgmma(NVVM::WgmmaMmaAsyncOp op);
  LogicalResult lowerCvtF8(NVVM::ConvertF32x2ToF8x2Op op);
  LogicalResult lowerFenceProxy(NVVM::FenceProxyOp op);

  ModuleOp module;
  HookCaller hooks;
};

std::optional<unsigned> NvvmLowering::specialRegister(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<unsigned>>(op)
      .Case([](NVVM::ThreadIdXOp) { return MOEC_EMU_SREG_TID_X; })
      .Case([](NVVM::ThreadIdYOp) { return MOEC_EMU_SREG_TID_Y; })
      .Case([](NVVM::ThreadIdZOp) { return MOEC_EMU_SREG_TID_Z; })
      .Case([](NVVM::BlockDimXOp) { return MOEC_EMU_SREG_NTID_X; })
      .Case([](NVVM::BlockDimYOp) { return MOEC_EMU_SREG_NTID_Y; })
      .Case([](NVVM::BlockDimZOp) { return MOEC_EMU_SREG_NTID_Z; })
      .Case([](NVVM::BlockIdXOp) { return MOEC_EMU_SREG_CTAID_X; })
      .Case([](NVVM::BlockIdYOp) { return MOEC_EMU_SREG_CTAID_Y; })
      .Case([](NVVM::BlockIdZOp) { return MOEC_EMU_SREG_CTAID_Z; })
      .Case([](NVVM::GridDimXOp) { return MOEC_EMU_SREG_NCTAID_X; })
      .Case([](NVVM::GridDimYOp) { return MOEC_EMU_SREG_NCTAID_Y; })
      .Case([](NVVM::GridDimZOp) { return MOEC_EMU_SREG_NCTAID_Z; })
      .Case([](NVVM::LaneIdOp) { return MOEC_EMU_SREG_LANEID; })
      .Case([](NVVM::WarpIdOp) { return MOEC_EMU_SREG_WARPID; })
      .Default([](Operation *) { return std::nullopt; });
}

void NvvmLowering::replaceWithHook(Operation *op, unsigned hook,
                                   ValueRange args) {
  OpBuilder b(op);
  Type result = op->getNumResults() ? op->getResult(0).getType() : Type();
  Value value = callHook(op, b, hook, result, args);
  if (result)
    op->getResult(0).replaceAllUsesWith(value);
  op->erase();
}

Value NvvmLowering::entryAlloca(Operation *op, Type element, int64_t count) {
  auto func = op->getParentOfType<LLVM::LLVMFuncOp>();
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  Value size = i32(b, op->getLoc(), 1);
  auto type = LLVM::LLVMArrayType::get(element, count);
  return LLVM::AllocaOp::create(b, op->getLoc(), genericPointer(b.getContext()),
                                type, size, /*alignment=*/16);
}

LogicalResult NvvmLowering::lower(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  if (std::optional<unsigned> reg = specialRegister(op)) {
    replaceWithHook(op, MOEC_EMU_HOOK_SREG, {i32(b, loc, *reg)});
    return success();
  }
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](NVVM::Barrier0Op) {
        replaceWithHook(op, MOEC_EMU_HOOK_BARRIER,
                        {i32(b, loc, 0), i32(b, loc, 0)});
        return success();
      })
      .Case([&](NVVM::BarrierOp barrier) { return lowerBarrier(barrier); })
      .Case([&](NVVM::ShflOp shfl) { return lowerShfl(shfl); })
      .Case([&](NVVM::ElectSyncOp elect) { return lowerElect(elect); })
      .Case([&](NVVM::SetMaxRegisterOp setmaxnreg) {
        bool increase =
            setmaxnreg.getAction() == NVVM::SetMaxRegisterAction::increase;
        replaceWithHook(
            op, MOEC_EMU_HOOK_SETMAXNREG,
            {i32(b, loc, setmaxnreg.getRegCount()), i32(b, loc, increase)});
        return success();
      })
      .Case([&](NVVM::MBarrierInitOp init) -> LogicalResult {
        if (init.getPredicate())
          return init.emitError("the emulator has no model of a predicated "
                                "mbarrier.init");
        replaceWithHook(op, MOEC_EMU_HOOK_MBARRIER_INIT,
                        {init.getAddr(), init.getCount()});
        return success();
      })
      .Case([&](NVVM::MBarrierArriveOp arrive) {
        Value count = arrive.getCount() ? arrive.getCount() : i32(b, loc, 1);
        Value state = callHook(op, b, MOEC_EMU_HOOK_MBARRIER_ARRIVE,
                               b.getI64Type(), {arrive.getAddr(), count});
        if (arrive.getRes())
          arrive.getRes().replaceAllUsesWith(state);
        op->erase();
        return success();
      })
      .Case([&](NVVM::MBarrierArriveExpectTxOp arrive) -> LogicalResult {
        if (arrive.getPredicate())
          return arrive.emitError("the emulator has no model of a predicated "
                                  "mbarrier.arrive.expect_tx");
        Value state =
            callHook(op, b, MOEC_EMU_HOOK_MBARRIER_ARRIVE_EXPECT_TX,
                     b.getI64Type(), {arrive.getAddr(), arrive.getTxcount()});
        if (arrive.getRes())
          arrive.getRes().replaceAllUsesWith(state);
        op->erase();
        return success();
      })
      .Case([&](NVVM::MBarrierTryWaitParityOp wait) {
        replaceWithHook(op, MOEC_EMU_HOOK_MBARRIER_WAIT_PARITY,
                        {wait.getAddr(), wait.getPhase()});
        return success();
      })
      .Case([&](NVVM::FenceMbarrierInitOp) {
        replaceWithHook(op, MOEC_EMU_HOOK_FENCE,
                        {i32(b, loc, MOEC_EMU_FENCE_MBARRIER_INIT)});
        return success();
      })
      .Case([&](NVVM::FenceProxyOp fence) { return lowerFenceProxy(fence); })
      .Case([&](NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp tma) {
        return lowerTmaLoad(tma);
      })
      .Case([&](NVVM::WgmmaFenceAlignedOp) {
        replaceWithHook(op, MOEC_EMU_HOOK_WGMMA_FENCE, {});
        return success();
      })
      .Case([&](NVVM::WgmmaGroupSyncAlignedOp) {
        replaceWithHook(op, MOEC_EMU_HOOK_WGMMA_COMMIT, {});
        return success();
      })
      .Case([&](NVVM::WgmmaWaitGroupSyncOp wait) {
        replaceWithHook(op, MOEC_EMU_HOOK_WGMMA_WAIT,
                        {i32(b, loc, wait.getGroup())});
        return success();
      })
      .Case([&](NVVM::WgmmaMmaAsyncOp mma) { return lowerWgmma(mma); })
      .Case([&](NVVM::ConvertF32x2ToF8x2Op cvt) { return lowerCvtF8(cvt); })
      .Default([&](Operation *) {
        return op->emitError() << "the Hopper emulator has no model of '"
                               << op->getName() << "'";
      });
}

LogicalResult NvvmLowering::lowerBarrier(NVVM::BarrierOp op) {
  if (op.getReductionOp())
    return op.emitError("the emulator has no model of barrier reductions");
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value id = op.getBarrierId() ? op.getBarrierId() : i32(b, loc, 0);
  Value threads =
      op.getNumberOfThreads() ? op.getNumberOfThreads() : i32(b, loc, 0);
  replaceWithHook(op, MOEC_EMU_HOOK_BARRIER, {id, threads});
  return success();
}

LogicalResult NvvmLowering::lowerShfl(NVVM::ShflOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32Type = b.getI32Type();
  Type valueType = op.getVal().getType();
  unsigned kind = 0;
  switch (op.getKind()) {
  case NVVM::ShflKind::bfly:
    kind = MOEC_EMU_SHFL_BFLY;
    break;
  case NVVM::ShflKind::up:
    kind = MOEC_EMU_SHFL_UP;
    break;
  case NVVM::ShflKind::down:
    kind = MOEC_EMU_SHFL_DOWN;
    break;
  case NVVM::ShflKind::idx:
    kind = MOEC_EMU_SHFL_IDX;
    break;
  }
  Value bits = op.getVal();
  if (valueType != i32Type)
    bits = LLVM::BitcastOp::create(b, loc, i32Type, bits);
  bool withValid = op.getReturnValueAndIsValid().value_or(false);
  Value valid =
      withValid ? entryAlloca(op, i32Type, 1)
                : LLVM::ZeroOp::create(b, loc, genericPointer(b.getContext()));
  Value result = callHook(op, b, MOEC_EMU_HOOK_SHFL, i32Type,
                          {i32(b, loc, kind), op.getThreadMask(), bits,
                           op.getOffset(), op.getMaskAndClamp(), valid});
  if (valueType != i32Type)
    result = LLVM::BitcastOp::create(b, loc, valueType, result);
  if (withValid) {
    Value flag = LLVM::LoadOp::create(b, loc, i32Type, valid);
    Value isValid = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, flag,
                                         i32(b, loc, 0));
    Type structType = op.getRes().getType();
    Value packed = LLVM::UndefOp::create(b, loc, structType);
    packed = LLVM::InsertValueOp::create(b, loc, packed, result,
                                         ArrayRef<int64_t>{0});
    result = LLVM::InsertValueOp::create(b, loc, packed, isValid,
                                         ArrayRef<int64_t>{1});
  }
  op.getRes().replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult NvvmLowering::lowerElect(NVVM::ElectSyncOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value mask = op.getMembermask() ? op.getMembermask() : i32(b, loc, -1);
  Value elected = callHook(op, b, MOEC_EMU_HOOK_ELECT, b.getI32Type(), {mask});
  Value pred = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, elected,
                                    i32(b, loc, 0));
  op.getPred().replaceAllUsesWith(pred);
  op.erase();
  return success();
}

LogicalResult NvvmLowering::lowerFenceProxy(NVVM::FenceProxyOp op) {
  if (op.getKind() != NVVM::ProxyKind::async &&
      op.getKind() != NVVM::ProxyKind::async_shared &&
      op.getKind() != NVVM::ProxyKind::async_global)
    return op.emitError() << "the emulator models fence.proxy.async only, not "
                          << "fence.proxy." << stringifyProxyKind(op.getKind());
  OpBuilder b(op);
  replaceWithHook(op, MOEC_EMU_HOOK_FENCE,
                  {i32(b, op.getLoc(), MOEC_EMU_FENCE_PROXY_ASYNC)});
  return success();
}

LogicalResult
NvvmLowering::lowerTmaLoad(NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp op) {
  if (op.getMode() != NVVM::TMALoadMode::TILE)
    return op.emitError("the emulator models tile-mode TMA loads only");
  if (op.getMulticastMask() || op.getPredicate() || op.getL2CacheHint() ||
      !op.getIm2colOffsets().empty())
    return op.emitError("the emulator has no model of TMA multicast, L2 cache "
                        "hints, predicates or im2col offsets");
  OpBuilder b(op);
  Location loc = op.getLoc();
  int64_t rank = op.getCoordinates().size();
  Value coords = entryAlloca(op, b.getI32Type(), rank);
  for (auto [index, coordinate] : llvm::enumerate(op.getCoordinates())) {
    Value slot = LLVM::GEPOp::create(
        b, loc, genericPointer(b.getContext()), b.getI32Type(), coords,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    LLVM::StoreOp::create(b, loc, coordinate, slot);
  }
  replaceWithHook(op, MOEC_EMU_HOOK_TMA_LOAD,
                  {op.getDstMem(), op.getTmaDescriptor(), coords,
                   i32(b, loc, rank), op.getMbar()});
  return success();
}

std::optional<unsigned> wgmmaType(NVVM::WGMMATypes type) {
  switch (type) {
  case NVVM::WGMMATypes::bf16:
    return MOEC_EMU_TYPE_BF16;
  case NVVM::WGMMATypes::f16:
    return MOEC_EMU_TYPE_F16;
  case NVVM::WGMMATypes::tf32:
    return MOEC_EMU_TYPE_TF32;
  case NVVM::WGMMATypes::e4m3:
    return MOEC_EMU_TYPE_E4M3;
  case NVVM::WGMMATypes::e5m2:
    return MOEC_EMU_TYPE_E5M2;
  case NVVM::WGMMATypes::s8:
    return MOEC_EMU_TYPE_S8;
  case NVVM::WGMMATypes::u8:
    return MOEC_EMU_TYPE_U8;
  default:
    return std::nullopt;
  }
}

/// The accumulator struct goes through a stack array: the runtime reads and
/// writes the thread's N/2 registers in place.
LogicalResult NvvmLowering::lowerWgmma(NVVM::WgmmaMmaAsyncOp op) {
  std::optional<unsigned> typeA = wgmmaType(op.getTypeA());
  std::optional<unsigned> typeB = wgmmaType(op.getTypeB());
  if (op.getTypeD() != NVVM::WGMMATypes::f32 || !typeA || !typeB)
    return op.emitError("the emulator models wgmma with f32 accumulators and "
                        "bf16/f16/tf32/e4m3/e5m2/s8/u8 operands only");
  auto structType = dyn_cast<LLVM::LLVMStructType>(op.getInouts().getType());
  NVVM::MMAShapeAttr shape = op.getShape();
  if (!structType || shape.getM() != 64 ||
      static_cast<int64_t>(structType.getBody().size()) != shape.getN() / 2)
    return op.emitError("expected an m64nN wgmma with N/2 f32 accumulators");
  OpBuilder b(op);
  Location loc = op.getLoc();
  int64_t registers = structType.getBody().size();
  Type f32 = b.getF32Type();
  Value array = entryAlloca(op, f32, registers);
  auto slot = [&](int64_t index) {
    return LLVM::GEPOp::create(
        b, loc, genericPointer(b.getContext()), f32, array,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
  };
  bool accumulate = op.getScaleD() == NVVM::WGMMAScaleOut::one;
  // With scale-d 0 the input registers are ignored (often undef).
  if (accumulate)
    for (int64_t i = 0; i < registers; ++i)
      LLVM::StoreOp::create(b, loc,
                            LLVM::ExtractValueOp::create(b, loc, op.getInouts(),
                                                         ArrayRef<int64_t>{i}),
                            slot(i));
  bool negA = op.getScaleA() == NVVM::WGMMAScaleIn::neg;
  bool negB = op.getScaleB() == NVVM::WGMMAScaleIn::neg;
  bool transA = op.getLayoutA() != NVVM::MMALayout::row;
  bool transB = op.getLayoutB() != NVVM::MMALayout::col;
  uint32_t config =
      MOEC_EMU_WGMMA_CONFIG(shape.getN(), shape.getK(), *typeA, *typeB,
                            accumulate, negA, negB, transA, transB);
  callHook(op, b, MOEC_EMU_HOOK_WGMMA, Type(),
           {array, op.getDescriptorA(), op.getDescriptorB(),
            i32(b, loc, static_cast<int32_t>(config))});
  Value result = LLVM::UndefOp::create(b, loc, structType);
  for (int64_t i = 0; i < registers; ++i)
    result = LLVM::InsertValueOp::create(
        b, loc, result, LLVM::LoadOp::create(b, loc, f32, slot(i)),
        ArrayRef<int64_t>{i});
  op.getResults().replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult NvvmLowering::lowerCvtF8(NVVM::ConvertF32x2ToF8x2Op op) {
  Type dst = op.getDstTy();
  unsigned type = 0;
  if (isa<Float8E4M3FNType>(dst))
    type = MOEC_EMU_TYPE_E4M3;
  else if (isa<Float8E5M2Type>(dst))
    type = MOEC_EMU_TYPE_E5M2;
  else
    return op.emitError() << "the emulator converts to f8E4M3FN and f8E5M2 "
                             "only, not "
                          << dst;
  if (op.getRnd() != NVVM::FPRoundingMode::RN ||
      op.getSat() != NVVM::SaturationMode::SATFINITE)
    return op.emitError("the emulator models cvt.rn.satfinite only");
  OpBuilder b(op);
  Location loc = op.getLoc();
  uint32_t config = type | (op.getRelu() ? MOEC_EMU_CVT_RELU : 0u);
  Value packed =
      callHook(op, b, MOEC_EMU_HOOK_CVT_F32X2_TO_F8X2, b.getI32Type(),
               {op.getA(), op.getB(), i32(b, loc, config)});
  Value result = LLVM::TruncOp::create(b, loc, b.getI16Type(), packed);
  if (op.getDst().getType() != result.getType())
    result = LLVM::BitcastOp::create(b, loc, op.getDst().getType(), result);
  op.getDst().replaceAllUsesWith(result);
  op.erase();
  return success();
}

/// The dynamic shared memory symbol becomes the CTA's window; any other
/// shared global would need a static layout the emulator does not model.
LogicalResult lowerSharedSymbols(ModuleOp module, HookCaller &hooks) {
  LogicalResult result = success();
  SmallVector<LLVM::GlobalOp> sharedGlobals;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (global.getAddrSpace() != 3)
      continue;
    if (global.getSymName() != moec::hopper::kSmemSymbol) {
      result = global.emitError("the emulator models the dynamic shared "
                                "memory symbol only, not static shared "
                                "globals");
      continue;
    }
    sharedGlobals.push_back(global);
  }
  if (failed(result))
    return result;
  module.walk([&](LLVM::AddressOfOp address) {
    if (address.getGlobalName() != moec::hopper::kSmemSymbol)
      return;
    OpBuilder b(address);
    Value base =
        hooks.call(b, address.getLoc(), MOEC_EMU_HOOK_DYNAMIC_SMEM,
                   genericPointer(b.getContext()), {}, hooks.siteName(address));
    Value shared = LLVM::AddrSpaceCastOp::create(b, address.getLoc(),
                                                 address.getType(), base);
    address.replaceAllUsesWith(shared);
    address.erase();
  });
  for (LLVM::GlobalOp global : sharedGlobals)
    global.erase();
  return success();
}

struct EmuLowerNvvm
    : public ::mlir::moec::hopper::emulation::impl::EmuLowerNvvmBase<
          EmuLowerNvvm> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> nvvmOps;
    module.walk([&](Operation *op) {
      if (isa<NVVM::NVVMDialect>(op->getDialect()))
        nvvmOps.push_back(op);
    });
    NvvmLowering lowering(module);
    bool failedAny = false;
    for (Operation *op : nvvmOps)
      failedAny |= failed(lowering.lower(op));
    HookCaller hooks(module);
    if (failedAny || failed(lowerSharedSymbols(module, hooks)))
      signalPassFailure();
  }
};
} // namespace
