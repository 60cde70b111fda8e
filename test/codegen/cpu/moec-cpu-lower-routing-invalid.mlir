// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-lower-routing

// FP8 rows have no f32 rounding on the CPU; the op is reported by name.
func.func @fp8_rows(%rows: tensor<?x64xf8E4M3FN>, %src: tensor<?xi32>) -> tensor<?x64xf8E4M3FN> {
  // expected-error @below {{'moe.combine' op operand element type 'f8E4M3FN' is not supported by the CPU code generator (f32, bf16, f16)}}
  %y = moe.combine %rows, %src {top_k = 1 : i64} : tensor<?x64xf8E4M3FN>, tensor<?xi32> -> tensor<?x64xf8E4M3FN>
  return %y : tensor<?x64xf8E4M3FN>
}
