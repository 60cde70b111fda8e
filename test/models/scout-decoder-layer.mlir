// Full-size Llama 4 Scout decoder layers, written by hand: layer 0 (RoPE with
// llama3 scaling, chunked attention, QK-norm) and layer 3 (NoPE, global causal
// attention with temperature tuning), each followed by the MoE block, plus a
// decode step of layer 3 that reads and updates its KV cache.
// RUN: moec-opt %s | FileCheck %s
// RUN: moec-opt %s --verify-roundtrip --moec-verify-stage-legality=stage=graph

graph.weight @"model.layers.0.input_layernorm.weight" : tensor<5120xbf16>
graph.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
graph.weight @"model.layers.0.self_attn.k_proj.weight" : tensor<1024x5120xbf16>
graph.weight @"model.layers.0.self_attn.v_proj.weight" : tensor<1024x5120xbf16>
graph.weight @"model.layers.0.self_attn.o_proj.weight" : tensor<5120x5120xbf16>
graph.weight @"model.layers.0.post_attention_layernorm.weight" : tensor<5120xbf16>
graph.weight @"model.layers.0.feed_forward.router.weight" : tensor<16x5120xbf16>
graph.weight @"model.layers.0.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
graph.weight @"model.layers.0.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>

graph.weight @"model.layers.3.input_layernorm.weight" : tensor<5120xbf16>
graph.weight @"model.layers.3.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
graph.weight @"model.layers.3.self_attn.k_proj.weight" : tensor<1024x5120xbf16>
graph.weight @"model.layers.3.self_attn.v_proj.weight" : tensor<1024x5120xbf16>
graph.weight @"model.layers.3.self_attn.o_proj.weight" : tensor<5120x5120xbf16>
graph.weight @"model.layers.3.post_attention_layernorm.weight" : tensor<5120xbf16>
graph.weight @"model.layers.3.feed_forward.router.weight" : tensor<16x5120xbf16>
graph.weight @"model.layers.3.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
graph.weight @"model.layers.3.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
graph.weight @"model.layers.3.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.3.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.3.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>

// CHECK-LABEL: func.func @decoder_layer_0
// CHECK-SAME: (%[[H:.*]]: tensor<?x5120xbf16>, %[[POS:.*]]: tensor<?xi64>)
// CHECK: %[[X:.*]] = graph.rms_norm %[[H]], %{{.*}} {epsilon = 1.000000e-05 : f64}
// CHECK: %[[Q:.*]] = graph.linear %[[X]], %{{.*}} -> tensor<?x5120xbf16>
// CHECK: %[[K:.*]] = graph.linear %[[X]], %{{.*}} -> tensor<?x1024xbf16>
// CHECK: %[[V:.*]] = graph.linear %[[X]], %{{.*}} -> tensor<?x1024xbf16>
// CHECK: %[[QR:.*]] = graph.rope %[[Q]], %[[POS]] {{{.*}}scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>
// CHECK: %[[KR:.*]] = graph.rope %[[K]], %[[POS]]
// CHECK: %[[A:.*]] = graph.attention %[[QR]], %[[KR]], %[[V]], %[[POS]]
// CHECK-SAME: chunk_size = 8192 : i64
// CHECK-SAME: mask = #graph.mask<chunked_causal>
// CHECK-SAME: num_heads = 40 : i64, num_kv_heads = 8 : i64
// CHECK-SAME: qk_norm_epsilon = 1.000000e-05 : f64
// CHECK-NOT: temperature_tuning
// CHECK: %[[O:.*]] = graph.linear %[[A]]
// CHECK: %[[H1:.*]] = arith.addf %[[H]], %[[O]]
// CHECK: %[[X2:.*]] = graph.rms_norm %[[H1]]
// CHECK: %[[M:.*]] = moe.block %[[X2]] router(%{{.*}}) experts(%{{.*}}, %{{.*}}) shared(%{{.*}}, %{{.*}}, %{{.*}}) {top_k = 1 : i64}
// CHECK: %[[H2:.*]] = arith.addf %[[H1]], %[[M]]
// CHECK: return %[[H2]]

func.func @decoder_layer_0(%h: tensor<?x5120xbf16>, %pos: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %ln1 = graph.weight_ref @"model.layers.0.input_layernorm.weight" : tensor<5120xbf16>
  %wq = graph.weight_ref @"model.layers.0.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
  %wk = graph.weight_ref @"model.layers.0.self_attn.k_proj.weight" : tensor<1024x5120xbf16>
  %wv = graph.weight_ref @"model.layers.0.self_attn.v_proj.weight" : tensor<1024x5120xbf16>
  %wo = graph.weight_ref @"model.layers.0.self_attn.o_proj.weight" : tensor<5120x5120xbf16>
  %ln2 = graph.weight_ref @"model.layers.0.post_attention_layernorm.weight" : tensor<5120xbf16>
  %router = graph.weight_ref @"model.layers.0.feed_forward.router.weight" : tensor<16x5120xbf16>
  %gate_up = graph.weight_ref @"model.layers.0.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
  %down = graph.weight_ref @"model.layers.0.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
  %sgate = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
  %sup = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
  %sdown = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>
  %x = graph.rms_norm %h, %ln1 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %q = graph.linear %x, %wq : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %k = graph.linear %x, %wk : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %v = graph.linear %x, %wv : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %qr = graph.rope %q, %pos {head_dim = 128 : i64, theta = 5.0e+05 : f64, scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} : tensor<?x5120xbf16>, tensor<?xi64>
  %kr = graph.rope %k, %pos {head_dim = 128 : i64, theta = 5.0e+05 : f64, scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} : tensor<?x1024xbf16>, tensor<?xi64>
  %a = graph.attention %qr, %kr, %v, %pos {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64, mask = #graph.mask<chunked_causal>, chunk_size = 8192 : i64, qk_norm_epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
  %o = graph.linear %a, %wo : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %h1 = arith.addf %h, %o : tensor<?x5120xbf16>
  %x2 = graph.rms_norm %h1, %ln2 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %m = moe.block %x2 router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64} : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  %h2 = arith.addf %h1, %m : tensor<?x5120xbf16>
  return %h2 : tensor<?x5120xbf16>
}

// CHECK-LABEL: func.func @decoder_layer_3
// CHECK-SAME: (%[[H:.*]]: tensor<?x5120xbf16>, %[[POS:.*]]: tensor<?xi64>)
// CHECK-NOT: graph.rope
// CHECK: %[[A:.*]] = graph.attention
// CHECK-SAME: mask = #graph.mask<causal>
// CHECK-NOT: qk_norm_epsilon
// CHECK-SAME: temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>
// CHECK: moe.block

func.func @decoder_layer_3(%h: tensor<?x5120xbf16>, %pos: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %ln1 = graph.weight_ref @"model.layers.3.input_layernorm.weight" : tensor<5120xbf16>
  %wq = graph.weight_ref @"model.layers.3.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
  %wk = graph.weight_ref @"model.layers.3.self_attn.k_proj.weight" : tensor<1024x5120xbf16>
  %wv = graph.weight_ref @"model.layers.3.self_attn.v_proj.weight" : tensor<1024x5120xbf16>
  %wo = graph.weight_ref @"model.layers.3.self_attn.o_proj.weight" : tensor<5120x5120xbf16>
  %ln2 = graph.weight_ref @"model.layers.3.post_attention_layernorm.weight" : tensor<5120xbf16>
  %router = graph.weight_ref @"model.layers.3.feed_forward.router.weight" : tensor<16x5120xbf16>
  %gate_up = graph.weight_ref @"model.layers.3.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
  %down = graph.weight_ref @"model.layers.3.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
  %sgate = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
  %sup = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
  %sdown = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>
  %x = graph.rms_norm %h, %ln1 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %q = graph.linear %x, %wq : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %k = graph.linear %x, %wk : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %v = graph.linear %x, %wv : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %a = graph.attention %q, %k, %v, %pos {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64, mask = #graph.mask<causal>, temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>} : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
  %o = graph.linear %a, %wo : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %h1 = arith.addf %h, %o : tensor<?x5120xbf16>
  %x2 = graph.rms_norm %h1, %ln2 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %m = moe.block %x2 router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64} : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  %h2 = arith.addf %h1, %m : tensor<?x5120xbf16>
  return %h2 : tensor<?x5120xbf16>
}

// CHECK-LABEL: func.func @decoder_layer_3_decode
// CHECK-SAME: %[[KC:[^:]*]]: tensor<8192x1024xbf16>, %[[VC:[^:]*]]: tensor<8192x1024xbf16>
// CHECK: %{{.*}}, %[[UPDATED:.*]]:2 = graph.attention {{.*}} cache(%[[KC]], %[[VC]])
// CHECK: return %{{.*}}, %[[UPDATED]]#0, %[[UPDATED]]#1

func.func @decoder_layer_3_decode(%h: tensor<?x5120xbf16>, %pos: tensor<?xi64>, %kc: tensor<8192x1024xbf16>, %vc: tensor<8192x1024xbf16>) -> (tensor<?x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>) {
  %ln1 = graph.weight_ref @"model.layers.3.input_layernorm.weight" : tensor<5120xbf16>
  %wq = graph.weight_ref @"model.layers.3.self_attn.q_proj.weight" : tensor<5120x5120xbf16>
  %wk = graph.weight_ref @"model.layers.3.self_attn.k_proj.weight" : tensor<1024x5120xbf16>
  %wv = graph.weight_ref @"model.layers.3.self_attn.v_proj.weight" : tensor<1024x5120xbf16>
  %wo = graph.weight_ref @"model.layers.3.self_attn.o_proj.weight" : tensor<5120x5120xbf16>
  %ln2 = graph.weight_ref @"model.layers.3.post_attention_layernorm.weight" : tensor<5120xbf16>
  %router = graph.weight_ref @"model.layers.3.feed_forward.router.weight" : tensor<16x5120xbf16>
  %gate_up = graph.weight_ref @"model.layers.3.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
  %down = graph.weight_ref @"model.layers.3.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
  %sgate = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
  %sup = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
  %sdown = graph.weight_ref @"model.layers.3.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>
  %x = graph.rms_norm %h, %ln1 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %q = graph.linear %x, %wq : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %k = graph.linear %x, %wk : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %v = graph.linear %x, %wv : tensor<?x5120xbf16>, tensor<1024x5120xbf16> -> tensor<?x1024xbf16>
  %a, %kc2, %vc2 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64, mask = #graph.mask<causal>, temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>} : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16> -> tensor<?x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>
  %o = graph.linear %a, %wo : tensor<?x5120xbf16>, tensor<5120x5120xbf16> -> tensor<?x5120xbf16>
  %h1 = arith.addf %h, %o : tensor<?x5120xbf16>
  %x2 = graph.rms_norm %h1, %ln2 {epsilon = 1.0e-05 : f64} : tensor<?x5120xbf16>, tensor<5120xbf16>
  %m = moe.block %x2 router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64} : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  %h2 = arith.addf %h1, %m : tensor<?x5120xbf16>
  return %h2, %kc2, %vc2 : tensor<?x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>
}
