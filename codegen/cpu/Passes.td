//===- Passes.td - moec CPU code generator passes ----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_PASSES_TD
#define MOEC_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuLowerTileGemm : Pass<"moec-cpu-lower-tile-gemm"> {
  let summary = "Lowers the GEMM tile ops to linalg on tensors for the CPU";
  let description = [{
    Rewrites the GEMM steps of tiled IR into `linalg` ops on tensors that the
    CPU pipeline (`moec-cpu-lower-to-llvm`) bufferizes and lowers:

    - `tile.mma`: a `linalg.generic` (m, n parallel, k reduction) reading
      `a[m, k]` and `b[n, k]`, widening each element to f32 and accumulating
      `acc += a * b` in f32. FP8 (`f8E4M3FN`, `f8E5M2`) is decoded exactly
      from its bits (sign, exponent, mantissa, subnormals, NaN and for
      e5m2 infinities), so no f8 arithmetic reaches LLVM.
    - `tile.promote`: `acc + (partial * a_scale[i(m)]) * b_scale[j(n)]`, the
      scale rows selected by indexing maps (`i(m) = m` or 0,
      `j(n) = n floordiv b_block` or 0), multiplied in this order.
    - `tile.epilogue`: SwiGLU `silu(gate) * up` over the two halves of the
      accumulator (`silu(x) = x / (1 + exp(-x))`), then the residual (widened
      to f32), then one rounding to the result type.
    - `tile.transpose_weight`: `linalg.transpose` of the last two dims.

    The pass checks every op first and changes nothing if one cannot be
    lowered: an epilogue whose result element type has no f32 rounding on
    the CPU (FP8 or other 8-bit types) is reported by name.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MOEC_CODEGEN_CPU_PASSES_TD
