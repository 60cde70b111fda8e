// Diagnostics of graph.linear.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// The weight is [out, in]: a transposed [in, out] weight is rejected.
func.func @transposed_weight(%x: tensor<?x16xbf16>, %w: tensor<16x8xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.linear' op weight in_features (8) do not match the input features (16)}}
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<16x8xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

func.func @out_features(%x: tensor<?x16xbf16>, %w: tensor<8x16xbf16>) -> tensor<?x4xbf16> {
  // expected-error@+1 {{'graph.linear' op result has 4 features, expected 8 (weight out_features)}}
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<8x16xbf16> -> tensor<?x4xbf16>
  return %y : tensor<?x4xbf16>
}

// -----

func.func @result_tokens(%x: tensor<4x16xbf16>, %w: tensor<8x16xbf16>) -> tensor<2x8xbf16> {
  // expected-error@+1 {{'graph.linear' op result has 2 tokens but input has 4}}
  %y = graph.linear %x, %w : tensor<4x16xbf16>, tensor<8x16xbf16> -> tensor<2x8xbf16>
  return %y : tensor<2x8xbf16>
}

// -----

func.func @result_element_type(%x: tensor<?x16xbf16>, %w: tensor<8x16xbf16>) -> tensor<?x8xf32> {
  // expected-error@+1 {{'graph.linear' op result element type 'f32' does not match the input element type 'bf16'}}
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<8x16xbf16> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

func.func @weight_rank(%x: tensor<?x16xbf16>, %w: tensor<2x8x16xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.linear' op operand #1 must be 2D tensor of floating-point values, but got 'tensor<2x8x16xbf16>'}}
  %y = graph.linear %x, %w : tensor<?x16xbf16>, tensor<2x8x16xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// -----

func.func @integer_input(%x: tensor<?x16xi8>, %w: tensor<8x16xbf16>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.linear' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<?x16xi8>'}}
  %y = graph.linear %x, %w : tensor<?x16xi8>, tensor<8x16xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}
