// Round trip of graph.weight_ref: reads a declared checkpoint tensor.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

graph.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<16x16xbf16>
graph.weight @"model.norm.weight" : tensor<16xf32>
graph.weight @"lm_head/weight" : tensor<32x16xbf16>
graph.weight @"experts.down_proj.weight" : tensor<4x8x16xf8E4M3FN>

// CHECK-LABEL: func.func @matrix
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @model.layers.0.self_attn.q_proj.weight : tensor<16x16xbf16>
//  CHECK-NEXT:   return %[[W]] : tensor<16x16xbf16>
func.func @matrix() -> tensor<16x16xbf16> {
  %w = graph.weight_ref @"model.layers.0.self_attn.q_proj.weight" : tensor<16x16xbf16>
  return %w : tensor<16x16xbf16>
}

// CHECK-LABEL: func.func @vector
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @model.norm.weight : tensor<16xf32>
//  CHECK-NEXT:   return %[[W]] : tensor<16xf32>
func.func @vector() -> tensor<16xf32> {
  %w = graph.weight_ref @"model.norm.weight" : tensor<16xf32>
  return %w : tensor<16xf32>
}

// CHECK-LABEL: func.func @quoted_name
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @"lm_head/weight" : tensor<32x16xbf16>
func.func @quoted_name() -> tensor<32x16xbf16> {
  %w = graph.weight_ref @"lm_head/weight" : tensor<32x16xbf16>
  return %w : tensor<32x16xbf16>
}

// CHECK-LABEL: func.func @fp8_experts
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @experts.down_proj.weight : tensor<4x8x16xf8E4M3FN>
func.func @fp8_experts() -> tensor<4x8x16xf8E4M3FN> {
  %w = graph.weight_ref @"experts.down_proj.weight" : tensor<4x8x16xf8E4M3FN>
  return %w : tensor<4x8x16xf8E4M3FN>
}

// The value feeds an op like any tensor.
// CHECK-LABEL: func.func @feeds_linear(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-NEXT:   %[[W:.*]] = graph.weight_ref @"lm_head/weight"
//  CHECK-NEXT:   %[[Y:.*]] = graph.linear %[[X]], %[[W]]
//  CHECK-NEXT:   return %[[Y]]
func.func @feeds_linear(%x: tensor<?x16xbf16>) -> tensor<?x32xbf16> {
  %w = graph.weight_ref @"lm_head/weight" : tensor<32x16xbf16>
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
