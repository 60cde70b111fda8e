// Contract of the graph stage (what a frontend may produce).
// RUN: moec-opt %s -split-input-file --moec-verify-stage-legality=stage=graph -verify-diagnostics | FileCheck %s
// RUN: not moec-opt %s --moec-verify-stage-legality=stage=codegen 2>&1 | FileCheck %s --check-prefix=BAD-STAGE

// BAD-STAGE: unknown stage 'codegen' for moec-verify-stage-legality, expected graph, routed or tiled

// CHECK-LABEL: func.func @graph_block
func.func @graph_block(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>,
                       %gate_up: tensor<4x64x64xf32>,
                       %down: tensor<4x32x64xf32>) -> tensor<?x64xf32> {
  // CHECK: moe.block
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x64x64xf32>,
         tensor<4x32x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @fp8_checkpoint_weight
func.func @fp8_checkpoint_weight(%w: tensor<32x64xf8E4M3FN>,
                                 %s: tensor<32x1xf32>) -> tensor<32x64xbf16> {
  // CHECK: moe.dequantize
  %d = moe.dequantize %w, %s {scaling = #moe.scaling<per_channel>}
       : tensor<32x64xf8E4M3FN>, tensor<32x1xf32> -> tensor<32x64xbf16>
  return %d : tensor<32x64xbf16>
}

// -----

// Per-expert FP8 checkpoint weights are stacked into the fused layout.
// CHECK-LABEL: func.func @fp8_per_expert_weights
func.func @fp8_per_expert_weights(%w0: tensor<32x64xf8E4M3FN>, %s0: tensor<32x1xf32>,
                                  %w1: tensor<32x64xf8E4M3FN>, %s1: tensor<32x1xf32>)
    -> tensor<2x64x32xbf16> {
  // CHECK: moe.stack_experts
  %d0 = moe.dequantize %w0, %s0 {scaling = #moe.scaling<per_channel>}
        : tensor<32x64xf8E4M3FN>, tensor<32x1xf32> -> tensor<32x64xbf16>
  %d1 = moe.dequantize %w1, %s1 {scaling = #moe.scaling<per_channel>}
        : tensor<32x64xf8E4M3FN>, tensor<32x1xf32> -> tensor<32x64xbf16>
  %w = moe.stack_experts %d0, %d1 : tensor<32x64xbf16>, tensor<32x64xbf16>
       -> tensor<2x64x32xbf16>
  return %w : tensor<2x64x32xbf16>
}

// -----

// CHECK-LABEL: func.func @dense
func.func @dense(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  // CHECK: graph.rms_norm
  // CHECK: arith.addf
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64}
       : tensor<?x64xf32>, tensor<64xf32>
  %z = arith.addf %x, %y : tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}

// -----

func.func @routed_op(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>)
    -> tensor<?x1xi32> {
  // expected-error@+1 {{'moe.router_topk' is not legal at the graph stage: only graph ops, moe.block, moe.dequantize and moe.stack_experts are legal at the graph stage}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x64xf32>, tensor<4x64xf32> -> tensor<?x1xi32>, tensor<?x1xf32>
  return %experts : tensor<?x1xi32>
}

// -----

func.func @foreign(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'math.exp' is not legal at the graph stage}}
  %y = math.exp %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
