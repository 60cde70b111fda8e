//===- MoeOps.td - moec moe dialect operations -------------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEOPS_TD
#define MOEC_DIALECTS_MOE_IR_MOEOPS_TD

include "dialects/Common/Constraints.td"
include "dialects/Moe/IR/MoeAttrs.td"
include "dialects/Moe/IR/MoeDialect.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Moe_FloatTensor2D : 2DTensorOf<[AnyFloat]>;
def Moe_FloatTensor3D : 3DTensorOf<[AnyFloat]>;
def Moe_IndexTensor1D : 1DTensorOf<[I32, I64]>;
def Moe_IndexTensor2D : 2DTensorOf<[I32, I64]>;
def Moe_ScoreTensor2D : 2DTensorOf<[AnyFloat]>;
def Moe_ScaleTensor : RankedTensorOf<[F32]>;
def Moe_Fp8Tensor : RankedTensorOf<[F8E4M3FN, F8E5M2]>;
def Moe_PositiveI64 : ConfinedAttr<I64Attr, [IntPositive]>;


//===----------------------------------------------------------------------===//
// Graph level
//===----------------------------------------------------------------------===//

def Moe_BlockOp : Moe_Op<"block", [Pure, AttrSizedOperandSegments]> {
  let summary = "A whole mixture-of-experts feed-forward block";
  let description = [{
    Llama 4's MoE block on `input : [tokens, hidden]`:

    1. `logits = input * router^T` with `router : [experts, hidden]`.
    2. Each token picks its `top_k` experts by logit; its score for a picked
       expert is `sigmoid(logit)` (no softmax, no renormalization).
    3. Expert `e` receives the token's input *multiplied by the score* and
       computes the SwiGLU `(silu(x * G) * (x * U)) * down[e]`, where
       `gate_up[e] = [G | U]` is `[hidden, 2 * inter]`, gate half first, and
       `down[e]` is `[inter, hidden]` (checkpoint layout, not `nn.Linear`).
    4. Expert outputs of a token are summed, and the optional shared expert
       (a dense SwiGLU MLP over all tokens, `[out, in]` weights) is added.

    ```mlir
    %y = moe.block %x router(%router) experts(%gate_up, %down)
           shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
         : tensor<?x5120xbf16>, tensor<16x5120xbf16>,
           tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>,
           tensor<8192x5120xbf16>, tensor<8192x5120xbf16>,
           tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$input, Moe_FloatTensor2D:$router,
                       Moe_FloatTensor3D:$gate_up, Moe_FloatTensor3D:$down,
                       Optional<Moe_FloatTensor2D>:$shared_gate,
                       Optional<Moe_FloatTensor2D>:$shared_up,
                       Optional<Moe_FloatTensor2D>:$shared_down,
                       Moe_PositiveI64:$top_k);
  let results = (outs Moe_FloatTensor2D:$result);
  let assemblyFormat = [{
    $input `router` `(` $router `)` `experts` `(` $gate_up `,` $down `)`
    (`shared` `(` $shared_gate^ `,` $shared_up `,` $shared_down `)`)?
    attr-dict `:` type($input) `,` type($router) `,` type($gate_up) `,`
    type($down) (`,` type($shared_gate)^ `,` type($shared_up) `,`
    type($shared_down))? `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumExperts() { return getGateUp().getType().getDimSize(0); }
    int64_t getHiddenSize() { return getGateUp().getType().getDimSize(1); }
    int64_t getExpertWidth() { return getDown().getType().getDimSize(1); }
    bool hasSharedExpert() { return static_cast<bool>(getSharedGate()); }
  }];
}

def Moe_StackExpertsOp : Moe_Op<"stack_experts", [Pure, SameTypeOperands]> {
  let summary = "Stacks per-expert [out, in] weights into the [E, in, out] layout";
  let description = [{
    Some checkpoints (FP8 compressed-tensors ones) store each expert's
    projections as separate `nn.Linear` weights `[out, in]`. This op
    transposes and stacks them, in operand order, into the fused expert
    layout `[experts, in, out]` that `moe.block` reads. Gate and up halves are
    then joined along the last dimension with `tensor.concat`.

    ```mlir
    %gate = moe.stack_experts %g0, %g1 : tensor<8192x5120xbf16> -> tensor<2x5120x8192xbf16>
    ```
  }];
  let arguments = (ins Variadic<Moe_FloatTensor2D>:$weights);
  let results = (outs Moe_FloatTensor3D:$result);
  let assemblyFormat = [{
    $weights attr-dict `:` type(operands) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Routed level
//===----------------------------------------------------------------------===//

def Moe_RouterTopKOp : Moe_Op<"router_topk", [Pure]> {
  let summary = "Router logits, top-k expert choice and sigmoid scores";
  let description = [{
    `logits = input * router^T`; for every token the indices of its `top_k`
    largest logits (ties go to the lower expert index) and `sigmoid` of
    those logits, computed in fp32.

    ```mlir
    %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
      : tensor<?x5120xbf16>, tensor<16x5120xbf16>
      -> tensor<?x1xi32>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$input, Moe_FloatTensor2D:$router,
                       Moe_PositiveI64:$top_k);
  let results = (outs Moe_IndexTensor2D:$experts, Moe_ScoreTensor2D:$scores);
  let assemblyFormat = [{
    $input `,` $router attr-dict `:` type($input) `,` type($router) `->`
    type($experts) `,` type($scores)
  }];
  let hasVerifier = 1;
}

def Moe_DispatchOp : Moe_Op<"dispatch", [Pure]> {
  let summary = "Sorts token rows by expert and computes expert offsets";
  let description = [{
    For `experts : [tokens, k]`, builds the expert-major row order: a
    histogram of rows per expert, its exclusive prefix sum
    (`expert_offsets : [num_experts + 1]`, segment `e` is rows
    `[offsets[e], offsets[e+1])`), and a stable permutation. `permuted`
    holds the input row of each (token, choice) pair in that order, scaled
    by the pair's score when `scores` is given (Llama 4 applies the router
    score to the expert input); `source_rows[r]` is `token * k + choice`
    of permuted row `r`. Offsets are tensors: consumers read them on the
    device, no host synchronization.

    ```mlir
    %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores)
        {num_experts = 16 : i64}
      : tensor<?x5120xbf16>, tensor<?x1xi32>, tensor<?x1xf32>
      -> tensor<?x5120xbf16>, tensor<?xi32>, tensor<17xi32>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$input, Moe_IndexTensor2D:$experts,
                       Optional<Moe_ScoreTensor2D>:$scores,
                       Moe_PositiveI64:$num_experts);
  let results = (outs Moe_FloatTensor2D:$permuted,
                      Moe_IndexTensor1D:$source_rows,
                      Moe_IndexTensor1D:$expert_offsets);
  let assemblyFormat = [{
    $input `,` $experts (`scores` `(` $scores^ `)`)? attr-dict `:`
    type($input) `,` type($experts) (`,` type($scores)^)? `->`
    type($permuted) `,` type($source_rows) `,` type($expert_offsets)
  }];
  let hasVerifier = 1;
}

def Moe_GroupedMatmulOp : Moe_Op<"grouped_matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "One matmul per expert segment of an expert-sorted matrix";
  let description = [{
    `result[r, :] = epilogue(lhs[r, :] * rhs[e])` for every row `r` in
    segment `e` (`offsets[e] <= r < offsets[e+1]`), with `lhs : [rows, K]`,
    `rhs : [experts, K, N]` and fp32 accumulation. Rows outside every
    segment are zero.

    The `swiglu` epilogue treats the `N` columns as `[gate | up]` halves and
    produces `silu(gate) * up`, `N / 2` columns wide.

    With FP8 operands, `scales(%lhs_scale, %rhs_scale)` and the
    `lhs_scaling` / `rhs_scaling` granularities say how partial sums are
    rescaled: the activation scale is `per_tensor`, `per_token` or
    `block 1xK'`, the weight scale `per_tensor`, `per_channel` or
    `block MxK'`; block schemes must agree on `K'`, the interval at which
    partial sums are promoted to fp32 and scaled.

    ```mlir
    %h = moe.grouped_matmul %rows, %gate_up, %offsets
           scales(%row_scale, %gate_up_scale)
           {epilogue = #moe.epilogue<swiglu>,
            lhs_scaling = #moe.scaling<block 1x128>,
            rhs_scaling = #moe.scaling<block 128x128>}
         : tensor<?x5120xf8E4M3FN>, tensor<16x5120x16384xf8E4M3FN>,
           tensor<17xi32>, tensor<?x40xf32>, tensor<16x40x128xf32>
         -> tensor<?x8192xbf16>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$lhs, Moe_FloatTensor3D:$rhs,
                       Moe_IndexTensor1D:$offsets,
                       Optional<Moe_ScaleTensor>:$lhs_scale,
                       Optional<Moe_ScaleTensor>:$rhs_scale,
                       DefaultValuedAttr<Moe_EpilogueAttr,
                                         "::mlir::moec::moe::Epilogue::None">:$epilogue,
                       OptionalAttr<Moe_ScalingAttr>:$lhs_scaling,
                       OptionalAttr<Moe_ScalingAttr>:$rhs_scaling);
  let results = (outs Moe_FloatTensor2D:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $offsets
    (`scales` `(` $lhs_scale^ `,` $rhs_scale `)`)? attr-dict `:`
    type($lhs) `,` type($rhs) `,` type($offsets)
    (`,` type($lhs_scale)^ `,` type($rhs_scale))? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Moe_MatmulOp : Moe_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Dense matmul with optional FP8 scales, epilogue and residual";
  let description = [{
    `result = epilogue(lhs * rhs^T) + residual` with `lhs : [M, K]`,
    `rhs : [N, K]` (`nn.Linear` layout: K-major, as wgmma reads it) and
    fp32 accumulation. It is the fused form of the dense projections:
    fusion joins Q/K/V or gate/up weights into one `rhs`, the `swiglu`
    epilogue treats the `N` columns as `[gate | up]` halves, and
    `residual(...)` adds the skip connection in the epilogue. FP8 operands
    take `scales(...)` with the same granularity rules as
    `moe.grouped_matmul` (weight scales laid out against `rhs`'s K, its
    dimension 1). `op_class` records the role of the projection
    (attention, dense MLP, shared expert, router, lm_head) for precision
    policies.

    ```mlir
    %y = moe.matmul %x, %wo residual(%h : tensor<?x5120xbf16>)
      : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
    %q = moe.matmul %xq, %wq scales(%xs, %ws)
           {lhs_scaling = #moe.scaling<per_token>,
            rhs_scaling = #moe.scaling<per_channel>}
      : tensor<?x5120xf8E4M3FN>, tensor<7168x5120xf8E4M3FN>,
        tensor<?x1xf32>, tensor<7168x1xf32> -> tensor<?x7168xbf16>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$lhs, Moe_FloatTensor2D:$rhs,
                       Optional<Moe_ScaleTensor>:$lhs_scale,
                       Optional<Moe_ScaleTensor>:$rhs_scale,
                       Optional<Moe_FloatTensor2D>:$residual,
                       DefaultValuedAttr<Moe_EpilogueAttr,
                                         "::mlir::moec::moe::Epilogue::None">:$epilogue,
                       OptionalAttr<Moe_ScalingAttr>:$lhs_scaling,
                       OptionalAttr<Moe_ScalingAttr>:$rhs_scaling,
                       OptionalAttr<Moe_OpClassAttr>:$op_class);
  let results = (outs Moe_FloatTensor2D:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`scales` `(` $lhs_scale^ `,` $rhs_scale `)`)?
    (`residual` `(` $residual^ `:` type($residual) `)`)? attr-dict `:`
    type($lhs) `,` type($rhs) (`,` type($lhs_scale)^ `,` type($rhs_scale))?
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Moe_CombineOp : Moe_Op<"combine", [Pure]> {
  let summary = "Scatters expert rows back to their tokens";
  let description = [{
    `result[t, :] = sum_c w(t, c) * rows[inv(t * top_k + c), :]` where
    `source_rows` maps each row to `token * top_k + choice`, and `w` is the
    score from `scores(...)` when given, else 1 (Llama 4 already applied
    the score to the expert input). With `top_k = 1` this is a pure
    permutation: no reduction.

    ```mlir
    %y = moe.combine %rows, %src {top_k = 1 : i64}
      : tensor<?x5120xbf16>, tensor<?xi32> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$rows, Moe_IndexTensor1D:$source_rows,
                       Optional<Moe_ScoreTensor2D>:$scores,
                       Moe_PositiveI64:$top_k);
  let results = (outs Moe_FloatTensor2D:$result);
  let assemblyFormat = [{
    $rows `,` $source_rows (`scores` `(` $scores^ `)`)? attr-dict `:`
    type($rows) `,` type($source_rows) (`,` type($scores)^)? `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Moe_QuantizeOp : Moe_Op<"quantize", [Pure]> {
  let summary = "Quantizes to FP8 with scales of the given granularity";
  let description = [{
    Computes one scale per `scaling` group, `scale = amax(|x|) / max_fp8`,
    and `result = round_to_fp8(input / scale)`. `reduction_dim` names the
    contraction dimension of the consumer (default: the last dimension).

    ```mlir
    %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
      : tensor<?x5120xbf16> -> tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       Moe_ScalingAttr:$scaling,
                       OptionalAttr<I64Attr>:$reduction_dim);
  let results = (outs Moe_Fp8Tensor:$result, Moe_ScaleTensor:$scale);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) `,` type($scale)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The contraction dimension the scales are laid out against.
    unsigned getEffectiveReductionDim() {
      return getReductionDim().value_or(getInput().getType().getRank() - 1);
    }
  }];
}

def Moe_RMSNormQuantizeOp : Moe_Op<"rms_norm_quantize", [Pure]> {
  let summary = "RMSNorm fused with the FP8 quantization of its output";
  let description = [{
    `graph.rms_norm` followed by `moe.quantize` in one pass over the row:
    the normalized row (rounded to the input type, times `weight`) is
    scaled per token (or per `1xK'` block, or per tensor) into FP8. The
    matmul that consumes it reads FP8 directly, so the normalized
    activation never goes to memory in the wider type.

    ```mlir
    %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64,
                                           scaling = #moe.scaling<per_token>}
      : tensor<?x5120xbf16>, tensor<5120xbf16>
      -> tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Moe_FloatTensor2D:$input, 1DTensorOf<[AnyFloat]>:$weight,
                       Moec_PositiveF64Attr:$epsilon, Moe_ScalingAttr:$scaling);
  let results = (outs 2DTensorOf<[F8E4M3FN, F8E5M2]>:$result,
                      2DTensorOf<[F32]>:$scale);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def Moe_DequantizeOp : Moe_Op<"dequantize", [Pure]> {
  let summary = "Expands an FP8 tensor and its scales to a wider float";
  let description = [{
    `result = fp8_value * scale` of the element's scaling group. FP8
    checkpoints enter the graph this way; the precision passes fold it into
    the consuming matmul.

    ```mlir
    %w = moe.dequantize %wq, %ws {scaling = #moe.scaling<per_channel>}
      : tensor<8192x5120xf8E4M3FN>, tensor<8192x1xf32> -> tensor<8192x5120xbf16>
    ```
  }];
  let arguments = (ins Moe_Fp8Tensor:$input, Moe_ScaleTensor:$scale,
                       Moe_ScalingAttr:$scaling,
                       OptionalAttr<I64Attr>:$reduction_dim);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` type($input) `,` type($scale) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The contraction dimension the scales are laid out against.
    unsigned getEffectiveReductionDim() {
      return getReductionDim().value_or(getInput().getType().getRank() - 1);
    }
  }];
}

#endif // MOEC_DIALECTS_MOE_IR_MOEOPS_TD
