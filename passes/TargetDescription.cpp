//===- TargetDescription.cpp - tiling parameters per target -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the sm_90a and cpu target descriptions: how each
// picks the tile sizes, MMA shape, pipeline depth and warpgroup roles of a
// matmul or attention nest, and why (the Llama 4 shapes they are tuned for
// are hidden 5120, QKV 5120 -> 7168, experts 5120 -> 16384 gate|up and
// 8192 -> 5120 down, head_dim 128).
//
//===----------------------------------------------------------------------===//

#include "passes/TargetDescription.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec;

bool mlir::moec::isFp8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(type);
}

/// Bytes of one element of an MMA operand type.
static int64_t elementBytes(Type type) {
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
}

/// True for the operand types both targets' MMAs read.
static bool isMmaType(Type type) {
  return isFp8(type) || type.isBF16() || type.isF16() || type.isF32();
}

std::string TargetDescription::checkGemm(const GemmShape &shape) const {
  if (isMmaType(shape.elementType))
    return "";
  std::string reason;
  llvm::raw_string_ostream os(reason);
  os << "element type " << shape.elementType << " has no MMA on " << getName()
     << " (expected f8E4M3FN, f8E5M2, bf16, f16 or f32)";
  return reason;
}

std::string TargetDescription::checkAttention(int64_t headDim,
                                              Type elementType) const {
  GemmShape shape{1, headDim, headDim, elementType, false};
  return TargetDescription::checkGemm(shape);
}

namespace {

//===----------------------------------------------------------------------===//
// sm_90a
//===----------------------------------------------------------------------===//

/// Hopper H100/H200 (sm_90a) with warp-specialized wgmma kernels: one TMA
/// producer warpgroup feeding one or two consumer warpgroups through a
/// multi-stage shared-memory pipeline (DeepGEMM / FlashAttention-3 style).
class Sm90aDescription final : public TargetDescription {
public:
  static constexpr int64_t kNumSMs = 132;
  /// Dynamic shared memory per CTA.
  static constexpr int64_t kSmemBytes = 227 * 1024;
  static constexpr int64_t kMaxStages = 6;
  /// Waves of the widest tiles beyond which the width is not narrowed.
  static constexpr int64_t kWideTileWaves = 4;
  /// Accumulator registers a consumer thread may spend (of 232 after
  /// setmaxnreg), keeping room for addresses and the epilogue.
  static constexpr int64_t kAccRegisters = 128;
  /// Rows per weight matrix (dense M, or grouped M per expert on average)
  /// up to which the MMA is swapped: weight rows fill wgmma's m = 64 and
  /// the few tokens are its n, instead of padding 64 or 128 token rows.
  static constexpr int64_t kSwapAbRows = 32;
  /// A swapped (decode) GEMM is bound by weight bandwidth: it keeps more
  /// stages in flight (its stages are small, about 18 KB).
  static constexpr int64_t kMaxSwapAbStages = 12;

  llvm::StringRef getName() const override { return "sm_90a"; }
  tile::GemmConfigAttr chooseGemmConfig(MLIRContext *context,
                                        const GemmShape &shape) const override;
  tile::AttentionConfigAttr
  chooseAttentionConfig(MLIRContext *context, int64_t headDim,
                        Type elementType) const override;
  std::string checkGemm(const GemmShape &shape) const override;
  std::string checkAttention(int64_t headDim, Type elementType) const override;

private:
  static int64_t chooseTileN(const GemmShape &shape, int64_t tileM);
  static int64_t chooseStages(int64_t tileM, int64_t tileN, int64_t tileK,
                              int64_t bytes, int64_t maxStages = kMaxStages);
  static bool isSwapAbShape(const GemmShape &shape);
  static tile::GemmConfigAttr chooseSwapAbConfig(MLIRContext *context,
                                                 const GemmShape &shape);
};

/// wgmma's K per instruction: 32 for FP8, 16 for 16-bit types, 8 for tf32.
static int64_t sm90MmaK(Type type) { return 32 / elementBytes(type); }

/// The output tile width. Each consumer warpgroup issues one
/// `m64nNk` wgmma, so N is also the MMA's n (at most 256). Its accumulators
/// must fit kAccRegisters per thread: 64 x N fp32 over 128 threads is N / 2
/// registers, twice that for FP8, which keeps a partial and a promoted
/// accumulator; so FP8 stops at N = 128 and 16/32-bit types at 256.
///
/// With a dynamic M (prefill), or a static M giving at least 4 waves of the
/// widest tiles, the widest tile gives the most operand reuse. Otherwise
/// (decode: the batch) the
/// width is the one whose tile count best fills whole waves of 132 SMs:
/// decode QKV (N = 7168) gets 64 (112 CTAs instead of 56 with 128), the
/// gate|up projection (N = 16384) keeps 128 (128 CTAs). Tiles wider than N
/// (rounded up to 64) would only load out-of-bounds zeros.
int64_t Sm90aDescription::chooseTileN(const GemmShape &shape, int64_t tileM) {
  int64_t widest = isFp8(shape.elementType) ? 128 : 256;
  SmallVector<int64_t, 3> candidates;
  for (int64_t width = widest; width >= 64; width /= 2)
    if (width <= static_cast<int64_t>(llvm::alignTo(shape.n, 64)) ||
        width == 64)
      candidates.push_back(width);
  if (ShapedType::isDynamic(shape.m))
    return candidates.front();
  // With several waves of the widest tiles the last wave's idle SMs cost
  // little, and narrower tiles would only lose operand reuse.
  int64_t rowBlocks = llvm::divideCeil(shape.m, tileM);
  if (rowBlocks * llvm::divideCeil(shape.n, candidates.front()) >=
      kWideTileWaves * kNumSMs)
    return candidates.front();
  int64_t best = candidates.front();
  double bestFill = 0.0;
  for (int64_t width : candidates) {
    int64_t tiles = rowBlocks * llvm::divideCeil(shape.n, width);
    int64_t waves = llvm::divideCeil(tiles, kNumSMs);
    double fill = static_cast<double>(tiles) / (waves * kNumSMs);
    if (fill > bestFill + 1e-9) {
      best = width;
      bestFill = fill;
    }
  }
  return best;
}

/// As many operand stages as fit in shared memory next to the bf16 output
/// tile the epilogue stages for its TMA store, between 2 (double
/// buffering) and kMaxStages (more does not hide more latency): FP8
/// 128x128x128 gets 6 stages of 32 KB, BF16 128x256x64 gets 3 of 48 KB.
int64_t Sm90aDescription::chooseStages(int64_t tileM, int64_t tileN,
                                       int64_t tileK, int64_t bytes,
                                       int64_t maxStages) {
  int64_t stageBytes = (tileM + tileN) * tileK * bytes;
  int64_t epilogueBytes = tileM * tileN * 2;
  int64_t stages = (kSmemBytes - epilogueBytes) / stageBytes;
  return std::clamp<int64_t>(stages, 2, maxStages);
}

/// Static M with few rows per weight matrix, and at least two 64-row MMA
/// parts of rhs rows (a SwiGLU tile pairs a 64-row gate part with its
/// 64-row up part).
bool Sm90aDescription::isSwapAbShape(const GemmShape &shape) {
  if (ShapedType::isDynamic(shape.m) || shape.n < 128)
    return false;
  int64_t rows =
      shape.experts > 0 ? llvm::divideCeil(shape.m, shape.experts) : shape.m;
  return rows <= kSwapAbRows;
}

/// Tile M holds the tokens: the exact count rounded up to 16..64 (dense),
/// or twice the average per expert (grouped: most experts then fit one
/// tile). Tile N is one 64-row MMA part of weight rows, which gives the
/// most CTAs to stream the weights (each weight row is read once per token
/// tile whatever the width), unless two parts fill the 132 SMs better; a
/// SwiGLU tile is always a 64-row gate part and its 64-row up part.
tile::GemmConfigAttr
Sm90aDescription::chooseSwapAbConfig(MLIRContext *context,
                                     const GemmShape &shape) {
  Type type = shape.elementType;
  int64_t bytes = elementBytes(type);
  int64_t rows = shape.experts > 0
                     ? 2 * llvm::divideCeil(shape.m, shape.experts)
                     : shape.m;
  int64_t tileM = std::clamp<int64_t>(llvm::PowerOf2Ceil(rows), 16, 64);
  // Token tiles in use: at most one per expert holding tokens.
  int64_t rowBlocks = shape.experts > 0 ? std::min(shape.experts, shape.m)
                                        : llvm::divideCeil(shape.m, tileM);
  auto fill = [&](int64_t width) {
    int64_t tiles = rowBlocks * llvm::divideCeil(shape.n, width);
    return static_cast<double>(tiles) /
           (llvm::divideCeil(tiles, kNumSMs) * kNumSMs);
  };
  int64_t tileN = shape.swiglu || fill(128) > fill(64) + 1e-9 ? 128 : 64;
  int64_t tileK = 128 / bytes;
  int64_t stages = chooseStages(tileM, tileN, tileK, bytes, kMaxSwapAbStages);
  return tile::GemmConfigAttr::get(context, {tileM, tileN, tileK},
                                   {64, tileM, sm90MmaK(type)}, stages, {1, 1},
                                   isFp8(type) ? tileK : 0,
                                   /*swapAb=*/true);
}

/// Few rows per weight matrix get the swapped MMA (chooseSwapAbConfig).
/// Otherwise tile M is 64 rows per consumer warpgroup (wgmma's m64). A
/// static M of at most 64 rows uses one consumer: a second would only
/// multiply padding. Otherwise two consumers share a 128-row tile and the
/// rhs tile in shared memory. Tile K is one 128-byte swizzled row per
/// stage: 128 FP8 elements, which is also the FP8 promotion interval (4
/// wgmma k32 steps, as Hopper's FP8 accumulation keeps about 14 bits) and
/// the block-scale granularity; 64 for BF16 and 32 for F32 (tf32).
tile::GemmConfigAttr
Sm90aDescription::chooseGemmConfig(MLIRContext *context,
                                   const GemmShape &shape) const {
  if (isSwapAbShape(shape))
    return chooseSwapAbConfig(context, shape);
  Type type = shape.elementType;
  int64_t bytes = elementBytes(type);
  bool decode = !ShapedType::isDynamic(shape.m) && shape.m <= 64;
  int64_t consumers = decode ? 1 : 2;
  int64_t tileM = 64 * consumers;
  int64_t tileK = 128 / bytes;
  int64_t tileN = chooseTileN(shape, tileM);
  int64_t stages = chooseStages(tileM, tileN, tileK, bytes);
  int64_t promoteEvery = isFp8(type) ? tileK : 0;
  return tile::GemmConfigAttr::get(context, {tileM, tileN, tileK},
                                   {64, tileN, sm90MmaK(type)}, stages,
                                   {1, consumers}, promoteEvery,
                                   /*swapAb=*/false);
}

/// FlashAttention-3's choices: 64 query rows per consumer warpgroup, K/V
/// blocks double-buffered (2 stages), one producer. head_dim <= 64: three
/// consumers (192 rows); <= 128 (Llama 4): 128 x 128 blocks with two
/// consumers; larger: 80-key blocks so that the P.V accumulators fit the
/// registers. f32 (tf32) halves the key block: its tiles are twice as big.
tile::AttentionConfigAttr
Sm90aDescription::chooseAttentionConfig(MLIRContext *context, int64_t headDim,
                                        Type elementType) const {
  int64_t consumers = headDim <= 64 ? 3 : 2;
  int64_t blockKv = headDim <= 128 ? 128 : 80;
  if (elementType.isF32())
    blockKv /= 2;
  return tile::AttentionConfigAttr::get(context, 64 * consumers, blockKv,
                                        /*stages=*/2, {1, consumers});
}

/// TMA copies rows whose global stride is a multiple of 16 bytes.
std::string Sm90aDescription::checkGemm(const GemmShape &shape) const {
  std::string reason = TargetDescription::checkGemm(shape);
  if (!reason.empty())
    return reason;
  int64_t rowBytes = shape.k * elementBytes(shape.elementType);
  if (rowBytes % 16 == 0)
    return "";
  return "TMA needs rows of a multiple of 16 bytes, but K (" +
         std::to_string(shape.k) + ") rows are " + std::to_string(rowBytes) +
         " bytes";
}

/// q k^T contracts over head_dim in wgmma K steps; P.V has n = head_dim,
/// at most 256.
std::string Sm90aDescription::checkAttention(int64_t headDim,
                                             Type elementType) const {
  std::string reason = TargetDescription::checkAttention(headDim, elementType);
  if (!reason.empty())
    return reason;
  int64_t mmaK = sm90MmaK(elementType);
  if (headDim % mmaK == 0 && headDim <= 256)
    return "";
  return "head_dim " + std::to_string(headDim) +
         " must be a multiple of the wgmma k (" + std::to_string(mmaK) +
         ") and at most 256";
}

//===----------------------------------------------------------------------===//
// cpu
//===----------------------------------------------------------------------===//

/// A vectorized CPU micro-kernel: each thread owns a tile (one consumer, no
/// producer, no asynchronous pipeline) and sweeps it with an 8 x 32 fp32
/// register block (16 AVX-512 accumulators), one K element per step, or
/// two for bf16 (vdpbf16ps). FP8 operands are widened to fp32 as they are
/// loaded.
class CpuDescription final : public TargetDescription {
public:
  llvm::StringRef getName() const override { return "cpu"; }
  tile::GemmConfigAttr chooseGemmConfig(MLIRContext *context,
                                        const GemmShape &shape) const override;
  tile::AttentionConfigAttr
  chooseAttentionConfig(MLIRContext *context, int64_t headDim,
                        Type elementType) const override;
};

/// Tiles of 64 x 64 keep the output block in L1 across the K loop; a K step
/// of 128 elements (64 for f32) keeps the lhs and rhs tiles under 32 KB,
/// the L1D size. FP8 promotes every 128 elements to apply block scales.
/// Small static M (decode) shrinks the tile to M rounded up to the
/// register block.
tile::GemmConfigAttr
CpuDescription::chooseGemmConfig(MLIRContext *context,
                                 const GemmShape &shape) const {
  Type type = shape.elementType;
  int64_t tileM = ShapedType::isDynamic(shape.m)
                      ? 64
                      : std::min<int64_t>(64, llvm::alignTo(shape.m, 8));
  int64_t tileK = type.isF32() ? 64 : 128;
  int64_t mmaK = type.isBF16() ? 2 : 1;
  return tile::GemmConfigAttr::get(context, {tileM, 64, tileK}, {8, 32, mmaK},
                                   /*stages=*/1, {0, 1},
                                   isFp8(type) ? tileK : 0, /*swapAb=*/false);
}

/// 32 queries x 64 keys: the score block (8 KB) and a K or V block
/// (64 x 128 bf16, 16 KB) stay in L1.
tile::AttentionConfigAttr
CpuDescription::chooseAttentionConfig(MLIRContext *context, int64_t headDim,
                                      Type elementType) const {
  return tile::AttentionConfigAttr::get(context, 32, 64, /*stages=*/1, {0, 1});
}

} // namespace

const TargetDescription *
mlir::moec::lookupTargetDescription(llvm::StringRef name) {
  static const Sm90aDescription sm90a;
  static const CpuDescription cpu;
  if (name == sm90a.getName())
    return &sm90a;
  if (name == cpu.getName())
    return &cpu;
  return nullptr;
}

llvm::StringRef mlir::moec::getTargetNames() { return "sm_90a or cpu"; }
