//===- MoeKernels.h - routing, dispatch and combine kernels -----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The memory-bound kernels of a Llama 4 MoE layer on sm_90a, all on the
// device (no host synchronization, CUDA-graph capturable), around the
// grouped GEMMs of GemmKernel.h:
//
//   NAME_route     one CTA per token: router logits x . Wr^T, top-1 expert,
//                  score = sigmoid(logit), counts[expert] += 1
//   NAME_offsets   one thread: segment offsets from the counts, each
//                  segment padded to the launch's row tile; cursors reset
//   NAME_dispatch  one CTA per token: x * score quantized to FP8 per token
//                  (or rounded to bf16 in a bf16 layer) into the token's row
//                  of its expert segment (row order within an expert is the
//                  atomic arrival order); then one CTA per expert zeroes its
//                  padding rows
//   NAME_quantize_W one CTA per row: bf16 [rows, W] -> FP8 e4m3 + one scale
//                  per row, rows read from a device counter (the inter
//                  quantizer takes the row maxima the gate|up GEMM reduced)
//   NAME_combine   one CTA per token: out = y[row of token] + shared[token]
//                  (+ residual[token] when given: the fused residual add)
//
// Each takes its pointers and counts as plain parameters (see the C header
// of `moec emit-kernel moe-layer`).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_MOEKERNELS_H
#define MOEC_CODEGEN_HOPPER_MOEKERNELS_H

#include "codegen/hopper/KernelDefect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <cstdint>
#include <string>

namespace mlir::moec::hopper {

/// Threads per CTA of the memory-bound kernels.
inline constexpr int64_t kMoeKernelThreads = 128;

struct MoeRoutingSpec {
  std::string prefix;
  int64_t experts = 0;
  int64_t hidden = 0;
  /// FP8: dispatch quantizes each routed row to e4m3 with a row scale;
  /// otherwise it writes the scaled row as bf16 (no scales).
  bool fp8 = true;
  /// A deliberate defect (emulator tests only).
  KernelDefect defect = KernelDefect::None;
};

/// Adds NAME_route, NAME_offsets, NAME_dispatch and NAME_combine to the
/// gpu.module at the insertion point.
void buildMoeRoutingKernels(ImplicitLocOpBuilder &b,
                            const MoeRoutingSpec &spec);

/// Adds `name`: FP8 e4m3 row-wise quantization of a bf16 [rows, width]
/// matrix (scale = amax / 448), rows = *rowCount (a device int32):
/// name(src, row_count, [row_amax,] dst, scale). With `givenMax` the row
/// maxima come from `uint32 row_amax[rows]` (float bits a GEMM epilogue
/// reduced) and the kernel reads the row once.
void buildQuantizeRowsKernel(ImplicitLocOpBuilder &b, llvm::StringRef name,
                             int64_t width, bool givenMax = false);

/// Dynamic shared memory each kernel above needs, in bytes.
int64_t routeKernelSmemBytes(const MoeRoutingSpec &spec);
inline constexpr int64_t kReductionSmemBytes = 64;

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_MOEKERNELS_H
