// RUN: moec-opt %s --moec-cpu-lower-elementwise | FileCheck %s
//
// Structure of the lowering; the numerics run in exec-norm-rope.mlir and
// exec-quant-fp8.mlir.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$BLK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 128)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$ALL:.*]] = affine_map<(d0, d1) -> (0, 0)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1) -> (d0 floordiv 128, d1 floordiv 128)>

// An id outside [0, vocab) reads row 0 (never out of bounds) and yields 0.
// CHECK-LABEL: func.func @embedding
// CHECK: %[[VOCAB:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<100x64xbf16>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%{{.*}} : tensor<?xi64>) outs(%{{.*}} : tensor<?x64xbf16>)
// CHECK: %[[ID:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[LT:.*]] = arith.cmpi slt, %[[ID]], %[[VOCAB]] : index
// CHECK-DAG: %[[GE:.*]] = arith.cmpi sge, %[[ID]], %{{.*}} : index
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK: %[[ROW:.*]] = arith.select %[[OK]], %[[ID]], %{{.*}} : index
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%[[ROW]], %[[COL]]] : tensor<100x64xbf16>
// CHECK: arith.select %[[OK]], %[[V]], %{{.*}} : bf16
// CHECK-NOT: graph.embedding
func.func @embedding(%table: tensor<100x64xbf16>, %ids: tensor<?xi64>) -> tensor<?x64xbf16> {
  %e = graph.embedding %table[%ids] : tensor<100x64xbf16>, tensor<?xi64> -> tensor<?x64xbf16>
  return %e : tensor<?x64xbf16>
}

// Sum of squares per row, then the normalized value rounded to bf16 before
// the weight multiply.
// CHECK-LABEL: func.func @rms_norm
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.divf
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: %[[N:.*]] = arith.mulf
// CHECK: %[[NB:.*]] = arith.truncf %[[N]] : f32 to bf16
// CHECK: %[[NF:.*]] = arith.extf %[[NB]] : bf16 to f32
// CHECK: %[[W:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[Y:.*]] = arith.mulf %[[NF]], %[[W]] : f32
// CHECK: arith.truncf %[[Y]] : f32 to bf16
// CHECK-NOT: graph.rms_norm
func.func @rms_norm(%x: tensor<?x64xbf16>, %w: tensor<64xbf16>) -> tensor<?x64xbf16> {
  %n = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x64xbf16>, tensor<64xbf16>
  return %n : tensor<?x64xbf16>
}

// inv_freq is a compile-time constant (Scout llama3 scaling: the last of
// the 4 frequencies is divided by 16).
// CHECK-LABEL: func.func @rope
// CHECK: %[[INV:.*]] = arith.constant dense<[1.000000e+00, 0.0376060307, 0.00141421345, 3.32393483E-6]> : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %[[INV]]
// CHECK: arith.sitofp %{{.*}} : i64 to f32
// CHECK: math.cos
// CHECK: math.sin
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: graph.rope
func.func @rope(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %r = graph.rope %x, %pos {head_dim = 8 : i64, theta = 5.0e+05 : f64, scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} : tensor<?x16xbf16>, tensor<?xi64>
  return %r : tensor<?x16xbf16>
}


// Block 1x128: amax per (row, k floordiv 128) group, scale = amax / 448 (1
// for zero), then x / scale encoded from its f32 bits; no f8 arithmetic.
// CHECK-LABEL: func.func @quantize_block
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x3xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: %[[AMAX:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$BLK]]], iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<?x300xbf16>) outs(%[[Z]] : tensor<?x3xf32>)
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<?x3xf32>)
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: arith.cmpf ogt
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$BLK]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[S]] : tensor<?x300xbf16>, tensor<?x3xf32>) outs(%{{.*}} : tensor<?x300xf8E4M3FN>)
// CHECK: arith.divf
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: math.roundeven
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK: return %[[Q]], %[[S]]
func.func @quantize_block(%x: tensor<?x300xbf16>) -> (tensor<?x300xf8E4M3FN>, tensor<?x3xf32>) {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<block 1x128>} : tensor<?x300xbf16> -> tensor<?x300xf8E4M3FN>, tensor<?x3xf32>
  return %q, %s : tensor<?x300xf8E4M3FN>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ALL]], #[[$ID]]]
func.func @quantize_per_tensor(%x: tensor<8x256xf32>) -> (tensor<8x256xf8E4M3FN>, tensor<1x1xf32>) {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_tensor>} : tensor<8x256xf32> -> tensor<8x256xf8E4M3FN>, tensor<1x1xf32>
  return %q, %s : tensor<8x256xf8E4M3FN>, tensor<1x1xf32>
}

// The fused op is the RMSNorm (rounded to bf16) followed by the quantization.
// CHECK-LABEL: func.func @rms_norm_quantize
// CHECK: %[[N:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x256xbf16>)
// CHECK: math.sqrt
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[N]] : tensor<4x256xbf16>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[N]], %{{.*}} : tensor<4x256xbf16>, tensor<4x1xf32>)
// CHECK-NOT: moe.rms_norm_quantize
func.func @rms_norm_quantize(%x: tensor<4x256xbf16>, %w: tensor<256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<4x1xf32>) {
  %q, %s = moe.rms_norm_quantize %x, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>} : tensor<4x256xbf16>, tensor<256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<4x1xf32>
  return %q, %s : tensor<4x256xf8E4M3FN>, tensor<4x1xf32>
}

// Weights: 128x128 blocks; the e4m3fn value is decoded from its bits.
// CHECK-LABEL: func.func @dequantize
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$W]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<256x512xf8E4M3FN>, tensor<2x4xf32>)
// CHECK: arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK: arith.mulf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @dequantize(%wq: tensor<256x512xf8E4M3FN>, %ws: tensor<2x4xf32>) -> tensor<256x512xbf16> {
  %d = moe.dequantize %wq, %ws {scaling = #moe.scaling<block 128x128>} : tensor<256x512xf8E4M3FN>, tensor<2x4xf32> -> tensor<256x512xbf16>
  return %d : tensor<256x512xbf16>
}
