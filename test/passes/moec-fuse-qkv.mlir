// RUN: moec-opt %s -split-input-file --moec-fuse-qkv | FileCheck %s

// A RoPE layer (Scout-like, 4 query and 2 key/value heads of 16): q and k
// reach the attention through graph.rope, v directly. One matmul over the
// [64 + 32 + 32, 64] packed weights; the projections are column slices.
// CHECK-LABEL: func.func @rope_layer
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[POS:[^:]*]]: tensor<?xi64>, %[[WQ:[^:]*]]: tensor<64x64xf32>, %[[WK:[^:]*]]: tensor<32x64xf32>, %[[WV:[^:]*]]: tensor<32x64xf32>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[W:.+]] = tensor.concat dim(0) %[[WQ]], %[[WK]], %[[WV]] : (tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<128x64xf32>
// CHECK-NEXT: %[[QKV:.+]] = moe.matmul %[[X]], %[[W]] {op_class = #moe.op_class<attention>} : tensor<?x64xf32>, tensor<128x64xf32> -> tensor<?x128xf32>
// CHECK-NEXT: %[[T:.+]] = tensor.dim %[[QKV]], %[[C0]]
// CHECK-NEXT: %[[Q:.+]] = tensor.extract_slice %[[QKV]][0, 0] [%[[T]], 64] [1, 1] : tensor<?x128xf32> to tensor<?x64xf32>
// CHECK-NEXT: %[[K:.+]] = tensor.extract_slice %[[QKV]][0, 64] [%[[T]], 32] [1, 1] : tensor<?x128xf32> to tensor<?x32xf32>
// CHECK-NEXT: %[[V:.+]] = tensor.extract_slice %[[QKV]][0, 96] [%[[T]], 32] [1, 1] : tensor<?x128xf32> to tensor<?x32xf32>
// CHECK-NEXT: %[[QR:.+]] = graph.rope %[[Q]], %[[POS]]
// CHECK-NEXT: %[[KR:.+]] = graph.rope %[[K]], %[[POS]]
// CHECK-NEXT: %[[A:.+]] = graph.attention %[[QR]], %[[KR]], %[[V]], %[[POS]]
// CHECK-NEXT: return %[[A]]
// CHECK-NOT: graph.linear
func.func @rope_layer(%x: tensor<?x64xf32>, %pos: tensor<?xi64>, %wq: tensor<64x64xf32>,
                      %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<?x64xf32> {
  %q = graph.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %k = graph.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  %v = graph.linear %x, %wv : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  %qr = graph.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<?x64xf32>, tensor<?xi64>
  %kr = graph.rope %k, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<?x32xf32>, tensor<?xi64>
  %a = graph.attention %qr, %kr, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                           mask = #graph.mask<chunked_causal>, chunk_size = 8 : i64}
       : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

// -----

// A NoPE layer at Llama 4 Maverick's sizes (40 query and 8 key/value heads
// of 128), with checkpoint weights and a static token count: the slices
// take static sizes.
// CHECK-LABEL: func.func @nope_layer
// CHECK-SAME: (%[[X:[^:]*]]: tensor<8x5120xbf16>, %[[POS:[^:]*]]: tensor<8xi64>)
// CHECK-DAG: %[[WQ:.+]] = graph.weight_ref @q_proj : tensor<5120x5120xbf16>
// CHECK-DAG: %[[WK:.+]] = graph.weight_ref @k_proj : tensor<1024x5120xbf16>
// CHECK-DAG: %[[WV:.+]] = graph.weight_ref @v_proj : tensor<1024x5120xbf16>
// CHECK: %[[W:.+]] = tensor.concat dim(0) %[[WQ]], %[[WK]], %[[WV]] : {{.*}} -> tensor<7168x5120xbf16>
// CHECK-NEXT: %[[QKV:.+]] = moe.matmul %[[X]], %[[W]] {op_class = #moe.op_class<attention>} : tensor<8x5120xbf16>, tensor<7168x5120xbf16> -> tensor<8x7168xbf16>
// CHECK-NEXT: %[[Q:.+]] = tensor.extract_slice %[[QKV]][0, 0] [8, 5120] [1, 1] : tensor<8x7168xbf16> to tensor<8x5120xbf16>
// CHECK-NEXT: %[[K:.+]] = tensor.extract_slice %[[QKV]][0, 5120] [8, 1024] [1, 1] : tensor<8x7168xbf16> to tensor<8x1024xbf16>
// CHECK-NEXT: %[[V:.+]] = tensor.extract_slice %[[QKV]][0, 6144] [8, 1024] [1, 1] : tensor<8x7168xbf16> to tensor<8x1024xbf16>
// CHECK-NEXT: graph.attention %[[Q]], %[[K]], %[[V]], %[[POS]]
// CHECK-NOT: tensor.dim
// CHECK-NOT: graph.linear
graph.weight @q_proj : tensor<5120x5120xbf16>
graph.weight @k_proj : tensor<1024x5120xbf16>
graph.weight @v_proj : tensor<1024x5120xbf16>
func.func @nope_layer(%x: tensor<8x5120xbf16>, %pos: tensor<8xi64>) -> tensor<8x5120xbf16> {
  %wq = graph.weight_ref @q_proj : tensor<5120x5120xbf16>
  %q = graph.linear %x, %wq : tensor<8x5120xbf16>, tensor<5120x5120xbf16> -> tensor<8x5120xbf16>
  %wk = graph.weight_ref @k_proj : tensor<1024x5120xbf16>
  %k = graph.linear %x, %wk : tensor<8x5120xbf16>, tensor<1024x5120xbf16> -> tensor<8x1024xbf16>
  %wv = graph.weight_ref @v_proj : tensor<1024x5120xbf16>
  %v = graph.linear %x, %wv : tensor<8x5120xbf16>, tensor<1024x5120xbf16> -> tensor<8x1024xbf16>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<8x5120xbf16>, tensor<8x1024xbf16>, tensor<8x1024xbf16>, tensor<8xi64> -> tensor<8x5120xbf16>
  return %a : tensor<8x5120xbf16>
}

// -----

// Operand order decides the slices, not program order: v, q, k computed in
// that order still give columns q | k | v, placed after the last linear.
// CHECK-LABEL: func.func @program_order
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x64xf32>, %[[POS:[^:]*]]: tensor<4xi64>, %[[WQ:[^:]*]]: tensor<64x64xf32>, %[[WK:[^:]*]]: tensor<32x64xf32>, %[[WV:[^:]*]]: tensor<32x64xf32>)
// CHECK-NEXT: %[[W:.+]] = tensor.concat dim(0) %[[WQ]], %[[WK]], %[[WV]]
// CHECK-NEXT: %[[QKV:.+]] = moe.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[Q:.+]] = tensor.extract_slice %[[QKV]][0, 0] [4, 64]
// CHECK-NEXT: %[[K:.+]] = tensor.extract_slice %[[QKV]][0, 64] [4, 32]
// CHECK-NEXT: %[[V:.+]] = tensor.extract_slice %[[QKV]][0, 96] [4, 32]
// CHECK-NEXT: graph.attention %[[Q]], %[[K]], %[[V]], %[[POS]]
func.func @program_order(%x: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<64x64xf32>,
                         %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: the projections read different activations.
// CHECK-LABEL: func.func @different_inputs
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @different_inputs(%x: tensor<4x64xf32>, %y: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<64x64xf32>,
                            %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %k = graph.linear %y, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: three projections of one input that feed no attention.
// CHECK-LABEL: func.func @no_attention
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @no_attention(%x: tensor<4x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
                        %wv: tensor<32x64xf32>) -> (tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  return %q, %k, %v : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// Left alone: the value is not a projection.
// CHECK-LABEL: func.func @value_not_projected
// CHECK-COUNT-2: graph.linear
// CHECK-NOT: moe.matmul
func.func @value_not_projected(%x: tensor<4x64xf32>, %v: tensor<4x32xf32>, %pos: tensor<4xi64>,
                               %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: key and value are one projection (no three to fuse).
// CHECK-LABEL: func.func @shared_key_value
// CHECK-COUNT-2: graph.linear
// CHECK-NOT: moe.matmul
func.func @shared_key_value(%x: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<64x64xf32>,
                            %wkv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %kv = graph.linear %x, %wkv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %kv, %kv, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                           mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: the weights cannot be concatenated (bf16 q, f32 k and v).
// CHECK-LABEL: func.func @mixed_weight_types
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @mixed_weight_types(%x: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<64x64xbf16>,
                              %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xbf16> -> tensor<4x64xf32>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: FP8 weights need scales, which graph.linear does not carry.
// CHECK-LABEL: func.func @fp8_weights
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @fp8_weights(%x: tensor<4x64xbf16>, %pos: tensor<4xi64>, %wq: tensor<64x64xf8E4M3FN>,
                       %wk: tensor<32x64xf8E4M3FN>, %wv: tensor<32x64xf8E4M3FN>) -> tensor<4x64xbf16> {
  %q = graph.linear %x, %wq : tensor<4x64xbf16>, tensor<64x64xf8E4M3FN> -> tensor<4x64xbf16>
  %k = graph.linear %x, %wk : tensor<4x64xbf16>, tensor<32x64xf8E4M3FN> -> tensor<4x32xbf16>
  %v = graph.linear %x, %wv : tensor<4x64xbf16>, tensor<32x64xf8E4M3FN> -> tensor<4x32xbf16>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xbf16>, tensor<4x32xbf16>, tensor<4x32xbf16>, tensor<4xi64> -> tensor<4x64xbf16>
  return %a : tensor<4x64xbf16>
}

// -----

// Left alone: a dynamic projection width leaves the slice offsets unknown.
// CHECK-LABEL: func.func @dynamic_width
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @dynamic_width(%x: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<?x64xf32>,
                         %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<?x64xf32> -> tensor<4x64xf32>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

// Left alone: q is used before v is computed, so one matmul after the last
// projection would not dominate that use.
// CHECK-LABEL: func.func @used_before_last
// CHECK-COUNT-3: graph.linear
// CHECK-NOT: moe.matmul
func.func @used_before_last(%x: tensor<4x64xf32>, %pos: tensor<4xi64>, %wq: tensor<64x64xf32>,
                            %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<4x64xf32> {
  %q = graph.linear %x, %wq : tensor<4x64xf32>, tensor<64x64xf32> -> tensor<4x64xf32>
  %qr = graph.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<4x64xf32>, tensor<4xi64>
  %k = graph.linear %x, %wk : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %v = graph.linear %x, %wv : tensor<4x64xf32>, tensor<32x64xf32> -> tensor<4x32xf32>
  %a = graph.attention %qr, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                          mask = #graph.mask<causal>}
       : tensor<4x64xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4xi64> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}
