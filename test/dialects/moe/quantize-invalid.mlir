// Diagnostics of moe.quantize: result shape, scale layouts that do not fit
// the granularity, and the reduction dimension.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @result_shape(%x: tensor<?x256xbf16>) -> tensor<?x128xf8E4M3FN> {
  // expected-error@+1 {{'moe.quantize' op result has type 'tensor<?x128xf8E4M3FN>', expected shape [?, 256]}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x128xf8E4M3FN>, tensor<?x1xf32>
  return %q : tensor<?x128xf8E4M3FN>
}

// -----

func.func @per_tensor_scale_rank(%x: tensor<?x256xbf16>) -> tensor<1xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<1xf32>' does not fit #moe.scaling<per_tensor> scaling of 'tensor<?x256xbf16>': expected shape [1, 1]}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

func.func @per_token_scale_shape(%x: tensor<4x256xbf16>) -> tensor<1x256xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<1x256xf32>' does not fit #moe.scaling<per_token> scaling of 'tensor<4x256xbf16>': expected shape [4, 1]}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<1x256xf32>
  return %s : tensor<1x256xf32>
}

// -----

func.func @per_channel_scale_shape(%w: tensor<64x256xbf16>) -> tensor<256x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<256x1xf32>' does not fit #moe.scaling<per_channel> scaling of 'tensor<64x256xbf16>': expected shape [64, 1]}}
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<64x256xbf16> -> tensor<64x256xf8E4M3FN>, tensor<256x1xf32>
  return %s : tensor<256x1xf32>
}

// -----

// Partial blocks round up: 200 / 128 needs 2 scales, not 1.
func.func @block_scale_rounds_up(%w: tensor<384x200xbf16>) -> tensor<3x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<3x1xf32>' does not fit #moe.scaling<block 128x128> scaling of 'tensor<384x200xbf16>': expected shape [3, 2]}}
  %q, %s = moe.quantize %w {scaling = #moe.scaling<block 128x128>}
    : tensor<384x200xbf16> -> tensor<384x200xf8E4M3FN>, tensor<3x1xf32>
  return %s : tensor<3x1xf32>
}

// -----

// Without reduction_dim the last dimension is the reduction one, so a fused
// [E, K, N] weight gets [E, K, 1] scales, not [E, 1, N].
func.func @experts_default_reduction_dim(%w: tensor<4x256x64xbf16>) -> tensor<4x1x64xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<4x1x64xf32>' does not fit #moe.scaling<per_channel> scaling of 'tensor<4x256x64xbf16>': expected shape [4, 256, 1]}}
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x64xf32>
  return %s : tensor<4x1x64xf32>
}

// -----

// Experts never share a scale.
func.func @experts_share_scale(%w: tensor<4x256x64xbf16>) -> tensor<1x1x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input scale 'tensor<1x1x1xf32>' does not fit #moe.scaling<per_tensor> scaling of 'tensor<4x256x64xbf16>': expected shape [4, 1, 1]}}
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_tensor>, reduction_dim = 1 : i64}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<1x1x1xf32>
  return %s : tensor<1x1x1xf32>
}

// -----

func.func @reduction_dim_not_last_two(%w: tensor<4x256x64xbf16>) -> tensor<1x256x64xf32> {
  // expected-error@+1 {{'moe.quantize' op input reduction dimension 0 must be one of its last two dimensions}}
  %q, %s = moe.quantize %w {scaling = #moe.scaling<per_channel>, reduction_dim = 0 : i64}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<1x256x64xf32>
  return %s : tensor<1x256x64xf32>
}

// -----

func.func @reduction_dim_out_of_range(%x: tensor<4x256xbf16>) -> tensor<4x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input reduction dimension 2 must be one of its last two dimensions}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>, reduction_dim = 2 : i64}
    : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

// Negative dimensions are not Python-style indices.
func.func @negative_reduction_dim(%x: tensor<4x256xbf16>) -> tensor<4x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input reduction dimension -1 must be one of its last two dimensions}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>, reduction_dim = -1 : i64}
    : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

// 2^32 + 1 must not wrap around to dimension 1.
func.func @huge_reduction_dim(%x: tensor<4x256xbf16>) -> tensor<4x1xf32> {
  // expected-error@+1 {{'moe.quantize' op input reduction dimension 4294967297 must be one of its last two dimensions}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>, reduction_dim = 4294967297 : i64}
    : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

func.func @rank_one(%x: tensor<256xbf16>) -> tensor<1xf32> {
  // expected-error@+1 {{'moe.quantize' op input must have rank >= 2 to be scaled, got 'tensor<256xbf16>'}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<256xbf16> -> tensor<256xf8E4M3FN>, tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

func.func @result_not_fp8(%x: tensor<?x256xbf16>) -> tensor<?x256xf16> {
  // expected-error@+1 {{'moe.quantize' op result #0 must be ranked tensor of f8E4M3FN type or f8E5M2 type values, but got 'tensor<?x256xf16>'}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf16>, tensor<?x1xf32>
  return %q : tensor<?x256xf16>
}

// -----

func.func @scale_not_f32(%x: tensor<?x256xbf16>) -> tensor<?x1xbf16> {
  // expected-error@+1 {{'moe.quantize' op result #1 must be ranked tensor of 32-bit float values, but got 'tensor<?x1xbf16>'}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xbf16>
  return %s : tensor<?x1xbf16>
}

// -----

func.func @missing_scaling(%x: tensor<?x256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.quantize' op requires attribute 'scaling'}}
  %q, %s = moe.quantize %x : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}
