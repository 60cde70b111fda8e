// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-lower-elementwise

// The CPU encodes only f8E4M3FN; an f8E5M2 quantization is reported by name
// and nothing is rewritten.
func.func @quantize_e5m2(%x: tensor<4x256xbf16>) -> (tensor<4x256xf8E5M2>, tensor<4x1xf32>) {
  // expected-error @below {{'moe.quantize' op result element type 'f8E5M2' is not supported by the CPU code generator (f8E4M3FN)}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>} : tensor<4x256xbf16> -> tensor<4x256xf8E5M2>, tensor<4x1xf32>
  return %q, %s : tensor<4x256xf8E5M2>, tensor<4x1xf32>
}

// -----

func.func @rms_norm_quantize_e5m2(%x: tensor<?x256xbf16>, %w: tensor<256xbf16>) -> (tensor<?x256xf8E5M2>, tensor<?x2xf32>) {
  // expected-error @below {{'moe.rms_norm_quantize' op result element type 'f8E5M2' is not supported by the CPU code generator (f8E4M3FN)}}
  %q, %s = moe.rms_norm_quantize %x, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<block 1x128>} : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E5M2>, tensor<?x2xf32>
  return %q, %s : tensor<?x256xf8E5M2>, tensor<?x2xf32>
}
