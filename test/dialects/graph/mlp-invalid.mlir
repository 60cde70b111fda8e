// Diagnostics of graph.mlp: gate and up are [inter, hidden], down is
// [hidden, inter].
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @gate_hidden(%x: tensor<?x8xbf16>, %gate: tensor<32x4xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.mlp' op gate weight has type 'tensor<32x4xbf16>', expected [32, 8]}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x4xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

func.func @up_inter(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<16x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.mlp' op up weight has type 'tensor<16x8xbf16>', expected [32, 8]}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<16x8xbf16>, tensor<8x32xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

func.func @down_inter(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x16xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.mlp' op down weight has type 'tensor<8x16xbf16>', expected [8, 32]}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x16xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

// A down weight in the moe.block [inter, hidden] layout is not [out, in].
func.func @down_transposed(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<32x8xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.mlp' op down weight has type 'tensor<32x8xbf16>', expected [8, 32]}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

func.func @result_hidden(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'graph.mlp' op result has 32 features, expected 8 (hidden size)}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @result_tokens(%x: tensor<2x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<3x8xbf16> {
  // expected-error@+1 {{'graph.mlp' op result has 3 tokens but input has 2}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<2x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<3x8xbf16>
  return %y : tensor<3x8xbf16>
}

// -----

func.func @result_element_type(%x: tensor<?x8xbf16>, %gate: tensor<32x8xbf16>, %up: tensor<32x8xbf16>, %down: tensor<8x32xbf16>) -> tensor<?x8xf16> {
  // expected-error@+1 {{'graph.mlp' op result element type 'f16' does not match the input element type 'bf16'}}
  %y = graph.mlp %x, %gate, %up, %down : tensor<?x8xbf16>, tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<8x32xbf16> -> tensor<?x8xf16>
  return %y : tensor<?x8xf16>
}
