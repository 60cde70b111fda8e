// Diagnostics of graph.rope.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @odd_head_dim(%x: tensor<?x15xbf16>, %pos: tensor<?xi64>) -> tensor<?x15xbf16> {
  // expected-error@+1 {{'graph.rope' op head_dim must be even to form rotation pairs, got 5}}
  %y = graph.rope %x, %pos {head_dim = 5 : i64, theta = 1.0e+04 : f64} : tensor<?x15xbf16>, tensor<?xi64>
  return %y : tensor<?x15xbf16>
}

// -----

func.func @partial_head(%x: tensor<?x12xbf16>, %pos: tensor<?xi64>) -> tensor<?x12xbf16> {
  // expected-error@+1 {{'graph.rope' op input features (12) are not a multiple of head_dim (8)}}
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<?x12xbf16>, tensor<?xi64>
  return %y : tensor<?x12xbf16>
}

// -----

func.func @positions_count(%x: tensor<4x16xbf16>, %pos: tensor<3xi64>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'graph.rope' op positions has 3 entries but there are 4 tokens}}
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<4x16xbf16>, tensor<3xi64>
  return %y : tensor<4x16xbf16>
}

// -----

func.func @zero_head_dim(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rope' op attribute 'head_dim' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = graph.rope %x, %pos {head_dim = 0 : i64, theta = 1.0e+04 : f64} : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @negative_theta(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rope' op attribute 'theta' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = -1.0e+04 : f64} : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @float_positions(%x: tensor<?x16xbf16>, %pos: tensor<?xf32>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.rope' op operand #1 must be 1D tensor of signless integer values, but got 'tensor<?xf32>'}}
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<?x16xbf16>, tensor<?xf32>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @result_type(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'graph.rope' op failed to verify that all of {input, result} have same type}}
  %y = "graph.rope"(%x, %pos) <{head_dim = 8 : i64, theta = 1.0e+04 : f64}> : (tensor<?x16xbf16>, tensor<?xi64>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @bad_scaling_attr(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{Invalid attribute `scaling` in property conversion: #graph.temperature_tuning}}
  %y = "graph.rope"(%x, %pos) <{head_dim = 8 : i64, theta = 1.0e+04 : f64, scaling = #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>}> : (tensor<?x16xbf16>, tensor<?xi64>) -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}
