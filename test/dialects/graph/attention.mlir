// Round trip of graph.attention: grouped-query attention, its masks, the
// optional QK norm, temperature tuning and KV cache.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// Minimal form: 4 query heads share 2 KV heads of width 4, causal mask.
// CHECK-LABEL: func.func @causal(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<?x8xbf16>
//  CHECK-SAME:     %[[V:[a-z0-9_]+]]: tensor<?x8xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[O:.*]] = graph.attention %[[Q]], %[[K]], %[[V]], %[[POS]]
//  CHECK-SAME:     {head_dim = 4 : i64, mask = #graph.mask<causal>, num_heads = 4 : i64, num_kv_heads = 2 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
//  CHECK-NEXT:   return %[[O]]
func.func @causal(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// Llama 4's RoPE layers: chunked mask and QK norm.
// CHECK-LABEL: func.func @chunked_qk_norm(
//       CHECK:   graph.attention
//  CHECK-SAME:     {chunk_size = 8192 : i64, head_dim = 4 : i64, mask = #graph.mask<chunked_causal>, num_heads = 4 : i64, num_kv_heads = 2 : i64, qk_norm_epsilon = 1.000000e-05 : f64}
//  CHECK-NOT:      temperature_tuning
//  CHECK-SAME:     -> tensor<?x16xbf16>
func.func @chunked_qk_norm(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64,
         mask = #graph.mask<chunked_causal>, chunk_size = 8192 : i64, qk_norm_epsilon = 1.0e-05 : f64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// Llama 4's NoPE layers: full causal mask with temperature tuning.
// CHECK-LABEL: func.func @temperature_tuning(
//       CHECK:   graph.attention
//  CHECK-SAME:     mask = #graph.mask<causal>
//  CHECK-SAME:     temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>
func.func @temperature_tuning(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64,
         mask = #graph.mask<causal>, temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// A KV cache of 64 positions: the updated caches follow the output.
// CHECK-LABEL: func.func @kv_cache(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<?x8xbf16>
//  CHECK-SAME:     %[[V:[a-z0-9_]+]]: tensor<?x8xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-SAME:     %[[KC:[a-z0-9_]+]]: tensor<64x8xbf16>
//  CHECK-SAME:     %[[VC:[a-z0-9_]+]]: tensor<64x8xbf16>
//  CHECK-NEXT:   %[[O:.*]], %[[CACHES:.*]]:2 = graph.attention %[[Q]], %[[K]], %[[V]], %[[POS]] cache(%[[KC]], %[[VC]])
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x8xbf16>, tensor<64x8xbf16>
//  CHECK-SAME:     -> tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<64x8xbf16>
//  CHECK-NEXT:   return %[[O]], %[[CACHES]]#0, %[[CACHES]]#1
func.func @kv_cache(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>,
                    %kc: tensor<64x8xbf16>, %vc: tensor<64x8xbf16>)
    -> (tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<64x8xbf16>) {
  %o, %kc2, %vc2 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x8xbf16>, tensor<64x8xbf16>
       -> tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<64x8xbf16>
  return %o, %kc2, %vc2 : tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<64x8xbf16>
}

// Decode step: one static token, every optional attribute and the cache.
// CHECK-LABEL: func.func @decode_everything(
//       CHECK:   graph.attention
//  CHECK-SAME:     cache(
//  CHECK-SAME:     {chunk_size = 16 : i64, head_dim = 4 : i64, mask = #graph.mask<chunked_causal>, num_heads = 4 : i64, num_kv_heads = 2 : i64, qk_norm_epsilon = 1.000000e-05 : f64, temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>}
//  CHECK-SAME:     : tensor<1x16xf32>, tensor<1x8xf32>, tensor<1x8xf32>, tensor<1xi32>, tensor<32x8xf32>, tensor<32x8xf32>
//  CHECK-SAME:     -> tensor<1x16xf32>, tensor<32x8xf32>, tensor<32x8xf32>
func.func @decode_everything(%q: tensor<1x16xf32>, %k: tensor<1x8xf32>, %v: tensor<1x8xf32>, %pos: tensor<1xi32>,
                             %kc: tensor<32x8xf32>, %vc: tensor<32x8xf32>) -> tensor<1x16xf32> {
  %o, %kc2, %vc2 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64,
         mask = #graph.mask<chunked_causal>, chunk_size = 16 : i64, qk_norm_epsilon = 1.0e-05 : f64,
         temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>}
       : tensor<1x16xf32>, tensor<1x8xf32>, tensor<1x8xf32>, tensor<1xi32>, tensor<32x8xf32>, tensor<32x8xf32>
       -> tensor<1x16xf32>, tensor<32x8xf32>, tensor<32x8xf32>
  return %o : tensor<1x16xf32>
}

// Multi-head (num_kv_heads == num_heads) and multi-query (one KV head).
// CHECK-LABEL: func.func @mha_and_mqa(
//       CHECK:   graph.attention
//  CHECK-SAME:     num_heads = 2 : i64, num_kv_heads = 2 : i64
//  CHECK-SAME:     : tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
//       CHECK:   graph.attention
//  CHECK-SAME:     num_heads = 2 : i64, num_kv_heads = 1 : i64
//  CHECK-SAME:     : tensor<?x8xbf16>, tensor<?x4xbf16>, tensor<?x4xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
func.func @mha_and_mqa(%q: tensor<?x8xbf16>, %kv: tensor<?x8xbf16>, %kv1: tensor<?x4xbf16>, %pos: tensor<?xi64>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
  %a = graph.attention %q, %kv, %kv, %pos {num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
  %b = graph.attention %q, %kv1, %kv1, %pos {num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x8xbf16>, tensor<?x4xbf16>, tensor<?x4xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
  return %a, %b : tensor<?x8xbf16>, tensor<?x8xbf16>
}

// Llama 4 Scout's shapes: 40 query heads, 8 KV heads, head_dim 128.
// CHECK-LABEL: func.func @scout(
//       CHECK:   graph.attention
//  CHECK-SAME:     head_dim = 128 : i64
//  CHECK-SAME:     num_heads = 40 : i64, num_kv_heads = 8 : i64
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
func.func @scout(%q: tensor<?x5120xbf16>, %k: tensor<?x1024xbf16>, %v: tensor<?x1024xbf16>, %pos: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64,
         mask = #graph.mask<chunked_causal>, chunk_size = 8192 : i64, qk_norm_epsilon = 1.0e-05 : f64}
       : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
  return %o : tensor<?x5120xbf16>
}
