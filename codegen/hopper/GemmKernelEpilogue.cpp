//===- GemmKernelEpilogue.cpp - FP8 promotion and epilogues -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What a GEMM consumer does with its accumulators: the per-K-block FP8
// promotion into fp32 totals with block scales, and the epilogue (row-wise
// scales, SiLU or SwiGLU, bf16 stores), for the unswapped fragment (rows =
// tokens) and the swapped one (rows = weight rows, columns = tokens).
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/GemmKernelBuilderImpl.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;
using namespace mlir::moec::hopper::detail;

//===----------------------------------------------------------------------===//
// FP8 promotion
//===----------------------------------------------------------------------===//

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
      Value kBlock = spec.defect == KernelDefect::BlockScaleOffByOne
                         ? add(kb, c32(1))
                         : kb;
      bScales.push_back(loadScale(
          args[kScaleB], add(mul(nScaleBlock, c32(kScaleBlocks)), kBlock)));
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

/// The swapped fragment's register `reg` holds token column
/// 2 (lane % 4) + (reg & 1) + 8 (reg / 4) of the wgmma accumulator.
Value GemmKernelBuilder::swapTokenRow(Value mBlock, int64_t reg) {
  return add(add(mul(mBlock, c32(spec.tileM)), fragmentCol),
             c32((reg & 1) + 8 * (reg >> 2)));
}

/// Swapped promotion: the activation scale varies along the fragment's
/// columns (tokens), the weight scale per 64-row part (fp8-block);
/// row-wise scales wait for the epilogue.
Accumulators GemmKernelBuilder::emitSwapPromotion(ValueRange totals,
                                                  ValueRange partials, Value kb,
                                                  const TileCoords &coords) {
  int64_t regs = spec.tileM / 2;
  // factors[part][token slot]: slot (reg & 1) + 2 (reg / 4).
  SmallVector<SmallVector<Value, 16>, 2> factors(spec.mmaParts());
  if (spec.precision == GemmPrecision::Fp8Block) {
    int64_t kScaleBlocks = spec.kBlocks();
    Value lastRow = arith::SubIOp::create(b, m, c32(1));
    SmallVector<Value, 16> aScales;
    for (int64_t reg = 0; reg < regs; reg += 4)
      for (int64_t odd = 0; odd < 2; ++odd) {
        Value row = minU(swapTokenRow(coords.mBlock, reg + odd), lastRow);
        aScales.push_back(
            loadScale(args[kScaleA], add(mul(row, c32(kScaleBlocks)), kb)));
      }
    for (int64_t part = 0; part < spec.mmaParts(); ++part) {
      Value firstRow =
          spec.isSwiGlu()
              ? add(mul(coords.nBlock, c32(64)), c32(part * spec.outputN()))
              : add(mul(coords.nBlock, c32(spec.tileN)), c32(part * 64));
      Value nScaleBlock = div(firstRow, GemmKernelSpec::kScaleBlock);
      if (spec.isGrouped())
        nScaleBlock =
            add(mul(coords.expert, c32(spec.nScaleBlocks())), nScaleBlock);
      Value bScale = loadScale(args[kScaleB],
                               add(mul(nScaleBlock, c32(kScaleBlocks)), kb));
      for (Value aScale : aScales)
        factors[part].push_back(arith::MulFOp::create(b, aScale, bScale));
    }
  }
  Accumulators result;
  for (int64_t part = 0; part < spec.mmaParts(); ++part) {
    Value total = totals[part];
    for (int64_t reg = 0; reg < regs; ++reg) {
      Value p = LLVM::ExtractValueOp::create(b, partials[part], reg);
      Value t = LLVM::ExtractValueOp::create(b, total, reg);
      Value sum =
          factors[part].empty()
              ? Value(arith::AddFOp::create(b, t, p))
              : Value(LLVM::FMAOp::create(
                    b, p, factors[part][(reg & 1) + 2 * (reg >> 2)], t));
      total = LLVM::InsertValueOp::create(b, total, sum, reg);
    }
    result.push_back(total);
  }
  return result;
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
  if (spec.defect == KernelDefect::EpilogueRowOffset)
    rowBase = add(rowBase, c32(8));
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
  Value rowMax[2] = {f32c(0.0f), f32c(0.0f)};
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
      if (spec.rowAmax)
        rowMax[half] = maxStored(rowMax[half], v[j], column);
    }
    storePair(rows[half], col, v[0], v[1]);
  }
  if (!spec.rowAmax)
    return;
  // The 4 lanes of a quad hold the same two rows.
  Value leader = eq(rem(rem(tid, 32), 4), 0);
  for (int half = 0; half < 2; ++half)
    publishRowMax(rowMax[half], rows[half], {1, 2}, leader);
}

Value GemmKernelBuilder::maxStored(Value runningMax, Value v, Value col) {
  Value stored = arith::ExtFOp::create(
      b, f32, Value(arith::TruncFOp::create(b, b.getBF16Type(), v)));
  Value magnitude = LLVM::FAbsOp::create(b, f32, stored);
  Value inside = ult(col, c32(spec.outputN()));
  return arith::MaxNumFOp::create(
      b, runningMax, arith::SelectOp::create(b, inside, magnitude, f32c(0.0f)));
}

void GemmKernelBuilder::publishRowMax(Value rowMax, Value row,
                                      ArrayRef<int64_t> laneMasks,
                                      Value leader) {
  for (int64_t mask : laneMasks) {
    Value other =
        NVVM::ShflOp::create(b, f32, c32(-1), rowMax, c32(mask), c32(0x1f),
                             NVVM::ShflKind::bfly, UnitAttr());
    rowMax = arith::MaxNumFOp::create(b, rowMax, other);
  }
  // Non-negative floats order like their bits: an unsigned max of the bits.
  Value bits = arith::BitcastOp::create(b, i32, rowMax);
  ifThen(arith::AndIOp::create(b, leader, ult(row, m)), [&] {
    Value address =
        LLVM::GEPOp::create(b, globalPtr, i32, args[kRowAmax], ValueRange{row});
    LLVM::AtomicRMWOp::create(b, LLVM::AtomicBinOp::umax, address, bits,
                              LLVM::AtomicOrdering::monotonic);
  });
}

/// Stores output column `col` of `row` as one bf16, within bounds.
void GemmKernelBuilder::storeOne(Value row, Value col, Value v) {
  Value inside =
      arith::AndIOp::create(b, ult(row, m), ult(col, c32(spec.outputN())));
  ifThen(inside, [&] {
    Value offset = add(mul(wide(row), c64(spec.outputN())), wide(col));
    Value address =
        LLVM::GEPOp::create(b, globalPtr, bf16, args[kC], ValueRange{offset});
    LLVM::StoreOp::create(b, arith::TruncFOp::create(b, bf16, v), address,
                          /*alignment=*/2);
  });
}

/// Swapped epilogue: register r of part p is weight row fragmentRow +
/// 8 ((r / 2) & 1) of the part and token swapTokenRow(r); the output
/// column is that weight row (SwiGLU: gate part 0 with up part 1 at the
/// same register). Decode tiles are small: one bf16 store per element.
void GemmKernelBuilder::emitSwapEpilogue(ValueRange accs,
                                         const TileCoords &coords) {
  Value bScaleBase =
      spec.isGrouped() ? mul(coords.expert, c32(spec.n)) : c32(0);
  Value lastRow = arith::SubIOp::create(b, m, c32(1));
  Value colBase = mul(coords.nBlock, c32(spec.bBoxRows()));
  // tokenMax[slot]: this thread's maximum for token slot (reg & 1) +
  // 2 (reg / 4).
  SmallVector<Value, 16> tokenMax(spec.tileM / 4, f32c(0.0f));
  for (int64_t reg = 0; reg < spec.tileM / 2; ++reg) {
    Value row = swapTokenRow(coords.mBlock, reg);
    Value weightRow = add(fragmentRow, c32(8 * ((reg >> 1) & 1)));
    Value &slotMax = tokenMax[(reg & 1) + 2 * (reg >> 2)];
    Value rowScale;
    if (spec.precision == GemmPrecision::Fp8Rowwise)
      rowScale = loadScale(args[kScaleA], minU(row, lastRow));
    if (spec.isSwiGlu()) {
      Value col = add(colBase, weightRow);
      Value gate = scaledValue(accs[0], reg, col, 0, rowScale, bScaleBase);
      Value up = scaledValue(accs[1], reg, col, 1, rowScale, bScaleBase);
      Value v = arith::MulFOp::create(b, activation(gate), up);
      if (spec.rowAmax)
        slotMax = maxStored(slotMax, v, col);
      storeOne(row, col, v);
      continue;
    }
    for (int64_t part = 0; part < spec.mmaParts(); ++part) {
      Value col = add(colBase, add(weightRow, c32(64 * part)));
      Value v = activation(
          scaledValue(accs[part], reg, col, 0, rowScale, bScaleBase));
      if (spec.rowAmax)
        slotMax = maxStored(slotMax, v, col);
      storeOne(row, col, v);
    }
  }
  if (!spec.rowAmax)
    return;
  // A token's values spread over the 8 lanes of equal lane % 4 in each
  // warp; lanes 0..3 of every warp publish.
  Value leader = ult(rem(tid, 32), c32(4));
  for (int64_t reg = 0; reg < spec.tileM / 2; reg += 4)
    for (int64_t odd = 0; odd < 2; ++odd)
      publishRowMax(tokenMax[odd + reg / 2],
                    swapTokenRow(coords.mBlock, reg + odd), {4, 8, 16}, leader);
}
