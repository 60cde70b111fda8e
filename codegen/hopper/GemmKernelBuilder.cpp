//===- GemmKernelBuilder.cpp - NVVM IR of a Hopper GEMM kernel --*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Builds the persistent warp-specialized GEMM kernel at the NVVM level
// (reference/hopper-notes.md: nvgpu.warpgroup.mma mis-steps FP8
// descriptors, so wgmma and its descriptors are emitted here directly).
//
// Promotion and the epilogues are in GemmKernelEpilogue.cpp.
//
// Warpgroup 0 is the producer: after giving registers back (setmaxnreg
// 40), one elected thread of its first warp walks the CTA's tiles and
// their K blocks, waits for a free stage (mbarrier `empty`), and issues
// two TMA loads (A and B tiles, 128-byte swizzled K-major rows) that
// complete the stage's `full` mbarrier. Warpgroups 1.. are consumers
// (setmaxnreg 232), each owning 64 rows of the tile: per K block they wait
// for `full`, issue tileK / mmaK wgmma into their accumulator, wait for
// them, release the stage, and for FP8 promote the block's partial sums
// into an fp32 total with the block scales (Hopper's FP8 accumulation
// keeps about 14 bits). The epilogue applies row-wise scales and the
// activation and stores bf16 pairs straight from the wgmma fragment.
//
// The swap-AB (decode) variant has one consumer whose wgmma A operand is
// a 64-row part of the weight tile and B operand the tile's few tokens:
// one accumulator per part, tokens along the fragment's columns.
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/GemmKernelBuilderImpl.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;
using namespace mlir::moec::hopper::detail;

namespace {
/// Registers per thread after setmaxnreg: the producer needs few, the
/// consumers hold the accumulators (40 x 128 + 232 x 256 <= 64K).
constexpr uint32_t kProducerRegisters = 40;
constexpr uint32_t kConsumerRegisters = 232;
/// mbarrier.try_wait suspend-time hint (ns), as CUTLASS uses.
constexpr int64_t kWaitTicks = 10000000;
} // namespace

GemmKernelBuilder::GemmKernelBuilder(ImplicitLocOpBuilder &b,
                                     const GemmKernelSpec &spec)
    : KernelBuilderBase(b), spec(spec) {
  accType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(spec.mmaN() / 2, f32));
}

//===----------------------------------------------------------------------===//
// Shared memory
//===----------------------------------------------------------------------===//

Value GemmKernelBuilder::fullBarrier(Value stage) {
  return smemAt(add(c32(barrierBase()), mul(stage, c32(8))));
}

Value GemmKernelBuilder::emptyBarrier(Value stage) {
  return smemAt(add(c32(barrierBase() + 8 * spec.stages), mul(stage, c32(8))));
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

LLVM::LLVMFuncOp GemmKernelBuilder::createFunction() {
  SmallVector<Type, 8> argTypes(spec.rowAmax ? kRowAmax + 1 : kRowAmax);
  argTypes[kTmapA] = argTypes[kTmapB] = genericPtr;
  argTypes[kC] = argTypes[kScaleA] = argTypes[kScaleB] = globalPtr;
  argTypes[kM] = spec.isGrouped() ? Type(globalPtr) : Type(i32);
  if (spec.rowAmax)
    argTypes[kRowAmax] = globalPtr;
  LLVM::LLVMFuncOp func = createKernel(spec.name, argTypes, spec.threads());
  // TMA descriptors are by-value grid_constant parameters: no copy to
  // global memory and no proxy fence per launch (hopper-notes.md).
  Type descriptorBytes = LLVM::LLVMArrayType::get(i8, 128);
  for (int arg : {kTmapA, kTmapB}) {
    func.setArgAttr(arg, LLVM::LLVMDialect::getByValAttrName(),
                    TypeAttr::get(descriptorBytes));
    func.setArgAttr(arg, LLVM::LLVMDialect::getAlignAttrName(),
                    b.getI64IntegerAttr(64));
    func.setArgAttr(arg, NVVM::NVVMDialect::getGridConstantAttrName(),
                    b.getUnitAttr());
  }
  for (int arg : {kC, kScaleA, kScaleB})
    func.setArgAttr(arg, LLVM::LLVMDialect::getNoAliasAttrName(),
                    b.getUnitAttr());
  return func;
}

void GemmKernelBuilder::build() {
  OpBuilder::InsertionGuard guard(b);
  LLVM::LLVMFuncOp func = createFunction();
  args.assign(func.getArguments().begin(), func.getArguments().end());
  tid = NVVM::ThreadIdXOp::create(b, i32);
  if (spec.isGrouped()) {
    // Rows in use: the end of the last expert's (tile-aligned) segment.
    m = loadGlobal(i32, args[kOffsets], c32(spec.experts));
  } else {
    m = spec.m ? c32(*spec.m) : args[kM];
  }
  mBlocks = div(add(m, c32(spec.tileM - 1)), spec.tileM);
  int64_t nBlocks = (spec.outputN() + spec.bBoxRows() - 1) / spec.bBoxRows();
  numTiles = mul(mBlocks, c32(nBlocks));
  initBarriers();
  Value warpgroup = div(tid, 128);
  ifThenElse(
      eq(warpgroup, 0), [&] { emitProducer(); },
      [&] { emitConsumer(warpgroup); });
  LLVM::ReturnOp::create(b, ValueRange{});
}

/// One thread initializes every stage's barriers: `full` completes when the
/// producer's arrive and both TMA transactions are done, `empty` when every
/// consumer thread has released the stage.
void GemmKernelBuilder::initBarriers() {
  ifThen(eq(tid, 0), [&] {
    for (int64_t stage = 0; stage < spec.stages; ++stage) {
      NVVM::MBarrierInitOp::create(b, fullBarrier(c32(stage)), c32(1), Value());
      NVVM::MBarrierInitOp::create(b, emptyBarrier(c32(stage)),
                                   c32(128 * spec.consumers), Value());
    }
    NVVM::FenceMbarrierInitOp::create(b);
  });
  NVVM::Barrier0Op::create(b);
}

/// Tiles run M-fastest; a grouped tile's expert is found from its first row.
TileCoords GemmKernelBuilder::locateTile(Value tile) {
  TileCoords coords;
  coords.mBlock = arith::RemUIOp::create(b, tile, mBlocks);
  coords.nBlock = arith::DivUIOp::create(b, tile, mBlocks);
  if (spec.isGrouped())
    coords.expert = findExpert(mul(coords.mBlock, c32(spec.tileM)));
  return coords;
}

/// The largest e < E with offsets[e] <= row: a binary search unrolled over
/// ceil(log2 E) steps. Segments are tile-aligned, so a row tile lies in one
/// expert; runs of empty experts share an offset and the search lands on
/// the last of them, the one whose segment holds the row.
Value GemmKernelBuilder::findExpert(Value row) {
  Value lo = c32(0), hi = c32(spec.experts);
  for (int64_t span = 1; span < spec.experts; span *= 2) {
    Value mid = div(add(lo, hi), 2);
    Value address =
        LLVM::GEPOp::create(b, globalPtr, i32, args[kOffsets], ValueRange{mid});
    Value start = LLVM::LoadOp::create(b, i32, address);
    Value inside =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ule, start, row);
    lo = arith::SelectOp::create(b, inside, mid, lo);
    hi = arith::SelectOp::create(b, inside, hi, mid);
  }
  return lo;
}

//===----------------------------------------------------------------------===//
// Producer
//===----------------------------------------------------------------------===//

void GemmKernelBuilder::emitProducer() {
  NVVM::SetMaxRegisterOp::create(b, kProducerRegisters,
                                 NVVM::SetMaxRegisterAction::decrease);
  Value blockId = NVVM::BlockIdXOp::create(b, i32);
  Value gridSize = NVVM::GridDimXOp::create(b, i32);
  ifThen(eq(div(tid, 32), 0), [&] {
    Value elected = NVVM::ElectSyncOp::create(b, i1, Value());
    ifThen(elected, [&] {
      forLoop(blockId, numTiles, gridSize, {c32(0)},
              [&](Value tile, ValueRange tileArgs) -> SmallVector<Value> {
                TileCoords coords = locateTile(tile);
                return forLoop(
                    c32(0), c32(spec.kBlocks()), c32(1), tileArgs,
                    [&](Value kb, ValueRange kArgs) -> SmallVector<Value> {
                      emitStageLoad(kArgs[0], kb, coords);
                      return {add(kArgs[0], c32(1))};
                    });
              });
    });
  });
}

/// K block `kb` of a tile into stage `it % stages`: wait until the stage is
/// free, announce its bytes on `full`, issue the TMA loads. Grouped B is
/// [E, N, K]: a 3D map whose rows past N read zeros, never the next
/// expert's weights. SwiGLU loads the gate rows and then the matching up
/// rows.
void GemmKernelBuilder::emitStageLoad(Value it, Value kb,
                                      const TileCoords &coords) {
  Value stage = rem(it, spec.stages);
  Value parity = rem(div(it, spec.stages), 2);
  Value freeParity = spec.defect == KernelDefect::EmptyParityFlipped
                         ? parity
                         : arith::XOrIOp::create(b, parity, c32(1));
  NVVM::MBarrierTryWaitParityOp::create(b, emptyBarrier(stage), freeParity,
                                        c32(kWaitTicks));
  Value full = fullBarrier(stage);
  NVVM::MBarrierArriveExpectTxOp::create(
      b, Type(), full,
      c32(spec.stageBytes() -
          (spec.defect == KernelDefect::ExpectTxShort ? 16 : 0)),
      NVVM::MemScopeKind::CTA,
      /*relaxed=*/false, Value());
  Value kCoord = mul(kb, c32(spec.tileK));
  Value aRow = mul(coords.mBlock, c32(spec.tileM));
  Value bRow = mul(coords.nBlock, c32(spec.bBoxRows()));
  Value bTile = add(stageOffset(stage), c32(aTileBytes()));
  SmallVector<std::pair<Value, Value>, 3> loads = {
      {smemAt(stageOffset(stage)), aRow}, {smemAt(bTile), bRow}};
  if (spec.isSwiGlu())
    loads.push_back({smemAt(add(bTile, c32(spec.bBoxRows() * kRowBytes))),
                     add(bRow, c32(spec.outputN()))});
  for (auto [index, load] : llvm::enumerate(loads)) {
    auto [dst, row] = load;
    SmallVector<Value, 3> coordinates = {kCoord, row};
    if (index > 0 && spec.isGrouped())
      coordinates.push_back(coords.expert);
    // The CTA's own shared::cta address is a valid shared::cluster address
    // (the PTX 8.0 form).
    Value clusterDst = LLVM::AddrSpaceCastOp::create(b, clusterPtr, dst);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, clusterDst, args[index ? kTmapB : kTmapA], coordinates, full,
        ValueRange{}, Value(), Value(), NVVM::TMALoadMode::TILE,
        /*isCTAOnly=*/false, nullptr, Value());
  }
}

//===----------------------------------------------------------------------===//
// Consumers
//===----------------------------------------------------------------------===//

void GemmKernelBuilder::emitConsumer(Value warpgroup) {
  NVVM::SetMaxRegisterOp::create(b, kConsumerRegisters,
                                 NVVM::SetMaxRegisterAction::increase);
  Value blockId = NVVM::BlockIdXOp::create(b, i32);
  Value gridSize = NVVM::GridDimXOp::create(b, i32);
  consumer = arith::SubIOp::create(b, warpgroup, c32(1));
  // wgmma's m64nN fragment: warp w of the warpgroup holds rows 16w..16w+15,
  // lane l rows l/4 and l/4 + 8, columns 2(l%4) + {0,1} of each 8 columns.
  Value thread = rem(tid, 128);
  Value lane = rem(thread, 32);
  fragmentRow = add(mul(consumer, c32(64)),
                    add(mul(div(thread, 32), c32(16)), div(lane, 4)));
  fragmentCol = mul(rem(lane, 4), c32(2));
  forLoop(blockId, numTiles, gridSize, {c32(0)},
          [&](Value tile, ValueRange tileArgs) -> SmallVector<Value> {
            TileCoords coords = locateTile(tile);
            Accumulators accs;
            Value it = spec.isFp8() ? emitFp8KLoop(tileArgs[0], accs, coords)
                                    : emitBf16KLoop(tileArgs[0], accs);
            if (spec.swapAB)
              emitSwapEpilogue(accs, coords);
            else
              emitEpilogue(accs.front(), coords);
            return {it};
          });
}

Value GemmKernelBuilder::waitFull(Value it) {
  Value stage = rem(it, spec.stages);
  Value parity = rem(div(it, spec.stages), 2);
  NVVM::MBarrierTryWaitParityOp::create(b, fullBarrier(stage), parity,
                                        c32(kWaitTicks));
  return stage;
}

void GemmKernelBuilder::releaseStage(Value it) {
  auto arrive = [&] {
    NVVM::MBarrierArriveOp::create(b, Type(),
                                   emptyBarrier(rem(it, spec.stages)), Value());
  };
  if (spec.defect == KernelDefect::SkipEmptyArrive)
    ifThen(arith::CmpIOp::create(b, arith::CmpIPredicate::ne, rem(tid, 128),
                                 c32(0)),
           arrive);
  else
    arrive();
}

/// FP8: every K block starts fresh partial accumulators (scale-d 0 on their
/// first wgmma) that are promoted into the fp32 totals once the block is
/// done.
Value GemmKernelBuilder::emitFp8KLoop(Value it, Accumulators &totals,
                                      const TileCoords &coords) {
  // The first wgmma of a block ignores its input (scale-d 0): undefined
  // inputs keep LLVM from zeroing the registers every block.
  int64_t parts = spec.mmaParts();
  SmallVector<Value> unused(parts, LLVM::UndefOp::create(b, accType));
  SmallVector<Value> inits = {it};
  inits.append(parts, LLVM::ZeroOp::create(b, accType));
  SmallVector<Value> results = forLoop(
      c32(0), c32(spec.kBlocks()), c32(1), inits,
      [&](Value kb, ValueRange kArgs) -> SmallVector<Value> {
        Accumulators partials =
            emitMmaKBlock(unused, kArgs[0], /*zeroFirst=*/true);
        releaseStage(kArgs[0]);
        Accumulators promoted =
            spec.swapAB
                ? emitSwapPromotion(kArgs.drop_front(), partials, kb, coords)
                : Accumulators{
                      emitPromotion(kArgs[1], partials.front(), kb, coords)};
        SmallVector<Value> next = {add(kArgs[0], c32(1))};
        next.append(promoted.begin(), promoted.end());
        return next;
      });
  totals.assign(results.begin() + 1, results.end());
  return results[0];
}

/// BF16: one accumulator per part over all of K; the first K block is
/// peeled so its first wgmma starts from zero (scale-d 0) rather than from
/// zeroed registers, which makes ptxas insert waits into the wgmma chain.
Value GemmKernelBuilder::emitBf16KLoop(Value it, Accumulators &accs) {
  SmallVector<Value> unused(spec.mmaParts(), LLVM::UndefOp::create(b, accType));
  Accumulators first = emitMmaKBlock(unused, it, /*zeroFirst=*/true);
  releaseStage(it);
  SmallVector<Value> inits = {add(it, c32(1))};
  inits.append(first.begin(), first.end());
  SmallVector<Value> results =
      forLoop(c32(1), c32(spec.kBlocks()), c32(1), inits,
              [&](Value, ValueRange kArgs) -> SmallVector<Value> {
                Accumulators next = emitMmaKBlock(kArgs.drop_front(), kArgs[0],
                                                  /*zeroFirst=*/false);
                releaseStage(kArgs[0]);
                SmallVector<Value> yielded = {add(kArgs[0], c32(1))};
                yielded.append(next.begin(), next.end());
                return yielded;
              });
  accs.assign(results.begin() + 1, results.end());
  return results[0];
}

/// wgmma shared-memory descriptor for a 128B-swizzled K-major tile:
/// start address >> 4, leading byte offset 1 (unused when swizzled), stride
/// byte offset 1024 B (8 rows of 128 B) >> 4, swizzle mode 1 (128B).
Value GemmKernelBuilder::descriptor(Value sharedAddress) {
  uint64_t strideField = spec.defect == KernelDefect::WrongSbo ? 32 : 64;
  uint64_t swizzleMode = spec.defect == KernelDefect::WrongSwizzle ? 2 : 1;
  uint64_t kFixedBits =
      (uint64_t(1) << 16) | (strideField << 32) | (swizzleMode << 62);
  Value address = wide(sharedAddress);
  Value field = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, address, c64(0x3FFFF)), c64(4));
  return arith::OrIOp::create(b, field, c64(kFixedBits));
}

/// One stage's wgmma chain: tileK / mmaK steps, each advancing both
/// descriptors by 32 bytes within the swizzled rows. Unswapped, the
/// consumer's 64 token rows times the B tile; swapped, each 64-row part of
/// the B tile (wgmma A) times the tile's tokens (wgmma B).
Accumulators GemmKernelBuilder::emitMmaKBlock(ValueRange accs, Value it,
                                              bool zeroFirst) {
  Value stage = waitFull(it);
  Value smemBase = LLVM::PtrToIntOp::create(b, i32, smem);
  Value stageBase = add(smemBase, stageOffset(stage));
  Value tokens = add(stageBase, mul(consumer, c32(64 * kRowBytes)));
  Value weights = add(stageBase, c32(aTileBytes()));
  NVVM::WGMMATypes type =
      spec.isFp8() ? NVVM::WGMMATypes::e4m3 : NVVM::WGMMATypes::bf16;
  auto shape =
      NVVM::MMAShapeAttr::get(b.getContext(), 64, spec.mmaN(), spec.mmaK);
  int64_t stepBytes = spec.mmaK * spec.elementBytes();
  Accumulators result(accs.begin(), accs.end());
  NVVM::WgmmaFenceAlignedOp::create(b);
  for (int64_t step = 0; step < spec.tileK / spec.mmaK; ++step) {
    NVVM::WGMMAScaleOut scaleD = zeroFirst && step == 0
                                     ? NVVM::WGMMAScaleOut::zero
                                     : NVVM::WGMMAScaleOut::one;
    for (int64_t part = 0; part < spec.mmaParts(); ++part) {
      Value partWeights = add(weights, c32(part * 64 * kRowBytes));
      Value descA = descriptor(
          add(spec.swapAB ? partWeights : tokens, c32(step * stepBytes)));
      Value descB = descriptor(
          add(spec.swapAB ? tokens : weights, c32(step * stepBytes)));
      result[part] = NVVM::WgmmaMmaAsyncOp::create(
          b, accType, result[part], descA, descB, shape, type, type,
          NVVM::WGMMATypes::f32, scaleD, NVVM::WGMMAScaleIn::one,
          NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
          nullptr);
    }
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
  return result;
}

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> hopper::createKernelModule(MLIRContext *context,
                                                 llvm::StringRef name,
                                                 ImplicitLocOpBuilder &b) {
  context->loadDialect<arith::ArithDialect, gpu::GPUDialect, LLVM::LLVMDialect,
                       NVVM::NVVMDialect, scf::SCFDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getLoc());
  (*module)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                     b.getUnitAttr());
  b.setInsertionPointToEnd(module->getBody());
  // +ptx80: wgmma, setmaxnreg, elect.sync and TMA need PTX ISA 8.0; ptxas
  // of CUDA 12 and 13 both accept it.
  auto target = NVVM::NVVMTargetAttr::get(
      context, /*optLevel=*/3, "nvptx64-nvidia-cuda", "sm_90a", "+ptx80");
  auto gpuModule =
      gpu::GPUModuleOp::create(b, name, ArrayAttr::get(context, {target}));
  b.setInsertionPointToStart(gpuModule.getBody());
  return module;
}

void hopper::buildGemmKernel(ImplicitLocOpBuilder &b,
                             const GemmKernelSpec &spec) {
  GemmKernelBuilder(b, spec).build();
}

OwningOpRef<ModuleOp>
hopper::buildGemmKernelModule(MLIRContext *context,
                              const GemmKernelSpec &spec) {
  Location loc = NameLoc::get(StringAttr::get(context, spec.name));
  ImplicitLocOpBuilder b(loc, context);
  OwningOpRef<ModuleOp> module = createKernelModule(context, spec.name, b);
  buildGemmKernel(b, spec);
  return module;
}
