// Diagnostics of #graph.llama3_rope.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{llama3 RoPE scaling factor must be >= 1, got 5.000000e-01}}
func.func @factor_below_one() attributes {rope = #graph.llama3_rope<factor = 0.5, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// NaN compares false with everything: it must not slip through.
// expected-error@+1 {{llama3 RoPE scaling factor must be >= 1, got nan}}
func.func @factor_nan() attributes {rope = #graph.llama3_rope<factor = 0x7FF8000000000000, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// expected-error@+1 {{llama3 RoPE low_freq_factor must be positive, got 0.000000e+00}}
func.func @zero_low_freq_factor() attributes {rope = #graph.llama3_rope<factor = 8.0, low_freq_factor = 0.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// expected-error@+1 {{llama3 RoPE low_freq_factor must be positive, got -1.000000e+00}}
func.func @negative_low_freq_factor() attributes {rope = #graph.llama3_rope<factor = 8.0, low_freq_factor = -1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// expected-error@+1 {{llama3 RoPE high_freq_factor (1.000000e+00) must be >= low_freq_factor (4.000000e+00)}}
func.func @high_below_low() attributes {rope = #graph.llama3_rope<factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// expected-error@+1 {{llama3 RoPE original_max_position_embeddings must be positive, got 0}}
func.func @zero_original_max() attributes {rope = #graph.llama3_rope<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 0>} {
  return
}

// -----

// expected-error@+1 {{llama3 RoPE original_max_position_embeddings must be positive, got -8192}}
func.func @negative_original_max() attributes {rope = #graph.llama3_rope<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = -8192>} {
  return
}

// -----

// Float parameters take float literals, as builtin float attributes do.
// expected-error@+3 {{unexpected decimal integer literal for a floating point value}}
// expected-note@+2 {{add a trailing dot to make the literal a float}}
// expected-error@+1 {{failed to parse Graph_Llama3RopeScalingAttr parameter 'factor' which is to be a `::llvm::APFloat`}}
func.func @integer_factor() attributes {rope = #graph.llama3_rope<factor = 16, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>} {
  return
}

// -----

// The attribute is also verified where an op uses it.
func.func @on_rope(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{llama3 RoPE scaling factor must be >= 1, got 0.000000e+00}}
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 5.0e+05 : f64, scaling = #graph.llama3_rope<factor = 0.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>}
       : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}
