// Round trip of moe.dequantize with each scaling granularity.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @per_channel(
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<64x256xf8E4M3FN>
//  CHECK-SAME:     %[[S:[a-z0-9_]+]]: tensor<64x1xf32>
//  CHECK-NEXT:   %[[D:.*]] = moe.dequantize %[[W]], %[[S]] {scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<64x256xf8E4M3FN>, tensor<64x1xf32> -> tensor<64x256xbf16>
//  CHECK-NEXT:   return %[[D]]
func.func @per_channel(%w: tensor<64x256xf8E4M3FN>, %s: tensor<64x1xf32>) -> tensor<64x256xbf16> {
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<64x256xf8E4M3FN>, tensor<64x1xf32> -> tensor<64x256xbf16>
  return %d : tensor<64x256xbf16>
}

// CHECK-LABEL: func.func @per_tensor(
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<64x256xf8E4M3FN>
//  CHECK-SAME:     %[[S:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-NEXT:   %[[D:.*]] = moe.dequantize %[[W]], %[[S]] {scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<64x256xf8E4M3FN>, tensor<1x1xf32> -> tensor<64x256xf32>
func.func @per_tensor(%w: tensor<64x256xf8E4M3FN>, %s: tensor<1x1xf32>) -> tensor<64x256xf32> {
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_tensor>}
       : tensor<64x256xf8E4M3FN>, tensor<1x1xf32> -> tensor<64x256xf32>
  return %d : tensor<64x256xf32>
}

// Activations with a dynamic token count.
// CHECK-LABEL: func.func @per_token(
//       CHECK:   moe.dequantize
//  CHECK-SAME:     {scaling = #moe.scaling<per_token>}
//  CHECK-SAME:     : tensor<?x256xf8E5M2>, tensor<?x1xf32> -> tensor<?x256xbf16>
func.func @per_token(%x: tensor<?x256xf8E5M2>, %s: tensor<?x1xf32>) -> tensor<?x256xbf16> {
  %d = moe.dequantize %x, %s {scaling = #moe.scaling<per_token>}
       : tensor<?x256xf8E5M2>, tensor<?x1xf32> -> tensor<?x256xbf16>
  return %d : tensor<?x256xbf16>
}

// CHECK-LABEL: func.func @block_activation(
//       CHECK:   moe.dequantize
//  CHECK-SAME:     {scaling = #moe.scaling<block 1x128>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<?x2xf32> -> tensor<?x256xbf16>
func.func @block_activation(%x: tensor<?x256xf8E4M3FN>, %s: tensor<?x2xf32>) -> tensor<?x256xbf16> {
  %d = moe.dequantize %x, %s {scaling = #moe.scaling<block 1x128>}
       : tensor<?x256xf8E4M3FN>, tensor<?x2xf32> -> tensor<?x256xbf16>
  return %d : tensor<?x256xbf16>
}

// An FP8 [out, in] checkpoint weight in 128x128 blocks (DeepSeek V3 style);
// 5120 / 128 = 40 and 8192 / 128 = 64.
// CHECK-LABEL: func.func @block_weight(
//       CHECK:   moe.dequantize
//  CHECK-SAME:     {scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<8192x5120xf8E4M3FN>, tensor<64x40xf32> -> tensor<8192x5120xbf16>
func.func @block_weight(%w: tensor<8192x5120xf8E4M3FN>, %s: tensor<64x40xf32>) -> tensor<8192x5120xbf16> {
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<block 128x128>}
       : tensor<8192x5120xf8E4M3FN>, tensor<64x40xf32> -> tensor<8192x5120xbf16>
  return %d : tensor<8192x5120xbf16>
}

// A fused [E, K, N] expert weight contracting along dimension 1.
// CHECK-LABEL: func.func @experts_per_channel(
//       CHECK:   moe.dequantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<4x256x64xf8E4M3FN>, tensor<4x1x64xf32> -> tensor<4x256x64xbf16>
func.func @experts_per_channel(%w: tensor<4x256x64xf8E4M3FN>, %s: tensor<4x1x64xf32>) -> tensor<4x256x64xbf16> {
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>, reduction_dim = 1 : i64}
       : tensor<4x256x64xf8E4M3FN>, tensor<4x1x64xf32> -> tensor<4x256x64xbf16>
  return %d : tensor<4x256x64xbf16>
}

// CHECK-LABEL: func.func @experts_block(
//       CHECK:   moe.dequantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<4x256x384xf8E4M3FN>, tensor<4x2x3xf32> -> tensor<4x256x384xbf16>
func.func @experts_block(%w: tensor<4x256x384xf8E4M3FN>, %s: tensor<4x2x3xf32>) -> tensor<4x256x384xbf16> {
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<block 128x128>, reduction_dim = 1 : i64}
       : tensor<4x256x384xf8E4M3FN>, tensor<4x2x3xf32> -> tensor<4x256x384xbf16>
  return %d : tensor<4x256x384xbf16>
}
