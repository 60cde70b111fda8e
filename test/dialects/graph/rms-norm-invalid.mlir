// Diagnostics of graph.rms_norm.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @weight_size(%x: tensor<?x16xbf16>, %w: tensor<8xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op weight has 8 elements but the input has 16 features}}
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x16xbf16>, tensor<8xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @negative_epsilon(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %y = graph.rms_norm %x, %w {epsilon = -1.0e-05 : f64} : tensor<?x16xbf16>, tensor<16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @zero_epsilon(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %y = graph.rms_norm %x, %w {epsilon = 0.0 : f64} : tensor<?x16xbf16>, tensor<16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @f32_epsilon(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x16xbf16>, tensor<16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @missing_epsilon(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op requires attribute 'epsilon'}}
  %y = graph.rms_norm %x, %w : tensor<?x16xbf16>, tensor<16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @input_rank(%x: tensor<2x?x16xbf16>, %w: tensor<16xbf16>) -> tensor<2x?x16xbf16> {
  // expected-error@+1 {{'graph.rms_norm' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<2x?x16xbf16>'}}
  %y = graph.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<2x?x16xbf16>, tensor<16xbf16>
  return %y : tensor<2x?x16xbf16>
}

// -----

func.func @result_type(%x: tensor<?x16xbf16>, %w: tensor<16xbf16>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'graph.rms_norm' op failed to verify that all of {input, result} have same type}}
  %y = "graph.rms_norm"(%x, %w) <{epsilon = 1.0e-05 : f64}> : (tensor<?x16xbf16>, tensor<16xbf16>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
