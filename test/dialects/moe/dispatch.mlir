// Round trip of moe.dispatch, with and without router scores.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @with_scores(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[EXPERTS:[a-z0-9_]+]]: tensor<?x1xi32>
//  CHECK-SAME:     %[[SCORES:[a-z0-9_]+]]: tensor<?x1xf32>
//  CHECK-NEXT:   %[[ROWS:.*]], %[[SRC:.*]], %[[OFFSETS:.*]] = moe.dispatch %[[X]], %[[EXPERTS]] scores(%[[SCORES]]) {num_experts = 4 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
//  CHECK-NEXT:   return %[[ROWS]], %[[SRC]], %[[OFFSETS]]
func.func @with_scores(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>, %scores: tensor<?x1xf32>)
    -> (tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>) {
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores) {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
  return %rows, %src, %offsets : tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
}

// Without scores (the score is applied later, in moe.combine).
// CHECK-LABEL: func.func @without_scores(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[EXPERTS:[a-z0-9_]+]]: tensor<?x2xi32>
//  CHECK-NEXT:   %{{.*}}, %{{.*}}, %{{.*}} = moe.dispatch %[[X]], %[[EXPERTS]] {num_experts = 4 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?x2xi32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
func.func @without_scores(%x: tensor<?x16xbf16>, %experts: tensor<?x2xi32>) -> tensor<?x16xbf16> {
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x2xi32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
  return %rows : tensor<?x16xbf16>
}

// Static tokens: 3 tokens x top-2 = 6 rows; i64 indices.
// CHECK-LABEL: func.func @static_top2(
//       CHECK:   moe.dispatch
//  CHECK-SAME:     scores(
//  CHECK-SAME:     {num_experts = 2 : i64}
//  CHECK-SAME:     : tensor<3x8xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> tensor<6x8xf32>, tensor<6xi64>, tensor<3xi64>
func.func @static_top2(%x: tensor<3x8xf32>, %experts: tensor<3x2xi64>, %scores: tensor<3x2xf32>) -> tensor<6x8xf32> {
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores) {num_experts = 2 : i64}
    : tensor<3x8xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> tensor<6x8xf32>, tensor<6xi64>, tensor<3xi64>
  return %rows : tensor<6x8xf32>
}

// Llama 4 Scout: 16 experts, top-1.
// CHECK-LABEL: func.func @scout(
//       CHECK:   moe.dispatch
//  CHECK-SAME:     {num_experts = 16 : i64}
//  CHECK-SAME:     -> tensor<?x5120xbf16>, tensor<?xi32>, tensor<17xi32>
func.func @scout(%x: tensor<?x5120xbf16>, %experts: tensor<?x1xi32>, %scores: tensor<?x1xf32>) -> tensor<17xi32> {
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores) {num_experts = 16 : i64}
    : tensor<?x5120xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x5120xbf16>, tensor<?xi32>, tensor<17xi32>
  return %offsets : tensor<17xi32>
}
