// Diagnostics of tile.head_rms_norm.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @features(%q: tensor<?x100xf32>) -> tensor<?x100xf32> {
  // expected-error@+1 {{'tile.head_rms_norm' op input features (100) are not a multiple of head_dim (16)}}
  %qn = tile.head_rms_norm %q {epsilon = 1.0e-05 : f64, head_dim = 16 : i64} : tensor<?x100xf32>
  return %qn : tensor<?x100xf32>
}

// -----

func.func @head_dim_zero(%q: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'tile.head_rms_norm' op attribute 'head_dim' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %qn = tile.head_rms_norm %q {epsilon = 1.0e-05 : f64, head_dim = 0 : i64} : tensor<?x64xf32>
  return %qn : tensor<?x64xf32>
}

// -----

func.func @epsilon_zero(%q: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'tile.head_rms_norm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is positive}}
  %qn = tile.head_rms_norm %q {epsilon = 0.0 : f64, head_dim = 16 : i64} : tensor<?x64xf32>
  return %qn : tensor<?x64xf32>
}
