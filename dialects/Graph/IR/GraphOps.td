//===- GraphOps.td - moec graph dialect operations ---------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_GRAPH_IR_GRAPHOPS_TD
#define MOEC_DIALECTS_GRAPH_IR_GRAPHOPS_TD

include "dialects/Common/Constraints.td"
include "dialects/Graph/IR/GraphAttrs.td"
include "dialects/Graph/IR/GraphDialect.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Floating-point element types activations and weights may have.
def Graph_FloatTensor1D : 1DTensorOf<[AnyFloat]>;
def Graph_FloatTensor2D : 2DTensorOf<[AnyFloat]>;
def Graph_IndexTensor1D : 1DTensorOf<[AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Graph_WeightOp : Graph_Op<"weight", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "Declares a checkpoint tensor the model reads";
  let description = [{
    Declares one tensor of the checkpoint by its name, with its element type
    and shape. The tensor's data is not in the IR: the packer reads it from
    the checkpoint when it writes the artifact's weights.

    ```mlir
    graph.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyStaticShapeTensor>:$type);
  let assemblyFormat = "$sym_name attr-dict `:` $type";
}

def Graph_WeightRefOp : Graph_Op<"weight_ref", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a declared checkpoint tensor as a value";
  let description = [{
    Produces the value of a `graph.weight`. The result type must equal the
    declared type.

    ```mlir
    %wq = graph.weight_ref @"model.layers.0.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Token embedding and normalization
//===----------------------------------------------------------------------===//

def Graph_EmbeddingOp : Graph_Op<"embedding", [Pure]> {
  let summary = "Looks up token embeddings";
  let description = [{
    `result[t, :] = table[ids[t], :]`. Ids outside `[0, vocab)` are a
    run-time error reported by the runtime, not undefined behavior.

    ```mlir
    %h = graph.embedding %table[%ids] : tensor<202048x5120xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$table, Graph_IndexTensor1D:$ids);
  let results = (outs Graph_FloatTensor2D:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Graph_RMSNormOp : Graph_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Root-mean-square normalization over the feature dimension";
  let description = [{
    `y = round(x * rsqrt(mean(x^2) + epsilon)) * weight`, computed in fp32;
    the normalized value is rounded to the input element type before the
    weight multiply (as Hugging Face's Llama 4 does).

    ```mlir
    %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$input, Graph_FloatTensor1D:$weight,
                       Moec_PositiveF64Attr:$epsilon);
  let results = (outs Graph_FloatTensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Rotary position embedding
//===----------------------------------------------------------------------===//

def Graph_RopeOp : Graph_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding on interleaved pairs";
  let description = [{
    Rotates each pair `(x[2j], x[2j+1])` of every head by the angle
    `position * inv_freq[j]`, where `inv_freq[j] = theta^(-2j / head_dim)`,
    optionally rescaled by the llama3 rule. Pairs are interleaved (GPT-J /
    complex convention), not split in halves. Math in fp32, result rounded
    to the input element type.

    ```mlir
    %q2 = graph.rope %q, %positions {head_dim = 128 : i64, theta = 5.0e+05 : f64,
            scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0,
              high_freq_factor = 1.0, original_max_position_embeddings = 8192>}
          : tensor<?x5120xbf16>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$input, Graph_IndexTensor1D:$positions,
                       ConfinedAttr<I64Attr, [IntPositive]>:$head_dim,
                       Moec_PositiveF64Attr:$theta,
                       OptionalAttr<Graph_Llama3RopeScalingAttr>:$scaling);
  let results = (outs Graph_FloatTensor2D:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Graph_AttentionOp : Graph_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "Grouped-query scaled dot-product attention";
  let description = [{
    Multi-head attention over `[tokens, heads * head_dim]` operands. Query
    head `h` reads key/value head `h / (num_heads / num_kv_heads)`. In order:

    1. `qk_norm_epsilon` present: q and k are RMS-normalized per head (no
       weight), after any RoPE the producer applied.
    2. `temperature_tuning` present: q of the token at absolute position `p`
       is scaled by `log1p(floor((p + 1) / floor_scale)) * attn_scale + 1`.
    3. `softmax(q k^T / sqrt(head_dim) + mask) v`, where `mask` is `causal`
       (key position <= query position) or `chunked_causal` (additionally in
       the same `chunk_size` block of absolute positions).

    With a KV cache (`cache(%k_cache, %v_cache)`, `[max_positions,
    num_kv_heads * head_dim]`), the new keys and values are written at
    `positions`, attention reads the cache, and the updated caches are
    returned after the output.

    ```mlir
    %o = graph.attention %q, %k, %v, %pos {num_heads = 40 : i64,
           num_kv_heads = 8 : i64, head_dim = 128 : i64,
           mask = #graph.mask<chunked_causal>, chunk_size = 8192 : i64,
           qk_norm_epsilon = 1.0e-05 : f64}
         : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>,
           tensor<?xi64> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$query, Graph_FloatTensor2D:$key,
                       Graph_FloatTensor2D:$value, Graph_IndexTensor1D:$positions,
                       Optional<Graph_FloatTensor2D>:$key_cache,
                       Optional<Graph_FloatTensor2D>:$value_cache,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_heads,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_kv_heads,
                       ConfinedAttr<I64Attr, [IntPositive]>:$head_dim,
                       Graph_MaskKindAttr:$mask,
                       OptionalAttr<I64Attr>:$chunk_size,
                       OptionalAttr<Moec_PositiveF64Attr>:$qk_norm_epsilon,
                       OptionalAttr<Graph_TemperatureTuningAttr>:$temperature_tuning);
  let results = (outs Graph_FloatTensor2D:$result,
                      Variadic<Graph_FloatTensor2D>:$updated_caches);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $positions
    (`cache` `(` $key_cache^ `,` $value_cache `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) `,` type($positions)
    (`,` type($key_cache)^ `,` type($value_cache))?
    `->` type(results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Dense projections
//===----------------------------------------------------------------------===//

def Graph_LinearOp : Graph_Op<"linear", [Pure]> {
  let summary = "Bias-free linear projection with an [out, in] weight";
  let description = [{
    `result = input * weight^T` with `weight` in `nn.Linear` layout
    `[out_features, in_features]`. Accumulation is in fp32.

    ```mlir
    %q = graph.linear %x, %wq : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$input, Graph_FloatTensor2D:$weight);
  let results = (outs Graph_FloatTensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Graph_MLPOp : Graph_Op<"mlp", [Pure]> {
  let summary = "Dense SwiGLU feed-forward block";
  let description = [{
    `down(silu(gate(x)) * up(x))` with bias-free `[out, in]` weights:
    `gate` and `up` are `[inter, hidden]`, `down` is `[hidden, inter]`.
    Llama 4 uses it for dense layers and for the shared expert.

    ```mlir
    %y = graph.mlp %x, %gate, %up, %down : tensor<?x5120xbf16>,
           tensor<16384x5120xbf16>, tensor<16384x5120xbf16>,
           tensor<5120x16384xbf16> -> tensor<?x5120xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor2D:$input, Graph_FloatTensor2D:$gate,
                       Graph_FloatTensor2D:$up, Graph_FloatTensor2D:$down);
  let results = (outs Graph_FloatTensor2D:$result);
  let assemblyFormat = [{
    $input `,` $gate `,` $up `,` $down attr-dict `:` type($input) `,`
    type($gate) `,` type($up) `,` type($down) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MOEC_DIALECTS_GRAPH_IR_GRAPHOPS_TD
