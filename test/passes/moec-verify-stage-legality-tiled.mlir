// Contract of the tiled stage (after moec-tile): loop nests of tile ops and
// the memory-bound routed and dense ops codegen emits directly.
// RUN: moec-opt %s -split-input-file --moec-verify-stage-legality=stage=tiled -allow-unregistered-dialect -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @tiled
func.func @tiled(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %nw: tensor<64xf32>,
                 %router: tensor<4x64xf32>, %pos: tensor<?xi64>) -> tensor<?x64xf32> {
  // CHECK: graph.rms_norm
  // CHECK: graph.rope
  // CHECK: moe.router_topk
  // CHECK: scf.forall
  // CHECK: affine.min
  // CHECK: scf.for
  // CHECK: tensor.extract_slice
  // CHECK: tile.mma
  // CHECK: tile.epilogue
  // CHECK: tensor.parallel_insert_slice
  // CHECK: arith.addf
  %n = graph.rms_norm %x, %nw {epsilon = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  %r = graph.rope %n, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<?x64xf32>, tensor<?xi64>
  %experts, %scores = moe.router_topk %r, %router {top_k = 1 : i64}
    : tensor<?x64xf32>, tensor<4x64xf32> -> tensor<?x1xi32>, tensor<?x1xf32>
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %t = tensor.dim %r, %c0 : tensor<?x64xf32>
  %init = tensor.empty(%t) : tensor<?x64xf32>
  %y = scf.forall (%m0, %n0) = (0, 0) to (%t, 64) step (64, 64) shared_outs(%out = %init) -> (tensor<?x64xf32>) {
    %ms = affine.min affine_map<(d0)[s0] -> (64, s0 - d0)>(%m0)[%t]
    %zero = arith.constant 0.0 : f32
    %acc0 = tensor.splat %zero[%ms] : tensor<?x64xf32>
    %acc = scf.for %k0 = %c0 to %c64 step %c64 iter_args(%acc1 = %acc0) -> (tensor<?x64xf32>) {
      %a = tensor.extract_slice %r[%m0, %k0] [%ms, 64] [1, 1] : tensor<?x64xf32> to tensor<?x64xf32>
      %b = tensor.extract_slice %w[%n0, %k0] [64, 64] [1, 1] : tensor<64x64xf32> to tensor<64x64xf32>
      %acc2 = tile.mma %acc1, %a, %b : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
      scf.yield %acc2 : tensor<?x64xf32>
    }
    %tile = tile.epilogue %acc : tensor<?x64xf32> -> tensor<?x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %tile into %out[%m0, %n0] [%ms, 64] [1, 1] : tensor<?x64xf32> into tensor<?x64xf32>
    }
  } {tile.config = #tile.gemm_config<tile = [64, 64, 64], mma = [8, 32, 1], stages = 1, warp_roles = [0, 1], promote_every = 0>}
  %z = arith.addf %x, %y : tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}

// -----

func.func @leftover_matmul(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x32xf32> {
  // expected-error@+1 {{'moe.matmul' is not legal at the tiled stage: tiling must lower every moe.matmul before the tiled stage}}
  %y = moe.matmul %x, %w : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @leftover_grouped_matmul(%rows: tensor<?x64xf32>, %w: tensor<4x64x32xf32>,
                                   %offsets: tensor<5xi32>) -> tensor<?x32xf32> {
  // expected-error@+1 {{'moe.grouped_matmul' is not legal at the tiled stage: tiling must lower every moe.grouped_matmul before the tiled stage}}
  %y = moe.grouped_matmul %rows, %w, %offsets : tensor<?x64xf32>, tensor<4x64x32xf32>, tensor<5xi32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @leftover_block(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>,
                          %gate_up: tensor<4x64x64xf32>,
                          %down: tensor<4x32x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'moe.block' is not legal at the tiled stage: tiling must lower every moe.block before the tiled stage}}
  %y = moe.block %x router(%router) experts(%gate_up, %down) {top_k = 1 : i64}
       : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x64x64xf32>,
         tensor<4x32x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @leftover_attention(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>,
                              %pos: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'graph.attention' is not legal at the tiled stage: tiling must lower every graph.attention before the tiled stage}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 16 : i64, mask = #graph.mask<causal>}
       : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

func.func @leftover_linear(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x32xf32> {
  // expected-error@+1 {{'graph.linear' is not legal at the tiled stage: tiling must lower every graph.linear before the tiled stage}}
  %y = graph.linear %x, %w : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @leftover_mlp(%x: tensor<?x64xf32>, %g: tensor<96x64xf32>, %u: tensor<96x64xf32>,
                        %d: tensor<64x96xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'graph.mlp' is not legal at the tiled stage: tiling must lower every graph.mlp before the tiled stage}}
  %y = graph.mlp %x, %g, %u, %d : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>,
         tensor<64x96xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Every leftover is reported, not only the first.
func.func @two_leftovers(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'moe.matmul' is not legal at the tiled stage}}
  %y = moe.matmul %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  // expected-error@+1 {{'graph.linear' is not legal at the tiled stage}}
  %z = graph.linear %y, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}

// -----

func.func @foreign(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'vendor.custom' is not legal at the tiled stage: it belongs to no dialect of the tiled stage}}
  %y = "vendor.custom"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
