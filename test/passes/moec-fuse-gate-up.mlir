// RUN: moec-opt %s -split-input-file --moec-fuse-gate-up -verify-diagnostics | FileCheck %s

// A dense MLP (Maverick's even layers, 64 -> 96 -> 64): [gate | up] packed
// into one [192, 64] weight, SwiGLU in the first matmul's epilogue, then
// the down projection; both are dense_mlp.
// CHECK-LABEL: func.func @dense_mlp
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x64xf32>, %[[GATE:[^:]*]]: tensor<96x64xf32>, %[[UP:[^:]*]]: tensor<96x64xf32>, %[[DOWN:[^:]*]]: tensor<64x96xf32>)
// CHECK-NEXT: %[[W:.+]] = tensor.concat dim(0) %[[GATE]], %[[UP]] : (tensor<96x64xf32>, tensor<96x64xf32>) -> tensor<192x64xf32>
// CHECK-NEXT: %[[H:.+]] = moe.matmul %[[X]], %[[W]] {epilogue = #moe.epilogue<swiglu>, op_class = #moe.op_class<dense_mlp>} : tensor<?x64xf32>, tensor<192x64xf32> -> tensor<?x96xf32>
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[H]], %[[DOWN]] {op_class = #moe.op_class<dense_mlp>} : tensor<?x96xf32>, tensor<64x96xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @dense_mlp(%x: tensor<?x64xf32>, %gate: tensor<96x64xf32>, %up: tensor<96x64xf32>,
                     %down: tensor<64x96xf32>) -> tensor<?x64xf32> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>,
         tensor<64x96xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The shared expert after expert routing, at Scout's sizes: the matmuls
// take the role from the MLP's discardable moe.op_class, which is not
// carried over.
// CHECK-LABEL: func.func @shared_expert
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x5120xbf16>, %[[ROUTED:[^:]*]]: tensor<?x5120xbf16>
// CHECK: %[[W:.+]] = tensor.concat dim(0) {{.*}} -> tensor<16384x5120xbf16>
// CHECK-NEXT: %[[H:.+]] = moe.matmul %[[X]], %[[W]] {epilogue = #moe.epilogue<swiglu>, op_class = #moe.op_class<shared_expert>} : tensor<?x5120xbf16>, tensor<16384x5120xbf16> -> tensor<?x8192xbf16>
// CHECK-NEXT: %[[Y:.+]] = moe.matmul %[[H]], %{{.+}} {op_class = #moe.op_class<shared_expert>} : tensor<?x8192xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
// CHECK-NEXT: arith.addf %[[ROUTED]], %[[Y]]
// CHECK-NOT: moe.op_class =
func.func @shared_expert(%x: tensor<?x5120xbf16>, %routed: tensor<?x5120xbf16>, %sg: tensor<8192x5120xbf16>,
                         %su: tensor<8192x5120xbf16>, %sd: tensor<5120x8192xbf16>) -> tensor<?x5120xbf16> {
  %shared = graph.mlp %x, %sg, %su, %sd {moe.op_class = #moe.op_class<shared_expert>}
            : tensor<?x5120xbf16>, tensor<8192x5120xbf16>, tensor<8192x5120xbf16>,
              tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  %y = arith.addf %routed, %shared : tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}

// -----

// A dynamic intermediate width stays dynamic; the static token count too.
// CHECK-LABEL: func.func @dynamic_width
// CHECK: tensor.concat dim(0) {{.*}} : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK-NEXT: moe.matmul {{.*}} {epilogue = #moe.epilogue<swiglu>, op_class = #moe.op_class<dense_mlp>} : tensor<4x64xf32>, tensor<?x64xf32> -> tensor<4x?xf32>
// CHECK-NEXT: moe.matmul {{.*}} : tensor<4x?xf32>, tensor<64x?xf32> -> tensor<4x64xf32>
func.func @dynamic_width(%x: tensor<4x64xf32>, %gate: tensor<?x64xf32>, %up: tensor<?x64xf32>,
                         %down: tensor<64x?xf32>) -> tensor<4x64xf32> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<4x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
         tensor<64x?xf32> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Left alone: gate and up weights of different element types cannot be
// concatenated.
// CHECK-LABEL: func.func @mixed_gate_up_types
// CHECK-NEXT: graph.mlp
// CHECK-NOT: moe.matmul
func.func @mixed_gate_up_types(%x: tensor<?x64xf32>, %gate: tensor<96x64xbf16>, %up: tensor<96x64xf32>,
                               %down: tensor<64x96xf32>) -> tensor<?x64xf32> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x64xf32>, tensor<96x64xbf16>, tensor<96x64xf32>,
         tensor<64x96xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Left alone: FP8 weights need scales, which graph.mlp does not carry.
// CHECK-LABEL: func.func @fp8_weights
// CHECK-NEXT: graph.mlp
// CHECK-NOT: moe.matmul
func.func @fp8_weights(%x: tensor<?x64xbf16>, %gate: tensor<96x64xf8E4M3FN>, %up: tensor<96x64xf8E4M3FN>,
                       %down: tensor<64x96xf8E4M3FN>) -> tensor<?x64xbf16> {
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x64xbf16>, tensor<96x64xf8E4M3FN>, tensor<96x64xf8E4M3FN>,
         tensor<64x96xf8E4M3FN> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// A role the precision policy cannot read never reaches the pass as a
// dense MLP: the moe dialect rejects it.
func.func @bad_op_class(%x: tensor<?x64xf32>, %gate: tensor<96x64xf32>, %up: tensor<96x64xf32>,
                        %down: tensor<64x96xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'moe.op_class' must be a #moe.op_class, got "shared_expert"}}
  %y = graph.mlp %x, %gate, %up, %down {moe.op_class = "shared_expert"}
       : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
