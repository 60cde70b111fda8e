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

def CpuLowerTileAttention : Pass<"moec-cpu-lower-tile-attention"> {
  let summary = "Lowers the attention tile ops to linalg on tensors for the CPU";
  let description = [{
    Rewrites the attention steps of tiled IR into `linalg.generic` and
    `tensor` ops on tensors, all arithmetic in f32:

    - `tile.flash_step`: masked scaled scores (`k_pos > q_pos` hidden, and
      for `chunked_causal` keys of another chunk), the new row max, `p` and
      the correction `c` (both 0 while a row's max is still -inf, so fully
      masked rows keep `max = -inf`, `sum = 0`, `acc = 0`), then
      `sum * c + rowsum(p)` and `acc * c + p * value`.
    - `tile.flash_finalize`: `acc / sum` rounded to the result type.
    - `tile.head_rms_norm`: `x * (1 / sqrt(mean(x^2) + eps))` per head (the
      row viewed as `[heads, head_dim]` by `tensor.expand_shape`).
    - `tile.temperature_scale`: one factor per row from its position.
    - `tile.cache_write`: an `scf.for` over tokens inserting each new row at
      its position (`tensor.insert_slice`).

    The pass checks every op first and changes nothing if one cannot be
    lowered: an element type other than f32, bf16 or f16 in the computing
    ops is reported by name.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuLowerElementwise : Pass<"moec-cpu-lower-elementwise"> {
  let summary = "Lowers embedding, norms, RoPE and FP8 (de)quantization to linalg for the CPU";
  let description = [{
    Rewrites the row-wise graph and moe ops into `linalg.generic` ops on
    tensors, all arithmetic in f32 (as `test/reference/llama4_ref.py`):

    - `graph.embedding`: a gather (`tensor.extract` of `table[ids[t], h]`).
      Ids are validated by the runtime (see the op); the generated code
      additionally never reads out of bounds: an id outside `[0, vocab)`
      reads row 0 and its output row is written as zeros (not clamped).
    - `graph.rms_norm`: `sum(x^2)` per row, then
      `round(x * (1 / sqrt(sum / K + eps))) * weight`, the normalized value
      rounded to the input type before the weight multiply.
    - `graph.rope`: interleaved pairs rotated by `f32(position) *
      inv_freq[j]`; `inv_freq` (and the `#graph.llama3_rope` rescaling) is
      computed at compile time in fp32 and embedded as a constant.
    - `moe.quantize`, `moe.rms_norm_quantize`: `amax(|x|)` per scaling group
      (`per_tensor`, `per_token`, `per_channel`, `block RxK`, any reduction
      dimension), `scale = amax / 448` (1 for an all-zero group), and
      `x / scale` encoded to `f8E4M3FN` from its f32 bits (round to nearest
      even, saturating to +-448, NaN kept), so no f8 arithmetic reaches
      LLVM. The fused op is the RMSNorm above followed by the quantization.
    - `moe.dequantize`: `decode(q) * scale` of the element's group, rounded
      to the result type.

    The pass checks every op first and changes nothing if one cannot be
    lowered: a quantized result type other than `f8E4M3FN` is reported by
    name.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MOEC_CODEGEN_CPU_PASSES_TD
