// Round trip of graph.linear: input x [out, in] weight.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @dynamic_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<8x16xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = graph.linear %[[X]], %[[W]]
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<8x16xbf16> -> tensor<?x8xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @dynamic_tokens(%x: tensor<?x16xbf16>, %w: tensor<8x16xbf16>) -> tensor<?x8xbf16> {
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<8x16xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// CHECK-LABEL: func.func @static_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<2x4xf32>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<6x4xf32>
//  CHECK-NEXT:   %[[Y:.*]] = graph.linear %[[X]], %[[W]]
//  CHECK-SAME:     : tensor<2x4xf32>, tensor<6x4xf32> -> tensor<2x6xf32>
func.func @static_tokens(%x: tensor<2x4xf32>, %w: tensor<6x4xf32>) -> tensor<2x6xf32> {
  %y = graph.linear %x, %w : tensor<2x4xf32>, tensor<6x4xf32> -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// A dynamic in_features or out_features agrees with anything.
// CHECK-LABEL: func.func @dynamic_features(
//       CHECK:   graph.linear
//  CHECK-SAME:     : tensor<?x?xbf16>, tensor<?x16xbf16> -> tensor<?x?xbf16>
func.func @dynamic_features(%x: tensor<?x?xbf16>, %w: tensor<?x16xbf16>) -> tensor<?x?xbf16> {
  %y = graph.linear %x, %w : tensor<?x?xbf16>, tensor<?x16xbf16> -> tensor<?x?xbf16>
  return %y : tensor<?x?xbf16>
}

// Llama 4 Scout's LM head: 5120 -> 202048.
// CHECK-LABEL: func.func @scout_lm_head(
//       CHECK:   graph.linear
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<202048x5120xbf16> -> tensor<?x202048xbf16>
func.func @scout_lm_head(%x: tensor<?x5120xbf16>, %w: tensor<202048x5120xbf16>) -> tensor<?x202048xbf16> {
  %y = graph.linear %x, %w : tensor<?x5120xbf16>, tensor<202048x5120xbf16> -> tensor<?x202048xbf16>
  return %y : tensor<?x202048xbf16>
}
