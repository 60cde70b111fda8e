// Shapes the cpu target cannot tile.
// RUN: moec-opt %s -split-input-file --moec-tile=target=cpu -verify-diagnostics

func.func @f64(%x: tensor<?x64xf64>, %w: tensor<64x64xf64>) -> tensor<?x64xf64> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for cpu: element type f64 has no MMA on cpu (expected f8E4M3FN, f8E5M2, bf16, f16 or f32)}}
  %y = moe.matmul %x, %w : tensor<?x64xf64>, tensor<64x64xf64> -> tensor<?x64xf64>
  return %y : tensor<?x64xf64>
}
