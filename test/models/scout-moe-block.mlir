// A Llama 4 Scout MoE feed-forward block at full size: 16 experts of width
// 8192 over hidden 5120, top-1 routing and a shared expert.
// RUN: moec-opt %s | FileCheck %s
// RUN: moec-opt %s --verify-roundtrip --moec-verify-stage-legality=stage=graph

graph.weight @"model.layers.0.feed_forward.router.weight" : tensor<16x5120xbf16>
graph.weight @"model.layers.0.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
graph.weight @"model.layers.0.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
graph.weight @"model.layers.0.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>

// CHECK-LABEL: func.func @scout_moe_block
// CHECK-SAME: (%[[X:.*]]: tensor<?x5120xbf16>)
func.func @scout_moe_block(%x: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  // CHECK-DAG: %[[ROUTER:.*]] = graph.weight_ref @model.layers.0.feed_forward.router.weight : tensor<16x5120xbf16>
  // CHECK-DAG: %[[GATE_UP:.*]] = graph.weight_ref @model.layers.0.feed_forward.experts.gate_up_proj : tensor<16x5120x16384xbf16>
  // CHECK-DAG: %[[DOWN:.*]] = graph.weight_ref @model.layers.0.feed_forward.experts.down_proj : tensor<16x8192x5120xbf16>
  // CHECK-DAG: %[[SGATE:.*]] = graph.weight_ref @model.layers.0.feed_forward.shared_expert.gate_proj.weight
  // CHECK-DAG: %[[SUP:.*]] = graph.weight_ref @model.layers.0.feed_forward.shared_expert.up_proj.weight
  // CHECK-DAG: %[[SDOWN:.*]] = graph.weight_ref @model.layers.0.feed_forward.shared_expert.down_proj.weight
  // CHECK: %[[Y:.*]] = moe.block %[[X]] router(%[[ROUTER]]) experts(%[[GATE_UP]], %[[DOWN]])
  // CHECK-SAME: shared(%[[SGATE]], %[[SUP]], %[[SDOWN]]) {top_k = 1 : i64}
  // CHECK-SAME: -> tensor<?x5120xbf16>
  // CHECK: return %[[Y]]
  %router = graph.weight_ref @"model.layers.0.feed_forward.router.weight" : tensor<16x5120xbf16>
  %gate_up = graph.weight_ref @"model.layers.0.feed_forward.experts.gate_up_proj" : tensor<16x5120x16384xbf16>
  %down = graph.weight_ref @"model.layers.0.feed_forward.experts.down_proj" : tensor<16x8192x5120xbf16>
  %sgate = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.gate_proj.weight" : tensor<8192x5120xbf16>
  %sup = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.up_proj.weight" : tensor<8192x5120xbf16>
  %sdown = graph.weight_ref @"model.layers.0.feed_forward.shared_expert.down_proj.weight" : tensor<5120x8192xbf16>
  %y = moe.block %x router(%router) experts(%gate_up, %down)
         shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>,
         tensor<16x8192x5120xbf16>, tensor<8192x5120xbf16>,
         tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}
