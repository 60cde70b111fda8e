//===- MoeKernels.cpp - routing, dispatch and combine kernels ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/MoeKernels.h"
#include "codegen/hopper/KernelBuilder.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

namespace {

/// e4m3's largest finite value: scale = amax / 448.
constexpr float kE4m3Max = 448.0f;
/// The smallest row maximum a quantizer divides by (1e-12, as DeepGEMM's
/// and torchao's FP8 casts clamp it).
constexpr float kMinQuantizedRowMax = 1e-12f;
/// bf16 elements per 16-byte access of the row kernels (rows are multiples
/// of 16 elements, so every access is aligned).
constexpr int64_t kVector = 8;

class MoeKernelBuilder : public KernelBuilderBase {
public:
  MoeKernelBuilder(ImplicitLocOpBuilder &b) : KernelBuilderBase(b) {}

  void buildRoute(const MoeRoutingSpec &spec);
  void buildOffsets(const MoeRoutingSpec &spec);
  void buildDispatch(const MoeRoutingSpec &spec);
  void buildCombine(const MoeRoutingSpec &spec);
  void buildQuantizeRows(llvm::StringRef name, int64_t width, bool givenMax);

private:
  /// Starts a kernel of kMoeKernelThreads threads; returns its arguments.
  SmallVector<Value> begin(llvm::StringRef name, TypeRange argTypes);
  void end() { LLVM::ReturnOp::create(b, ValueRange{}); }

  Value warpReduce(Value v, bool max);
  Value blockReduceMax(Value v);
  /// base[index .. index + 8) as f32, in one 16-byte load.
  SmallVector<Value, kVector> loadBf16x8(Value base, Value index);
  /// Rounds 8 f32 values to bf16 and stores them in one 16-byte store.
  void storeBf16x8(ArrayRef<Value> values, Value base, Value index);
  /// A loop over a row of `width` elements in 16-byte chunks: every thread
  /// takes chunk tid, tid + threads, ...; `body` gets the chunk's first
  /// element.
  void forEachChunk(int64_t width, llvm::function_ref<void(Value)> body);
  void quantizeRow(Value src, Value srcRow, Value multiplier, Value dst,
                   Value dstRow, Value scaleOut, int64_t width,
                   Value givenMax = Value());
  Value rowAbsMax(Value src, Value srcBase, Value multiplier, int64_t width);
  void scaleRowToBf16(Value src, Value srcRow, Value multiplier, Value dst,
                      Value dstRow, int64_t width);
  void zeroPadding(const MoeRoutingSpec &spec, Value expert, Value offsets,
                   Value counts, Value rows, Value scales);

  Value tid;
};

} // namespace

SmallVector<Value> MoeKernelBuilder::begin(llvm::StringRef name,
                                           TypeRange argTypes) {
  LLVM::LLVMFuncOp func = createKernel(name, argTypes, kMoeKernelThreads);
  tid = NVVM::ThreadIdXOp::create(b, i32);
  return SmallVector<Value>(func.getArguments());
}

/// Butterfly shuffles: every lane ends with the warp's sum or max.
Value MoeKernelBuilder::warpReduce(Value v, bool max) {
  for (int64_t offset = 16; offset >= 1; offset /= 2) {
    Value other =
        NVVM::ShflOp::create(b, f32, c32(-1), v, c32(offset), c32(0x1f),
                             NVVM::ShflKind::bfly, UnitAttr());
    v = max ? Value(arith::MaxNumFOp::create(b, v, other))
            : Value(arith::AddFOp::create(b, v, other));
  }
  return v;
}

/// The CTA's maximum, in every thread: warp maxima meet in shared memory.
Value MoeKernelBuilder::blockReduceMax(Value v) {
  Value warpMax = warpReduce(v, /*max=*/true);
  Value warp = div(tid, 32);
  ifThen(eq(rem(tid, 32), 0),
         [&] { LLVM::StoreOp::create(b, warpMax, smemAt(mul(warp, c32(4)))); });
  NVVM::Barrier0Op::create(b);
  Value result = f32c(0.0f);
  for (int64_t w = 0; w < kMoeKernelThreads / 32; ++w)
    result = arith::MaxNumFOp::create(
        b, result, LLVM::LoadOp::create(b, f32, smemAt(c32(4 * w))));
  // The slots are reused by the next reduction.
  NVVM::Barrier0Op::create(b);
  return result;
}

SmallVector<Value, kVector> MoeKernelBuilder::loadBf16x8(Value base,
                                                         Value index) {
  auto type = VectorType::get({kVector}, bf16);
  Value chunk = LLVM::LoadOp::create(b, type, globalAt(bf16, base, index),
                                     /*alignment=*/16);
  SmallVector<Value, kVector> values;
  for (int64_t i = 0; i < kVector; ++i)
    values.push_back(arith::ExtFOp::create(
        b, f32, Value(LLVM::ExtractElementOp::create(b, chunk, c32(i)))));
  return values;
}

void MoeKernelBuilder::storeBf16x8(ArrayRef<Value> values, Value base,
                                   Value index) {
  auto type = VectorType::get({kVector}, bf16);
  Value chunk = LLVM::UndefOp::create(b, type);
  for (auto [i, v] : llvm::enumerate(values))
    chunk = LLVM::InsertElementOp::create(
        b, chunk, arith::TruncFOp::create(b, bf16, v), c32(i));
  LLVM::StoreOp::create(b, chunk, globalAt(bf16, base, index),
                        /*alignment=*/16);
}

void MoeKernelBuilder::forEachChunk(int64_t width,
                                    llvm::function_ref<void(Value)> body) {
  assert(width % kVector == 0 && "rows are whole 16-byte chunks");
  forLoop(mul(tid, c32(kVector)), c32(width), c32(kVector * kMoeKernelThreads),
          {}, [&](Value j, ValueRange) -> SmallVector<Value> {
            body(j);
            return {};
          });
}

/// dst[dstRow] = e4m3(src[srcRow] * multiplier / scale) with scale = amax /
/// 448 of the scaled row (1 for an all-zero row), amax given or reduced
/// here; scaleOut[dstRow] = scale.
/// 16-byte loads, 8-byte stores; the second pass re-reads the row (L1/L2).
/// The CTA's max |src[row] * multiplier| over a row starting at srcBase.
Value MoeKernelBuilder::rowAbsMax(Value src, Value srcBase, Value multiplier,
                                  int64_t width) {
  SmallVector<Value> amax = forLoop(
      mul(tid, c32(kVector)), c32(width), c32(kVector * kMoeKernelThreads),
      {f32c(0.0f)}, [&](Value j, ValueRange acc) -> SmallVector<Value> {
        Value result = acc[0];
        for (Value v : loadBf16x8(src, add(srcBase, j)))
          result = arith::MaxNumFOp::create(
              b, result,
              LLVM::FAbsOp::create(b, f32,
                                   arith::MulFOp::create(b, v, multiplier)));
        return {result};
      });
  return blockReduceMax(amax[0]);
}

void MoeKernelBuilder::quantizeRow(Value src, Value srcRow, Value multiplier,
                                   Value dst, Value dstRow, Value scaleOut,
                                   int64_t width, Value givenMax) {
  Value srcBase = mul(srcRow, c32(width));
  // A maximum the producer already reduced saves the first pass.
  Value rowMax =
      givenMax ? givenMax : rowAbsMax(src, srcBase, multiplier, width);
  Value positive =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, rowMax, f32c(0.0f));
  // A subnormal maximum would make 1 / scale infinite: clamp it, as
  // production quantizers do (an all-zero row keeps scale 1).
  Value clamped =
      arith::MaximumFOp::create(b, rowMax, f32c(kMinQuantizedRowMax));
  Value scale = arith::SelectOp::create(
      b, positive, arith::DivFOp::create(b, clamped, f32c(kE4m3Max)),
      f32c(1.0f));
  Value inverse = arith::DivFOp::create(b, f32c(1.0f), scale);
  Value factor = arith::MulFOp::create(b, multiplier, inverse);
  Value dstBase = mul(dstRow, c32(width));
  auto pairsType = VectorType::get({kVector / 2}, i16);
  forEachChunk(width, [&](Value j) {
    SmallVector<Value, kVector> v = loadBf16x8(src, add(srcBase, j));
    Value pairs = LLVM::UndefOp::create(b, pairsType);
    // cvt.rn.satfinite.e4m3x2.f32 puts its first operand in the high
    // byte, so the element at the higher address goes first.
    for (int64_t p = 0; p < kVector / 2; ++p) {
      Value packed = NVVM::ConvertF32x2ToF8x2Op::create(
          b, i16, arith::MulFOp::create(b, v[2 * p + 1], factor),
          arith::MulFOp::create(b, v[2 * p], factor), NVVM::FPRoundingMode::RN,
          NVVM::SaturationMode::SATFINITE, /*relu=*/false,
          b.getType<Float8E4M3FNType>());
      pairs = LLVM::InsertElementOp::create(b, pairs, packed, c32(p));
    }
    LLVM::StoreOp::create(b, pairs, globalAt(i8, dst, add(dstBase, j)),
                          /*alignment=*/8);
  });
  ifThen(eq(tid, 0), [&] { storeGlobal(scale, scaleOut, dstRow); });
}

/// dst[dstRow] = bf16(src[srcRow] * multiplier), the bf16 layer's routed
/// row (the rounding the unfused x * score makes).
void MoeKernelBuilder::scaleRowToBf16(Value src, Value srcRow, Value multiplier,
                                      Value dst, Value dstRow, int64_t width) {
  Value srcBase = mul(srcRow, c32(width));
  Value dstBase = mul(dstRow, c32(width));
  forEachChunk(width, [&](Value j) {
    SmallVector<Value, kVector> v = loadBf16x8(src, add(srcBase, j));
    for (Value &x : v)
      x = arith::MulFOp::create(b, x, multiplier);
    storeBf16x8(v, dst, add(dstBase, j));
  });
}

//===----------------------------------------------------------------------===//
// Routing
//===----------------------------------------------------------------------===//

/// route(x bf16[T][H], router bf16[E][H], expert i32[T], score f32[T],
///       counts i32[E], tokens i32): warp w computes the logits of experts
/// w, w + 4, ...; thread 0 picks the first maximum.
void MoeKernelBuilder::buildRoute(const MoeRoutingSpec &spec) {
  SmallVector<Value> args =
      begin(spec.prefix + "_route",
            {globalPtr, globalPtr, globalPtr, globalPtr, globalPtr, i32});
  Value x = args[0], router = args[1], expertOut = args[2], scoreOut = args[3],
        counts = args[4];
  Value token = NVVM::BlockIdXOp::create(b, i32);
  Value lane = rem(tid, 32);
  Value xBase = mul(token, c32(spec.hidden));
  forLoop(div(tid, 32), c32(spec.experts), c32(kMoeKernelThreads / 32), {},
          [&](Value e, ValueRange) -> SmallVector<Value> {
            Value wBase = mul(e, c32(spec.hidden));
            // Each lane takes 16-byte chunks of the row and the weights.
            SmallVector<Value> partial =
                forLoop(mul(lane, c32(kVector)), c32(spec.hidden),
                        c32(32 * kVector), {f32c(0.0f)},
                        [&](Value h, ValueRange acc) -> SmallVector<Value> {
                          SmallVector<Value, kVector> xs =
                              loadBf16x8(x, add(xBase, h));
                          SmallVector<Value, kVector> ws =
                              loadBf16x8(router, add(wBase, h));
                          Value sum = acc[0];
                          for (int64_t i = 0; i < kVector; ++i)
                            sum = LLVM::FMAOp::create(b, xs[i], ws[i], sum);
                          return {sum};
                        });
            Value logit = warpReduce(partial[0], /*max=*/false);
            ifThen(eq(lane, 0), [&] {
              LLVM::StoreOp::create(b, logit, smemAt(mul(e, c32(4))));
            });
            return {};
          });
  NVVM::Barrier0Op::create(b);
  ifThen(eq(tid, 0), [&] {
    SmallVector<Value> best = forLoop(
        c32(1), c32(spec.experts), c32(1),
        {c32(0), LLVM::LoadOp::create(b, f32, smemAt(c32(0)))},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          Value logit = LLVM::LoadOp::create(b, f32, smemAt(mul(e, c32(4))));
          Value better = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                               logit, acc[1]);
          return {arith::SelectOp::create(b, better, e, acc[0]),
                  arith::SelectOp::create(b, better, logit, acc[1])};
        });
    // sigmoid(l) = 1 / (1 + 2^(-l log2 e)).
    Value exp = LLVM::Exp2Op::create(
        b, f32, arith::MulFOp::create(b, best[1], f32c(-1.4426950408889634f)));
    Value score = arith::DivFOp::create(
        b, f32c(1.0f), arith::AddFOp::create(b, f32c(1.0f), exp));
    storeGlobal(best[0], expertOut, token);
    storeGlobal(score, scoreOut, token);
    LLVM::AtomicRMWOp::create(b, LLVM::AtomicBinOp::add,
                              globalAt(i32, counts, best[0]), c32(1),
                              LLVM::AtomicOrdering::monotonic);
  });
  end();
}

/// offsets(counts i32[E], offsets i32[E+1], cursors i32[E], align i32):
/// segments padded to whole row tiles of the GEMMs the launch picked
/// (`align` rows: prefill and decode tiles differ); the cursors restart at
/// zero.
void MoeKernelBuilder::buildOffsets(const MoeRoutingSpec &spec) {
  SmallVector<Value> args =
      begin(spec.prefix + "_offsets", {globalPtr, globalPtr, globalPtr, i32});
  Value counts = args[0], offsets = args[1], cursors = args[2], align = args[3];
  ifThen(eq(tid, 0), [&] {
    SmallVector<Value> total = forLoop(
        c32(0), c32(spec.experts), c32(1), {c32(0)},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          storeGlobal(acc[0], offsets, e);
          storeGlobal(c32(0), cursors, e);
          Value count = loadGlobal(i32, counts, e);
          Value tiles = arith::DivUIOp::create(
              b, add(count, arith::SubIOp::create(b, align, c32(1))), align);
          return {add(acc[0], mul(tiles, align))};
        });
    storeGlobal(total[0], offsets, c32(spec.experts));
  });
  end();
}

/// Zeroes expert `expert`'s padding rows [offsets[e] + counts[e],
/// offsets[e + 1]) (FP8: unit scales), so the GEMMs read zeros there.
void MoeKernelBuilder::zeroPadding(const MoeRoutingSpec &spec, Value expert,
                                   Value offsets, Value counts, Value rows,
                                   Value scales) {
  Value start =
      add(loadGlobal(i32, offsets, expert), loadGlobal(i32, counts, expert));
  Value end = loadGlobal(i32, offsets, add(expert, c32(1)));
  // 16-byte stores: a row of H elements is a whole number of chunks.
  int64_t chunksPerRow = spec.hidden * (spec.fp8 ? 1 : 2) / 16;
  auto chunkType = VectorType::get({4}, i32);
  Value zero = LLVM::ZeroOp::create(b, chunkType);
  forLoop(add(mul(start, c32(chunksPerRow)), tid), mul(end, c32(chunksPerRow)),
          c32(kMoeKernelThreads), {},
          [&](Value i, ValueRange) -> SmallVector<Value> {
            LLVM::StoreOp::create(b, zero, globalAt(chunkType, rows, i),
                                  /*alignment=*/16);
            return {};
          });
  if (!spec.fp8)
    return;
  forLoop(add(start, tid), end, c32(kMoeKernelThreads), {},
          [&](Value r, ValueRange) -> SmallVector<Value> {
            storeGlobal(f32c(1.0f), scales, r);
            return {};
          });
}

/// dispatch(x, expert, score, offsets, counts, cursors, a_q u8|bf16[rows][H],
///          a_scale f32[rows] (FP8), token_row i32[T], tokens i32), grid
/// T + E: CTA t < T places token t; CTA T + e zeroes expert e's padding
/// rows.
void MoeKernelBuilder::buildDispatch(const MoeRoutingSpec &spec) {
  SmallVector<Value> args =
      begin(spec.prefix + "_dispatch",
            {globalPtr, globalPtr, globalPtr, globalPtr, globalPtr, globalPtr,
             globalPtr, globalPtr, globalPtr, i32});
  Value x = args[0], expertOf = args[1], scoreOf = args[2], offsets = args[3],
        counts = args[4], cursors = args[5], rows = args[6], scales = args[7],
        tokenRow = args[8], tokens = args[9];
  Value block = NVVM::BlockIdXOp::create(b, i32);
  ifThenElse(
      ult(block, tokens),
      [&] {
        Value expert = loadGlobal(i32, expertOf, block);
        // Thread 0 claims the row; the others read it from shared memory.
        ifThen(eq(tid, 0), [&] {
          Value slot = LLVM::AtomicRMWOp::create(
              b, LLVM::AtomicBinOp::add, globalAt(i32, cursors, expert), c32(1),
              LLVM::AtomicOrdering::monotonic);
          Value row = add(loadGlobal(i32, offsets, expert), slot);
          if (spec.defect == KernelDefect::DispatchPastSegment)
            row = add(row, c32(1));
          LLVM::StoreOp::create(b, row, smemAt(c32(0)));
          storeGlobal(row, tokenRow, block);
        });
        NVVM::Barrier0Op::create(b);
        Value row = LLVM::LoadOp::create(b, i32, smemAt(c32(0)));
        NVVM::Barrier0Op::create(b);
        // Llama 4 scales the expert's input by the router score.
        Value score = loadGlobal(f32, scoreOf, block);
        if (spec.fp8)
          quantizeRow(x, block, score, rows, row, scales, spec.hidden);
        else
          scaleRowToBf16(x, block, score, rows, row, spec.hidden);
      },
      [&] {
        zeroPadding(spec, arith::SubIOp::create(b, block, tokens), offsets,
                    counts, rows, scales);
      });
  end();
}

/// combine(y bf16[rows][H], shared bf16[T][H], token_row i32[T],
///         residual bf16[T][H] or null, out bf16[T][H], tokens i32):
/// out = y[token_row[t]] + shared[t] (+ residual[t]), each sum rounded to
/// bf16 as the unfused model rounds it (the residual add is the decoder
/// layer's, fused here when the caller passes it).
void MoeKernelBuilder::buildCombine(const MoeRoutingSpec &spec) {
  SmallVector<Value> args =
      begin(spec.prefix + "_combine",
            {globalPtr, globalPtr, globalPtr, globalPtr, globalPtr, i32});
  Value y = args[0], shared = args[1], tokenRow = args[2], residual = args[3],
        out = args[4];
  Value token = NVVM::BlockIdXOp::create(b, i32);
  Value yBase = mul(loadGlobal(i32, tokenRow, token), c32(spec.hidden));
  Value base = mul(token, c32(spec.hidden));
  auto emitLoop = [&](bool addResidual) {
    forEachChunk(spec.hidden, [&](Value h) {
      SmallVector<Value, kVector> ys = loadBf16x8(y, add(yBase, h));
      SmallVector<Value, kVector> ss = loadBf16x8(shared, add(base, h));
      SmallVector<Value, kVector> rs;
      if (addResidual)
        rs = loadBf16x8(residual, add(base, h));
      SmallVector<Value, kVector> sums;
      for (int64_t i = 0; i < kVector; ++i) {
        Value sum = arith::AddFOp::create(b, ys[i], ss[i]);
        if (addResidual)
          sum = arith::AddFOp::create(
              b,
              arith::ExtFOp::create(
                  b, f32, Value(arith::TruncFOp::create(b, bf16, sum))),
              rs[i]);
        sums.push_back(sum);
      }
      storeBf16x8(sums, out, add(base, h));
    });
  };
  Value null = LLVM::ZeroOp::create(b, globalPtr);
  Value hasResidual =
      LLVM::ICmpOp::create(b, LLVM::ICmpPredicate::ne, residual, null);
  ifThenElse(
      hasResidual, [&] { emitLoop(true); }, [&] { emitLoop(false); });
  end();
}

/// quantize(src bf16[rows][W], row_count i32*, dst u8[rows][W],
///          scale f32[rows]): CTAs past *row_count exit at once.
void MoeKernelBuilder::buildQuantizeRows(llvm::StringRef name, int64_t width,
                                         bool givenMax) {
  SmallVector<Type> types(givenMax ? 5 : 4, globalPtr);
  SmallVector<Value> args = begin(name, types);
  Value src = args[0], rowCount = args[1], dst = args[givenMax ? 3 : 2],
        scales = args[givenMax ? 4 : 3];
  Value row = NVVM::BlockIdXOp::create(b, i32);
  Value rows = loadGlobal(i32, rowCount, c32(0));
  ifThen(ult(row, rows), [&] {
    Value rowMax;
    if (givenMax)
      rowMax = arith::BitcastOp::create(b, f32, loadGlobal(i32, args[2], row));
    quantizeRow(src, row, f32c(1.0f), dst, row, scales, width, rowMax);
  });
  end();
}

void hopper::buildMoeRoutingKernels(ImplicitLocOpBuilder &b,
                                    const MoeRoutingSpec &spec) {
  for (auto build :
       {&MoeKernelBuilder::buildRoute, &MoeKernelBuilder::buildOffsets,
        &MoeKernelBuilder::buildDispatch, &MoeKernelBuilder::buildCombine}) {
    OpBuilder::InsertionGuard guard(b);
    MoeKernelBuilder builder(b);
    (builder.*build)(spec);
  }
}

void hopper::buildQuantizeRowsKernel(ImplicitLocOpBuilder &b,
                                     llvm::StringRef name, int64_t width,
                                     bool givenMax) {
  OpBuilder::InsertionGuard guard(b);
  MoeKernelBuilder(b).buildQuantizeRows(name, width, givenMax);
}

int64_t hopper::routeKernelSmemBytes(const MoeRoutingSpec &spec) {
  return std::max<int64_t>(4 * spec.experts, kReductionSmemBytes);
}
