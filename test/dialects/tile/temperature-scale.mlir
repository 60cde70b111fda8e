// Round trip of tile.temperature_scale (Llama 4 NoPE query scaling).
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @nope_layer(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[QT:.*]] = tile.temperature_scale %[[Q]], %[[POS]] {attn_scale = 1.000000e-01 : f64, floor_scale = 8.192000e+03 : f64} : tensor<?x5120xbf16>, tensor<?xi64>
//  CHECK-NEXT:   return %[[QT]]
func.func @nope_layer(%q: tensor<?x5120xbf16>, %pos: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %qt = tile.temperature_scale %q, %pos {attn_scale = 1.000000e-01 : f64, floor_scale = 8.192000e+03 : f64} : tensor<?x5120xbf16>, tensor<?xi64>
  return %qt : tensor<?x5120xbf16>
}

// CHECK-LABEL: func.func @decode(
//       CHECK:   tile.temperature_scale %{{.*}} : tensor<1x64xf32>, tensor<1xi32>
func.func @decode(%q: tensor<1x64xf32>, %pos: tensor<1xi32>) -> tensor<1x64xf32> {
  %qt = tile.temperature_scale %q, %pos {attn_scale = 1.000000e-01 : f64, floor_scale = 4.000000e+00 : f64} : tensor<1x64xf32>, tensor<1xi32>
  return %qt : tensor<1x64xf32>
}
