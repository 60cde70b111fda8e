// Round trip of moe.quantize with each scaling granularity.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @per_tensor(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x256xbf16>
//  CHECK-NEXT:   %[[Q:.*]], %[[S:.*]] = moe.quantize %[[X]] {scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
//  CHECK-NEXT:   return %[[Q]], %[[S]]
func.func @per_tensor(%x: tensor<?x256xbf16>) -> (tensor<?x256xf8E4M3FN>, tensor<1x1xf32>) {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
  return %q, %s : tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
}

// CHECK-LABEL: func.func @per_token(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x256xbf16>
//  CHECK-NEXT:   %{{.*}}, %{{.*}} = moe.quantize %[[X]] {scaling = #moe.scaling<per_token>}
//  CHECK-SAME:     : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
func.func @per_token(%x: tensor<?x256xbf16>) -> tensor<?x1xf32> {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// A [out, in] weight: one scale per output channel.
// CHECK-LABEL: func.func @per_channel(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<64x256xbf16> -> tensor<64x256xf8E4M3FN>, tensor<64x1xf32>
func.func @per_channel(%w: tensor<64x256xbf16>) -> tensor<64x1xf32> {
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<64x256xbf16> -> tensor<64x256xf8E4M3FN>, tensor<64x1xf32>
  return %s : tensor<64x1xf32>
}

// Activations in 1x128 blocks: K = 256 gives 2 scales per token.
// CHECK-LABEL: func.func @block_activation(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {scaling = #moe.scaling<block 1x128>}
//  CHECK-SAME:     : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
func.func @block_activation(%x: tensor<?x256xbf16>) -> tensor<?x2xf32> {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<block 1x128>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// An [out, in] weight in 128x128 blocks; partial blocks round up (200 -> 2).
// CHECK-LABEL: func.func @block_weight(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<384x200xf32> -> tensor<384x200xf8E5M2>, tensor<3x2xf32>
func.func @block_weight(%w: tensor<384x200xf32>) -> tensor<3x2xf32> {
  %q, %s = moe.quantize %w {scaling = #moe.scaling<block 128x128>}
    : tensor<384x200xf32> -> tensor<384x200xf8E5M2>, tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// A fused [E, K, N] expert weight contracts along dimension 1: per-channel
// scales are [E, 1, N], and each expert keeps its own.
// CHECK-LABEL: func.func @experts_per_channel(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x64xf32>
func.func @experts_per_channel(%w: tensor<4x256x64xbf16>) -> tensor<4x1x64xf32> {
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_channel>, reduction_dim = 1 : i64}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x64xf32>
  return %s : tensor<4x1x64xf32>
}

// The same weight in 128x128 blocks: [E, K / 128, N / 128].
// CHECK-LABEL: func.func @experts_block(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<4x256x384xbf16> -> tensor<4x256x384xf8E4M3FN>, tensor<4x2x3xf32>
func.func @experts_block(%w: tensor<4x256x384xbf16>) -> tensor<4x2x3xf32> {
  %q, %s = moe.quantize %w {scaling = #moe.scaling<block 128x128>, reduction_dim = 1 : i64}
    : tensor<4x256x384xbf16> -> tensor<4x256x384xf8E4M3FN>, tensor<4x2x3xf32>
  return %s : tensor<4x2x3xf32>
}

// Per-tensor on the fused weight: one scale per expert, [E, 1, 1].
// CHECK-LABEL: func.func @experts_per_tensor(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x1xf32>
func.func @experts_per_tensor(%w: tensor<4x256x64xbf16>) -> tensor<4x1x1xf32> {
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_tensor>, reduction_dim = 1 : i64}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x1xf32>
  return %s : tensor<4x1x1xf32>
}

// An explicit reduction_dim equal to the default (the last one) is kept.
// CHECK-LABEL: func.func @explicit_last_dim(
//       CHECK:   moe.quantize
//  CHECK-SAME:     {reduction_dim = 1 : i64, scaling = #moe.scaling<per_token>}
//  CHECK-SAME:     : tensor<8x32xf16> -> tensor<8x32xf8E4M3FN>, tensor<8x1xf32>
func.func @explicit_last_dim(%x: tensor<8x32xf16>) -> tensor<8x1xf32> {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>, reduction_dim = 1 : i64}
    : tensor<8x32xf16> -> tensor<8x32xf8E4M3FN>, tensor<8x1xf32>
  return %s : tensor<8x1xf32>
}
