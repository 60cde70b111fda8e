// RUN: moec-opt %s -split-input-file --moec-expert-routing -verify-diagnostics | FileCheck %s

// Scout-shaped top-1 block with a shared expert: the score is folded into the
// dispatched input, combine is a plain permutation, the shared expert is a
// dense MLP added after combine.
// CHECK-LABEL: func.func @top1_shared
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x5120xbf16>, %[[ROUTER:[^:]*]]: tensor<16x5120xbf16>, %[[GATE_UP:[^:]*]]: tensor<16x5120x16384xbf16>, %[[DOWN:[^:]*]]: tensor<16x8192x5120xbf16>, %[[SG:[^:]*]]: tensor<8192x5120xbf16>, %[[SU:[^:]*]]: tensor<8192x5120xbf16>, %[[SD:[^:]*]]: tensor<5120x8192xbf16>)
// CHECK: %[[EXPERTS:.*]], %[[SCORES:.*]] = moe.router_topk %[[X]], %[[ROUTER]] {top_k = 1 : i64} : {{.*}} -> tensor<?x1xi32>, tensor<?x1xf32>
// CHECK: %[[ROWS:.*]], %[[SRC:.*]], %[[OFFSETS:.*]] = moe.dispatch %[[X]], %[[EXPERTS]] scores(%[[SCORES]]) {num_experts = 16 : i64}
// CHECK-SAME: -> tensor<?x5120xbf16>, tensor<?xi32>, tensor<17xi32>
// CHECK: %[[H:.*]] = moe.grouped_matmul %[[ROWS]], %[[GATE_UP]], %[[OFFSETS]] {epilogue = #moe.epilogue<swiglu>} : {{.*}} -> tensor<?x8192xbf16>
// CHECK: %[[O:.*]] = moe.grouped_matmul %[[H]], %[[DOWN]], %[[OFFSETS]] : {{.*}} -> tensor<?x5120xbf16>
// CHECK: %[[ROUTED:.*]] = moe.combine %[[O]], %[[SRC]] {top_k = 1 : i64}
// CHECK-NOT: scores
// CHECK: %[[SHARED:.*]] = graph.mlp %[[X]], %[[SG]], %[[SU]], %[[SD]] {moe.op_class = #moe.op_class<shared_expert>}
// CHECK: %[[SUM:.*]] = arith.addf %[[ROUTED]], %[[SHARED]]
// CHECK: return %[[SUM]]
// CHECK-NOT: moe.block
func.func @top1_shared(%x: tensor<?x5120xbf16>, %router: tensor<16x5120xbf16>,
                       %gate_up: tensor<16x5120x16384xbf16>,
                       %down: tensor<16x8192x5120xbf16>,
                       %sg: tensor<8192x5120xbf16>, %su: tensor<8192x5120xbf16>,
                       %sd: tensor<5120x8192xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.block %x router(%router) experts(%gate_up, %down)
         shared(%sg, %su, %sd) {top_k = 1 : i64}
       : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>,
         tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>,
         tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}

// -----

// Top-2 without a shared expert and a static token count: rows = 2 x tokens.
// CHECK-LABEL: func.func @top2_static
// CHECK: moe.router_topk {{.*}} {top_k = 2 : i64} : {{.*}} -> tensor<6x2xi32>, tensor<6x2xf32>
// CHECK: moe.dispatch {{.*}} -> tensor<12x64xf32>, tensor<12xi32>, tensor<5xi32>
// CHECK: moe.grouped_matmul {{.*}} -> tensor<12x32xf32>
// CHECK: moe.grouped_matmul {{.*}} -> tensor<12x64xf32>
// CHECK: %[[Y:.*]] = moe.combine {{.*}} {top_k = 2 : i64} : tensor<12x64xf32>, tensor<12xi32> -> tensor<6x64xf32>
// CHECK-NOT: graph.mlp
// CHECK: return %[[Y]]
func.func @top2_static(%x: tensor<6x64xf32>, %router: tensor<4x64xf32>,
                       %gate_up: tensor<4x64x64xf32>,
                       %down: tensor<4x32x64xf32>) -> tensor<6x64xf32> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 2 : i64}
       : tensor<6x64xf32>, tensor<4x64xf32>, tensor<4x64x64xf32>,
         tensor<4x32x64xf32> -> tensor<6x64xf32>
  return %y : tensor<6x64xf32>
}

// -----

// Dense ops are left alone.
// CHECK-LABEL: func.func @no_moe
// CHECK-NEXT: graph.linear
// CHECK-NEXT: return
func.func @no_moe(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x32xf32> {
  %y = graph.linear %x, %w : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @dynamic_experts(%x: tensor<?x64xf32>, %router: tensor<?x64xf32>,
                           %gate_up: tensor<?x64x64xf32>,
                           %down: tensor<?x32x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'moe.block' op expert routing needs a static number of experts and expert width, got gate_up 'tensor<?x64x64xf32>' and down 'tensor<?x32x64xf32>'}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64x64xf32>,
         tensor<?x32x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
