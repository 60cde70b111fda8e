// Round trip of tile.transpose_weight on expert weights and their scales.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @experts(
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<16x5120x16384xf8E4M3FN>
//  CHECK-SAME:     %[[S:[a-z0-9_]+]]: tensor<16x40x128xf32>
//  CHECK-NEXT:   %[[WT:.*]] = tile.transpose_weight %[[W]] : tensor<16x5120x16384xf8E4M3FN> -> tensor<16x16384x5120xf8E4M3FN>
//  CHECK-NEXT:   %[[ST:.*]] = tile.transpose_weight %[[S]] : tensor<16x40x128xf32> -> tensor<16x128x40xf32>
//  CHECK-NEXT:   return %[[WT]], %[[ST]]
func.func @experts(%w: tensor<16x5120x16384xf8E4M3FN>, %s: tensor<16x40x128xf32>)
    -> (tensor<16x16384x5120xf8E4M3FN>, tensor<16x128x40xf32>) {
  %wt = tile.transpose_weight %w : tensor<16x5120x16384xf8E4M3FN> -> tensor<16x16384x5120xf8E4M3FN>
  %st = tile.transpose_weight %s : tensor<16x40x128xf32> -> tensor<16x128x40xf32>
  return %wt, %st : tensor<16x16384x5120xf8E4M3FN>, tensor<16x128x40xf32>
}

// CHECK-LABEL: func.func @matrix(
//       CHECK:   tile.transpose_weight %{{.*}} : tensor<64x32xbf16> -> tensor<32x64xbf16>
func.func @matrix(%w: tensor<64x32xbf16>) -> tensor<32x64xbf16> {
  %wt = tile.transpose_weight %w : tensor<64x32xbf16> -> tensor<32x64xbf16>
  return %wt : tensor<32x64xbf16>
}
