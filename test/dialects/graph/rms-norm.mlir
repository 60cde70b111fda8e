// Round trip of graph.rms_norm.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @dynamic_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<16xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = graph.rms_norm %[[X]], %[[W]] {epsilon = 1.000000e-05 : f64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<16xbf16>
//  CHECK-NEXT:   return %[[Y]] : tensor<?x16xbf16>
func.func @dynamic_tokens(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xbf16> {
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x16xbf16>, tensor<16xbf16>
  return %y : tensor<?x16xbf16>
}

// CHECK-LABEL: func.func @static_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<4x8xf32>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<8xf32>
//  CHECK-NEXT:   %[[Y:.*]] = graph.rms_norm %[[X]], %[[W]] {epsilon = 2.500000e-01 : f64}
//  CHECK-SAME:     : tensor<4x8xf32>, tensor<8xf32>
func.func @static_tokens(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = graph.rms_norm %x, %w {epsilon = 0.25 : f64} : tensor<4x8xf32>, tensor<8xf32>
  return %y : tensor<4x8xf32>
}

// The weight may keep the checkpoint's element type (here f32 for bf16
// activations) and may be dynamic.
// CHECK-LABEL: func.func @mixed_precision_weight(
//       CHECK:   graph.rms_norm
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?xf32>
func.func @mixed_precision_weight(%x: tensor<?x16xbf16>, %w: tensor<?xf32>) -> tensor<?x16xbf16> {
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x16xbf16>, tensor<?xf32>
  return %y : tensor<?x16xbf16>
}
