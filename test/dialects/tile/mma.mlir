// Round trip of tile.mma for each operand type it reads, with static and
// dynamic (edge) tiles.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @bf16(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<64x128xf32>
//  CHECK-SAME:     %[[A:[a-z0-9_]+]]: tensor<64x64xbf16>
//  CHECK-SAME:     %[[B:[a-z0-9_]+]]: tensor<128x64xbf16>
//  CHECK-NEXT:   %[[R:.*]] = tile.mma %[[ACC]], %[[A]], %[[B]] : tensor<64x64xbf16>, tensor<128x64xbf16> -> tensor<64x128xf32>
//  CHECK-NEXT:   return %[[R]]
func.func @bf16(%acc: tensor<64x128xf32>, %a: tensor<64x64xbf16>, %b: tensor<128x64xbf16>) -> tensor<64x128xf32> {
  %r = tile.mma %acc, %a, %b : tensor<64x64xbf16>, tensor<128x64xbf16> -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// A partial row block at the edge of the matrix.
// CHECK-LABEL: func.func @fp8_edge(
//       CHECK:   tile.mma %{{.*}} : tensor<?x128xf8E4M3FN>, tensor<128x128xf8E4M3FN> -> tensor<?x128xf32>
func.func @fp8_edge(%acc: tensor<?x128xf32>, %a: tensor<?x128xf8E4M3FN>, %b: tensor<128x128xf8E4M3FN>) -> tensor<?x128xf32> {
  %r = tile.mma %acc, %a, %b : tensor<?x128xf8E4M3FN>, tensor<128x128xf8E4M3FN> -> tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}

// Attention scores: both tiles partial, fp32 (tf32 on sm_90a) and f16.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   tile.mma %{{.*}} : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x?xf32>
//       CHECK:   tile.mma %{{.*}} : tensor<4x32xf16>, tensor<8x32xf16> -> tensor<4x8xf32>
func.func @dynamic(%acc: tensor<?x?xf32>, %a: tensor<?x16xf32>, %b: tensor<?x16xf32>,
                   %acc2: tensor<4x8xf32>, %c: tensor<4x32xf16>, %d: tensor<8x32xf16>) -> (tensor<?x?xf32>, tensor<4x8xf32>) {
  %r = tile.mma %acc, %a, %b : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x?xf32>
  %s = tile.mma %acc2, %c, %d : tensor<4x32xf16>, tensor<8x32xf16> -> tensor<4x8xf32>
  return %r, %s : tensor<?x?xf32>, tensor<4x8xf32>
}
