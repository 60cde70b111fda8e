// GEMM tile ops to linalg on tensors for the CPU: f32 arithmetic, exact FP8
// decoding from the bits, scales through indexing maps.
// RUN: moec-opt %s -split-input-file --moec-cpu-lower-tile-gemm | FileCheck %s

// tile.mma: acc[m, n] += a[m, k] * b[n, k], both operands K-major.
// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @mma_bf16(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x64xf32>, %[[LHS:[a-z0-9_]+]]: tensor<?x128xbf16>, %[[RHS:[a-z0-9_]+]]: tensor<64x128xbf16>
//  CHECK-NEXT:   %[[R:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]}
//  CHECK-SAME:     ins(%[[LHS]], %[[RHS]] : tensor<?x128xbf16>, tensor<64x128xbf16>) outs(%[[ACC]] : tensor<?x64xf32>)
//  CHECK-NEXT:   ^bb0(%[[X:.+]]: bf16, %[[Y:.+]]: bf16, %[[O:.+]]: f32):
//  CHECK-NEXT:     %[[XF:.+]] = arith.extf %[[X]] : bf16 to f32
//  CHECK-NEXT:     %[[YF:.+]] = arith.extf %[[Y]] : bf16 to f32
//  CHECK-NEXT:     %[[P:.+]] = arith.mulf %[[XF]], %[[YF]] fastmath<reassoc> : f32
//  CHECK-NEXT:     %[[S:.+]] = arith.addf %[[O]], %[[P]] fastmath<reassoc> : f32
//  CHECK-NEXT:     linalg.yield %[[S]] : f32
//       CHECK:   return %[[R]]
func.func @mma_bf16(%acc: tensor<?x64xf32>, %a: tensor<?x128xbf16>, %b: tensor<64x128xbf16>) -> tensor<?x64xf32> {
  %0 = tile.mma %acc, %a, %b : tensor<?x128xbf16>, tensor<64x128xbf16> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// FP8 e4m3fn is decoded from its bits: sign, exponent rebiased by 127 - 7,
// mantissa left-aligned; subnormals m * 2^-9; S.1111.111 is NaN.
// CHECK-LABEL: func.func @mma_fp8(
//       CHECK:   linalg.generic
//  CHECK-NEXT:   ^bb0(%[[X:.+]]: f8E4M3FN, %[[Y:.+]]: f8E4M3FN, %[[O:.+]]: f32):
//  CHECK-NEXT:     %[[XI:.+]] = arith.bitcast %[[X]] : f8E4M3FN to i8
//  CHECK-NEXT:     %[[XW:.+]] = arith.extui %[[XI]] : i8 to i32
//   CHECK-DAG:     arith.constant 120 : i32
//   CHECK-DAG:     arith.constant 0.001953125 : f32
//   CHECK-DAG:     arith.constant 2143289344 : i32
//       CHECK:     %[[XF:.+]] = arith.bitcast %{{.+}} : i32 to f32
//       CHECK:     %[[YI:.+]] = arith.bitcast %[[Y]] : f8E4M3FN to i8
//       CHECK:     %[[YF:.+]] = arith.bitcast %{{.+}} : i32 to f32
//  CHECK-NEXT:     %[[P:.+]] = arith.mulf %[[XF]], %[[YF]] fastmath<reassoc> : f32
//  CHECK-NEXT:     %[[S:.+]] = arith.addf %[[O]], %[[P]] fastmath<reassoc> : f32
//  CHECK-NEXT:     linalg.yield %[[S]] : f32
//   CHECK-NOT:   arith.extf
func.func @mma_fp8(%acc: tensor<8x64xf32>, %a: tensor<8x?xf8E4M3FN>, %b: tensor<64x?xf8E4M3FN>) -> tensor<8x64xf32> {
  %0 = tile.mma %acc, %a, %b : tensor<8x?xf8E4M3FN>, tensor<64x?xf8E4M3FN> -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

// e5m2: exponent rebiased by 127 - 15, subnormals m * 2^-16, exponent 31 is
// infinity (mantissa 0) or NaN.
// CHECK-LABEL: func.func @mma_e5m2(
//       CHECK:     arith.bitcast %{{.+}} : f8E5M2 to i8
//   CHECK-DAG:     arith.constant 112 : i32
//   CHECK-DAG:     arith.constant 1.52587891E-5 : f32
//   CHECK-DAG:     arith.constant 2139095040 : i32
//   CHECK-DAG:     arith.constant 4194304 : i32
//   CHECK-NOT:   arith.extf
func.func @mma_e5m2(%acc: tensor<8x64xf32>, %a: tensor<8x32xf8E5M2>, %b: tensor<64x32xf8E5M2>) -> tensor<8x64xf32> {
  %0 = tile.mma %acc, %a, %b : tensor<8x32xf8E5M2>, tensor<64x32xf8E5M2> -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

// tile.promote: acc + (partial * a_scale[m]) * b_scale[0] (per-tensor rhs).
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$ONE:.+]] = affine_map<(d0, d1) -> (0, 0)>
// CHECK-LABEL: func.func @promote_block(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x128xf32>, %[[P:[a-z0-9_]+]]: tensor<?x128xf32>, %[[AS:[a-z0-9_]+]]: tensor<?x1xf32>, %[[BS:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-NEXT:   linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ONE]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
//  CHECK-SAME:     ins(%[[P]], %[[AS]], %[[BS]] : {{.*}}) outs(%[[ACC]] : tensor<?x128xf32>)
//  CHECK-NEXT:   ^bb0(%[[V:.+]]: f32, %[[SA:.+]]: f32, %[[SB:.+]]: f32, %[[O:.+]]: f32):
//  CHECK-NEXT:     %[[T0:.+]] = arith.mulf %[[V]], %[[SA]] : f32
//  CHECK-NEXT:     %[[T1:.+]] = arith.mulf %[[T0]], %[[SB]] : f32
//  CHECK-NEXT:     %[[T2:.+]] = arith.addf %[[O]], %[[T1]] : f32
//  CHECK-NEXT:     linalg.yield %[[T2]] : f32
func.func @promote_block(%acc: tensor<?x128xf32>, %p: tensor<?x128xf32>, %as: tensor<?x1xf32>, %bs: tensor<1x1xf32>) -> tensor<?x128xf32> {
  %0 = tile.promote %acc, %p, %as, %bs {b_block = 128 : i64} : tensor<?x128xf32>, tensor<?x1xf32>, tensor<1x1xf32>
  return %0 : tensor<?x128xf32>
}

// -----

// A SwiGLU tile joining gate and up blocks: b_scale row n floordiv b_block.
// CHECK-DAG: #[[$ONE:.+]] = affine_map<(d0, d1) -> (0, 0)>
// CHECK-DAG: #[[$BLK:.+]] = affine_map<(d0, d1) -> (d1 floordiv 32, 0)>
// CHECK-LABEL: func.func @promote_swiglu_halves(
//       CHECK:   linalg.generic {indexing_maps = [#{{.+}}, #[[$ONE]], #[[$BLK]], #{{.+}}]
func.func @promote_swiglu_halves(%acc: tensor<8x64xf32>, %p: tensor<8x64xf32>, %as: tensor<1x1xf32>, %bs: tensor<2x1xf32>) -> tensor<8x64xf32> {
  %0 = tile.promote %acc, %p, %as, %bs {b_block = 32 : i64} : tensor<8x64xf32>, tensor<1x1xf32>, tensor<2x1xf32>
  return %0 : tensor<8x64xf32>
}

// -----

// SwiGLU over the [gate | up] halves, then one rounding to bf16.
// CHECK-LABEL: func.func @epilogue_swiglu(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x64xf32>
//       CHECK:   %[[M:.+]] = tensor.dim %[[ACC]], %{{.+}} : tensor<?x64xf32>
//  CHECK-NEXT:   %[[GATE:.+]] = tensor.extract_slice %[[ACC]][0, 0] [%[[M]], 32] [1, 1]
//  CHECK-NEXT:   %[[UP:.+]] = tensor.extract_slice %[[ACC]][0, 32] [%[[M]], 32] [1, 1]
//  CHECK-NEXT:   %[[INIT:.+]] = tensor.empty(%[[M]]) : tensor<?x32xbf16>
//  CHECK-NEXT:   linalg.generic
//  CHECK-SAME:     ins(%[[GATE]], %[[UP]] : tensor<?x32xf32>, tensor<?x32xf32>) outs(%[[INIT]] : tensor<?x32xbf16>)
//  CHECK-NEXT:   ^bb0(%[[G:.+]]: f32, %[[U:.+]]: f32, %{{.+}}: bf16):
//  CHECK-NEXT:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
//  CHECK-NEXT:     %[[NEG:.+]] = arith.negf %[[G]] : f32
//  CHECK-NEXT:     %[[EXP:.+]] = math.exp %[[NEG]] : f32
//  CHECK-NEXT:     %[[DEN:.+]] = arith.addf %[[ONE]], %[[EXP]] : f32
//  CHECK-NEXT:     %[[SILU:.+]] = arith.divf %[[G]], %[[DEN]] : f32
//  CHECK-NEXT:     %[[PROD:.+]] = arith.mulf %[[SILU]], %[[U]] : f32
//  CHECK-NEXT:     %[[OUT:.+]] = arith.truncf %[[PROD]] : f32 to bf16
//  CHECK-NEXT:     linalg.yield %[[OUT]] : bf16
func.func @epilogue_swiglu(%acc: tensor<?x64xf32>) -> tensor<?x32xbf16> {
  %0 = tile.epilogue %acc {activation = #tile.activation<swiglu>} : tensor<?x64xf32> -> tensor<?x32xbf16>
  return %0 : tensor<?x32xbf16>
}

// -----

// The residual is added in f32, before the single rounding.
// CHECK-LABEL: func.func @epilogue_residual(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x64xf32>, %[[RES:[a-z0-9_]+]]: tensor<?x64xbf16>
//       CHECK:   linalg.generic
//  CHECK-SAME:     ins(%[[ACC]], %[[RES]] : tensor<?x64xf32>, tensor<?x64xbf16>)
//  CHECK-NEXT:   ^bb0(%[[A:.+]]: f32, %[[R:.+]]: bf16, %{{.+}}: bf16):
//  CHECK-NEXT:     %[[RF:.+]] = arith.extf %[[R]] : bf16 to f32
//  CHECK-NEXT:     %[[SUM:.+]] = arith.addf %[[A]], %[[RF]] : f32
//  CHECK-NEXT:     %[[OUT:.+]] = arith.truncf %[[SUM]] : f32 to bf16
//  CHECK-NEXT:     linalg.yield %[[OUT]] : bf16
func.func @epilogue_residual(%acc: tensor<?x64xf32>, %r: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %0 = tile.epilogue %acc residual(%r : tensor<?x64xbf16>) : tensor<?x64xf32> -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}

// -----

// CHECK-LABEL: func.func @transpose_weight(
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<4x?x64xf8E4M3FN>
//       CHECK:   %[[K:.+]] = tensor.dim %[[W]], %{{.+}} : tensor<4x?x64xf8E4M3FN>
//  CHECK-NEXT:   %[[INIT:.+]] = tensor.empty(%[[K]]) : tensor<4x64x?xf8E4M3FN>
//  CHECK-NEXT:   %[[T:.+]] = linalg.transpose ins(%[[W]] : tensor<4x?x64xf8E4M3FN>) outs(%[[INIT]] : tensor<4x64x?xf8E4M3FN>) permutation = [0, 2, 1]
//  CHECK-NEXT:   return %[[T]]
func.func @transpose_weight(%w: tensor<4x?x64xf8E4M3FN>) -> tensor<4x64x?xf8E4M3FN> {
  %0 = tile.transpose_weight %w : tensor<4x?x64xf8E4M3FN> -> tensor<4x64x?xf8E4M3FN>
  return %0 : tensor<4x64x?xf8E4M3FN>
}

// -----

// Per-expert [out, in] weights are transposed into their [in, out] slot.
// CHECK-LABEL: func.func @stack_experts(
//  CHECK-SAME:     %[[W0:[a-z0-9_]+]]: tensor<32x64xbf16>, %[[W1:[a-z0-9_]+]]: tensor<32x64xbf16>
//       CHECK:   %[[EMPTY:.+]] = tensor.empty() : tensor<2x64x32xbf16>
//       CHECK:   %[[T0:.+]] = linalg.transpose ins(%[[W0]] : tensor<32x64xbf16>) outs(%{{.+}} : tensor<64x32xbf16>) permutation = [1, 0]
//       CHECK:   %[[S0:.+]] = tensor.insert_slice %[[T0]] into %[[EMPTY]][0, 0, 0] [1, 64, 32] [1, 1, 1]
//       CHECK:   %[[T1:.+]] = linalg.transpose ins(%[[W1]] : tensor<32x64xbf16>)
//       CHECK:   %[[S1:.+]] = tensor.insert_slice %[[T1]] into %[[S0]][1, 0, 0] [1, 64, 32] [1, 1, 1]
//       CHECK:   return %[[S1]]
func.func @stack_experts(%w0: tensor<32x64xbf16>, %w1: tensor<32x64xbf16>) -> tensor<2x64x32xbf16> {
  %s = moe.stack_experts %w0, %w1 : tensor<32x64xbf16>, tensor<32x64xbf16> -> tensor<2x64x32xbf16>
  return %s : tensor<2x64x32xbf16>
}
