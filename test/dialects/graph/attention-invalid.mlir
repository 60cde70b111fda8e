// Diagnostics of graph.attention: mask attributes, head counts, operand
// widths and token counts, the KV cache and the result.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @chunked_without_chunk_size(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op chunked_causal mask requires a chunk_size}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<chunked_causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @zero_chunk_size(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op chunk_size must be positive, got 0}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<chunked_causal>, chunk_size = 0 : i64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @negative_chunk_size(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op chunk_size must be positive, got -8192}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<chunked_causal>, chunk_size = -8192 : i64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @chunk_size_on_causal(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op chunk_size is only valid with a chunked_causal mask}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>, chunk_size = 8192 : i64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @missing_mask(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op requires attribute 'mask'}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @heads_not_divisible(%q: tensor<?x24xbf16>, %k: tensor<?x16xbf16>, %v: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x24xbf16> {
  // expected-error@+1 {{'graph.attention' op num_heads (6) must be divisible by num_kv_heads (4)}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 6 : i64, num_kv_heads = 4 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x24xbf16>, tensor<?x16xbf16>, tensor<?x16xbf16>, tensor<?xi64> -> tensor<?x24xbf16>
  return %o : tensor<?x24xbf16>
}

// -----

func.func @more_kv_heads_than_heads(%q: tensor<?x8xbf16>, %k: tensor<?x16xbf16>, %v: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.attention' op num_heads (2) must be divisible by num_kv_heads (4)}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 2 : i64, num_kv_heads = 4 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x8xbf16>, tensor<?x16xbf16>, tensor<?x16xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
  return %o : tensor<?x8xbf16>
}

// -----

func.func @zero_kv_heads(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op attribute 'num_kv_heads' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 0 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @negative_qk_norm_epsilon(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op attribute 'qk_norm_epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>, qk_norm_epsilon = -1.0e-05 : f64}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @query_width(%q: tensor<?x12xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x12xbf16> {
  // expected-error@+1 {{'graph.attention' op query has 12 features, expected num_heads * head_dim = 16}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x12xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x12xbf16>
  return %o : tensor<?x12xbf16>
}

// -----

func.func @key_width(%q: tensor<?x16xbf16>, %k: tensor<?x16xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op key has 16 features, expected num_kv_heads * head_dim = 8}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @value_width(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x4xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op value has 4 features, expected num_kv_heads * head_dim = 8}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x4xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @key_tokens(%q: tensor<4x16xbf16>, %k: tensor<3x8xbf16>, %v: tensor<4x8xbf16>, %pos: tensor<4xi64>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'graph.attention' op key has 3 entries but there are 4 tokens}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<4x16xbf16>, tensor<3x8xbf16>, tensor<4x8xbf16>, tensor<4xi64> -> tensor<4x16xbf16>
  return %o : tensor<4x16xbf16>
}

// -----

func.func @value_tokens(%q: tensor<4x16xbf16>, %k: tensor<4x8xbf16>, %v: tensor<5x8xbf16>, %pos: tensor<4xi64>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'graph.attention' op value has 5 entries but there are 4 tokens}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<5x8xbf16>, tensor<4xi64> -> tensor<4x16xbf16>
  return %o : tensor<4x16xbf16>
}

// -----

func.func @positions_count(%q: tensor<4x16xbf16>, %k: tensor<4x8xbf16>, %v: tensor<4x8xbf16>, %pos: tensor<1xi64>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'graph.attention' op positions has 1 entries but there are 4 tokens}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<1xi64> -> tensor<4x16xbf16>
  return %o : tensor<4x16xbf16>
}

// -----

// Only reachable in the generic form: the custom form takes both caches.
func.func @key_cache_alone(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>, %kc: tensor<64x8xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op key_cache and value_cache must be given together}}
  %o:2 = "graph.attention"(%q, %k, %v, %pos, %kc) <{num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}>
       : (tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x8xbf16>) -> (tensor<?x16xbf16>, tensor<64x8xbf16>)
  return %o#0 : tensor<?x16xbf16>
}

// -----

func.func @cache_without_updated_results(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>, %kc: tensor<64x8xbf16>, %vc: tensor<64x8xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op expected 2 updated cache results, got 0}}
  %o = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x8xbf16>, tensor<64x8xbf16> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}

// -----

func.func @updated_results_without_cache(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op expected 0 updated cache results, got 2}}
  %o:3 = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<64x8xbf16>
  return %o#0 : tensor<?x16xbf16>
}

// -----

func.func @cache_width(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>, %kc: tensor<64x16xbf16>, %vc: tensor<64x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op cache has 16 features, expected num_kv_heads * head_dim = 8}}
  %o:3 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x16xbf16>, tensor<64x16xbf16>
       -> tensor<?x16xbf16>, tensor<64x16xbf16>, tensor<64x16xbf16>
  return %o#0 : tensor<?x16xbf16>
}

// -----

func.func @updated_cache_type(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>, %kc: tensor<64x8xbf16>, %vc: tensor<64x8xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op updated cache type 'tensor<32x8xbf16>' does not match the cache type 'tensor<64x8xbf16>'}}
  %o:3 = graph.attention %q, %k, %v, %pos cache(%kc, %vc) {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64>, tensor<64x8xbf16>, tensor<64x8xbf16>
       -> tensor<?x16xbf16>, tensor<64x8xbf16>, tensor<32x8xbf16>
  return %o#0 : tensor<?x16xbf16>
}

// -----

func.func @result_element_type(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'graph.attention' op result element type 'f32' does not match the input element type 'bf16'}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xf32>
  return %o : tensor<?x16xf32>
}

// -----

func.func @result_tokens(%q: tensor<4x16xbf16>, %k: tensor<4x8xbf16>, %v: tensor<4x8xbf16>, %pos: tensor<4xi64>) -> tensor<3x16xbf16> {
  // expected-error@+1 {{'graph.attention' op result has 3 tokens but input has 4}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<4x16xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<4xi64> -> tensor<3x16xbf16>
  return %o : tensor<3x16xbf16>
}

// -----

func.func @result_features(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.attention' op result has 8 features, expected 16 (query features)}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
  return %o : tensor<?x8xbf16>
}
