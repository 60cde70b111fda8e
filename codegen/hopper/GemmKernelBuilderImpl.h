//===- GemmKernelBuilderImpl.h - the GEMM kernel builder --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The class that builds one GEMM kernel at the NVVM level, shared by
// GemmKernelBuilder.cpp (kernel, producer, main loop) and
// GemmKernelEpilogue.cpp (FP8 promotion and the epilogues). Private to
// codegen/hopper.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_GEMMKERNELBUILDERIMPL_H
#define MOEC_CODEGEN_HOPPER_GEMMKERNELBUILDERIMPL_H

#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelBuilder.h"

namespace mlir::moec::hopper::detail {

/// Bytes of one swizzled operand row (one K block of a tile row).
inline constexpr int64_t kRowBytes = 128;

/// The kernel arguments, in ABI order. The last is the row count (dense)
/// or the device array of expert row offsets (grouped).
enum KernelArg { kTmapA, kTmapB, kC, kScaleA, kScaleB, kM, kRowAmax };
inline constexpr KernelArg kOffsets = kM;

/// Where an output tile lies: its row and column blocks and, for grouped
/// GEMMs, the expert owning its rows.
struct TileCoords {
  Value mBlock, nBlock, expert;
};

/// One accumulator per 64-row wgmma part of the tile (swapAB), or one.
using Accumulators = SmallVector<Value, 2>;

class GemmKernelBuilder : public KernelBuilderBase {
public:
  GemmKernelBuilder(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec);

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

  // Kernel parts (GemmKernelBuilder.cpp).
  LLVM::LLVMFuncOp createFunction();
  TileCoords locateTile(Value tile);
  Value findExpert(Value row);
  void initBarriers();
  void emitProducer();
  void emitStageLoad(Value it, Value kb, const TileCoords &coords);
  void emitConsumer(Value warpgroup);
  Value emitFp8KLoop(Value it, Accumulators &totals, const TileCoords &coords);
  Value emitBf16KLoop(Value it, Accumulators &accs);
  Value waitFull(Value it);
  void releaseStage(Value it);
  Accumulators emitMmaKBlock(ValueRange accs, Value it, bool zeroFirst);
  Value descriptor(Value sharedAddress);

  // Promotion and epilogue (GemmKernelEpilogue.cpp).
  Value loadScale(Value base, Value index);
  Value emitPromotion(Value total, Value partial, Value kb,
                      const TileCoords &coords);
  Accumulators emitSwapPromotion(ValueRange totals, ValueRange partials,
                                 Value kb, const TileCoords &coords);
  void emitEpilogue(Value acc, const TileCoords &coords);
  void emitSwapEpilogue(ValueRange accs, const TileCoords &coords);
  Value activation(Value v);
  Value scaledValue(Value acc, int64_t reg, Value col, int64_t part,
                    Value rowScale, Value bScaleBase);
  void storePair(Value row, Value col, Value v0, Value v1);
  void storeOne(Value row, Value col, Value v);
  /// max(runningMax, |bf16(v)|) when `col` is inside the output, else
  /// runningMax: the row maximum the row_amax output reduces.
  Value maxStored(Value runningMax, Value v, Value col);
  /// Lanes whose fragments share a row (token) combine their maxima with
  /// butterfly shuffles over `laneMasks`; the lanes in `leaders` then
  /// atomically max it into row_amax[row] (row < m).
  void publishRowMax(Value rowMax, Value row, ArrayRef<int64_t> laneMasks,
                     Value leader);
  /// The row of the swapped fragment's register `reg` inside the tile: a
  /// token (its column in the wgmma accumulator).
  Value swapTokenRow(Value mBlock, int64_t reg);

  const GemmKernelSpec &spec;
  Type accType;

  // Values of the kernel body.
  SmallVector<Value, 8> args;
  Value tid, m, mBlocks, numTiles;
  // Consumer thread position: the first row of its wgmma fragment inside
  // the tile (swapAB: inside a 64-row part) and its first column inside
  // each 8-column group.
  Value consumer, fragmentRow, fragmentCol;
};

} // namespace mlir::moec::hopper::detail

#endif // MOEC_CODEGEN_HOPPER_GEMMKERNELBUILDERIMPL_H
