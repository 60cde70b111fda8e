// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-lower-tile-attention

// Element types the CPU attention lowering does not compute in are reported
// by name, and nothing is rewritten.
func.func @finalize_to_fp8(%acc: tensor<8x8xf32>, %l: tensor<8xf32>) -> tensor<8x8xf8E4M3FN> {
  // expected-error @below {{'tile.flash_finalize' op element type 'f8E4M3FN' is not supported by the CPU code generator (f32, bf16, f16)}}
  %o = tile.flash_finalize %acc, %l : tensor<8x8xf32>, tensor<8xf32> -> tensor<8x8xf8E4M3FN>
  return %o : tensor<8x8xf8E4M3FN>
}

// -----

func.func @norm_f64(%x: tensor<4x16xf64>) -> tensor<4x16xf64> {
  // expected-error @below {{'tile.head_rms_norm' op element type 'f64' is not supported by the CPU code generator (f32, bf16, f16)}}
  %y = tile.head_rms_norm %x {epsilon = 1.0e-05 : f64, head_dim = 8 : i64} : tensor<4x16xf64>
  return %y : tensor<4x16xf64>
}

// -----

func.func @step_fp8_value(%s: tensor<4x4xf32>, %v: tensor<4x8xf8E4M3FN>, %m: tensor<4xf32>, %l: tensor<4xf32>, %acc: tensor<4x8xf32>, %qp: tensor<4xi64>, %kp: tensor<4xi64>) -> tensor<4x8xf32> {
  // expected-error @below {{'tile.flash_step' op element type 'f8E4M3FN' is not supported by the CPU code generator (f32, bf16, f16)}}
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %acc, %qp, %kp
      {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x4xf32>, tensor<4x8xf8E4M3FN>, tensor<4xf32>, tensor<4x8xf32>, tensor<4xi64>, tensor<4xi64>
  return %o1 : tensor<4x8xf32>
}
