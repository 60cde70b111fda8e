// Diagnostics of graph.weight_ref: the symbol must name a graph.weight of
// exactly the result type.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @missing_symbol() -> tensor<8x16xbf16> {
  // expected-error@+1 {{'graph.weight_ref' op 'model.missing.weight' does not name a graph.weight}}
  %w = graph.weight_ref @"model.missing.weight" : tensor<8x16xbf16>
  return %w : tensor<8x16xbf16>
}

// -----

func.func @not_a_weight() {
  return
}

func.func @names_a_function() -> tensor<8x16xbf16> {
  // expected-error@+1 {{'graph.weight_ref' op 'not_a_weight' does not name a graph.weight}}
  %w = graph.weight_ref @not_a_weight : tensor<8x16xbf16>
  return %w : tensor<8x16xbf16>
}

// -----

graph.weight @w : tensor<8x16xbf16>

func.func @wrong_shape() -> tensor<16x8xbf16> {
  // expected-error@+1 {{'graph.weight_ref' op result type 'tensor<16x8xbf16>' does not match the declared type 'tensor<8x16xbf16>' of 'w'}}
  %w = graph.weight_ref @w : tensor<16x8xbf16>
  return %w : tensor<16x8xbf16>
}

// -----

graph.weight @w : tensor<8x16xbf16>

func.func @wrong_element_type() -> tensor<8x16xf32> {
  // expected-error@+1 {{'graph.weight_ref' op result type 'tensor<8x16xf32>' does not match the declared type 'tensor<8x16xbf16>' of 'w'}}
  %w = graph.weight_ref @w : tensor<8x16xf32>
  return %w : tensor<8x16xf32>
}

// -----

graph.weight @w : tensor<8x16xbf16>

func.func @dynamic_result() -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.weight_ref' op result #0 must be statically shaped tensor of any type values, but got 'tensor<?x16xbf16>'}}
  %w = graph.weight_ref @w : tensor<?x16xbf16>
  return %w : tensor<?x16xbf16>
}
