// Diagnostics of #graph.temperature_tuning.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{temperature tuning floor_scale must be >= 1, got 5.000000e-01}}
func.func @floor_scale_below_one() attributes {tt = #graph.temperature_tuning<floor_scale = 0.5, attn_scale = 0.1>} {
  return
}

// -----

// expected-error@+1 {{temperature tuning floor_scale must be >= 1, got -8.192000e+03}}
func.func @negative_floor_scale() attributes {tt = #graph.temperature_tuning<floor_scale = -8192.0, attn_scale = 0.1>} {
  return
}

// -----

// expected-error@+1 {{temperature tuning attn_scale must be positive and finite, got 0.000000e+00}}
func.func @zero_attn_scale() attributes {tt = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.0>} {
  return
}

// -----

// expected-error@+1 {{temperature tuning attn_scale must be positive and finite, got -1.000000e-01}}
func.func @negative_attn_scale() attributes {tt = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = -0.1>} {
  return
}

// -----

// expected-error@+1 {{temperature tuning attn_scale must be positive and finite, got INF}}
func.func @infinite_attn_scale() attributes {tt = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0x7FF0000000000000>} {
  return
}

// -----

// The attribute is also verified where an op uses it.
func.func @on_attention(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{temperature tuning floor_scale must be >= 1, got 0.000000e+00}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = #graph.mask<causal>, temperature_tuning = #graph.temperature_tuning<floor_scale = 0.0, attn_scale = 0.1>}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}
