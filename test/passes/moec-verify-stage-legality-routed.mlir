// Contract of the routed stage (after expert routing).
// RUN: moec-opt %s -split-input-file --moec-verify-stage-legality=stage=routed -allow-unregistered-dialect -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @routed
func.func @routed(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>,
                  %gate_up: tensor<4x64x64xf32>, %down: tensor<4x32x64xf32>)
    -> tensor<?x64xf32> {
  // CHECK: moe.router_topk
  // CHECK: moe.dispatch
  // CHECK: moe.grouped_matmul
  // CHECK: moe.grouped_matmul
  // CHECK: moe.combine
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x64xf32>, tensor<4x64xf32> -> tensor<?x1xi32>, tensor<?x1xf32>
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores)
      {num_experts = 4 : i64}
    : tensor<?x64xf32>, tensor<?x1xi32>, tensor<?x1xf32>
    -> tensor<?x64xf32>, tensor<?xi32>, tensor<5xi32>
  %h = moe.grouped_matmul %rows, %gate_up, %offsets
         {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x64xf32>, tensor<4x64x64xf32>, tensor<5xi32> -> tensor<?x32xf32>
  %o = moe.grouped_matmul %h, %down, %offsets
       : tensor<?x32xf32>, tensor<4x32x64xf32>, tensor<5xi32> -> tensor<?x64xf32>
  %y = moe.combine %o, %src {top_k = 1 : i64}
       : tensor<?x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @leftover_block(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>,
                          %gate_up: tensor<4x64x64xf32>,
                          %down: tensor<4x32x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'moe.block' is not legal at the routed stage: expert routing must lower every moe.block before the routed stage}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x64x64xf32>,
         tensor<4x32x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @foreign(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'vendor.custom' is not legal at the routed stage: it belongs to no dialect of the routed stage}}
  %y = "vendor.custom"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
