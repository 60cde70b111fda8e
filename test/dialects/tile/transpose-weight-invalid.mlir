// Diagnostics of tile.transpose_weight.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @rank1(%w: tensor<64xbf16>) -> tensor<64xbf16> {
  // expected-error@+1 {{'tile.transpose_weight' op needs a weight of rank >= 2, got 'tensor<64xbf16>'}}
  %wt = tile.transpose_weight %w : tensor<64xbf16> -> tensor<64xbf16>
  return %wt : tensor<64xbf16>
}

// -----

func.func @element_type(%w: tensor<64x32xbf16>) -> tensor<32x64xf32> {
  // expected-error@+1 {{'tile.transpose_weight' op result element type 'f32' does not match the input element type 'bf16'}}
  %wt = tile.transpose_weight %w : tensor<64x32xbf16> -> tensor<32x64xf32>
  return %wt : tensor<32x64xf32>
}

// -----

// Only the last two dimensions swap; experts stay first.
func.func @expert_dim(%w: tensor<4x64x32xbf16>) -> tensor<32x64x4xbf16> {
  // expected-error@+1 {{'tile.transpose_weight' op result has type 'tensor<32x64x4xbf16>', expected shape [4, 32, 64]}}
  %wt = tile.transpose_weight %w : tensor<4x64x32xbf16> -> tensor<32x64x4xbf16>
  return %wt : tensor<32x64x4xbf16>
}
