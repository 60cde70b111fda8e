// Round trip of the tile dialect's attributes: the configurations and the
// discardable tile.target / tile.config attributes.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK: module attributes {tile.target = "sm_90a"}
module attributes {tile.target = "sm_90a"} {

// Attributes print sorted by name.
// CHECK-LABEL: func.func @configs()
//  CHECK-SAME:     bf16_decode = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 6, warp_roles = [1, 1], promote_every = 0>
//  CHECK-SAME:     cpu = #tile.gemm_config<tile = [64, 64, 128], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 0>
//  CHECK-SAME:     cpu_attention = #tile.attention_config<block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>
//  CHECK-SAME:     fa3 = #tile.attention_config<block_q = 128, block_kv = 128, stages = 2, warp_roles = [1, 2]>
//  CHECK-SAME:     fp8 = #tile.gemm_config<tile = [128, 128, 128], mma = [64, 128, 32], stages = 6, warp_roles = [1, 2], promote_every = 128>
//  CHECK-SAME:     promote_twice = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 32], stages = 4, warp_roles = [1, 1], promote_every = 128>
// swap_ab prints only when set: its default (false) is elided.
//  CHECK-SAME:     swap_decode = #tile.gemm_config<tile = [16, 128, 128], mma = [64, 16, 32], stages = 12, warp_roles = [1, 1], promote_every = 128, swap_ab = true>
//  CHECK-SAME:     swap_false = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 6, warp_roles = [1, 1], promote_every = 0>}
func.func @configs() attributes {
    fp8 = #tile.gemm_config<tile = [128, 128, 128], mma = [64, 128, 32], stages = 6, warp_roles = [1, 2], promote_every = 128>,
    bf16_decode = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 6, warp_roles = [1, 1], promote_every = 0>,
    cpu = #tile.gemm_config<tile = [64, 64, 128], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 0>,
    promote_twice = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 32], stages = 4, warp_roles = [1, 1], promote_every = 128>,
    swap_decode = #tile.gemm_config<tile = [16, 128, 128], mma = [64, 16, 32], stages = 12, warp_roles = [1, 1], promote_every = 128, swap_ab = true>,
    swap_false = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 6, warp_roles = [1, 1], promote_every = 0, swap_ab = false>,
    fa3 = #tile.attention_config<block_q = 128, block_kv = 128, stages = 2, warp_roles = [1, 2]>,
    cpu_attention = #tile.attention_config<block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>} {
  return
}

// The configuration of a nest sits on its outermost loop.
// CHECK-LABEL: func.func @config_on_loop()
//       CHECK:   scf.for
//       CHECK:   } {tile.config = #tile.attention_config<block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>}
func.func @config_on_loop() {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c4 step %c1 {
  } {tile.config = #tile.attention_config<block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>}
  return
}

}
