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
//===----------------------------------------------------------------------===//

#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

namespace {

/// Registers per thread after setmaxnreg: the producer needs few, the
/// consumers hold the accumulators (40 x 128 + 232 x 256 <= 64K).
constexpr uint32_t kProducerRegisters = 40;
constexpr uint32_t kConsumerRegisters = 232;
/// mbarrier.try_wait suspend-time hint (ns), as CUTLASS uses.
constexpr int64_t kWaitTicks = 10000000;
/// Bytes of one swizzled operand row (one K block of a tile row).
constexpr int64_t kRowBytes = 128;

/// The kernel arguments, in ABI order. The last is the row count (dense)
/// or the device array of expert row offsets (grouped).
enum KernelArg { kTmapA, kTmapB, kC, kScaleA, kScaleB, kM, kNumArgs };
constexpr KernelArg kOffsets = kM;

/// Where an output tile lies: its row and column blocks and, for grouped
/// GEMMs, the expert owning its rows.
struct TileCoords {
  Value mBlock, nBlock, expert;
};

class GemmKernelBuilder : public KernelBuilderBase {
public:
  GemmKernelBuilder(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec)
      : KernelBuilderBase(b), spec(spec) {
    accType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(spec.tileN / 2, f32));
  }

  /// Emits the shared memory symbol and the kernel at the insertion point.
  void build();

private:
  // Shared memory layout: per stage the A tile then the B tile, then the
  // `full` and `empty` mbarriers of every stage.
  int64_t aTileBytes() const { return spec.tileM * kRowBytes; }
  int64_t barrierBase() const { return spec.stages * spec.stageBytes(); }
  Value stageOffset(Value stage) { return mul(stage, c32(spec.stageBytes())); }
  Value fullBarrier(Value stage);
  Value emptyBarrier(Value stage);

  // Kernel parts.
  LLVM::LLVMFuncOp createFunction();
  TileCoords locateTile(Value tile);
  Value findExpert(Value row);
  void initBarriers();
  void emitProducer();
  void emitStageLoad(Value it, Value kb, const TileCoords &coords);
  void emitConsumer(Value warpgroup);
  Value emitFp8KLoop(Value it, Value &total, const TileCoords &coords);
  Value emitBf16KLoop(Value it, Value &acc);
  Value waitFull(Value it);
  void releaseStage(Value it);
  Value emitMmaKBlock(Value acc, Value it, bool zeroFirst);
  Value descriptor(Value sharedAddress);
  Value emitPromotion(Value total, Value partial, Value kb,
                      const TileCoords &coords);
  void emitEpilogue(Value acc, const TileCoords &coords);
  Value activation(Value v);
  Value scaledValue(Value acc, int64_t reg, Value col, int64_t part,
                    Value rowScale, Value bScaleBase);
  void storePair(Value row, Value col, Value v0, Value v1);
  Value loadScale(Value base, Value index);

  const GemmKernelSpec &spec;
  Type accType;

  // Values of the kernel body.
  SmallVector<Value, kNumArgs> args;
  Value tid, m, mBlocks, numTiles;
  // Consumer thread position: the first row of its wgmma fragment inside
  // the tile and its first column inside each 8-column group.
  Value consumer, fragmentRow, fragmentCol;
};

} // namespace

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
  SmallVector<Type, kNumArgs> argTypes(kNumArgs);
  argTypes[kTmapA] = argTypes[kTmapB] = genericPtr;
  argTypes[kC] = argTypes[kScaleA] = argTypes[kScaleB] = globalPtr;
  argTypes[kM] = spec.isGrouped() ? Type(globalPtr) : Type(i32);
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
  Value freeParity = arith::XOrIOp::create(b, parity, c32(1));
  NVVM::MBarrierTryWaitParityOp::create(b, emptyBarrier(stage), freeParity,
                                        c32(kWaitTicks));
  Value full = fullBarrier(stage);
  NVVM::MBarrierArriveExpectTxOp::create(
      b, Type(), full, c32(spec.stageBytes()), NVVM::MemScopeKind::CTA,
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
            Value acc;
            Value it = spec.isFp8() ? emitFp8KLoop(tileArgs[0], acc, coords)
                                    : emitBf16KLoop(tileArgs[0], acc);
            emitEpilogue(acc, coords);
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
  NVVM::MBarrierArriveOp::create(b, Type(), emptyBarrier(rem(it, spec.stages)),
                                 Value());
}

/// FP8: every K block starts a fresh partial accumulator (scale-d 0 on its
/// first wgmma) that is promoted into the fp32 total once the block is done.
Value GemmKernelBuilder::emitFp8KLoop(Value it, Value &total,
                                      const TileCoords &coords) {
  // The first wgmma of a block ignores its input (scale-d 0): undefined
  // inputs keep LLVM from zeroing 64 registers per block.
  Value unused = LLVM::UndefOp::create(b, accType);
  Value zero = LLVM::ZeroOp::create(b, accType);
  SmallVector<Value> results =
      forLoop(c32(0), c32(spec.kBlocks()), c32(1), {it, zero},
              [&](Value kb, ValueRange kArgs) -> SmallVector<Value> {
                Value partial =
                    emitMmaKBlock(unused, kArgs[0], /*zeroFirst=*/true);
                releaseStage(kArgs[0]);
                Value promoted = emitPromotion(kArgs[1], partial, kb, coords);
                return {add(kArgs[0], c32(1)), promoted};
              });
  total = results[1];
  return results[0];
}

/// BF16: one accumulator over all of K; the first K block is peeled so its
/// first wgmma starts from zero (scale-d 0) rather than from zeroed
/// registers, which makes ptxas insert waits into the wgmma chain.
Value GemmKernelBuilder::emitBf16KLoop(Value it, Value &acc) {
  Value unused = LLVM::UndefOp::create(b, accType);
  Value first = emitMmaKBlock(unused, it, /*zeroFirst=*/true);
  releaseStage(it);
  SmallVector<Value> results =
      forLoop(c32(1), c32(spec.kBlocks()), c32(1), {add(it, c32(1)), first},
              [&](Value, ValueRange kArgs) -> SmallVector<Value> {
                Value next =
                    emitMmaKBlock(kArgs[1], kArgs[0], /*zeroFirst=*/false);
                releaseStage(kArgs[0]);
                return {add(kArgs[0], c32(1)), next};
              });
  acc = results[1];
  return results[0];
}

/// wgmma shared-memory descriptor for a 128B-swizzled K-major tile:
/// start address >> 4, leading byte offset 1 (unused when swizzled), stride
/// byte offset 1024 B (8 rows of 128 B) >> 4, swizzle mode 1 (128B).
Value GemmKernelBuilder::descriptor(Value sharedAddress) {
  constexpr uint64_t kFixedBits =
      (uint64_t(1) << 16) | (uint64_t(64) << 32) | (uint64_t(1) << 62);
  Value address = wide(sharedAddress);
  Value field = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, address, c64(0x3FFFF)), c64(4));
  return arith::OrIOp::create(b, field, c64(kFixedBits));
}

/// One stage's wgmma chain for this consumer's 64 rows: tileK / mmaK
/// instructions, each advancing both descriptors by 32 bytes within the
/// swizzled rows.
Value GemmKernelBuilder::emitMmaKBlock(Value acc, Value it, bool zeroFirst) {
  Value stage = waitFull(it);
  Value smemBase = LLVM::PtrToIntOp::create(b, i32, smem);
  Value stageBase = add(smemBase, stageOffset(stage));
  Value aBase = add(stageBase, mul(consumer, c32(64 * kRowBytes)));
  Value bBase = add(stageBase, c32(aTileBytes()));
  NVVM::WGMMATypes type =
      spec.isFp8() ? NVVM::WGMMATypes::e4m3 : NVVM::WGMMATypes::bf16;
  auto shape =
      NVVM::MMAShapeAttr::get(b.getContext(), 64, spec.tileN, spec.mmaK);
  int64_t stepBytes = spec.mmaK * spec.elementBytes();
  NVVM::WgmmaFenceAlignedOp::create(b);
  for (int64_t step = 0; step < spec.tileK / spec.mmaK; ++step) {
    Value descA = descriptor(add(aBase, c32(step * stepBytes)));
    Value descB = descriptor(add(bBase, c32(step * stepBytes)));
    NVVM::WGMMAScaleOut scaleD = zeroFirst && step == 0
                                     ? NVVM::WGMMAScaleOut::zero
                                     : NVVM::WGMMAScaleOut::one;
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, accType, acc, descA, descB, shape, type, type, NVVM::WGMMATypes::f32,
        scaleD, NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
        NVVM::MMALayout::row, NVVM::MMALayout::col, nullptr);
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
  return acc;
}

Value GemmKernelBuilder::loadScale(Value base, Value index) {
  Value address =
      LLVM::GEPOp::create(b, globalPtr, f32, base, ValueRange{wide(index)});
  return LLVM::LoadOp::create(b, f32, address);
}

/// total += partial * scale_a[row, kb] * scale_b[column block, kb] for
/// fp8-block; row-wise scales do not depend on K and wait for the epilogue.
Value GemmKernelBuilder::emitPromotion(Value total, Value partial, Value kb,
                                       const TileCoords &coords) {
  // factors[2 * half + part]: the fragment's row half (+0 / +8 rows) and,
  // with SwiGLU, the gate (0) or up (1) part of the tile.
  SmallVector<Value, 4> factors;
  int64_t parts = spec.isSwiGlu() ? 2 : 1;
  if (spec.precision == GemmPrecision::Fp8Block) {
    int64_t kScaleBlocks = spec.kBlocks();
    SmallVector<Value, 2> bScales;
    for (int64_t part = 0; part < parts; ++part) {
      // Grouped weight scales are [E, ceil(N/128), ceil(K/128)].
      Value firstRow = add(mul(coords.nBlock, c32(spec.bBoxRows())),
                           c32(part * spec.outputN()));
      Value nScaleBlock = div(firstRow, GemmKernelSpec::kScaleBlock);
      if (spec.isGrouped())
        nScaleBlock =
            add(mul(coords.expert, c32(spec.nScaleBlocks())), nScaleBlock);
      bScales.push_back(loadScale(
          args[kScaleB], add(mul(nScaleBlock, c32(kScaleBlocks)), kb)));
    }
    Value lastRow = arith::SubIOp::create(b, m, c32(1));
    for (int64_t half = 0; half < 2; ++half) {
      Value row = add(mul(coords.mBlock, c32(spec.tileM)),
                      add(fragmentRow, c32(8 * half)));
      Value index = add(mul(minU(row, lastRow), c32(kScaleBlocks)), kb);
      Value aScale = loadScale(args[kScaleA], index);
      for (Value bScale : bScales)
        factors.push_back(arith::MulFOp::create(b, aScale, bScale));
    }
  }
  int64_t regs = spec.tileN / 2;
  for (int64_t reg = 0; reg < regs; ++reg) {
    Value p = LLVM::ExtractValueOp::create(b, partial, reg);
    Value t = LLVM::ExtractValueOp::create(b, total, reg);
    int64_t part = reg >= regs / parts ? 1 : 0;
    Value sum = factors.empty()
                    ? Value(arith::AddFOp::create(b, t, p))
                    : Value(LLVM::FMAOp::create(
                          b, p, factors[parts * ((reg >> 1) & 1) + part], t));
    total = LLVM::InsertValueOp::create(b, total, sum, reg);
  }
  return total;
}

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

/// silu(v) = v / (1 + 2^(-v log2 e)), through ex2.approx (also the gate of
/// SwiGLU).
Value GemmKernelBuilder::activation(Value v) {
  if (spec.activation == GemmActivation::None)
    return v;
  // SiLU of the gate; the caller multiplies by the up value.
  Value scaled = arith::MulFOp::create(
      b, v,
      arith::ConstantFloatOp::create(b, b.getF32Type(),
                                     llvm::APFloat(-1.4426950408889634f)));
  Value exp = LLVM::Exp2Op::create(b, f32, scaled);
  Value one =
      arith::ConstantFloatOp::create(b, b.getF32Type(), llvm::APFloat(1.0f));
  return arith::DivFOp::create(b, v, arith::AddFOp::create(b, one, exp));
}

/// Stores output columns col and col + 1 of one row as bf16, within bounds.
/// With an even N a pair is either wholly inside or wholly outside (col is
/// even), so it goes out as one 32-bit store.
void GemmKernelBuilder::storePair(Value row, Value col, Value v0, Value v1) {
  Type bf16 = b.getBF16Type();
  Value n = c32(spec.outputN());
  Value rowIn = ult(row, m);
  Value offset = add(mul(wide(row), c64(spec.outputN())), wide(col));
  Value address =
      LLVM::GEPOp::create(b, globalPtr, bf16, args[kC], ValueRange{offset});
  Value h0 = arith::TruncFOp::create(b, bf16, v0);
  Value h1 = arith::TruncFOp::create(b, bf16, v1);
  if (spec.outputN() % 2 == 0) {
    ifThen(arith::AndIOp::create(b, rowIn, ult(col, n)), [&] {
      auto pairType = VectorType::get({2}, bf16);
      Value pair = LLVM::UndefOp::create(b, pairType);
      pair = LLVM::InsertElementOp::create(b, pair, h0, c32(0));
      pair = LLVM::InsertElementOp::create(b, pair, h1, c32(1));
      LLVM::StoreOp::create(b, pair, address, /*alignment=*/4);
    });
    return;
  }
  ifThen(arith::AndIOp::create(b, rowIn, ult(col, n)),
         [&] { LLVM::StoreOp::create(b, h0, address, /*alignment=*/2); });
  Value next = add(col, c32(1));
  ifThen(arith::AndIOp::create(b, rowIn, ult(next, n)), [&] {
    Value nextAddress =
        LLVM::GEPOp::create(b, globalPtr, bf16, address, ValueRange{c32(1)});
    LLVM::StoreOp::create(b, h1, nextAddress, /*alignment=*/2);
  });
}

/// One output value: the accumulator register `reg` with row-wise scales
/// (FP8 row-wise), for output column `col` of weight part `part` (the up
/// half of SwiGLU is part 1).
Value GemmKernelBuilder::scaledValue(Value acc, int64_t reg, Value col,
                                     int64_t part, Value rowScale,
                                     Value bScaleBase) {
  Value v = LLVM::ExtractValueOp::create(b, acc, reg);
  if (spec.precision != GemmPrecision::Fp8Rowwise)
    return v;
  // Grouped row-wise weight scales are [E, N].
  Value column = add(add(bScaleBase, c32(part * spec.outputN())),
                     minU(col, c32(spec.outputN() - 1)));
  Value scale =
      arith::MulFOp::create(b, rowScale, loadScale(args[kScaleB], column));
  return arith::MulFOp::create(b, v, scale);
}

void GemmKernelBuilder::emitEpilogue(Value acc, const TileCoords &coords) {
  Value rowBase = add(mul(coords.mBlock, c32(spec.tileM)), fragmentRow);
  Value colBase = add(mul(coords.nBlock, c32(spec.bBoxRows())), fragmentCol);
  Value bScaleBase =
      spec.isGrouped() ? mul(coords.expert, c32(spec.n)) : c32(0);
  Value rows[2] = {rowBase, add(rowBase, c32(8))};
  Value rowScales[2];
  Value lastRow = arith::SubIOp::create(b, m, c32(1));
  if (spec.precision == GemmPrecision::Fp8Rowwise)
    for (int half = 0; half < 2; ++half)
      rowScales[half] = loadScale(args[kScaleA], minU(rows[half], lastRow));
  // With SwiGLU the up value of register r sits tileN / 4 registers later
  // (tileN / 2 columns to the right) in the same thread.
  int64_t outputRegs = spec.isSwiGlu() ? spec.tileN / 4 : spec.tileN / 2;
  for (int64_t reg = 0; reg < outputRegs; reg += 2) {
    int half = (reg >> 1) & 1;
    Value col = add(colBase, c32(8 * (reg >> 2)));
    Value v[2];
    for (int j = 0; j < 2; ++j) {
      Value column = add(col, c32(j));
      v[j] = activation(
          scaledValue(acc, reg + j, column, 0, rowScales[half], bScaleBase));
      if (spec.isSwiGlu())
        v[j] =
            arith::MulFOp::create(b, v[j],
                                  scaledValue(acc, reg + j + outputRegs, column,
                                              1, rowScales[half], bScaleBase));
    }
    storePair(rows[half], col, v[0], v[1]);
  }
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
