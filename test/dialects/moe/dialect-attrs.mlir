// Discardable moe attributes on other ops are verified by the dialect.
// RUN: moec-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: moe.activation_scale_ub = 1.200000e+03 : f64
// CHECK-SAME: moe.activation_scaling = #moe.scaling<per_token>
func.func @forward() attributes {moe.activation_scaling = #moe.scaling<per_token>, moe.activation_scale_ub = 1200.0 : f64} {
  return
}

// -----

// expected-error@+1 {{'moe.activation_scaling' must be a per_tensor, per_token or block activation #moe.scaling, got #moe.scaling<per_channel>}}
func.func @per_channel_activations() attributes {moe.activation_scaling = #moe.scaling<per_channel>} {
  return
}

// -----

// expected-error@+1 {{'moe.activation_scale_ub' must be a positive float, got -1.000000e+00 : f64}}
func.func @negative_bound() attributes {moe.activation_scale_ub = -1.0 : f64} {
  return
}

// -----

// expected-error@+1 {{'moe.op_class' must be a #moe.op_class, got "attention"}}
func.func @bad_class() attributes {moe.op_class = "attention"} {
  return
}

// -----

// expected-error@+1 {{unknown moe dialect attribute 'moe.frobnicate'}}
func.func @unknown() attributes {moe.frobnicate} {
  return
}
