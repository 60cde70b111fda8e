// Block-scaled FP8 with shapes that are not whole 128-element blocks: the
// last K block is partial and uses the ceil-divided scale column; SwiGLU
// halves narrower than a scale block are tiled whole; where blocks do not
// line up with a tile's rows, the tile gathers one scale per rhs row.
// RUN: moec-opt %s -split-input-file --moec-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: moec-opt %s -split-input-file --moec-tile=target=cpu | FileCheck %s --check-prefix=CPU

// SM90-LABEL: func.func @k_208
// SM90: scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// SM90: %[[KS:.*]] = affine.min #{{.*}}(%[[K0]])
// SM90: tensor.extract_slice %{{.*}}[%{{.*}}, %[[K0]]] [%{{.*}}, %[[KS]]]
// SM90: tile.promote
// SM90: tile.config = #tile.gemm_config<tile = [128, 128, 128]
// CPU-LABEL: func.func @k_208
// CPU: tile.promote
func.func @k_208(%x: tensor<?x208xf8E4M3FN>, %w: tensor<256x208xf8E4M3FN>,
                 %xs: tensor<?x2xf32>, %ws: tensor<2x2xf32>) -> tensor<?x256xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x208xf8E4M3FN>, tensor<256x208xf8E4M3FN>, tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

// Experts 64 wide (halves of 32 rows, both in scale block 0): one tile spans
// the gate half and the up half, 32 accumulator columns per scale row.
// SM90-LABEL: func.func @grouped_swiglu_narrow_halves
// SM90: tile.promote {{.*}} {b_block = 32 : i64}
// SM90: tile.epilogue {{.*}} {activation = #tile.activation<swiglu>} : tensor<?x64xf32> -> tensor<?x32xbf16>
// SM90: tile.config = #tile.gemm_config<tile = [128, 64, 128], mma = [64, 64, 32]
// CPU-LABEL: func.func @grouped_swiglu_narrow_halves
// CPU: tile.promote {{.*}} {b_block = 32 : i64}
// CPU: tile.config = #tile.gemm_config<tile = [{{[0-9]+}}, 64, 128]
func.func @grouped_swiglu_narrow_halves(%rows: tensor<?x128xf8E4M3FN>, %w: tensor<4x128x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                        %rs: tensor<?x1xf32>, %ws: tensor<4x1x1xf32>) -> tensor<?x32xbf16> {
  %h = moe.grouped_matmul %rows, %w, %offsets scales(%rs, %ws)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x128xf8E4M3FN>, tensor<4x128x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}

// -----

// Dense width 96 (Maverick-like): the up half starts at row 96, inside the
// first 128-row scale block, so each row's scale is gathered (b_block = 1).
// SM90-LABEL: func.func @swiglu_up_half_inside_block
// SM90: %[[GATE:.*]] = tensor.generate
// SM90: affine.apply #{{.*}}(%{{.*}}, %{{.*}})
// SM90: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x2xf32>
// SM90: %[[UP:.*]] = tensor.generate
// SM90: %[[ROWS:.*]] = tensor.concat dim(0) %[[GATE]], %[[UP]]
// SM90: tile.promote {{.*}}, %[[ROWS]] : tensor<?x?xf32>, tensor<?x1xf32>, tensor<?x1xf32>
// CPU-LABEL: func.func @swiglu_up_half_inside_block
// CPU: tensor.generate
// CPU: tile.promote
func.func @swiglu_up_half_inside_block(%x: tensor<?x256xf8E4M3FN>, %w: tensor<192x256xf8E4M3FN>,
                                       %xs: tensor<?x2xf32>, %ws: tensor<2x2xf32>) -> tensor<?x96xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x256xf8E4M3FN>, tensor<192x256xf8E4M3FN>, tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x96xbf16>
  return %y : tensor<?x96xbf16>
}

// -----

// 96-row weight blocks straddle 64-row tiles: per-row scales.
// CPU-LABEL: func.func @rhs_block_rows
// CPU: tensor.generate
// CPU: tile.promote
// SM90-LABEL: func.func @rhs_block_rows
// SM90: tile.promote
func.func @rhs_block_rows(%x: tensor<?x128xf8E4M3FN>, %w: tensor<192x128xf8E4M3FN>,
                          %xs: tensor<?x1xf32>, %ws: tensor<2x1xf32>) -> tensor<?x192xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 96x128>}
    : tensor<?x128xf8E4M3FN>, tensor<192x128xf8E4M3FN>, tensor<?x1xf32>, tensor<2x1xf32> -> tensor<?x192xbf16>
  return %y : tensor<?x192xbf16>
}
