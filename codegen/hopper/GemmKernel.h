//===- GemmKernel.h - Hopper warp-specialized GEMM kernels ------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The sm_90a GEMM generator: C[M, N] = act(A[M, K] . B[N, K]^T * scales) as
// bf16, built at the NVVM level (TMA, mbarrier pipeline, wgmma, setmaxnreg)
// with the tile shapes, stages and warpgroup roles the sm_90a target
// description picks (passes/TargetDescription.h).
//
// Kernel ABI (what the generated C header and the runtime pass):
//   kernel(CUtensorMap tmap_a, CUtensorMap tmap_b,   // by value, grid_constant
//          bf16 *c, const float *scale_a, const float *scale_b, int32 m)
// grid = min(number of tiles, SM count) persistent CTAs, block = 128 threads
// per warpgroup, `smemBytes` of dynamic shared memory.
//
// The grouped kernel replaces `m` by `const int32 *offsets` ([E + 1]: expert
// e owns rows offsets[e]..offsets[e+1] of A and C, each a multiple of
// tileM; zero rows pad the segments), reads B as [E, N, K] through a 3D
// tensor map, and takes weight scales with a leading E dimension; the host
// cannot know the tile count, so it launches one CTA per SM. Scales:
// fp8-rowwise scale_a[M], scale_b[N]; fp8-block scale_a[M][ceil(K/128)] (1x128
// activation blocks), scale_b[ceil(N/128)][ceil(K/128)] (128x128 weight
// blocks); bf16 none. Tile t covers rows (t % mBlocks) * tileM and columns (t /
// mBlocks) * tileN.
//
// The decode variant (`swapAB`, chosen by the target description for few
// rows per weight matrix) computes the transposed tile: its one consumer
// warpgroup issues m64 x n(tileM) wgmma with 64 weight rows on M and the
// tile's tileM token rows on N, one accumulator per 64-row part of the B
// tile (SwiGLU: part 0 gate, part 1 up), and stores C element by element.
// The ABI, tile order and TMA boxes are the same. With `rowAmax` the
// kernel takes `uint32 *row_amax` last and atomically maxes each output
// row's largest |value| (as stored, bf16) into it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_GEMMKERNEL_H
#define MOEC_CODEGEN_HOPPER_GEMMKERNEL_H

#include "codegen/hopper/KernelDefect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::moec::hopper {

enum class GemmPrecision { BF16, Fp8Rowwise, Fp8Block };
/// The epilogue's activation. SwiGLU reads a fused gate|up weight of N =
/// 2I rows (gate rows [0, I), up rows [I, 2I)) and writes silu(gate) * up:
/// C has I columns.
enum class GemmActivation { None, Silu, SwiGlu };

/// "bf16", "fp8-rowwise", "fp8-block" (the --precision spellings).
llvm::StringRef stringifyGemmPrecision(GemmPrecision precision);
std::optional<GemmPrecision> parseGemmPrecision(llvm::StringRef text);
llvm::StringRef stringifyGemmActivation(GemmActivation activation);
std::optional<GemmActivation> parseGemmActivation(llvm::StringRef text);

/// Everything the kernel builder needs; derived from the problem by
/// makeGemmKernelSpec.
struct GemmKernelSpec {
  std::string name;
  /// Rows; std::nullopt when given at launch.
  std::optional<int64_t> m;
  int64_t n = 0;
  int64_t k = 0;
  GemmPrecision precision = GemmPrecision::BF16;
  GemmActivation activation = GemmActivation::None;
  int64_t tileM = 0, tileN = 0, tileK = 0;
  /// wgmma K per instruction (32 for FP8, 16 for bf16).
  int64_t mmaK = 0;
  int64_t stages = 0;
  int64_t consumers = 0;
  /// FP8: K elements per fp32 promotion (tileK); 0 for bf16.
  int64_t promoteEvery = 0;
  /// Grouped GEMM over this many experts (0: a dense GEMM).
  int64_t experts = 0;
  /// Weight rows on wgmma's M, tokens (tileM) on its N.
  bool swapAB = false;
  /// Also reduce each output row's largest |bf16 value| into a seventh
  /// argument, `uint32 row_amax[rows]` (float bits, atomic max; zeroed by
  /// the caller): the FP8 re-quantization of the output then needs one
  /// pass instead of two.
  bool rowAmax = false;
  /// A deliberate defect (emulator tests only).
  KernelDefect defect = KernelDefect::None;
  /// Scale block size along K and N for fp8-block.
  static constexpr int64_t kScaleBlock = 128;
  /// Persistent CTAs at most (H100/H200 SMs); the launcher may use fewer.
  static constexpr int64_t kMaxCtas = 132;

  bool isFp8() const { return precision != GemmPrecision::BF16; }
  bool isGrouped() const { return experts > 0; }
  bool isSwiGlu() const { return activation == GemmActivation::SwiGlu; }
  /// Accumulators per consumer: the 64-row wgmma parts of the B tile
  /// (swapAB), or one.
  int64_t mmaParts() const { return swapAB ? tileN / 64 : 1; }
  /// The wgmma instruction's N: the tile's tokens (swapAB) or columns.
  int64_t mmaN() const { return swapAB ? tileM : tileN; }
  /// Columns of C: N, or I = N / 2 with SwiGLU.
  int64_t outputN() const { return isSwiGlu() ? n / 2 : n; }
  /// Rows of B per TMA box, and output columns per tile: SwiGLU tiles
  /// load tileN / 2 gate rows and the matching tileN / 2 up rows.
  int64_t bBoxRows() const { return isSwiGlu() ? tileN / 2 : tileN; }
  int64_t nScaleBlocks() const { return (n + kScaleBlock - 1) / kScaleBlock; }
  int64_t elementBytes() const { return isFp8() ? 1 : 2; }
  int64_t threads() const { return 128 * (1 + consumers); }
  /// Bytes of one operand stage (A tile and B tile, 128-byte rows).
  int64_t stageBytes() const {
    return (tileM + tileN) * tileK * elementBytes();
  }
  /// Dynamic shared memory: the stages and two mbarriers per stage.
  int64_t smemBytes() const { return stages * stageBytes() + 16 * stages; }
  int64_t kBlocks() const { return (k + tileK - 1) / tileK; }
};

/// Picks tiles, stages and warpgroup roles from the sm_90a target
/// description; fails with the reason for shapes the kernel cannot run.
llvm::Expected<GemmKernelSpec> makeGemmKernelSpec(MLIRContext *context,
                                                  std::optional<int64_t> m,
                                                  int64_t n, int64_t k,
                                                  GemmPrecision precision,
                                                  GemmActivation activation);

/// The grouped GEMM of `experts` experts over a contiguous, tile-aligned
/// token layout (M is always given at run time, by the offsets). `tokens`,
/// the routed rows the kernel is tuned for, lets the target description
/// pick the decode tiling; without it the kernel is tiled for prefill.
llvm::Expected<GemmKernelSpec>
makeGroupedGemmKernelSpec(MLIRContext *context, int64_t experts, int64_t n,
                          int64_t k, GemmPrecision precision,
                          GemmActivation activation,
                          std::optional<int64_t> tokens = std::nullopt);

/// A dense GEMM whose M is given at launch but tiled for `tokens` rows
/// (the decode variant of a layer's shared expert).
llvm::Expected<GemmKernelSpec>
makeDynamicGemmKernelSpec(MLIRContext *context, int64_t tokens, int64_t n,
                          int64_t k, GemmPrecision precision,
                          GemmActivation activation);

/// A default kernel name: moec_gemm_<precision>_m<M|dyn>_n<N>_k<K>[_silu],
/// or moec_grouped_gemm_<precision>_e<E>_n<N>_k<K>[_silu].
std::string defaultGemmKernelName(const GemmKernelSpec &spec);

/// Creates `module { gpu.module @<name> [#nvvm.target<sm_90a>] {} }` and
/// points `b` into the gpu.module.
OwningOpRef<ModuleOp> createKernelModule(MLIRContext *context,
                                         llvm::StringRef name,
                                         ImplicitLocOpBuilder &b);

/// Adds the kernel of `spec` to the gpu.module `b` points into.
void buildGemmKernel(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec);

/// Builds `module { gpu.module @<name> [#nvvm.target<sm_90a>] { kernel } }`.
OwningOpRef<ModuleOp> buildGemmKernelModule(MLIRContext *context,
                                            const GemmKernelSpec &spec);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_GEMMKERNEL_H
