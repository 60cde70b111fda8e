// Round trip of the graph dialect's attributes, outside any op. Float
// parameters print in their shortest exact form, always with a '.' or 'e'.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @masks()
//  CHECK-SAME:     causal = #graph.mask<causal>
//  CHECK-SAME:     chunked = #graph.mask<chunked_causal>
func.func @masks() attributes {causal = #graph.mask<causal>, chunked = #graph.mask<chunked_causal>} {
  return
}

// CHECK-LABEL: func.func @llama3_rope()
//  CHECK-SAME:     scout = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>
//  CHECK-SAME:     unscaled = #graph.llama3_rope<factor = 1.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 1>
func.func @llama3_rope() attributes {
    scout = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>,
    unscaled = #graph.llama3_rope<factor = 1.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 1>} {
  return
}

// Spellings are normalized to the shortest exact form; the mantissa keeps a
// '.' so that exponent forms still lex as floats.
// CHECK-LABEL: func.func @float_spelling()
//  CHECK-SAME:     exponents = #graph.temperature_tuning<floor_scale = 1.0e+20, attn_scale = 1.0e-05>
//  CHECK-SAME:     fraction = #graph.llama3_rope<factor = 1.5, low_freq_factor = 0.25, high_freq_factor = 0.3, original_max_position_embeddings = 4096>
func.func @float_spelling() attributes {
    fraction = #graph.llama3_rope<factor = 1.50, low_freq_factor = 2.5e-1, high_freq_factor = 0.30000000000000000, original_max_position_embeddings = 4096>,
    exponents = #graph.temperature_tuning<floor_scale = 1.0e20, attn_scale = 0.00001>} {
  return
}

// Infinity has no decimal spelling: it is written and printed as the hex bit
// pattern (an infinite floor_scale turns temperature tuning off).
// CHECK-LABEL: func.func @infinite()
//  CHECK-SAME:     off = #graph.temperature_tuning<floor_scale = 0x7FF0000000000000, attn_scale = 0.1>
func.func @infinite() attributes {
    off = #graph.temperature_tuning<floor_scale = 0x7FF0000000000000, attn_scale = 0.1>} {
  return
}

// CHECK-LABEL: func.func @temperature_tuning()
//  CHECK-SAME:     minimal = #graph.temperature_tuning<floor_scale = 1.0, attn_scale = 0.5>
//  CHECK-SAME:     scout = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>
func.func @temperature_tuning() attributes {
    minimal = #graph.temperature_tuning<floor_scale = 1.0, attn_scale = 0.5>,
    scout = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>} {
  return
}
