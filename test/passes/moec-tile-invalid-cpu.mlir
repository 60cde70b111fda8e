// Shapes the cpu target cannot tile. Without TMA, a K of 200 is fine for
// plain matmuls but not for 128-element block scales.
// RUN: moec-opt %s -split-input-file --moec-tile=target=cpu -verify-diagnostics

func.func @block_k_not_multiple(%x: tensor<?x200xf8E4M3FN>, %w: tensor<256x200xf8E4M3FN>,
                                %xs: tensor<?x2xf32>, %ws: tensor<2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for cpu: block scaling needs K (200) to be a multiple of the 128-element promotion interval}}
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x200xf8E4M3FN>, tensor<256x200xf8E4M3FN>, tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @swiglu_half_unaligned(%x: tensor<?x256xf8E4M3FN>, %w: tensor<192x256xf8E4M3FN>,
                                 %xs: tensor<?x2xf32>, %ws: tensor<2x2xf32>) -> tensor<?x96xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for cpu: the swiglu halves (96 rows each) are not aligned to the 128-row scale blocks of rhs}}
  %y = moe.matmul %x, %w scales(%xs, %ws) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x256xf8E4M3FN>, tensor<192x256xf8E4M3FN>, tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x96xbf16>
  return %y : tensor<?x96xbf16>
}

// -----

// 96-row weight blocks straddle the cpu target's 64-row tiles.
func.func @rhs_block_rows(%x: tensor<?x128xf8E4M3FN>, %w: tensor<192x128xf8E4M3FN>,
                          %xs: tensor<?x1xf32>, %ws: tensor<2x1xf32>) -> tensor<?x192xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for cpu: tile rows of rhs (64) do not align with its 96-row scale blocks}}
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 96x128>}
    : tensor<?x128xf8E4M3FN>, tensor<192x128xf8E4M3FN>, tensor<?x1xf32>, tensor<2x1xf32> -> tensor<?x192xbf16>
  return %y : tensor<?x192xbf16>
}

// -----

func.func @f64(%x: tensor<?x64xf64>, %w: tensor<64x64xf64>) -> tensor<?x64xf64> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for cpu: element type f64 has no MMA on cpu (expected f8E4M3FN, f8E5M2, bf16, f16 or f32)}}
  %y = moe.matmul %x, %w : tensor<?x64xf64>, tensor<64x64xf64> -> tensor<?x64xf64>
  return %y : tensor<?x64xf64>
}
