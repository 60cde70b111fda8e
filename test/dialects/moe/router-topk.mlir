// Round trip of moe.router_topk.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @dynamic_tokens(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[ROUTER:[a-z0-9_]+]]: tensor<4x16xbf16>
//  CHECK-NEXT:   %[[EXPERTS:.*]], %[[SCORES:.*]] = moe.router_topk %[[X]], %[[ROUTER]] {top_k = 1 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
//  CHECK-NEXT:   return %[[EXPERTS]], %[[SCORES]]
func.func @dynamic_tokens(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> (tensor<?x1xi32>, tensor<?x1xf32>) {
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
  return %experts, %scores : tensor<?x1xi32>, tensor<?x1xf32>
}

// Static tokens, top-2, i64 indices and bf16 scores.
// CHECK-LABEL: func.func @static_top2(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<3x16xf32>
//  CHECK-SAME:     %[[ROUTER:[a-z0-9_]+]]: tensor<4x16xf32>
//  CHECK-NEXT:   %{{.*}}, %{{.*}} = moe.router_topk %[[X]], %[[ROUTER]] {top_k = 2 : i64}
//  CHECK-SAME:     : tensor<3x16xf32>, tensor<4x16xf32> -> tensor<3x2xi64>, tensor<3x2xbf16>
func.func @static_top2(%x: tensor<3x16xf32>, %router: tensor<4x16xf32>) -> tensor<3x2xi64> {
  %experts, %scores = moe.router_topk %x, %router {top_k = 2 : i64}
    : tensor<3x16xf32>, tensor<4x16xf32> -> tensor<3x2xi64>, tensor<3x2xbf16>
  return %experts : tensor<3x2xi64>
}

// top_k may equal the number of experts.
// CHECK-LABEL: func.func @all_experts(
//       CHECK:   moe.router_topk
//  CHECK-SAME:     {top_k = 4 : i64}
//  CHECK-SAME:     -> tensor<?x4xi32>, tensor<?x4xf32>
func.func @all_experts(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<?x4xi32> {
  %experts, %scores = moe.router_topk %x, %router {top_k = 4 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x4xi32>, tensor<?x4xf32>
  return %experts : tensor<?x4xi32>
}

// Llama 4 Scout's router: 16 experts over hidden 5120, top-1.
// CHECK-LABEL: func.func @scout(
//       CHECK:   moe.router_topk
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<16x5120xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
func.func @scout(%x: tensor<?x5120xbf16>, %router: tensor<16x5120xbf16>) -> tensor<?x1xi32> {
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x5120xbf16>, tensor<16x5120xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
  return %experts : tensor<?x1xi32>
}
