// Round trip of moe.combine, with and without scores.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// Top-1 without scores: a pure permutation back to token order.
// CHECK-LABEL: func.func @top1(
//  CHECK-SAME:     %[[ROWS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[SRC:[a-z0-9_]+]]: tensor<?xi32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.combine %[[ROWS]], %[[SRC]] {top_k = 1 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?xi32> -> tensor<?x16xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @top1(%rows: tensor<?x16xbf16>, %src: tensor<?xi32>) -> tensor<?x16xbf16> {
  %y = moe.combine %rows, %src {top_k = 1 : i64} : tensor<?x16xbf16>, tensor<?xi32> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// Top-2 weighted by the router scores.
// CHECK-LABEL: func.func @top2_scores(
//  CHECK-SAME:     %[[ROWS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[SRC:[a-z0-9_]+]]: tensor<?xi32>
//  CHECK-SAME:     %[[SCORES:[a-z0-9_]+]]: tensor<?x2xf32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.combine %[[ROWS]], %[[SRC]] scores(%[[SCORES]]) {top_k = 2 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x16xbf16>
func.func @top2_scores(%rows: tensor<?x16xbf16>, %src: tensor<?xi32>, %scores: tensor<?x2xf32>) -> tensor<?x16xbf16> {
  %y = moe.combine %rows, %src scores(%scores) {top_k = 2 : i64}
       : tensor<?x16xbf16>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// Static: 6 rows back to 3 tokens, i64 source rows.
// CHECK-LABEL: func.func @static_top2(
//       CHECK:   moe.combine
//  CHECK-SAME:     {top_k = 2 : i64}
//  CHECK-SAME:     : tensor<6x8xf32>, tensor<6xi64>, tensor<3x2xf32> -> tensor<3x8xf32>
func.func @static_top2(%rows: tensor<6x8xf32>, %src: tensor<6xi64>, %scores: tensor<3x2xf32>) -> tensor<3x8xf32> {
  %y = moe.combine %rows, %src scores(%scores) {top_k = 2 : i64}
       : tensor<6x8xf32>, tensor<6xi64>, tensor<3x2xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
