// Scale layouts across the graph: every FP8 matmul's scales must come from a
// quantization with the granularity and reduction dimension it claims.
// RUN: moec-opt %s -split-input-file --moec-verify-scaling -verify-diagnostics | FileCheck %s

// Per-token activations x per-channel weights, as moec-precision writes them.
// CHECK-LABEL: func.func @rowwise
func.func @rowwise(%x: tensor<?x256xbf16>, %w: tensor<512x256xbf16>) -> tensor<?x512xbf16> {
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  %wq, %ws = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<512x1xf32>
  %y = moe.matmul %xq, %wq scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x1xf32>, tensor<512x1xf32>
    -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

// A fused norm + quantize feeding a block-scaled grouped matmul; grouped
// weights [E, K, N] are scaled along K (reduction_dim = 1).
// CHECK-LABEL: func.func @block_grouped
func.func @block_grouped(%h: tensor<?x256xbf16>, %norm: tensor<256xbf16>,
                         %w: tensor<4x256x256xbf16>, %offsets: tensor<5xi32>)
    -> tensor<?x128xbf16> {
  %xq, %xs = moe.rms_norm_quantize %h, %norm
      {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<block 1x128>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
  %wq, %ws = moe.quantize %w {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>}
    : tensor<4x256x256xbf16> -> tensor<4x256x256xf8E4M3FN>, tensor<4x2x2xf32>
  %y = moe.grouped_matmul %xq, %wq, %offsets scales(%xs, %ws)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>,
          rhs_scaling = #moe.scaling<block 128x128>}
    : tensor<?x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>,
      tensor<4x2x2xf32> -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// -----

// Checkpoint scales carry no granularity in the IR: the op verifier checks
// their shape, this pass has nothing to compare.
// CHECK-LABEL: func.func @checkpoint_scales
func.func @checkpoint_scales(%x: tensor<?x256xbf16>, %w: tensor<512x256xf8E4M3FN>,
                             %ws: tensor<512x1xf32>) -> tensor<?x512xbf16> {
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  %y = moe.matmul %xq, %w scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x1xf32>, tensor<512x1xf32>
    -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

// Per-token scales of an [N, K] weight have the [N, 1] shape of per-channel
// ones: only the producer tells them apart.
func.func @per_token_weight(%x: tensor<?x256xbf16>, %w: tensor<512x256xbf16>) -> tensor<?x512xbf16> {
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  // expected-note@+1 {{scales produced here}}
  %wq, %ws = moe.quantize %w {scaling = #moe.scaling<per_token>}
    : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<512x1xf32>
  // expected-error@+1 {{'moe.matmul' op rhs_scaling #moe.scaling<per_channel> does not match the #moe.scaling<per_token> scaling of its scale producer 'moe.quantize'}}
  %y = moe.matmul %xq, %wq scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x1xf32>, tensor<512x1xf32>
    -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

// A per-tensor [1, 1] scale fits the [?, 1] shape of per-token scales when
// the token count is dynamic.
func.func @per_tensor_norm(%h: tensor<?x256xbf16>, %norm: tensor<256xbf16>,
                           %w: tensor<512x256xbf16>) -> tensor<?x512xbf16> {
  // expected-note@+1 {{scales produced here}}
  %xq, %xs = moe.rms_norm_quantize %h, %norm
      {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
  %wq, %ws = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<512x1xf32>
  // expected-error@+1 {{'moe.matmul' op lhs_scaling #moe.scaling<per_token> does not match the #moe.scaling<per_tensor> scaling of its scale producer 'moe.rms_norm_quantize'}}
  %y = moe.matmul %xq, %wq scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<1x1xf32>, tensor<512x1xf32>
    -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

// Per-tensor scales of grouped [E, K, N] weights are [E, 1, 1] along either
// dimension; these were computed along N, the matmul contracts along K.
func.func @grouped_reduction_dim(%x: tensor<?x256xbf16>, %w: tensor<4x256x64xbf16>,
                                 %offsets: tensor<5xi32>) -> tensor<?x64xbf16> {
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
  // expected-note@+1 {{scales produced here}}
  %wq, %ws = moe.quantize %w {scaling = #moe.scaling<per_tensor>}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x1xf32>
  // expected-error@+1 {{'moe.grouped_matmul' op rhs is contracted along dimension 1, but its scale producer 'moe.quantize' laid out #moe.scaling<per_tensor> scales along dimension 2}}
  %y = moe.grouped_matmul %xq, %wq, %offsets scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>,
      tensor<4x1x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// Data and scales of one operand must come from one quantization.
func.func @mixed_quantizations(%x: tensor<?x256xbf16>, %x2: tensor<?x256xbf16>,
                               %w: tensor<512x256xbf16>) -> tensor<?x512xbf16> {
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  // expected-note@+1 {{scales produced here}}
  %x2q, %x2s = moe.quantize %x2 {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  %wq, %ws = moe.quantize %w {scaling = #moe.scaling<per_channel>}
    : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<512x1xf32>
  // expected-error@+1 {{'moe.matmul' op lhs is not the FP8 data of its scales: they come from another 'moe.quantize'}}
  %y = moe.matmul %xq, %wq scales(%x2s, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
    : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x1xf32>, tensor<512x1xf32>
    -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

// Both operands are checked: two errors on one matmul.
func.func @both_operands(%x: tensor<?x256xbf16>, %w: tensor<4x256x64xbf16>,
                         %offsets: tensor<5xi32>) -> tensor<?x64xbf16> {
  // expected-note@+1 {{scales produced here}}
  %xq, %xs = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
  // expected-note@+1 {{scales produced here}}
  %wq, %ws = moe.quantize %w {reduction_dim = 2 : i64, scaling = #moe.scaling<per_tensor>}
    : tensor<4x256x64xbf16> -> tensor<4x256x64xf8E4M3FN>, tensor<4x1x1xf32>
  // expected-error@+2 {{'moe.grouped_matmul' op lhs_scaling #moe.scaling<per_token> does not match the #moe.scaling<per_tensor> scaling of its scale producer 'moe.quantize'}}
  // expected-error@+1 {{'moe.grouped_matmul' op rhs is contracted along dimension 1, but its scale producer 'moe.quantize' laid out #moe.scaling<per_tensor> scales along dimension 2}}
  %y = moe.grouped_matmul %xq, %wq, %offsets scales(%xs, %ws)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_tensor>}
    : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>,
      tensor<4x1x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
