//===- TileOps.td - moec tile dialect operations -----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_TILE_IR_TILEOPS_TD
#define MOEC_DIALECTS_TILE_IR_TILEOPS_TD

include "dialects/Common/Constraints.td"
include "dialects/Tile/IR/TileAttrs.td"
include "dialects/Tile/IR/TileDialect.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Every tile op computes a value from values: no side effects, no regions.
class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, !listconcat(traits, [Pure])>;

/// Element types an MMA reads (fp32 runs as tf32 on sm_90a).
def Tile_MmaTensor : 2DTensorOf<[BF16, F16, F32, F8E4M3FN, F8E5M2]>;
def Tile_F32Tensor1D : 1DTensorOf<[F32]>;
def Tile_F32Tensor2D : 2DTensorOf<[F32]>;
def Tile_FloatTensor2D : 2DTensorOf<[AnyFloat]>;
def Tile_PositionTensor : 1DTensorOf<[AnySignlessInteger]>;
def Tile_PositiveI64 : ConfinedAttr<I64Attr, [IntPositive]>;

//===----------------------------------------------------------------------===//
// GEMM tile steps
//===----------------------------------------------------------------------===//

def Tile_MmaOp : Tile_Op<"mma", [AllTypesMatch<["acc", "result"]>,
                                 AllElementTypesMatch<["a", "b"]>]> {
  let summary = "One matrix multiply-accumulate of a K block";
  let description = [{
    `result = acc + a * b^T` with `acc : [M, N]` in fp32, `a : [M, K]` and
    `b : [N, K]` both K-major (as FP8 wgmma requires) and of the same
    element type. Products are accumulated in fp32 (on sm_90a FP8 tensor
    cores keep about 14 bits, which is why FP8 nests start every K block
    from zero and `tile.promote` the partial sum).

    ```mlir
    %acc1 = tile.mma %acc, %a, %b
      : tensor<64x128xbf16>, tensor<128x128xbf16> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Tile_F32Tensor2D:$acc, Tile_MmaTensor:$a,
                       Tile_MmaTensor:$b);
  let results = (outs Tile_F32Tensor2D:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_PromoteOp : Tile_Op<"promote", [
    AllTypesMatch<["acc", "partial", "result"]>]> {
  let summary = "FP8 promotion: scales a partial sum into the fp32 accumulator";
  let description = [{
    `result[m, n] = acc[m, n] + partial[m, n] * a_scale[i(m), 0] *
    b_scale[j(n), 0]`, where `a_scale : [Ma, 1]` has one row (a per-tensor
    scale) or `M` rows (`i(m) = m`: per-token or `1xK'` block scales of
    this K block), and `b_scale : [Nb, 1]` has one row (`j(n) = 0`) or
    `ceil(N / b_block)` rows (`j(n) = n / b_block`): `b_block = 1` for
    per-channel scales, the block height (128) for `128x128` blocks, or the
    SwiGLU half width when a tile joins gate and up rows of one block each.
    Run once per promotion interval with the scales of that K block.

    ```mlir
    %acc1 = tile.promote %acc, %partial, %xs, %ws {b_block = 128 : i64}
      : tensor<64x128xf32>, tensor<64x1xf32>, tensor<1x1xf32>
    ```
  }];
  let arguments = (ins Tile_F32Tensor2D:$acc, Tile_F32Tensor2D:$partial,
                       Tile_F32Tensor2D:$a_scale, Tile_F32Tensor2D:$b_scale,
                       DefaultValuedAttr<Tile_PositiveI64, "1">:$b_block);
  let results = (outs Tile_F32Tensor2D:$result);
  let assemblyFormat = [{
    $acc `,` $partial `,` $a_scale `,` $b_scale attr-dict `:` type($acc) `,`
    type($a_scale) `,` type($b_scale)
  }];
  let hasVerifier = 1;
}

def Tile_EpilogueOp : Tile_Op<"epilogue"> {
  let summary = "Converts an fp32 accumulator tile to the output tile";
  let description = [{
    `result = act(acc) (+ residual)` rounded to the result element type.
    With `activation = #tile.activation<swiglu>` the `N` columns of `acc` are
    `[gate | up]` halves and the result is `silu(gate) * up`, `N / 2`
    columns wide; the nest built the accumulator from gate rows and up rows
    of the weight side by side. `residual(...)` adds the skip connection
    tile (of the result type) after the activation.

    ```mlir
    %y = tile.epilogue %acc residual(%r : tensor<64x64xbf16>)
           {activation = #tile.activation<swiglu>}
      : tensor<64x128xf32> -> tensor<64x64xbf16>
    ```
  }];
  let arguments = (ins Tile_F32Tensor2D:$acc,
                       Optional<Tile_FloatTensor2D>:$residual,
                       DefaultValuedAttr<Tile_ActivationAttr,
                                         "::mlir::moec::tile::Activation::None">:$activation);
  let results = (outs Tile_FloatTensor2D:$result);
  let assemblyFormat = [{
    $acc (`residual` `(` $residual^ `:` type($residual) `)`)? attr-dict `:`
    type($acc) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_TransposeWeightOp : Tile_Op<"transpose_weight"> {
  let summary = "Compile-time packing: swaps the last two dims of a weight";
  let description = [{
    `result[..., j, i] = input[..., i, j]`. Applied to checkpoint weights
    (and their scales) only, so the packer runs it once when it writes the
    artifact: expert weights `[E, K, N]` become K-major `[E, N, K]`, the
    layout TMA and FP8 wgmma read.

    ```mlir
    %wt = tile.transpose_weight %w
      : tensor<16x5120x16384xf8E4M3FN> -> tensor<16x16384x5120xf8E4M3FN>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyType]>:$input);
  let results = (outs RankedTensorOf<[AnyType]>:$result);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention steps
//===----------------------------------------------------------------------===//

def Tile_HeadRMSNormOp : Tile_Op<"head_rms_norm", [
    AllTypesMatch<["input", "result"]>]> {
  let summary = "QK-norm: RMS normalization of every head, no weight";
  let description = [{
    For `input : [T, heads * head_dim]`, each `head_dim` slice of a row is
    divided by `sqrt(mean(x^2) + epsilon)`, in fp32, and rounded back to
    the element type (Llama 4's `L2Norm` on q and k).

    ```mlir
    %qn = tile.head_rms_norm %q {epsilon = 1.0e-05 : f64, head_dim = 128 : i64}
      : tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Tile_FloatTensor2D:$input, Tile_PositiveI64:$head_dim,
                       Moec_PositiveF64Attr:$epsilon);
  let results = (outs Tile_FloatTensor2D:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Tile_TemperatureScaleOp : Tile_Op<"temperature_scale", [
    AllTypesMatch<["query", "result"]>]> {
  let summary = "Llama 4 NoPE query scaling by position";
  let description = [{
    Multiplies every query row of the token at position `p` by
    `log1p(floor((p + 1) / floor_scale)) * attn_scale + 1` (computed in
    fp32). The factor depends on the token only, so it is one scale per
    row for all heads.

    ```mlir
    %qt = tile.temperature_scale %q, %pos
            {attn_scale = 1.000000e-01 : f64, floor_scale = 8.192000e+03 : f64}
      : tensor<?x5120xbf16>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Tile_FloatTensor2D:$query,
                       Tile_PositionTensor:$positions,
                       Moec_PositiveF64Attr:$floor_scale,
                       F64Attr:$attn_scale);
  let results = (outs Tile_FloatTensor2D:$result);
  let assemblyFormat = [{
    $query `,` $positions attr-dict `:` type($query) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Tile_CacheWriteOp : Tile_Op<"cache_write", [
    AllTypesMatch<["cache", "result"]>,
    AllElementTypesMatch<["cache", "new_rows"]>]> {
  let summary = "Writes new K or V rows into a cache at their positions";
  let description = [{
    `result = cache` with row `positions[t]` replaced by `new_rows[t]` for
    every token `t`. Positions are absolute: cache row `r` holds the key or
    value of position `r`.

    ```mlir
    %kc1 = tile.cache_write %kc, %k, %pos
      : tensor<8192x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Tile_FloatTensor2D:$cache, Tile_FloatTensor2D:$new_rows,
                       Tile_PositionTensor:$positions);
  let results = (outs Tile_FloatTensor2D:$result);
  let assemblyFormat = [{
    $cache `,` $new_rows `,` $positions attr-dict `:` type($cache) `,`
    type($new_rows) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Tile_FlashStepOp : Tile_Op<"flash_step", [
    AllTypesMatch<["max", "sum", "new_max", "new_sum"]>,
    AllTypesMatch<["acc", "new_acc"]>,
    AllElementTypesMatch<["q_pos", "k_pos"]>]> {
  let summary = "One online-softmax step of flash attention over a KV block";
  let description = [{
    With `scores = q k^T : [Bq, Bkv]` (a `tile.mma`), `value : [Bkv, D]`,
    running row max `max`, row sum `sum : [Bq]` and `acc : [Bq, D]`:

    1. `s = scores * scale`, set to `-inf` where the mask hides key `j`
       from query `i`: `k_pos[j] > q_pos[i]`, and for `chunked_causal` also
       `k_pos[j] / chunk_size != q_pos[i] / chunk_size`.
    2. `new_max = max(max, rowmax(s))`, `p = exp(s - new_max)`,
       `c = exp(max - new_max)`.
    3. `new_sum = sum * c + rowsum(p)`, `new_acc = acc * c + p * value`.

    A row whose keys are all masked so far keeps `max = -inf`, `sum = 0`
    and `acc = 0` (`c` and `p` are taken as 0, never NaN), so blocks may
    straddle chunk boundaries.

    ```mlir
    %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp
        {chunk_size = 8192 : i64, mask = #tile.mask<chunked_causal>,
         scale = 0.088388347648318433 : f64}
      : tensor<128x128xf32>, tensor<128x128xbf16>, tensor<128xf32>,
        tensor<128x128xf32>, tensor<128xi64>, tensor<128xi64>
    ```
  }];
  let arguments = (ins Tile_F32Tensor2D:$scores, Tile_FloatTensor2D:$value,
                       Tile_F32Tensor1D:$max, Tile_F32Tensor1D:$sum,
                       Tile_F32Tensor2D:$acc, Tile_PositionTensor:$q_pos,
                       Tile_PositionTensor:$k_pos,
                       Moec_PositiveF64Attr:$scale, Tile_MaskKindAttr:$mask,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs Tile_F32Tensor1D:$new_max, Tile_F32Tensor1D:$new_sum,
                      Tile_F32Tensor2D:$new_acc);
  let assemblyFormat = [{
    $scores `,` $value `,` $max `,` $sum `,` $acc `,` $q_pos `,` $k_pos
    attr-dict `:` type($scores) `,` type($value) `,` type($max) `,`
    type($acc) `,` type($q_pos) `,` type($k_pos)
  }];
  let hasVerifier = 1;
}

def Tile_FlashFinalizeOp : Tile_Op<"flash_finalize"> {
  let summary = "Normalizes a flash attention accumulator";
  let description = [{
    `result[i, :] = acc[i, :] / sum[i]`, rounded to the result element
    type: the attention output of one query block and head.

    ```mlir
    %o = tile.flash_finalize %acc, %l
      : tensor<128x128xf32>, tensor<128xf32> -> tensor<128x128xbf16>
    ```
  }];
  let arguments = (ins Tile_F32Tensor2D:$acc, Tile_F32Tensor1D:$sum);
  let results = (outs Tile_FloatTensor2D:$result);
  let assemblyFormat = [{
    $acc `,` $sum attr-dict `:` type($acc) `,` type($sum) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MOEC_DIALECTS_TILE_IR_TILEOPS_TD
