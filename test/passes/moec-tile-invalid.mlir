// Shapes and types sm_90a cannot tile: each op is reported by name with
// the reason, and nothing is rewritten.
// RUN: moec-opt %s -split-input-file --moec-tile=target=sm_90a -verify-diagnostics
// RUN: not moec-opt %s --moec-tile=target=gpu 2>&1 | FileCheck %s --check-prefix=BAD-TARGET

// BAD-TARGET: error: unknown target 'gpu' for moec-tile, expected sm_90a or cpu


// -----

// Scale blocks along K must coincide with the promotion interval.
func.func @block_k_64(%x: tensor<?x256xf8E4M3FN>, %w: tensor<256x256xf8E4M3FN>,
                      %xs: tensor<?x4xf32>, %ws: tensor<2x4xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: block scaling along K (64) must equal the 128-element promotion interval}}
  %y = moe.matmul %x, %w scales(%xs, %ws) {lhs_scaling = #moe.scaling<block 1x64>, rhs_scaling = #moe.scaling<block 128x64>}
    : tensor<?x256xf8E4M3FN>, tensor<256x256xf8E4M3FN>, tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

// TMA copies rows of 16-byte multiples: 100 bf16 elements are 200 bytes.
func.func @tma_rows(%x: tensor<?x100xbf16>, %w: tensor<64x100xbf16>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: TMA needs rows of a multiple of 16 bytes, but K (100) rows are 200 bytes}}
  %y = moe.matmul %x, %w : tensor<?x100xbf16>, tensor<64x100xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @f64(%x: tensor<?x64xf64>, %w: tensor<64x64xf64>) -> tensor<?x64xf64> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: element type f64 has no MMA on sm_90a (expected f8E4M3FN, f8E5M2, bf16, f16 or f32)}}
  %y = moe.matmul %x, %w : tensor<?x64xf64>, tensor<64x64xf64> -> tensor<?x64xf64>
  return %y : tensor<?x64xf64>
}

// -----

func.func @mixed_types(%x: tensor<?x64xbf16>, %w: tensor<64x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: lhs and rhs element types differ ('bf16' vs 'f32')}}
  %y = moe.matmul %x, %w : tensor<?x64xbf16>, tensor<64x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @dynamic_k(%x: tensor<?x?xbf16>, %w: tensor<64x?xbf16>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: K and N must be static}}
  %y = moe.matmul %x, %w : tensor<?x?xbf16>, tensor<64x?xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @dynamic_experts(%rows: tensor<?x64xbf16>, %w: tensor<?x64x32xbf16>, %offsets: tensor<?xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op cannot be tiled for sm_90a: the number of experts must be static}}
  %h = moe.grouped_matmul %rows, %w, %offsets : tensor<?x64xbf16>, tensor<?x64x32xbf16>, tensor<?xi32> -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}

// -----

// wgmma contracts head_dim in steps of 16 (bf16).
func.func @head_dim(%q: tensor<?x80xbf16>, %k: tensor<?x40xbf16>, %v: tensor<?x40xbf16>, %pos: tensor<?xi64>) -> tensor<?x80xbf16> {
  // expected-error@+1 {{'graph.attention' op cannot be tiled for sm_90a: head_dim 20 must be a multiple of the wgmma k (16) and at most 256}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 20 : i64, mask = #graph.mask<causal>}
       : tensor<?x80xbf16>, tensor<?x40xbf16>, tensor<?x40xbf16>, tensor<?xi64> -> tensor<?x80xbf16>
  return %o : tensor<?x80xbf16>
}

// -----

func.func @attention_types(%q: tensor<?x64xbf16>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %pos: tensor<?xi64>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'graph.attention' op cannot be tiled for sm_90a: query, key, value and cache element types differ ('bf16' vs 'f32')}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64, mask = #graph.mask<causal>}
       : tensor<?x64xbf16>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}

// -----

// Every op that cannot be tiled is reported, and the tileable one next to
// them is left alone (the pass fails before rewriting).
func.func @all_reported(%x: tensor<?x100xbf16>, %w: tensor<64x100xbf16>, %w2: tensor<64x64xbf16>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: TMA needs rows}}
  %y = moe.matmul %x, %w : tensor<?x100xbf16>, tensor<64x100xbf16> -> tensor<?x64xbf16>
  %z = moe.matmul %y, %w2 : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  // expected-error@+1 {{'moe.matmul' op cannot be tiled for sm_90a: TMA needs rows}}
  %u = moe.matmul %x, %w : tensor<?x100xbf16>, tensor<64x100xbf16> -> tensor<?x64xbf16>
  return %z : tensor<?x64xbf16>
}
