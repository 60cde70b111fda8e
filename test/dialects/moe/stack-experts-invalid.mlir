// Diagnostics of moe.stack_experts.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// Only reachable in the generic form: the custom form needs an operand.
func.func @no_weights() -> tensor<0x4x8xbf16> {
  // expected-error@+1 {{'moe.stack_experts' op needs at least one expert weight}}
  %s = "moe.stack_experts"() : () -> tensor<0x4x8xbf16>
  return %s : tensor<0x4x8xbf16>
}

// -----

func.func @different_weight_types(%w0: tensor<8x4xbf16>, %w1: tensor<8x2xbf16>) -> tensor<2x4x8xbf16> {
  // expected-error@+1 {{'moe.stack_experts' op requires all operands to have the same type}}
  %s = moe.stack_experts %w0, %w1 : tensor<8x4xbf16>, tensor<8x2xbf16> -> tensor<2x4x8xbf16>
  return %s : tensor<2x4x8xbf16>
}

// -----

func.func @result_element_type(%w0: tensor<8x4xbf16>, %w1: tensor<8x4xbf16>) -> tensor<2x4x8xf32> {
  // expected-error@+1 {{'moe.stack_experts' op result element type 'f32' does not match the input element type 'bf16'}}
  %s = moe.stack_experts %w0, %w1 : tensor<8x4xbf16>, tensor<8x4xbf16> -> tensor<2x4x8xf32>
  return %s : tensor<2x4x8xf32>
}

// -----

func.func @expert_count(%w0: tensor<8x4xbf16>, %w1: tensor<8x4xbf16>) -> tensor<3x4x8xbf16> {
  // expected-error@+1 {{'moe.stack_experts' op result has type 'tensor<3x4x8xbf16>', expected shape [2, 4, 8]}}
  %s = moe.stack_experts %w0, %w1 : tensor<8x4xbf16>, tensor<8x4xbf16> -> tensor<3x4x8xbf16>
  return %s : tensor<3x4x8xbf16>
}

// -----

// The result is [E, in, out]: stacking without the transpose is rejected.
func.func @not_transposed(%w0: tensor<8x4xbf16>, %w1: tensor<8x4xbf16>) -> tensor<2x8x4xbf16> {
  // expected-error@+1 {{'moe.stack_experts' op result has type 'tensor<2x8x4xbf16>', expected shape [2, 4, 8]}}
  %s = moe.stack_experts %w0, %w1 : tensor<8x4xbf16>, tensor<8x4xbf16> -> tensor<2x8x4xbf16>
  return %s : tensor<2x8x4xbf16>
}

// -----

func.func @weight_rank(%w0: tensor<2x8x4xbf16>) -> tensor<1x8x4xbf16> {
  // expected-error@+1 {{'moe.stack_experts' op operand #0 must be variadic of 2D tensor of floating-point values, but got 'tensor<2x8x4xbf16>'}}
  %s = moe.stack_experts %w0 : tensor<2x8x4xbf16> -> tensor<1x8x4xbf16>
  return %s : tensor<1x8x4xbf16>
}
