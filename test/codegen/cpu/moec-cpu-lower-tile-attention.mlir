// Attention tile ops to linalg on tensors for the CPU: f32 arithmetic,
// masks from the position operands, fully masked rows kept at -inf/0/0.
// RUN: moec-opt %s -split-input-file --moec-cpu-lower-tile-attention | FileCheck %s

// tile.flash_step, chunked_causal: scaled scores masked where k_pos > q_pos
// or the chunks differ; c and p are 0 while the new max is -inf; sum, acc
// and max are updated in place (max last, after its old value was read).
// CHECK-LABEL: func.func @flash_step_chunked(
//  CHECK-SAME:     %[[S:[a-z0-9_]+]]: tensor<?x64xf32>, %[[V:[a-z0-9_]+]]: tensor<64x8xbf16>, %[[M:[a-z0-9_]+]]: tensor<?xf32>, %[[L:[a-z0-9_]+]]: tensor<?xf32>, %[[ACC:[a-z0-9_]+]]: tensor<?x8xf32>, %[[QP:[a-z0-9_]+]]: tensor<?xi64>, %[[KP:[a-z0-9_]+]]: tensor<64xi64>
//       CHECK:   %[[MS:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[S]], %[[QP]], %[[KP]] : tensor<?x64xf32>, tensor<?xi64>, tensor<64xi64>)
//  CHECK-NEXT:   ^bb0(%[[SC:.+]]: f32, %[[QI:.+]]: i64, %[[KJ:.+]]: i64, %{{.+}}: f32):
//  CHECK-NEXT:     %[[LATER:.+]] = arith.cmpi sgt, %[[KJ]], %[[QI]] : i64
//  CHECK-NEXT:     %[[C4:.+]] = arith.constant 4 : i64
//  CHECK-NEXT:     %[[QC:.+]] = arith.floordivsi %[[QI]], %[[C4]] : i64
//  CHECK-NEXT:     %[[KC:.+]] = arith.floordivsi %[[KJ]], %[[C4]] : i64
//  CHECK-NEXT:     %[[OTHER:.+]] = arith.cmpi ne, %[[KC]], %[[QC]] : i64
//  CHECK-NEXT:     %[[HIDDEN:.+]] = arith.ori %[[LATER]], %[[OTHER]] : i1
//  CHECK-NEXT:     %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
//  CHECK-NEXT:     %[[SS:.+]] = arith.mulf %[[SC]], %[[SCALE]] : f32
//  CHECK-NEXT:     %[[NINF:.+]] = arith.constant 0xFF800000 : f32
//  CHECK-NEXT:     %[[R:.+]] = arith.select %[[HIDDEN]], %[[NINF]], %[[SS]] : f32
//  CHECK-NEXT:     linalg.yield %[[R]] : f32
//       CHECK:   %[[RM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[MS]] : tensor<?x64xf32>)
//       CHECK:     arith.maximumf
//       CHECK:   %[[CORR:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[RM]] : tensor<?xf32>, tensor<?xf32>)
//  CHECK-NEXT:   ^bb0(%[[OLD:.+]]: f32, %[[ROW:.+]]: f32, %{{.+}}: f32):
//  CHECK-NEXT:     %[[NEW:.+]] = arith.maximumf %[[OLD]], %[[ROW]] : f32
//  CHECK-NEXT:     %[[NI:.+]] = arith.constant 0xFF800000 : f32
//  CHECK-NEXT:     %[[EMPTY:.+]] = arith.cmpf oeq, %[[NEW]], %[[NI]] : f32
//  CHECK-NEXT:     %[[D:.+]] = arith.subf %[[OLD]], %[[NEW]] : f32
//  CHECK-NEXT:     %[[E:.+]] = math.exp %[[D]] : f32
//  CHECK-NEXT:     %[[Z:.+]] = arith.constant 0.000000e+00 : f32
//  CHECK-NEXT:     %[[CV:.+]] = arith.select %[[EMPTY]], %[[Z]], %[[E]] : f32
//  CHECK-NEXT:     linalg.yield %[[CV]] : f32
//       CHECK:   %[[P:.+]] = linalg.generic {{.*}} ins(%[[MS]], %[[M]], %[[RM]] : tensor<?x64xf32>, tensor<?xf32>, tensor<?xf32>)
//       CHECK:     math.exp
//       CHECK:     arith.select
//       CHECK:   %[[RS:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<?x64xf32>)
//       CHECK:   %[[NL:.+]] = linalg.generic {{.*}} ins(%[[CORR]], %[[RS]] : tensor<?xf32>, tensor<?xf32>) outs(%[[L]] : tensor<?xf32>)
//  CHECK-NEXT:   ^bb0(%[[C:.+]]: f32, %[[SUMP:.+]]: f32, %[[LO:.+]]: f32):
//  CHECK-NEXT:     %[[LC:.+]] = arith.mulf %[[LO]], %[[C]] : f32
//  CHECK-NEXT:     %[[LN:.+]] = arith.addf %[[LC]], %[[SUMP]] : f32
//       CHECK:   %[[PV:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[P]], %[[V]] : tensor<?x64xf32>, tensor<64x8xbf16>)
//       CHECK:     arith.extf %{{.+}} : bf16 to f32
//       CHECK:   %[[NACC:.+]] = linalg.generic {{.*}} ins(%[[CORR]], %[[PV]] : tensor<?xf32>, tensor<?x8xf32>) outs(%[[ACC]] : tensor<?x8xf32>)
//       CHECK:   %[[NM:.+]] = linalg.generic {{.*}} ins(%[[RM]] : tensor<?xf32>) outs(%[[M]] : tensor<?xf32>)
//       CHECK:   return %[[NM]], %[[NL]], %[[NACC]]
//   CHECK-NOT:   tile.
func.func @flash_step_chunked(%s: tensor<?x64xf32>, %v: tensor<64x8xbf16>, %m: tensor<?xf32>, %l: tensor<?xf32>, %acc: tensor<?x8xf32>, %qp: tensor<?xi64>, %kp: tensor<64xi64>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x8xf32>) {
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %acc, %qp, %kp
      {chunk_size = 4 : i64, mask = #tile.mask<chunked_causal>, scale = 0.5 : f64}
    : tensor<?x64xf32>, tensor<64x8xbf16>, tensor<?xf32>, tensor<?x8xf32>, tensor<?xi64>, tensor<64xi64>
  return %m1, %l1, %o1 : tensor<?xf32>, tensor<?xf32>, tensor<?x8xf32>
}

// -----

// Causal: only k_pos > q_pos hides a key (i32 positions work as well).
// CHECK-LABEL: func.func @flash_step_causal(
//       CHECK:   linalg.generic
//  CHECK-NEXT:   ^bb0(%[[SC:.+]]: f32, %[[QI:.+]]: i32, %[[KJ:.+]]: i32, %{{.+}}: f32):
//  CHECK-NEXT:     %[[LATER:.+]] = arith.cmpi sgt, %[[KJ]], %[[QI]] : i32
//  CHECK-NEXT:     arith.constant 2.500000e-01 : f32
//  CHECK-NEXT:     %[[SS:.+]] = arith.mulf
//  CHECK-NEXT:     %[[NINF:.+]] = arith.constant 0xFF800000 : f32
//  CHECK-NEXT:     arith.select %[[LATER]], %[[NINF]], %[[SS]] : f32
//   CHECK-NOT:   arith.floordivsi
//   CHECK-NOT:   tile.
func.func @flash_step_causal(%s: tensor<4x4xf32>, %v: tensor<4x8xf32>, %m: tensor<4xf32>, %l: tensor<4xf32>, %acc: tensor<4x8xf32>, %qp: tensor<4xi32>, %kp: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4x8xf32>) {
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %acc, %qp, %kp
      {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<4x4xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x8xf32>, tensor<4xi32>, tensor<4xi32>
  return %m1, %l1, %o1 : tensor<4xf32>, tensor<4xf32>, tensor<4x8xf32>
}

// -----

// tile.flash_finalize: acc / sum per row, rounded once to the result type.
// CHECK-LABEL: func.func @flash_finalize(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x8xf32>, %[[L:[a-z0-9_]+]]: tensor<?xf32>
//       CHECK:   %[[E:.+]] = tensor.empty(%{{.+}}) : tensor<?x8xbf16>
//       CHECK:   %[[R:.+]] = linalg.generic {{.*}} ins(%[[ACC]], %[[L]] : tensor<?x8xf32>, tensor<?xf32>) outs(%[[E]] : tensor<?x8xbf16>)
//  CHECK-NEXT:   ^bb0(%[[A:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: bf16):
//  CHECK-NEXT:     %[[D:.+]] = arith.divf %[[A]], %[[S]] : f32
//  CHECK-NEXT:     %[[T:.+]] = arith.truncf %[[D]] : f32 to bf16
//  CHECK-NEXT:     linalg.yield %[[T]] : bf16
//       CHECK:   return %[[R]]
func.func @flash_finalize(%acc: tensor<?x8xf32>, %l: tensor<?xf32>) -> tensor<?x8xbf16> {
  %o = tile.flash_finalize %acc, %l : tensor<?x8xf32>, tensor<?xf32> -> tensor<?x8xbf16>
  return %o : tensor<?x8xbf16>
}

// -----

// tile.head_rms_norm: rows viewed as [heads, head_dim], sum of squares per
// head in f32, then x * (1 / sqrt(sum / D + eps)) rounded back.
// CHECK-LABEL: func.func @head_rms_norm(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//       CHECK:   %[[X3:.+]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2]] output_shape [%{{.+}}, 2, 8] : tensor<?x16xbf16> into tensor<?x2x8xbf16>
//       CHECK:   %[[SQ:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X3]] : tensor<?x2x8xbf16>) outs(%{{.+}} : tensor<?x2xf32>)
//       CHECK:     arith.extf
//  CHECK-NEXT:     arith.mulf
//  CHECK-NEXT:     arith.addf
//       CHECK:   %[[N:.+]] = linalg.generic {{.*}} ins(%[[X3]], %[[SQ]] : tensor<?x2x8xbf16>, tensor<?x2xf32>)
//       CHECK:     arith.constant 8.000000e+00 : f32
//       CHECK:     arith.constant 9.99999974E-6 : f32
//       CHECK:     math.sqrt
//       CHECK:     arith.divf
//       CHECK:     arith.mulf
//       CHECK:     arith.truncf %{{.+}} : f32 to bf16
//       CHECK:   %[[R:.+]] = tensor.collapse_shape %[[N]] {{\[\[}}0], [1, 2]] : tensor<?x2x8xbf16> into tensor<?x16xbf16>
//       CHECK:   return %[[R]]
func.func @head_rms_norm(%x: tensor<?x16xbf16>) -> tensor<?x16xbf16> {
  %y = tile.head_rms_norm %x {epsilon = 1.0e-05 : f64, head_dim = 8 : i64} : tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// A dynamic row width gives a dynamic head count, width / head_dim.
// CHECK-LABEL: func.func @head_rms_norm_dynamic_width(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x?xf32>
//   CHECK-DAG:   %[[W:.+]] = tensor.dim %[[X]], %c1
//   CHECK-DAG:   %[[C8:.+]] = arith.constant 8 : index
//       CHECK:   %[[H:.+]] = arith.divui %[[W]], %[[C8]] : index
//       CHECK:   tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2]] output_shape [%{{.+}}, %[[H]], 8] : tensor<?x?xf32> into tensor<?x?x8xf32>
//       CHECK:   tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2]] : tensor<?x?x8xf32> into tensor<?x?xf32>
func.func @head_rms_norm_dynamic_width(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = tile.head_rms_norm %x {epsilon = 1.0e-05 : f64, head_dim = 8 : i64} : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// tile.temperature_scale: log1p(floor((p + 1) / floor_scale)) * attn_scale + 1
// per row, in f32.
// CHECK-LABEL: func.func @temperature_scale(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x16xf32>, %[[P:[a-z0-9_]+]]: tensor<?xi64>
//       CHECK:   linalg.generic {{.*}} ins(%[[Q]], %[[P]] : tensor<?x16xf32>, tensor<?xi64>)
//  CHECK-NEXT:   ^bb0(%[[X:.+]]: f32, %[[POS:.+]]: i64, %{{.+}}: f32):
//  CHECK-NEXT:     %[[PF:.+]] = arith.sitofp %[[POS]] : i64 to f32
//  CHECK-NEXT:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
//  CHECK-NEXT:     %[[P1:.+]] = arith.addf %[[PF]], %[[ONE]] : f32
//  CHECK-NEXT:     %[[FS:.+]] = arith.constant 8.192000e+03 : f32
//  CHECK-NEXT:     %[[DIV:.+]] = arith.divf %[[P1]], %[[FS]] : f32
//  CHECK-NEXT:     %[[FL:.+]] = math.floor %[[DIV]] : f32
//  CHECK-NEXT:     %[[LG:.+]] = math.log1p %[[FL]] : f32
//  CHECK-NEXT:     %[[AS:.+]] = arith.constant 1.000000e-01 : f32
//  CHECK-NEXT:     %[[MUL:.+]] = arith.mulf %[[LG]], %[[AS]] : f32
//  CHECK-NEXT:     %[[ONE2:.+]] = arith.constant 1.000000e+00 : f32
//  CHECK-NEXT:     %[[F:.+]] = arith.addf %[[MUL]], %[[ONE2]] : f32
//  CHECK-NEXT:     %[[Y:.+]] = arith.mulf %[[X]], %[[F]] : f32
//  CHECK-NEXT:     linalg.yield %[[Y]] : f32
func.func @temperature_scale(%q: tensor<?x16xf32>, %p: tensor<?xi64>) -> tensor<?x16xf32> {
  %y = tile.temperature_scale %q, %p {attn_scale = 1.000000e-01 : f64, floor_scale = 8.192000e+03 : f64} : tensor<?x16xf32>, tensor<?xi64>
  return %y : tensor<?x16xf32>
}

// -----

// tile.cache_write: one row per token, inserted at its position.
// CHECK-LABEL: func.func @cache_write(
//  CHECK-SAME:     %[[C:[a-z0-9_]+]]: tensor<64x8xbf16>, %[[K:[a-z0-9_]+]]: tensor<?x8xbf16>, %[[P:[a-z0-9_]+]]: tensor<?xi64>
//       CHECK:   %[[R:.+]] = scf.for %[[T:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[CI:.+]] = %[[C]]) -> (tensor<64x8xbf16>)
//  CHECK-NEXT:     %[[POS:.+]] = tensor.extract %[[P]][%[[T]]] : tensor<?xi64>
//  CHECK-NEXT:     %[[ROW:.+]] = arith.index_cast %[[POS]] : i64 to index
//  CHECK-NEXT:     %[[NEW:.+]] = tensor.extract_slice %[[K]][%[[T]], 0] [1, 8] [1, 1] : tensor<?x8xbf16> to tensor<1x8xbf16>
//  CHECK-NEXT:     %[[U:.+]] = tensor.insert_slice %[[NEW]] into %[[CI]][%[[ROW]], 0] [1, 8] [1, 1] : tensor<1x8xbf16> into tensor<64x8xbf16>
//  CHECK-NEXT:     scf.yield %[[U]] : tensor<64x8xbf16>
//       CHECK:   return %[[R]]
func.func @cache_write(%c: tensor<64x8xbf16>, %k: tensor<?x8xbf16>, %p: tensor<?xi64>) -> tensor<64x8xbf16> {
  %y = tile.cache_write %c, %k, %p : tensor<64x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>
  return %y : tensor<64x8xbf16>
}

// -----

// Other ops (here the GEMM tile ops, another pass's) are left alone.
// CHECK-LABEL: func.func @other_ops(
//       CHECK:   tile.mma
//       CHECK:   arith.addf
func.func @other_ops(%acc: tensor<8x64xf32>, %a: tensor<8x32xbf16>, %b: tensor<64x32xbf16>) -> tensor<8x64xf32> {
  %0 = tile.mma %acc, %a, %b : tensor<8x32xbf16>, tensor<64x32xbf16> -> tensor<8x64xf32>
  %1 = arith.addf %0, %acc : tensor<8x64xf32>
  return %1 : tensor<8x64xf32>
}
