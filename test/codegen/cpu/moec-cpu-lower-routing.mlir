// RUN: moec-opt %s --moec-cpu-lower-routing | FileCheck %s
//
// Structure of the routing lowering; its numerics run end to end in
// test/e2e (goldens and the NumPy reference with 1, 4, 16 and 128 experts).

// Logits accumulate in f32 and are rounded to the input type; the scan keeps
// the first strictly larger logit, or a NaN (so that it reaches the output,
// where NaNs are reported), and skips experts earlier choices took.
// CHECK-LABEL: func.func @router
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x64xbf16>, tensor<16x64xbf16>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: %[[LOGITS:.*]] = linalg.generic
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: scf.for %[[T:[^ ]*]] = {{.*}} -> (tensor<?x2xi32>, tensor<?x2xf32>)
// CHECK: scf.for %[[C:[^ ]*]] = {{.*}} -> (tensor<?x2xi32>, tensor<?x2xf32>)
// CHECK: %[[BEST:.*]]:2 = scf.for %[[E:[^ ]*]] = {{.*}} -> (f32, index)
// CHECK: %[[V:.*]] = tensor.extract %[[LOGITS]][%[[T]], %[[E]]]
// CHECK: arith.cmpf ogt, %[[V]]
// CHECK: arith.cmpf uno, %[[V]], %[[V]]
// CHECK: %[[TAKEN:.*]] = scf.for %{{.*}} = %{{.*}} to %[[C]] {{.*}} -> (i1)
// CHECK: %[[NEG:.*]] = arith.negf %[[BEST]]#0 : f32
// CHECK: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]] : f32
// CHECK: arith.divf %{{.*}}, %[[DEN]] : f32
// CHECK-NOT: moe.router_topk
func.func @router(%x: tensor<?x64xbf16>, %w: tensor<16x64xbf16>) -> (tensor<?x2xi32>, tensor<?x2xf32>) {
  %e, %s = moe.router_topk %x, %w {top_k = 2 : i64} : tensor<?x64xbf16>, tensor<16x64xbf16> -> tensor<?x2xi32>, tensor<?x2xf32>
  return %e, %s : tensor<?x2xi32>, tensor<?x2xf32>
}

// Histogram, exclusive prefix sum, then the stable placement: the cursor of
// the pair's (clamped) expert is its row, the row is scaled by the score
// rounded to bf16.
// CHECK-LABEL: func.func @dispatch
// CHECK: %[[COUNTS:.*]] = scf.for {{.*}} -> (tensor<16xi32>)
// CHECK: arith.maxsi
// CHECK: arith.minsi %{{.*}}, %c15
// CHECK: %[[OFFSETS:.*]] = scf.for {{.*}} -> (tensor<17xi32>)
// CHECK: %[[CURSOR:.*]] = tensor.extract_slice %[[OFFSETS]][0] [16] [1]
// CHECK: %[[PLACED:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[CURSOR]], {{.*}}) -> (tensor<16xi32>, tensor<?xi32>, tensor<?x64xbf16>)
// CHECK: %[[SCORE:.*]] = tensor.extract %{{.*}} : tensor<?x1xf32>
// CHECK: %[[ROUNDED:.*]] = arith.truncf %[[SCORE]] : f32 to bf16
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}} [1, 64] [1, 1] : tensor<1x64xbf16> into tensor<?x64xbf16>
// CHECK: return %[[PLACED]]#2, %[[PLACED]]#1, %[[OFFSETS]]
func.func @dispatch(%x: tensor<?x64xbf16>, %e: tensor<?x1xi32>, %s: tensor<?x1xf32>) -> (tensor<?x64xbf16>, tensor<?xi32>, tensor<17xi32>) {
  %p, %src, %off = moe.dispatch %x, %e scores(%s) {num_experts = 16 : i64} : tensor<?x64xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x64xbf16>, tensor<?xi32>, tensor<17xi32>
  return %p, %src, %off : tensor<?x64xbf16>, tensor<?xi32>, tensor<17xi32>
}

// Rows are added into their token's f32 row, then rounded once to bf16.
// CHECK-LABEL: func.func @combine
// CHECK: %[[SUM:.*]] = scf.for {{.*}} -> (tensor<?x64xf32>)
// CHECK: %[[PAIR:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: arith.maxsi %[[PAIR]]
// CHECK: arith.divui %{{.*}}, %c2
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.insert_slice
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: moe.combine
func.func @combine(%rows: tensor<?x64xbf16>, %src: tensor<?xi32>, %s: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %y = moe.combine %rows, %src scores(%s) {top_k = 2 : i64} : tensor<?x64xbf16>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
