// Diagnostics of moe.dequantize: result shape, scale layouts that do not fit
// the granularity, and the reduction dimension.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @result_shape(%w: tensor<64x256xf8E4M3FN>, %s: tensor<64x1xf32>) -> tensor<256x64xbf16> {
  // expected-error@+1 {{'moe.dequantize' op result has type 'tensor<256x64xbf16>', expected shape [64, 256]}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<64x256xf8E4M3FN>, tensor<64x1xf32> -> tensor<256x64xbf16>
  return %d : tensor<256x64xbf16>
}

// -----

func.func @per_channel_scale_shape(%w: tensor<64x256xf8E4M3FN>, %s: tensor<1x256xf32>) -> tensor<64x256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input scale 'tensor<1x256xf32>' does not fit #moe.scaling<per_channel> scaling of 'tensor<64x256xf8E4M3FN>': expected shape [64, 1]}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<64x256xf8E4M3FN>, tensor<1x256xf32> -> tensor<64x256xbf16>
  return %d : tensor<64x256xbf16>
}

// -----

func.func @per_tensor_scale_shape(%w: tensor<64x256xf8E4M3FN>, %s: tensor<64x1xf32>) -> tensor<64x256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input scale 'tensor<64x1xf32>' does not fit #moe.scaling<per_tensor> scaling of 'tensor<64x256xf8E4M3FN>': expected shape [1, 1]}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_tensor>}
       : tensor<64x256xf8E4M3FN>, tensor<64x1xf32> -> tensor<64x256xbf16>
  return %d : tensor<64x256xbf16>
}

// -----

func.func @per_token_scale_shape(%x: tensor<4x256xf8E4M3FN>, %s: tensor<8x1xf32>) -> tensor<4x256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input scale 'tensor<8x1xf32>' does not fit #moe.scaling<per_token> scaling of 'tensor<4x256xf8E4M3FN>': expected shape [4, 1]}}
  %d = moe.dequantize %x, %s {scaling = #moe.scaling<per_token>}
       : tensor<4x256xf8E4M3FN>, tensor<8x1xf32> -> tensor<4x256xbf16>
  return %d : tensor<4x256xbf16>
}

// -----

func.func @block_scale_shape(%w: tensor<256x512xf8E4M3FN>, %s: tensor<4x2xf32>) -> tensor<256x512xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input scale 'tensor<4x2xf32>' does not fit #moe.scaling<block 128x128> scaling of 'tensor<256x512xf8E4M3FN>': expected shape [2, 4]}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<block 128x128>}
       : tensor<256x512xf8E4M3FN>, tensor<4x2xf32> -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}

// -----

// With reduction_dim = 1 the fused [E, K, N] weight's blocks are [E, K/128, N/128].
func.func @experts_block_scale_shape(%w: tensor<4x256x384xf8E4M3FN>, %s: tensor<4x3x2xf32>) -> tensor<4x256x384xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input scale 'tensor<4x3x2xf32>' does not fit #moe.scaling<block 128x128> scaling of 'tensor<4x256x384xf8E4M3FN>': expected shape [4, 2, 3]}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<block 128x128>, reduction_dim = 1 : i64}
       : tensor<4x256x384xf8E4M3FN>, tensor<4x3x2xf32> -> tensor<4x256x384xbf16>
  return %d : tensor<4x256x384xbf16>
}

// -----

func.func @reduction_dim_not_last_two(%w: tensor<4x256x64xf8E4M3FN>, %s: tensor<1x256x64xf32>) -> tensor<4x256x64xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input reduction dimension 0 must be one of its last two dimensions}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>, reduction_dim = 0 : i64}
       : tensor<4x256x64xf8E4M3FN>, tensor<1x256x64xf32> -> tensor<4x256x64xbf16>
  return %d : tensor<4x256x64xbf16>
}

// -----

func.func @negative_reduction_dim(%w: tensor<64x256xf8E4M3FN>, %s: tensor<64x1xf32>) -> tensor<64x256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input reduction dimension -2 must be one of its last two dimensions}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>, reduction_dim = -2 : i64}
       : tensor<64x256xf8E4M3FN>, tensor<64x1xf32> -> tensor<64x256xbf16>
  return %d : tensor<64x256xbf16>
}

// -----

func.func @rank_one(%x: tensor<256xf8E4M3FN>, %s: tensor<1xf32>) -> tensor<256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op input must have rank >= 2 to be scaled, got 'tensor<256xf8E4M3FN>'}}
  %d = moe.dequantize %x, %s {scaling = #moe.scaling<per_tensor>}
       : tensor<256xf8E4M3FN>, tensor<1xf32> -> tensor<256xbf16>
  return %d : tensor<256xbf16>
}

// -----

func.func @input_not_fp8(%w: tensor<64x256xbf16>, %s: tensor<64x1xf32>) -> tensor<64x256xf32> {
  // expected-error@+1 {{'moe.dequantize' op operand #0 must be ranked tensor of f8E4M3FN type or f8E5M2 type values, but got 'tensor<64x256xbf16>'}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<64x256xbf16>, tensor<64x1xf32> -> tensor<64x256xf32>
  return %d : tensor<64x256xf32>
}

// -----

func.func @scale_not_f32(%w: tensor<64x256xf8E4M3FN>, %s: tensor<64x1xbf16>) -> tensor<64x256xbf16> {
  // expected-error@+1 {{'moe.dequantize' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<64x1xbf16>'}}
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<64x256xf8E4M3FN>, tensor<64x1xbf16> -> tensor<64x256xbf16>
  return %d : tensor<64x256xbf16>
}
