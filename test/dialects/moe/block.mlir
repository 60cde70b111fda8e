// Round trip of moe.block: the graph-level Llama 4 MoE feed-forward block.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// Routed experts only: 4 experts, hidden 16, expert width 32.
// CHECK-LABEL: func.func @routed_only(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[ROUTER:[a-z0-9_]+]]: tensor<4x16xbf16>
//  CHECK-SAME:     %[[GATE_UP:[a-z0-9_]+]]: tensor<4x16x64xbf16>
//  CHECK-SAME:     %[[DOWN:[a-z0-9_]+]]: tensor<4x32x16xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = moe.block %[[X]] router(%[[ROUTER]]) experts(%[[GATE_UP]], %[[DOWN]]) {top_k = 1 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @routed_only(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>,
                       %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>) -> tensor<?x16xbf16> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// With the shared expert (its own width, 24) and top-2 routing.
// CHECK-LABEL: func.func @shared_expert(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[ROUTER:[a-z0-9_]+]]: tensor<4x16xbf16>
//  CHECK-SAME:     %[[GATE_UP:[a-z0-9_]+]]: tensor<4x16x64xbf16>
//  CHECK-SAME:     %[[DOWN:[a-z0-9_]+]]: tensor<4x32x16xbf16>
//  CHECK-SAME:     %[[SGATE:[a-z0-9_]+]]: tensor<24x16xbf16>
//  CHECK-SAME:     %[[SUP:[a-z0-9_]+]]: tensor<24x16xbf16>
//  CHECK-SAME:     %[[SDOWN:[a-z0-9_]+]]: tensor<16x24xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = moe.block %[[X]] router(%[[ROUTER]]) experts(%[[GATE_UP]], %[[DOWN]])
//  CHECK-SAME:     shared(%[[SGATE]], %[[SUP]], %[[SDOWN]]) {top_k = 2 : i64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
//  CHECK-SAME:       tensor<24x16xbf16>, tensor<24x16xbf16>, tensor<16x24xbf16> -> tensor<?x16xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @shared_expert(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>,
                         %gate_up: tensor<4x16x64xbf16>, %down: tensor<4x32x16xbf16>,
                         %sgate: tensor<24x16xbf16>, %sup: tensor<24x16xbf16>,
                         %sdown: tensor<16x24xbf16>) -> tensor<?x16xbf16> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 2 : i64}
       : tensor<?x16xbf16>, tensor<4x16xbf16>, tensor<4x16x64xbf16>, tensor<4x32x16xbf16>,
         tensor<24x16xbf16>, tensor<24x16xbf16>, tensor<16x24xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// Static token count; top_k may equal the number of experts.
// CHECK-LABEL: func.func @static_tokens_all_experts(
//       CHECK:   moe.block
//  CHECK-SAME:     {top_k = 2 : i64}
//  CHECK-SAME:     : tensor<3x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x4x8xf32> -> tensor<3x8xf32>
func.func @static_tokens_all_experts(%x: tensor<3x8xf32>, %router: tensor<2x8xf32>,
                                     %gate_up: tensor<2x8x8xf32>, %down: tensor<2x4x8xf32>) -> tensor<3x8xf32> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 2 : i64}
       : tensor<3x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x4x8xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// Dynamic expert counts and widths are compatible with static ones.
// CHECK-LABEL: func.func @dynamic_experts(
//       CHECK:   moe.block
//  CHECK-SAME:     : tensor<?x8xf32>, tensor<?x8xf32>, tensor<4x8x?xf32>, tensor<?x4x8xf32> -> tensor<?x8xf32>
func.func @dynamic_experts(%x: tensor<?x8xf32>, %router: tensor<?x8xf32>,
                           %gate_up: tensor<4x8x?xf32>, %down: tensor<?x4x8xf32>) -> tensor<?x8xf32> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x8xf32>, tensor<?x8xf32>, tensor<4x8x?xf32>, tensor<?x4x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// Llama 4 Scout: 16 experts, hidden 5120, expert width 8192, a shared expert.
// CHECK-LABEL: func.func @scout(
//       CHECK:   moe.block
//  CHECK-SAME:     shared(
//  CHECK-SAME:     {top_k = 1 : i64}
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>,
//  CHECK-SAME:       tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
func.func @scout(%x: tensor<?x5120xbf16>, %router: tensor<16x5120xbf16>,
                 %gate_up: tensor<16x5120x16384xbf16>, %down: tensor<16x8192x5120xbf16>,
                 %sgate: tensor<8192x5120xbf16>, %sup: tensor<8192x5120xbf16>,
                 %sdown: tensor<5120x8192xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.block %x router(%router) experts(%gate_up, %down) shared(%sgate, %sup, %sdown) {top_k = 1 : i64}
       : tensor<?x5120xbf16>, tensor<16x5120xbf16>, tensor<16x5120x16384xbf16>, tensor<16x8192x5120xbf16>,
         tensor<8192x5120xbf16>, tensor<8192x5120xbf16>, tensor<5120x8192xbf16> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}
