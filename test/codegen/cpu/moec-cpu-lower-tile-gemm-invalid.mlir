// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-lower-tile-gemm

// The CPU has no rounding from f32 to FP8 in an epilogue; every such op is
// reported and nothing is rewritten.
func.func @epilogue_to_fp8(%acc: tensor<8x64xf32>, %a: tensor<8x32xbf16>, %b: tensor<64x32xbf16>) -> tensor<8x64xf8E4M3FN> {
  %0 = tile.mma %acc, %a, %b : tensor<8x32xbf16>, tensor<64x32xbf16> -> tensor<8x64xf32>
  // expected-error @below {{'tile.epilogue' op result element type 'f8E4M3FN' is not supported by the CPU code generator (f32, bf16, f16)}}
  %1 = tile.epilogue %0 : tensor<8x64xf32> -> tensor<8x64xf8E4M3FN>
  return %1 : tensor<8x64xf8E4M3FN>
}

// -----

func.func @epilogue_to_f64(%acc: tensor<8x64xf32>) -> tensor<8x32xf64> {
  // expected-error @below {{'tile.epilogue' op result element type 'f64' is not supported by the CPU code generator (f32, bf16, f16)}}
  %0 = tile.epilogue %acc {activation = #tile.activation<swiglu>} : tensor<8x64xf32> -> tensor<8x32xf64>
  return %0 : tensor<8x32xf64>
}
