// Diagnostics of #tile.gemm_config, #tile.attention_config and the
// discardable tile.* attributes.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{tile needs 3 sizes (M, N, K), got 2}}
func.func @tile_two_sizes() attributes {c = #tile.gemm_config<tile = [64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{mma needs 3 sizes (m, n, k), got 4}}
func.func @mma_four_sizes() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16, 1], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{tile sizes must be positive, got [64, 0, 64]}}
func.func @tile_zero() attributes {c = #tile.gemm_config<tile = [64, 0, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{mma sizes must be positive, got [64, 64, -16]}}
func.func @mma_negative() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, -16], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{tile K (48) must be a multiple of mma k (32)}}
func.func @tile_k() attributes {c = #tile.gemm_config<tile = [64, 64, 48], mma = [64, 64, 32], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{tile N (96) must be a multiple of mma n (64)}}
func.func @tile_n() attributes {c = #tile.gemm_config<tile = [64, 96, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{tile M (32) must be a multiple of mma m (64)}}
func.func @tile_m() attributes {c = #tile.gemm_config<tile = [32, 64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{tile M (64) must split into 2 consumer(s) of whole mma m (64) rows}}
func.func @consumer_rows() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 2], promote_every = 0>} {
  return
}

// -----

// With swap_ab the MMA's n runs along tile M (the tokens).
// expected-error@+1 {{tile M (24) must be a multiple of mma n (16) with swap_ab}}
func.func @swap_tile_m() attributes {c = #tile.gemm_config<tile = [24, 128, 128], mma = [64, 16, 32], stages = 2, warp_roles = [1, 1], promote_every = 128, swap_ab = true>} {
  return
}

// -----

// ... and its m along tile N (the weight rows).
// expected-error@+1 {{tile N (96) must be a multiple of mma m (64) with swap_ab}}
func.func @swap_tile_n() attributes {c = #tile.gemm_config<tile = [16, 96, 128], mma = [64, 16, 32], stages = 2, warp_roles = [1, 1], promote_every = 128, swap_ab = true>} {
  return
}

// -----

// expected-error@+1 {{tile N (64) must split into 2 consumer(s) of whole mma m (64) rows}}
func.func @swap_consumer_rows() attributes {c = #tile.gemm_config<tile = [16, 64, 128], mma = [64, 16, 32], stages = 2, warp_roles = [1, 2], promote_every = 128, swap_ab = true>} {
  return
}

// -----

// expected-error@+1 {{promote_every (64) must be 0 or a positive multiple of tile K (128)}}
func.func @promote_every() attributes {c = #tile.gemm_config<tile = [64, 64, 128], mma = [64, 64, 32], stages = 2, warp_roles = [1, 1], promote_every = 64>} {
  return
}

// -----

// expected-error@+1 {{promote_every (-128) must be 0 or a positive multiple of tile K (128)}}
func.func @promote_negative() attributes {c = #tile.gemm_config<tile = [64, 64, 128], mma = [64, 64, 32], stages = 2, warp_roles = [1, 1], promote_every = -128>} {
  return
}

// -----

// expected-error@+1 {{stages must be at least 1, got 0}}
func.func @stages_zero() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [8, 32, 1], stages = 0, warp_roles = [0, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{warp_roles needs 2 counts ([producers, consumers]), got 1}}
func.func @roles_one() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [8, 32, 1], stages = 1, warp_roles = [1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{warp_roles needs >= 0 producers and >= 1 consumers, got [1, 0]}}
func.func @no_consumer() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 0], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{warp_roles needs >= 0 producers and >= 1 consumers, got [-1, 1]}}
func.func @negative_producers() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [-1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{warp_roles [1, 8] exceed 8 warpgroups (1024 threads) per CTA}}
func.func @too_many_warpgroups() attributes {c = #tile.gemm_config<tile = [512, 64, 64], mma = [64, 64, 16], stages = 2, warp_roles = [1, 8], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{a producer warpgroup needs at least 2 pipeline stages, got 1}}
func.func @producer_one_stage() attributes {c = #tile.gemm_config<tile = [64, 64, 64], mma = [64, 64, 16], stages = 1, warp_roles = [1, 1], promote_every = 0>} {
  return
}

// -----

// expected-error@+1 {{block_q and block_kv must be positive, got 0 and 64}}
func.func @block_q_zero() attributes {c = #tile.attention_config<block_q = 0, block_kv = 64, stages = 1, warp_roles = [0, 1]>} {
  return
}

// -----

// expected-error@+1 {{block_q (128) must split evenly into 3 consumer(s)}}
func.func @block_q_consumers() attributes {c = #tile.attention_config<block_q = 128, block_kv = 128, stages = 2, warp_roles = [1, 3]>} {
  return
}

// -----

// expected-error@+1 {{a producer warpgroup needs at least 2 pipeline stages, got 1}}
func.func @attention_producer() attributes {c = #tile.attention_config<block_q = 128, block_kv = 128, stages = 1, warp_roles = [1, 2]>} {
  return
}

// -----

// expected-error@+1 {{'tile.target' must be a string on a module}}
func.func @target_on_func() attributes {tile.target = "cpu"} {
  return
}

// -----

// expected-error@+1 {{'tile.target' must be a string on a module}}
module attributes {tile.target = 90 : i64} {
}

// -----

func.func @config_not_a_config() {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  // expected-error@+1 {{'tile.config' must be a #tile.gemm_config or #tile.attention_config}}
  scf.for %i = %c0 to %c4 step %c1 {
  } {tile.config = "fast"}
  return
}

// -----

func.func @config_not_on_loop() {
  // expected-error@+1 {{'tile.config' belongs on the outermost loop of a nest}}
  %c0 = arith.constant {tile.config = #tile.attention_config<block_q = 32, block_kv = 64, stages = 1, warp_roles = [0, 1]>} 0 : index
  return
}

// -----

// expected-error@+1 {{unknown tile dialect attribute 'tile.fast'}}
func.func @unknown() attributes {tile.fast} {
  return
}

// -----

// expected-error@+2 {{expected ::mlir::moec::tile::Activation to be one of: none, swiglu}}
// expected-error@+1 {{failed to parse Tile_ActivationAttr parameter 'value'}}
func.func @unknown_activation() attributes {a = #tile.activation<gelu>} {
  return
}

// -----

// expected-error@+2 {{expected ::mlir::moec::tile::MaskKind to be one of: causal, chunked_causal}}
// expected-error@+1 {{failed to parse Tile_MaskKindAttr parameter 'value'}}
func.func @unknown_mask() attributes {m = #tile.mask<sliding>} {
  return
}
