// Diagnostics of moe.rms_norm_quantize: weight and result shapes, the
// granularities a row-wise fused norm can produce, the scale layout, and
// the operand, result and attribute constraints.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @weight_shape(%h: tensor<?x256xbf16>, %w: tensor<128xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op weight has type 'tensor<128xbf16>', expected shape [256]}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<128xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// -----

func.func @result_shape(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op result has type 'tensor<?x128xf8E4M3FN>', expected shape [?, 256]}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x128xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// -----

// Per-channel scales span all tokens of a column: a row-wise norm cannot
// produce them.
func.func @per_channel(%h: tensor<8x256xbf16>, %w: tensor<256xbf16>) -> tensor<8x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op normalized activations are scaled per_tensor, per_token or in 1xK' blocks, got #moe.scaling<per_channel>}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_channel>}
    : tensor<8x256xbf16>, tensor<256xbf16> -> tensor<8x256xf8E4M3FN>, tensor<8x1xf32>
  return %s : tensor<8x1xf32>
}

// -----

func.func @multi_row_block(%h: tensor<256x256xbf16>, %w: tensor<256xbf16>) -> tensor<2x2xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op normalized activations are scaled per_tensor, per_token or in 1xK' blocks, got #moe.scaling<block 128x128>}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<block 128x128>}
    : tensor<256x256xbf16>, tensor<256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}

// -----

func.func @per_token_scale_shape(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x2xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op input scale 'tensor<?x2xf32>' does not fit #moe.scaling<per_token> scaling of 'tensor<?x256xbf16>': expected shape [?, 1]}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// -----

// Partial blocks round up: K = 200 in 1x128 blocks needs 2 scales per token.
func.func @block_scale_rounds_up(%h: tensor<4x200xbf16>, %w: tensor<200xbf16>) -> tensor<4x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op input scale 'tensor<4x1xf32>' does not fit #moe.scaling<block 1x128> scaling of 'tensor<4x200xbf16>': expected shape [4, 2]}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<block 1x128>}
    : tensor<4x200xbf16>, tensor<200xbf16> -> tensor<4x200xf8E4M3FN>, tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

func.func @scale_rank(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op result #1 must be 2D tensor of 32-bit float values, but got 'tensor<1xf32>'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

func.func @result_not_fp8(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op result #0 must be 2D tensor of f8E4M3FN type or f8E5M2 type values, but got 'tensor<?x256xbf16>'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xbf16>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// -----

func.func @scale_not_f32(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x1xbf16> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op result #1 must be 2D tensor of 32-bit float values, but got 'tensor<?x1xbf16>'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xbf16>
  return %s : tensor<?x1xbf16>
}

// -----

func.func @input_rank(%h: tensor<2x4x256xbf16>, %w: tensor<256xbf16>) -> tensor<2x4x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<2x4x256xbf16>'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<2x4x256xbf16>, tensor<256xbf16> -> tensor<2x4x256xf8E4M3FN>, tensor<2x4x1xf32>
  return %s : tensor<2x4x1xf32>
}

// -----

func.func @weight_rank(%h: tensor<?x256xbf16>, %w: tensor<1x256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op operand #1 must be 1D tensor of floating-point values, but got 'tensor<1x256xbf16>'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<1x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// -----

func.func @epsilon_not_positive(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 0.0 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}

// -----

func.func @missing_scaling(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.rms_norm_quantize' op requires attribute 'scaling'}}
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}
