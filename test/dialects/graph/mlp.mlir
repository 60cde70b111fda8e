// Round trip of graph.mlp: the dense SwiGLU block with [out, in] weights.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @dynamic_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x8xbf16>
//  CHECK-SAME:     %[[GATE:[a-z0-9_]+]]: tensor<32x8xbf16>
//  CHECK-SAME:     %[[UP:[a-z0-9_]+]]: tensor<32x8xbf16>
//  CHECK-SAME:     %[[DOWN:[a-z0-9_]+]]: tensor<8x32xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = graph.mlp %[[X]], %[[GATE]], %[[UP]], %[[DOWN]]
//  CHECK-SAME:     : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<?x8xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @dynamic_tokens(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<?x8xbf16> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// CHECK-LABEL: func.func @static_tokens(
//       CHECK:   graph.mlp
//  CHECK-SAME:     : tensor<3x4xf32>, tensor<6x4xf32>, tensor<6x4xf32>, tensor<4x6xf32> -> tensor<3x4xf32>
func.func @static_tokens(%x: tensor<3x4xf32>, %gate: tensor<6x4xf32>, %up: tensor<6x4xf32>, %down: tensor<4x6xf32>) -> tensor<3x4xf32> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<3x4xf32>, tensor<6x4xf32>, tensor<6x4xf32>, tensor<4x6xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// A dynamic intermediate width agrees with any static one.
// CHECK-LABEL: func.func @dynamic_inter(
//       CHECK:   graph.mlp
//  CHECK-SAME:     : tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<8x?xbf16> -> tensor<?x8xbf16>
func.func @dynamic_inter(%x: tensor<?x8xbf16>, %gate: tensor<?x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x?xbf16>) -> tensor<?x8xbf16> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<8x?xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// Llama 4 Scout's shared expert: 5120 -> 8192 -> 5120.
// CHECK-LABEL: func.func @scout_shared_expert(
//       CHECK:   graph.mlp
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
func.func @scout_shared_expert(%x: tensor<?x5120xbf16>, %gate: tensor<8192x5120xbf16>, %up: tensor<8192x5120xbf16>, %down: tensor<5120x8192xbf16>) -> tensor<?x5120xbf16> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}
