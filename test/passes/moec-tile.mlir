// Tiling of matmuls, grouped matmuls and attention for both targets: the
// loop nests are the same, the configurations differ.
// RUN: moec-opt %s -split-input-file --moec-tile=target=sm_90a | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: moec-opt %s -split-input-file --moec-tile=target=cpu | FileCheck %s --check-prefixes=CHECK,CPU

// The module records the target.
// SM90: module attributes {tile.target = "sm_90a"}
// CPU: module attributes {tile.target = "cpu"}

// BF16 QKV projection of a prefill (dynamic token count): output tiles over
// (rows, columns), a K loop accumulating directly with tile.mma.
// CHECK-LABEL: func.func @bf16_matmul(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<7168x5120xbf16>
//       CHECK:   %[[T:[a-z0-9_]+]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5120xbf16>
//       CHECK:   %[[INIT:[a-z0-9_]+]] = tensor.empty(%[[T]]) : tensor<?x7168xbf16>
//  SM90-NEXT:   %[[Y:[a-z0-9_]+]] = scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%[[T]], 7168) step (128, 256) shared_outs(%[[OUT:[a-z0-9_]+]] = %[[INIT]])
//   CPU-NEXT:   %[[Y:[a-z0-9_]+]] = scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%[[T]], 7168) step (64, 64) shared_outs(%[[OUT:[a-z0-9_]+]] = %[[INIT]])
//  CHECK-NEXT:     %[[MS:[a-z0-9_]+]] = affine.min #{{.*}}(%[[M0]])[%[[T]]]
//       CHECK:     %[[ZERO:[a-z0-9_]+]] = tensor.splat %{{.*}}[%[[MS]]]
//  SM90-SAME:       : tensor<?x256xf32>
//   CPU-SAME:       : tensor<?x64xf32>
//   SM90-DAG:     %[[KT:[a-z0-9_]+]] = arith.constant 64 : index
//    CPU-DAG:     %[[KT:[a-z0-9_]+]] = arith.constant 128 : index
//   CHECK-DAG:     %[[K:[a-z0-9_]+]] = arith.constant 5120 : index
//       CHECK:     %[[ACC:[a-z0-9_]+]] = scf.for %[[K0:[a-z0-9_]+]] = %{{.*}} to %[[K]] step %[[KT]] iter_args(%[[A:[a-z0-9_]+]] = %[[ZERO]])
//  SM90-NEXT:       %[[XT:[a-z0-9_]+]] = tensor.extract_slice %[[X]][%[[M0]], %[[K0]]] [%[[MS]], 64] [1, 1]
//  SM90-NEXT:       %[[WT:[a-z0-9_]+]] = tensor.extract_slice %[[W]][%[[N0]], %[[K0]]] [256, 64] [1, 1]
//  SM90-NEXT:       %[[NEXT:[a-z0-9_]+]] = tile.mma %[[A]], %[[XT]], %[[WT]] : tensor<?x64xbf16>, tensor<256x64xbf16> -> tensor<?x256xf32>
//   CPU-NEXT:       %[[XT:[a-z0-9_]+]] = tensor.extract_slice %[[X]][%[[M0]], %[[K0]]] [%[[MS]], 128] [1, 1]
//   CPU-NEXT:       %[[WT:[a-z0-9_]+]] = tensor.extract_slice %[[W]][%[[N0]], %[[K0]]] [64, 128] [1, 1]
//   CPU-NEXT:       %[[NEXT:[a-z0-9_]+]] = tile.mma %[[A]], %[[XT]], %[[WT]] : tensor<?x128xbf16>, tensor<64x128xbf16> -> tensor<?x64xf32>
//  CHECK-NEXT:       scf.yield %[[NEXT]]
//  CHECK-NEXT:     }
//  CHECK-NEXT:     %[[TILE:[a-z0-9_]+]] = tile.epilogue %[[ACC]]
//  CHECK-NEXT:     scf.forall.in_parallel {
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[TILE]] into %[[OUT]][%[[M0]], %[[N0]]]
//  SM90-SAME:         [%[[MS]], 256] [1, 1]
//   CPU-SAME:         [%[[MS]], 64] [1, 1]
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [128, 256, 64], mma = [64, 256, 16], stages = 3, warp_roles = [1, 2], promote_every = 0>}
//   CPU-SAME:     tile = [64, 64, 128], mma = [8, 32, 2], stages = 1, warp_roles = [0, 1], promote_every = 0>}
//  CHECK-NEXT:   return %[[Y]]
func.func @bf16_matmul(%x: tensor<?x5120xbf16>, %w: tensor<7168x5120xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.matmul %x, %w : tensor<?x5120xbf16>, tensor<7168x5120xbf16> -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// -----

// FP8 row-wise decode step (one token): per-token and per-channel scales do
// not change along K, so they are sliced once; each K block of 128 starts
// from zero and is promoted into the fp32 accumulator. sm_90a swaps the MMA
// (the 64-row weight tile on wgmma's m, the token on its n = 16) and fills
// the SMs with 64-wide tiles.
// CHECK-LABEL: func.func @fp8_rowwise_decode(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<1x5120xf8E4M3FN>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<7168x5120xf8E4M3FN>
//  CHECK-SAME:     %[[XS:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-SAME:     %[[WS:[a-z0-9_]+]]: tensor<7168x1xf32>
//  SM90:         scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (1, 7168) step (16, 64)
//   CPU:         scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (1, 7168) step (8, 64)
//       CHECK:     %[[ZERO:[a-z0-9_]+]] = tensor.splat %{{.*}} : tensor<1x64xf32>
//  CHECK-NEXT:     %[[XS_T:[a-z0-9_]+]] = tensor.extract_slice %[[XS]][%[[M0]], 0] [1, 1] [1, 1] : tensor<1x1xf32> to tensor<1x1xf32>
//  CHECK-NEXT:     %[[WS_T:[a-z0-9_]+]] = tensor.extract_slice %[[WS]][%[[N0]], 0] [64, 1] [1, 1] : tensor<7168x1xf32> to tensor<64x1xf32>
//       CHECK:     scf.for %[[K0:[a-z0-9_]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9_]+]] = %[[ZERO]])
//  CHECK-NEXT:       %[[XT:[a-z0-9_]+]] = tensor.extract_slice %[[X]][%[[M0]], %[[K0]]] [1, 128] [1, 1]
//  CHECK-NEXT:       %[[WT:[a-z0-9_]+]] = tensor.extract_slice %[[W]][%[[N0]], %[[K0]]] [64, 128] [1, 1]
//  CHECK-NEXT:       %[[PART:[a-z0-9_]+]] = tile.mma %[[ZERO]], %[[XT]], %[[WT]] : tensor<1x128xf8E4M3FN>, tensor<64x128xf8E4M3FN> -> tensor<1x64xf32>
//  CHECK-NEXT:       %[[NEXT:[a-z0-9_]+]] = tile.promote %[[ACC]], %[[PART]], %[[XS_T]], %[[WS_T]] : tensor<1x64xf32>, tensor<1x1xf32>, tensor<64x1xf32>
//  CHECK-NEXT:       scf.yield %[[NEXT]]
//       CHECK:     tile.epilogue %{{.*}} : tensor<1x64xf32> -> tensor<1x64xbf16>
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [16, 64, 128], mma = [64, 16, 32], stages = 12, warp_roles = [1, 1], promote_every = 128, swap_ab = true>}
//   CPU-SAME:     tile = [8, 64, 128], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 128>}
func.func @fp8_rowwise_decode(%x: tensor<1x5120xf8E4M3FN>, %w: tensor<7168x5120xf8E4M3FN>,
                              %xs: tensor<1x1xf32>, %ws: tensor<7168x1xf32>) -> tensor<1x7168xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<1x5120xf8E4M3FN>, tensor<7168x5120xf8E4M3FN>, tensor<1x1xf32>, tensor<7168x1xf32> -> tensor<1x7168xbf16>
  return %y : tensor<1x7168xbf16>
}

// -----

// FP8 with DeepSeek-style blocks (1x128 activations, 128x128 weights): the
// K block index k0 / 128 selects the scale column of each promotion.
//       CHECK: #[[$FLOOR128:map[0-9]*]] = affine_map<(d0) -> (d0 floordiv 128)>
// CHECK-LABEL: func.func @fp8_block_matmul(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x5120xf8E4M3FN>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<7168x5120xf8E4M3FN>
//  CHECK-SAME:     %[[XS:[a-z0-9_]+]]: tensor<?x40xf32>
//  CHECK-SAME:     %[[WS:[a-z0-9_]+]]: tensor<56x40xf32>
//  SM90:         scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 7168) step (128, 128)
//   CPU:         scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 7168) step (64, 64)
//  CHECK-NEXT:     %[[MS:[a-z0-9_]+]] = affine.min
//       CHECK:     %[[ZERO:[a-z0-9_]+]] = tensor.splat
//  CHECK-NEXT:     %[[WROW:[a-z0-9_]+]] = affine.apply #[[$FLOOR128]](%[[N0]])
//       CHECK:     scf.for %[[K0:[a-z0-9_]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9_]+]] = %[[ZERO]])
//  CHECK-NEXT:       %[[XT:[a-z0-9_]+]] = tensor.extract_slice %[[X]][%[[M0]], %[[K0]]] [%[[MS]], 128] [1, 1]
//  CHECK-NEXT:       %[[WT:[a-z0-9_]+]] = tensor.extract_slice %[[W]][%[[N0]], %[[K0]]]
//  CHECK-NEXT:       %[[PART:[a-z0-9_]+]] = tile.mma %[[ZERO]], %[[XT]], %[[WT]]
//  CHECK-NEXT:       %[[KB:[a-z0-9_]+]] = affine.apply #[[$FLOOR128]](%[[K0]])
//  CHECK-NEXT:       %[[XS_T:[a-z0-9_]+]] = tensor.extract_slice %[[XS]][%[[M0]], %[[KB]]] [%[[MS]], 1] [1, 1] : tensor<?x40xf32> to tensor<?x1xf32>
//  CHECK-NEXT:       %[[WS_T:[a-z0-9_]+]] = tensor.extract_slice %[[WS]][%[[WROW]], %[[KB]]] [1, 1] [1, 1] : tensor<56x40xf32> to tensor<1x1xf32>
//  CHECK-NEXT:       %[[NEXT:[a-z0-9_]+]] = tile.promote %[[ACC]], %[[PART]], %[[XS_T]], %[[WS_T]] {b_block = 128 : i64}
//  CHECK-NEXT:       scf.yield %[[NEXT]]
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [128, 128, 128], mma = [64, 128, 32], stages = 6, warp_roles = [1, 2], promote_every = 128>}
//   CPU-SAME:     tile = [64, 64, 128], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 128>}
func.func @fp8_block_matmul(%x: tensor<?x5120xf8E4M3FN>, %w: tensor<7168x5120xf8E4M3FN>,
                            %xs: tensor<?x40xf32>, %ws: tensor<56x40xf32>) -> tensor<?x7168xbf16> {
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x5120xf8E4M3FN>, tensor<7168x5120xf8E4M3FN>, tensor<?x40xf32>, tensor<56x40xf32> -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// -----

// The shared expert: gate|up with SwiGLU, then down with the residual. A
// gate|up tile joins gate rows [n0, n0 + N_t/2) and up rows
// [8192 + n0, ...) so one accumulator holds [gate | up]; the epilogue
// halves it. The residual tile goes into the down projection's epilogue.
//       CHECK: #[[$PLUS_I:map[0-9]*]] = affine_map<(d0) -> (d0 + 8192)>
// CHECK-LABEL: func.func @swiglu_residual(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  CHECK-SAME:     %[[GU:[a-z0-9_]+]]: tensor<16384x5120xbf16>
//  CHECK-SAME:     %[[DOWN:[a-z0-9_]+]]: tensor<5120x8192xbf16>
//  CHECK-SAME:     %[[H:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  SM90:         %[[ACT:[a-z0-9_]+]] = scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 8192) step (128, 128)
//   CPU:         %[[ACT:[a-z0-9_]+]] = scf.forall (%[[M0:[a-z0-9_]+]], %[[N0:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 8192) step (64, 32)
//       CHECK:     %[[UPROW:[a-z0-9_]+]] = affine.apply #[[$PLUS_I]](%[[N0]])
//       CHECK:     scf.for %[[K0:[a-z0-9_]+]] =
//       CHECK:       %[[GATE:[a-z0-9_]+]] = tensor.extract_slice %[[GU]][%[[N0]], %[[K0]]]
//  SM90-SAME:         [128, 64]
//   CPU-SAME:         [32, 128]
//  CHECK-NEXT:       %[[UP:[a-z0-9_]+]] = tensor.extract_slice %[[GU]][%[[UPROW]], %[[K0]]]
//  CHECK-NEXT:       %[[B:[a-z0-9_]+]] = tensor.concat dim(0) %[[GATE]], %[[UP]]
//  SM90-SAME:         -> tensor<256x64xbf16>
//   CPU-SAME:         -> tensor<64x128xbf16>
//  CHECK-NEXT:       tile.mma %{{.*}}, %{{.*}}, %[[B]]
//       CHECK:     tile.epilogue %{{.*}} {activation = #tile.activation<swiglu>}
//  SM90-SAME:       : tensor<?x256xf32> -> tensor<?x128xbf16>
//   CPU-SAME:       : tensor<?x64xf32> -> tensor<?x32xbf16>
//       CHECK:   scf.forall (%[[M1:[a-z0-9_]+]], %[[N1:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 5120)
//       CHECK:     %[[MS1:[a-z0-9_]+]] = affine.min
//       CHECK:     scf.for
//       CHECK:       tensor.extract_slice %[[ACT]]
//       CHECK:       tensor.extract_slice %[[DOWN]]
//       CHECK:     %[[R:[a-z0-9_]+]] = tensor.extract_slice %[[H]][%[[M1]], %[[N1]]] [%[[MS1]],
//  CHECK-NEXT:     tile.epilogue %{{.*}} residual(%[[R]] : tensor<?x{{[0-9]+}}xbf16>) : tensor<?x{{[0-9]+}}xf32> -> tensor<?x{{[0-9]+}}xbf16>
func.func @swiglu_residual(%x: tensor<?x5120xbf16>, %gu: tensor<16384x5120xbf16>,
                           %down: tensor<5120x8192xbf16>, %h: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  %a = moe.matmul %x, %gu {epilogue = #moe.epilogue<swiglu>}
    : tensor<?x5120xbf16>, tensor<16384x5120xbf16> -> tensor<?x8192xbf16>
  %y = moe.matmul %a, %down residual(%h : tensor<?x5120xbf16>)
    : tensor<?x8192xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}

// -----

// Scout's routed experts (FP8 blocks, SwiGLU): the weights and their block
// scales are packed K-major, then tiles map to (expert, row block, column
// block), each expert's rows [offsets[e], offsets[e+1]) read on the device.
// A gate|up tile reads one scale row of the gate half and one of the up
// half (the halves are 64 or 32 rows, within one 128-row block).
// CHECK-LABEL: func.func @grouped_fp8(
//  CHECK-SAME:     %[[ROWS:[a-z0-9_]+]]: tensor<?x5120xf8E4M3FN>
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<16x5120x16384xf8E4M3FN>
//  CHECK-SAME:     %[[OFFSETS:[a-z0-9_]+]]: tensor<17xi32>
//  CHECK-SAME:     %[[RS:[a-z0-9_]+]]: tensor<?x40xf32>
//  CHECK-SAME:     %[[WS:[a-z0-9_]+]]: tensor<16x40x128xf32>
//  CHECK-NEXT:   %[[WT:[a-z0-9_]+]] = tile.transpose_weight %[[W]] : tensor<16x5120x16384xf8E4M3FN> -> tensor<16x16384x5120xf8E4M3FN>
//  CHECK-NEXT:   %[[WST:[a-z0-9_]+]] = tile.transpose_weight %[[WS]] : tensor<16x40x128xf32> -> tensor<16x128x40xf32>
//       CHECK:   %[[INIT:[a-z0-9_]+]] = tensor.splat %{{.*}}[%{{.*}}] : tensor<?x8192xbf16>
//   CHECK-DAG:   %[[E:[a-z0-9_]+]] = arith.constant 16 : index
//       CHECK:   %[[Y:[a-z0-9_]+]] = scf.for %[[EXP:[a-z0-9_]+]] = %{{.*}} to %[[E]] step %{{.*}} iter_args(%[[OUT:[a-z0-9_]+]] = %[[INIT]])
//  CHECK-NEXT:     %[[NEXT_E:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[EXP]])
//  CHECK-NEXT:     %[[S:[a-z0-9_]+]] = tensor.extract %[[OFFSETS]][%[[EXP]]] : tensor<17xi32>
//  CHECK-NEXT:     %[[START:[a-z0-9_]+]] = arith.index_cast %[[S]] : i32 to index
//  CHECK-NEXT:     %[[EN:[a-z0-9_]+]] = tensor.extract %[[OFFSETS]][%[[NEXT_E]]] : tensor<17xi32>
//  CHECK-NEXT:     %[[END:[a-z0-9_]+]] = arith.index_cast %[[EN]] : i32 to index
//  CHECK-NEXT:     %[[WE:[a-z0-9_]+]] = tensor.extract_slice %[[WT]][%[[EXP]], 0, 0] [1, 16384, 5120] [1, 1, 1] : tensor<16x16384x5120xf8E4M3FN> to tensor<16384x5120xf8E4M3FN>
//  CHECK-NEXT:     %[[WSE:[a-z0-9_]+]] = tensor.extract_slice %[[WST]][%[[EXP]], 0, 0] [1, 128, 40] [1, 1, 1] : tensor<16x128x40xf32> to tensor<128x40xf32>
//  SM90-NEXT:     %[[MT:[a-z0-9_]+]] = arith.constant 128 : index
//   CPU-NEXT:     %[[MT:[a-z0-9_]+]] = arith.constant 64 : index
//  CHECK-NEXT:     scf.for %[[M0:[a-z0-9_]+]] = %[[START]] to %[[END]] step %[[MT]] iter_args(%[[OUT2:[a-z0-9_]+]] = %[[OUT]])
//  CHECK-NEXT:       %[[MS:[a-z0-9_]+]] = affine.min #{{.*}}(%[[M0]])[%[[END]]]
//  SM90-NEXT:       scf.forall (%[[N0:[a-z0-9_]+]]) = (0) to (8192) step (64) shared_outs(%[[OUT3:[a-z0-9_]+]] = %[[OUT2]])
//   CPU-NEXT:       scf.forall (%[[N0:[a-z0-9_]+]]) = (0) to (8192) step (32) shared_outs(%[[OUT3:[a-z0-9_]+]] = %[[OUT2]])
//       CHECK:         scf.for %[[K0:[a-z0-9_]+]] =
//  CHECK-NEXT:           tensor.extract_slice %[[ROWS]][%[[M0]], %[[K0]]] [%[[MS]], 128]
//  CHECK-NEXT:           tensor.extract_slice %[[WE]][%[[N0]], %[[K0]]]
//  CHECK-NEXT:           tensor.extract_slice %[[WE]]
//  CHECK-NEXT:           tensor.concat dim(0)
//  CHECK-NEXT:           tile.mma
//  CHECK-NEXT:           %[[KB:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[K0]])
//  CHECK-NEXT:           tensor.extract_slice %[[RS]][%[[M0]], %[[KB]]] [%[[MS]], 1]
//  CHECK-NEXT:           tensor.extract_slice %[[WSE]][%{{.*}}, %[[KB]]] [1, 1]
//  CHECK-NEXT:           tensor.extract_slice %[[WSE]][%{{.*}}, %[[KB]]] [1, 1]
//  CHECK-NEXT:           %[[WSCALES:[a-z0-9_]+]] = tensor.concat dim(0) {{.*}} -> tensor<2x1xf32>
//  SM90-NEXT:           tile.promote %{{.*}}, %[[WSCALES]] {b_block = 64 : i64} : tensor<?x128xf32>, tensor<?x1xf32>, tensor<2x1xf32>
//   CPU-NEXT:           tile.promote %{{.*}}, %[[WSCALES]] {b_block = 32 : i64} : tensor<?x64xf32>, tensor<?x1xf32>, tensor<2x1xf32>
//       CHECK:         tile.epilogue %{{.*}} {activation = #tile.activation<swiglu>}
//       CHECK:           tensor.parallel_insert_slice %{{.*}} into %[[OUT3]][%[[M0]], %[[N0]]] [%[[MS]],
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [128, 128, 128], mma = [64, 128, 32], stages = 6, warp_roles = [1, 2], promote_every = 128>}
//   CPU-SAME:     tile = [64, 64, 128], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 128>}
//  CHECK-NEXT:   return %[[Y]]
func.func @grouped_fp8(%rows: tensor<?x5120xf8E4M3FN>, %w: tensor<16x5120x16384xf8E4M3FN>, %offsets: tensor<17xi32>,
                       %rs: tensor<?x40xf32>, %ws: tensor<16x40x128xf32>) -> tensor<?x8192xbf16> {
  %h = moe.grouped_matmul %rows, %w, %offsets scales(%rs, %ws)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x5120xf8E4M3FN>, tensor<16x5120x16384xf8E4M3FN>, tensor<17xi32>, tensor<?x40xf32>, tensor<16x40x128xf32> -> tensor<?x8192xbf16>
  return %h : tensor<?x8192xbf16>
}

// -----

// A tiny fp32 model (the goldens): the expert down projection. fp32 runs
// as tf32 (k8) on sm_90a; K = 32 fits one K step.
// CHECK-LABEL: func.func @grouped_f32(
//       CHECK:   tile.transpose_weight %{{.*}} : tensor<4x32x64xf32> -> tensor<4x64x32xf32>
//       CHECK:   scf.for
//       CHECK:     scf.for
//       CHECK:       scf.forall (%{{.*}}) = (0) to (64) step (64)
//       CHECK:         scf.for
//       CHECK:           tile.mma %{{.*}} : tensor<?x32xf32>, tensor<64x32xf32> -> tensor<?x64xf32>
//       CHECK:         tile.epilogue %{{.*}} : tensor<?x64xf32> -> tensor<?x64xf32>
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [128, 64, 32], mma = [64, 64, 8], stages = 6, warp_roles = [1, 2], promote_every = 0>}
//   CPU-SAME:     tile = [64, 64, 64], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 0>}
func.func @grouped_f32(%rows: tensor<?x32xf32>, %down: tensor<4x32x64xf32>, %offsets: tensor<5xi32>) -> tensor<?x64xf32> {
  %o = moe.grouped_matmul %rows, %down, %offsets : tensor<?x32xf32>, tensor<4x32x64xf32>, tensor<5xi32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

// A Scout RoPE layer: QK-norm on whole q and k, then flash attention over
// (query block, head). Query head h reads KV head h / 5 (GQA 40 / 8). The
// chunked mask starts the key loop at the chunk of the block's first query
// (positions[q0] / 8192 * 8192, as a key row: minus positions[0]) and ends
// it after the block's last query.
//   CHECK-DAG: #[[$TIMES_D:map[0-9]*]] = affine_map<(d0) -> (d0 * 128)>
//   CHECK-DAG: #[[$GQA:map[0-9]*]] = affine_map<(d0) -> ((d0 floordiv 5) * 128)>
//   CHECK-DAG: #[[$CHUNK:map[0-9]*]] = affine_map<(d0, d1) -> ((d0 floordiv 8192) * 8192 - d1, 0)>
// CHECK-LABEL: func.func @attention_chunked_qk_norm(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<?x1024xbf16>
//  CHECK-SAME:     %[[V:[a-z0-9_]+]]: tensor<?x1024xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[QN:[a-z0-9_]+]] = tile.head_rms_norm %[[Q]] {epsilon = 1.000000e-05 : f64, head_dim = 128 : i64} : tensor<?x5120xbf16>
//  CHECK-NEXT:   %[[KN:[a-z0-9_]+]] = tile.head_rms_norm %[[K]] {epsilon = 1.000000e-05 : f64, head_dim = 128 : i64} : tensor<?x1024xbf16>
//       CHECK:   %[[T:[a-z0-9_]+]] = tensor.dim %[[Q]]
//       CHECK:   %[[INIT:[a-z0-9_]+]] = tensor.empty(%[[T]]) : tensor<?x5120xbf16>
//  SM90-NEXT:   %[[O:[a-z0-9_]+]] = scf.forall (%[[Q0:[a-z0-9_]+]], %[[H:[a-z0-9_]+]]) = (0, 0) to (%[[T]], 40) step (128, 1) shared_outs(%[[OUT:[a-z0-9_]+]] = %[[INIT]])
//   CPU-NEXT:   %[[O:[a-z0-9_]+]] = scf.forall (%[[Q0:[a-z0-9_]+]], %[[H:[a-z0-9_]+]]) = (0, 0) to (%[[T]], 40) step (32, 1) shared_outs(%[[OUT:[a-z0-9_]+]] = %[[INIT]])
//  CHECK-NEXT:     %[[QS:[a-z0-9_]+]] = affine.min #{{.*}}(%[[Q0]])[%[[T]]]
//  CHECK-NEXT:     %[[QCOL:[a-z0-9_]+]] = affine.apply #[[$TIMES_D]](%[[H]])
//  CHECK-NEXT:     %[[KVCOL:[a-z0-9_]+]] = affine.apply #[[$GQA]](%[[H]])
//  CHECK-NEXT:     %[[QT:[a-z0-9_]+]] = tensor.extract_slice %[[QN]][%[[Q0]], %[[QCOL]]] [%[[QS]], 128] [1, 1]
//  CHECK-NEXT:     %[[QPOS:[a-z0-9_]+]] = tensor.extract_slice %[[POS]][%[[Q0]]] [%[[QS]]] [1]
//  CHECK-NEXT:     %[[HI:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[Q0]], %[[QS]])
//  CHECK-NEXT:     %[[P0:[a-z0-9_]+]] = tensor.extract %[[POS]][%[[Q0]]]
//  CHECK-NEXT:     %[[FIRST:[a-z0-9_]+]] = arith.index_cast %[[P0]] : i64 to index
//  CHECK-NEXT:     %[[C0:[a-z0-9_]+]] = arith.constant 0 : index
//  CHECK-NEXT:     %[[PB:[a-z0-9_]+]] = tensor.extract %[[POS]][%[[C0]]]
//  CHECK-NEXT:     %[[BASE:[a-z0-9_]+]] = arith.index_cast %[[PB]] : i64 to index
//  CHECK-NEXT:     %[[LO:[a-z0-9_]+]] = affine.max #[[$CHUNK]](%[[FIRST]], %[[BASE]])
//  CHECK-NEXT:     %[[NEG_INF:[a-z0-9_]+]] = arith.constant 0xFF800000 : f32
//  CHECK-NEXT:     %[[M_INIT:[a-z0-9_]+]] = tensor.splat %[[NEG_INF]][%[[QS]]] : tensor<?xf32>
//       CHECK:     %[[L_INIT:[a-z0-9_]+]] = tensor.splat %{{.*}}[%[[QS]]] : tensor<?xf32>
//       CHECK:     %[[ACC_INIT:[a-z0-9_]+]] = tensor.splat %{{.*}}[%[[QS]]] : tensor<?x128xf32>
//  SM90-NEXT:     %[[BKV:[a-z0-9_]+]] = arith.constant 128 : index
//   CPU-NEXT:     %[[BKV:[a-z0-9_]+]] = arith.constant 64 : index
//  CHECK-NEXT:     %[[LOOP:[a-z0-9_]+]]:3 = scf.for %[[K0:[a-z0-9_]+]] = %[[LO]] to %[[HI]] step %[[BKV]] iter_args(%[[M:[a-z0-9_]+]] = %[[M_INIT]], %[[L:[a-z0-9_]+]] = %[[L_INIT]], %[[ACC:[a-z0-9_]+]] = %[[ACC_INIT]])
//  CHECK-NEXT:       %[[KS:[a-z0-9_]+]] = affine.min
//  CHECK-NEXT:       %[[KT:[a-z0-9_]+]] = tensor.extract_slice %[[KN]][%[[K0]], %[[KVCOL]]] [%[[KS]], 128] [1, 1]
//  CHECK-NEXT:       %[[VT:[a-z0-9_]+]] = tensor.extract_slice %[[V]][%[[K0]], %[[KVCOL]]] [%[[KS]], 128] [1, 1]
//       CHECK:       %[[ZERO:[a-z0-9_]+]] = tensor.splat %{{.*}}[%[[QS]], %[[KS]]] : tensor<?x?xf32>
//  CHECK-NEXT:       %[[S:[a-z0-9_]+]] = tile.mma %[[ZERO]], %[[QT]], %[[KT]] : tensor<?x128xbf16>, tensor<?x128xbf16> -> tensor<?x?xf32>
//  CHECK-NEXT:       %[[KPOS:[a-z0-9_]+]] = tensor.extract_slice %[[POS]][%[[K0]]] [%[[KS]]] [1]
//  CHECK-NEXT:       %[[M1:[a-z0-9_]+]], %[[L1:[a-z0-9_]+]], %[[ACC1:[a-z0-9_]+]] = tile.flash_step %[[S]], %[[VT]], %[[M]], %[[L]], %[[ACC]], %[[QPOS]], %[[KPOS]]
//  CHECK-SAME:         {chunk_size = 8192 : i64, mask = #tile.mask<chunked_causal>, scale = 0.088388347648318433 : f64}
//  CHECK-NEXT:       scf.yield %[[M1]], %[[L1]], %[[ACC1]]
//  CHECK-NEXT:     }
//  CHECK-NEXT:     %[[TILE:[a-z0-9_]+]] = tile.flash_finalize %[[LOOP]]#2, %[[LOOP]]#1 : tensor<?x128xf32>, tensor<?xf32> -> tensor<?x128xbf16>
//  CHECK-NEXT:     scf.forall.in_parallel {
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[TILE]] into %[[OUT]][%[[Q0]], %[[QCOL]]] [%[[QS]], 128] [1, 1]
//       CHECK:   } {tile.config = #tile.attention_config<
//  SM90-SAME:     block_q = 128, block_kv = 128, stages = 2, warp_roles = [1, 2]>}
//   CPU-SAME:     block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>}
//  CHECK-NEXT:   return %[[O]]
func.func @attention_chunked_qk_norm(%q: tensor<?x5120xbf16>, %k: tensor<?x1024xbf16>, %v: tensor<?x1024xbf16>,
                                     %pos: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 40 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64,
         mask = #graph.mask<chunked_causal>, chunk_size = 8192 : i64, qk_norm_epsilon = 1.0e-05 : f64}
       : tensor<?x5120xbf16>, tensor<?x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
  return %o : tensor<?x5120xbf16>
}

// -----

// A Scout NoPE layer decoding 4 tokens with its KV cache: temperature
// scaling of q, the new keys and values written into the caches, then
// attention over cache rows [0, positions[last] + 1) (a cache row's position
// is its index, so key positions are generated).
// CHECK-LABEL: func.func @attention_nope_cache(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<4x5120xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<4x1024xbf16>
//  CHECK-SAME:     %[[V:[a-z0-9_]+]]: tensor<4x1024xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<4xi64>
//  CHECK-SAME:     %[[KC:[a-z0-9_]+]]: tensor<8192x1024xbf16>
//  CHECK-SAME:     %[[VC:[a-z0-9_]+]]: tensor<8192x1024xbf16>
//  CHECK-NEXT:   %[[QT:[a-z0-9_]+]] = tile.temperature_scale %[[Q]], %[[POS]] {attn_scale = 1.000000e-01 : f64, floor_scale = 8.192000e+03 : f64} : tensor<4x5120xbf16>, tensor<4xi64>
//  CHECK-NEXT:   %[[KC1:[a-z0-9_]+]] = tile.cache_write %[[KC]], %[[K]], %[[POS]] : tensor<8192x1024xbf16>, tensor<4x1024xbf16>, tensor<4xi64>
//  CHECK-NEXT:   %[[VC1:[a-z0-9_]+]] = tile.cache_write %[[VC]], %[[V]], %[[POS]] : tensor<8192x1024xbf16>, tensor<4x1024xbf16>, tensor<4xi64>
//  CHECK-NEXT:   %[[INIT:[a-z0-9_]+]] = tensor.empty() : tensor<4x5120xbf16>
//  SM90-NEXT:   %[[O:[a-z0-9_]+]] = scf.forall (%[[Q0:[a-z0-9_]+]], %[[H:[a-z0-9_]+]]) = (0, 0) to (4, 40) step (128, 1)
//   CPU-NEXT:   %[[O:[a-z0-9_]+]] = scf.forall (%[[Q0:[a-z0-9_]+]], %[[H:[a-z0-9_]+]]) = (0, 0) to (4, 40) step (32, 1)
//       CHECK:     %[[QTILE:[a-z0-9_]+]] = tensor.extract_slice %[[QT]][%[[Q0]], %{{.*}}] [4, 128] [1, 1]
//       CHECK:     %[[LAST:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[Q0]])
//  CHECK-NEXT:     %[[PL:[a-z0-9_]+]] = tensor.extract %[[POS]][%[[LAST]]] : tensor<4xi64>
//  CHECK-NEXT:     %[[PLAST:[a-z0-9_]+]] = arith.index_cast %[[PL]] : i64 to index
//  CHECK-NEXT:     %[[HI:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[PLAST]])
//       CHECK:     %[[ZERO_ROW:[a-z0-9_]+]] = arith.constant 0 : index
//  CHECK-NEXT:     scf.for %[[K0:[a-z0-9_]+]] = %[[ZERO_ROW]] to %[[HI]] step
//  CHECK-NEXT:       %[[KS:[a-z0-9_]+]] = affine.min
//  CHECK-NEXT:       %[[KTILE:[a-z0-9_]+]] = tensor.extract_slice %[[KC1]][%[[K0]], %{{.*}}] [%[[KS]], 128]
//  CHECK-NEXT:       %[[VTILE:[a-z0-9_]+]] = tensor.extract_slice %[[VC1]][%[[K0]], %{{.*}}] [%[[KS]], 128]
//       CHECK:       %[[S:[a-z0-9_]+]] = tile.mma %{{.*}}, %[[QTILE]], %[[KTILE]] : tensor<4x128xbf16>, tensor<?x128xbf16> -> tensor<4x?xf32>
//  CHECK-NEXT:       %[[KPOS:[a-z0-9_]+]] = tensor.generate %[[KS]] {
//  CHECK-NEXT:       ^bb0(%[[I:[a-z0-9_]+]]: index):
//  CHECK-NEXT:         %[[ROW:[a-z0-9_]+]] = arith.addi %[[K0]], %[[I]] : index
//  CHECK-NEXT:         %[[P:[a-z0-9_]+]] = arith.index_cast %[[ROW]] : index to i64
//  CHECK-NEXT:         tensor.yield %[[P]] : i64
//  CHECK-NEXT:       } : tensor<?xi64>
//  CHECK-NEXT:       tile.flash_step %[[S]], %[[VTILE]], {{.*}}, %[[KPOS]] {mask = #tile.mask<causal>, scale = 0.088388347648318433 : f64}
//       CHECK:     tile.flash_finalize
//       CHECK:   } {tile.config = #tile.attention_config<
//  CHECK-NEXT:   return %[[O]], %[[KC1]], %[[VC1]]
func.func @attention_nope_cache(%q: tensor<4x5120xbf16>, %k: tensor<4x1024xbf16>, %v: tensor<4x1024xbf16>,
                                %pos: tensor<4xi64>, %kc: tensor<8192x1024xbf16>, %vc: tensor<8192x1024xbf16>)
    -> (tensor<4x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>) {
  %o, %kc2, %vc2 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 40 : i64, num_kv_heads = 8 : i64,
         head_dim = 128 : i64, mask = #graph.mask<causal>,
         temperature_tuning = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>}
       : tensor<4x5120xbf16>, tensor<4x1024xbf16>, tensor<4x1024xbf16>, tensor<4xi64>,
         tensor<8192x1024xbf16>, tensor<8192x1024xbf16> -> tensor<4x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>
  return %o, %kc2, %vc2 : tensor<4x5120xbf16>, tensor<8192x1024xbf16>, tensor<8192x1024xbf16>
}

// -----

// The tiny goldens' attention (fp32, head_dim 16, 4 heads over 2 KV heads,
// chunk 8): head h reads KV columns (h / 2) * 16.
//       CHECK: #[[$GQA2:map[0-9]*]] = affine_map<(d0) -> ((d0 floordiv 2) * 16)>
// CHECK-LABEL: func.func @attention_tiny_f32(
//       CHECK:   scf.forall (%{{.*}}, %[[H:[a-z0-9_]+]]) = (0, 0) to (%{{.*}}, 4)
//       CHECK:     affine.apply #[[$GQA2]](%[[H]])
//       CHECK:     tile.mma %{{.*}} : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x?xf32>
//       CHECK:     tile.flash_step {{.*}} {chunk_size = 8 : i64, mask = #tile.mask<chunked_causal>, scale = 2.500000e-01 : f64}
//       CHECK:   } {tile.config = #tile.attention_config<
//  SM90-SAME:     block_q = 192, block_kv = 64, stages = 2, warp_roles = [1, 3]>}
//   CPU-SAME:     block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>}
func.func @attention_tiny_f32(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>,
                              %pos: tensor<?xi64>) -> tensor<?x64xf32> {
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
         mask = #graph.mask<chunked_causal>, chunk_size = 8 : i64, qk_norm_epsilon = 1.0e-05 : f64}
       : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

// A decode step of Scout's routed experts: 64 routed rows over 16 experts
// (4 per expert on average). sm_90a swaps the MMA: 64-row gate and up parts
// on wgmma's m, 16-token tiles (twice the average) on its n; the nest steps
// through each expert's rows by 16.
// CHECK-LABEL: func.func @grouped_decode(
//       CHECK:     tensor.extract_slice %{{.*}} [1, 16384, 5120] [1, 1, 1]
//  SM90-NEXT:     %[[MT:[a-z0-9_]+]] = arith.constant 16 : index
//   CPU-NEXT:     %[[MT:[a-z0-9_]+]] = arith.constant 64 : index
//  CHECK-NEXT:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[MT]]
//       CHECK:   } {tile.config = #tile.gemm_config<
//  SM90-SAME:     tile = [16, 128, 64], mma = [64, 16, 16], stages = 12, warp_roles = [1, 1], promote_every = 0, swap_ab = true>}
//   CPU-SAME:     tile = [64, 64, 128], mma = [8, 32, 2], stages = 1, warp_roles = [0, 1], promote_every = 0>}
func.func @grouped_decode(%rows: tensor<64x5120xbf16>, %w: tensor<16x5120x16384xbf16>,
                          %offsets: tensor<17xi32>) -> tensor<64x8192xbf16> {
  %h = moe.grouped_matmul %rows, %w, %offsets {epilogue = #moe.epilogue<swiglu>}
       : tensor<64x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<17xi32> -> tensor<64x8192xbf16>
  return %h : tensor<64x8192xbf16>
}
