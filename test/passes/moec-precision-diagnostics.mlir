// Diagnostics of moec-precision on IR (option errors are in
// moec-precision-classes.mlir).
// RUN: moec-opt %s -split-input-file \
// RUN:   --moec-precision="precision=fp8-rowwise fp8-classes=router,routed_expert" \
// RUN:   -verify-diagnostics | FileCheck %s

// fp8-classes may list the router, but moe.router_topk has no FP8 form: the
// pass warns and the router stays in the compute type.
// CHECK-LABEL: func.func @router
// CHECK:       moe.router_topk %{{.+}}, %{{.+}} {top_k = 1 : i64} : tensor<?x256xbf16>, tensor<4x256xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
// CHECK:       moe.quantize
// CHECK-SAME:    {scaling = #moe.scaling<per_token>}
// CHECK-NEXT:  moe.grouped_matmul
// CHECK-SAME:    lhs_scaling = #moe.scaling<per_token>
func.func @router(%x: tensor<?x256xf32>, %router: tensor<4x256xf32>,
                  %down: tensor<4x256x256xf32>) -> tensor<?x256xf32> {
  // expected-warning@+1 {{fp8-classes lists router, but moe.router_topk has no FP8 form: the router stays in the compute type}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x256xf32>, tensor<4x256xf32> -> tensor<?x1xi32>, tensor<?x1xf32>
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores) {num_experts = 4 : i64}
    : tensor<?x256xf32>, tensor<?x1xi32>, tensor<?x1xf32>
    -> tensor<?x256xf32>, tensor<?xi32>, tensor<5xi32>
  %out = moe.grouped_matmul %rows, %down, %offsets
    : tensor<?x256xf32>, tensor<4x256x256xf32>, tensor<5xi32> -> tensor<?x256xf32>
  %y = moe.combine %out, %src {top_k = 1 : i64} : tensor<?x256xf32>, tensor<?xi32> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// Functions are retyped one by one: calls are rejected.
func.func private @layer(tensor<?x256xf32>) -> tensor<?x256xf32>

func.func @forward(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  // expected-error@+1 {{'func.call' op is not supported by moec-precision, which retypes each function on its own: inline @layer first}}
  %y = func.call @layer(%x) : (tensor<?x256xf32>) -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}
