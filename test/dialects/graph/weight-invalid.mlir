// Diagnostics of graph.weight.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @inside_function() {
  // expected-error@+1 {{'graph.weight' op expects parent op 'builtin.module'}}
  graph.weight @w : tensor<8x16xbf16>
  return
}

// -----

// expected-error@+1 {{'graph.weight' op attribute 'type' failed to satisfy constraint: type attribute of statically shaped tensor of any type values}}
graph.weight @dynamic : tensor<?x16xbf16>

// -----

// expected-error@+1 {{'graph.weight' op attribute 'type' failed to satisfy constraint: type attribute of statically shaped tensor of any type values}}
graph.weight @not_a_tensor : f32

// -----

// expected-note@+1 {{see existing symbol definition here}}
graph.weight @twice : tensor<4xf32>
// expected-error@+1 {{redefinition of symbol named 'twice'}}
graph.weight @twice : tensor<4xf32>
