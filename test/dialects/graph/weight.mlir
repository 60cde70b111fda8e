// Round trip of graph.weight: checkpoint tensors declared by name, at module
// level, with any element type and rank.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// A Hugging Face tensor name, nn.Linear [out, in] layout. Dots are valid in a
// bare symbol name, so the quotes are dropped when printing.
// CHECK-LABEL: graph.weight @model.layers.0.self_attn.q_proj.weight
//  CHECK-SAME:   : tensor<5120x5120xbf16>
graph.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<5120x5120xbf16>

// A 1-D norm weight.
// CHECK-LABEL: graph.weight @norm : tensor<64xf32>
graph.weight @norm : tensor<64xf32>

// Fused expert weights are rank 3.
// CHECK-LABEL: graph.weight @model.layers.0.feed_forward.experts.gate_up_proj
//  CHECK-SAME:   : tensor<16x5120x16384xbf16>
graph.weight @"model.layers.0.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>

// A name that is not a bare identifier keeps its quotes.
// CHECK-LABEL: graph.weight @"lm_head/weight" : tensor<8x4xbf16>
graph.weight @"lm_head/weight" : tensor<8x4xbf16>

// FP8 checkpoints: the FP8 data and its f32 per-channel scales.
// CHECK-LABEL: graph.weight @mlp.down_proj.weight : tensor<64x128xf8E4M3FN>
//  CHECK-NEXT: graph.weight @mlp.down_proj.weight_scale : tensor<64x1xf32>
graph.weight @mlp.down_proj.weight : tensor<64x128xf8E4M3FN>
graph.weight @mlp.down_proj.weight_scale : tensor<64x1xf32>

// Any module may hold weights, a nested one too.
// CHECK-LABEL: module @shard
//  CHECK-NEXT:   graph.weight @inner : tensor<2x2xf16>
module @shard {
  graph.weight @inner : tensor<2x2xf16>
}

// Weights are read through graph.weight_ref.
// CHECK-LABEL: func.func @reads_norm
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @norm : tensor<64xf32>
//  CHECK-NEXT:   return %[[W]]
func.func @reads_norm() -> tensor<64xf32> {
  %w = graph.weight_ref @norm : tensor<64xf32>
  return %w : tensor<64xf32>
}
