// Diagnostics of tile.temperature_scale.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @positions(%q: tensor<4x64xf32>, %pos: tensor<3xi64>) -> tensor<4x64xf32> {
  // expected-error@+1 {{'tile.temperature_scale' op positions has type 'tensor<3xi64>', expected shape [4]}}
  %qt = tile.temperature_scale %q, %pos {attn_scale = 0.1 : f64, floor_scale = 4.0 : f64} : tensor<4x64xf32>, tensor<3xi64>
  return %qt : tensor<4x64xf32>
}

// -----

func.func @float_positions(%q: tensor<4x64xf32>, %pos: tensor<4xf32>) -> tensor<4x64xf32> {
  // expected-error@+1 {{'tile.temperature_scale' op operand #1 must be 1D tensor of signless integer values}}
  %qt = tile.temperature_scale %q, %pos {attn_scale = 0.1 : f64, floor_scale = 4.0 : f64} : tensor<4x64xf32>, tensor<4xf32>
  return %qt : tensor<4x64xf32>
}

// -----

func.func @floor_scale_zero(%q: tensor<4x64xf32>, %pos: tensor<4xi64>) -> tensor<4x64xf32> {
  // expected-error@+1 {{'tile.temperature_scale' op attribute 'floor_scale' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %qt = tile.temperature_scale %q, %pos {attn_scale = 0.1 : f64, floor_scale = 0.0 : f64} : tensor<4x64xf32>, tensor<4xi64>
  return %qt : tensor<4x64xf32>
}
