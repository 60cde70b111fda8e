// RUN: moec-opt %s -split-input-file --moec-fuse-norm-quantize | FileCheck %s

// The attention input: the norm's only user is the quantization, so the
// fused op replaces both.
// CHECK-LABEL: func.func @per_token
// CHECK-SAME:    (%[[H:[a-z0-9]+]]: tensor<?x256xbf16>, %[[W:[a-z0-9]+]]: tensor<256xbf16>)
// CHECK-NEXT:  %[[Q:.+]], %[[S:.+]] = moe.rms_norm_quantize %[[H]], %[[W]] {epsilon = 1.000000e-05 : f64, scaling = #moe.scaling<per_token>}
// CHECK-SAME:    : tensor<?x256xbf16>, tensor<256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
// CHECK-NEXT:  return %[[Q]], %[[S]]
func.func @per_token(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>)
    -> (tensor<?x256xf8E4M3FN>, tensor<?x1xf32>) {
  %x = graph.rms_norm %h, %w {epsilon = 1.0e-05 : f64} : tensor<?x256xbf16>, tensor<256xbf16>
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %q, %s : tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
}

// -----

// The MoE input: the router reads the bf16 rows, so the norm stays for it.
// CHECK-LABEL: func.func @router_keeps_norm
// CHECK-SAME:    (%[[H:[a-z0-9]+]]: tensor<?x256xbf16>, %[[W:[a-z0-9]+]]: tensor<256xbf16>, %[[R:[a-z0-9]+]]: tensor<4x256xbf16>)
// CHECK-NEXT:  %[[X:.+]] = graph.rms_norm %[[H]], %[[W]]
// CHECK-NEXT:  %[[Q:.+]], %[[S:.+]] = moe.rms_norm_quantize %[[H]], %[[W]] {epsilon = 1.000000e-05 : f64, scaling = #moe.scaling<block 1x128>}
// CHECK-NEXT:  moe.router_topk %[[X]], %[[R]]
// CHECK-NOT:   moe.quantize
func.func @router_keeps_norm(%h: tensor<?x256xbf16>, %w: tensor<256xbf16>, %r: tensor<4x256xbf16>)
    -> (tensor<?x256xf8E4M3FN>, tensor<?x2xf32>, tensor<?x1xi32>) {
  %x = graph.rms_norm %h, %w {epsilon = 1.0e-05 : f64} : tensor<?x256xbf16>, tensor<256xbf16>
  %q, %s = moe.quantize %x {scaling = #moe.scaling<block 1x128>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
  %experts, %scores = moe.router_topk %x, %r {top_k = 1 : i64}
    : tensor<?x256xbf16>, tensor<4x256xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
  return %q, %s, %experts : tensor<?x256xf8E4M3FN>, tensor<?x2xf32>, tensor<?x1xi32>
}

// -----

// Per-tensor scaling is a row scaling too.
// CHECK-LABEL: func.func @per_tensor
// CHECK-NEXT:  moe.rms_norm_quantize {{.+}} {epsilon = 1.000000e-05 : f64, scaling = #moe.scaling<per_tensor>}
// CHECK-SAME:    -> tensor<8x256xf8E5M2>, tensor<1x1xf32>
func.func @per_tensor(%h: tensor<8x256xf32>, %w: tensor<256xf32>) -> tensor<1x1xf32> {
  %x = graph.rms_norm %h, %w {epsilon = 1.0e-05 : f64} : tensor<8x256xf32>, tensor<256xf32>
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_tensor>}
    : tensor<8x256xf32> -> tensor<8x256xf8E5M2>, tensor<1x1xf32>
  return %s : tensor<1x1xf32>
}

// -----

// Scalings moe.rms_norm_quantize cannot compute while it normalizes rows
// (per_channel, blocks spanning several rows) and quantizations along the
// token dimension are left alone.
// CHECK-LABEL: func.func @not_row_scaled
// CHECK-NEXT:  %[[X:.+]] = graph.rms_norm
// CHECK-NEXT:  moe.quantize %[[X]] {scaling = #moe.scaling<per_channel>}
// CHECK-NEXT:  moe.quantize %[[X]] {scaling = #moe.scaling<block 128x128>}
// CHECK-NEXT:  moe.quantize %[[X]] {reduction_dim = 0 : i64, scaling = #moe.scaling<per_token>}
// CHECK-NOT:   moe.rms_norm_quantize
func.func @not_row_scaled(%h: tensor<256x256xbf16>, %w: tensor<256xbf16>)
    -> (tensor<256x1xf32>, tensor<2x2xf32>, tensor<1x256xf32>) {
  %x = graph.rms_norm %h, %w {epsilon = 1.0e-05 : f64} : tensor<256x256xbf16>, tensor<256xbf16>
  %q0, %s0 = moe.quantize %x {scaling = #moe.scaling<per_channel>}
    : tensor<256x256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<256x1xf32>
  %q1, %s1 = moe.quantize %x {scaling = #moe.scaling<block 128x128>}
    : tensor<256x256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<2x2xf32>
  %q2, %s2 = moe.quantize %x {scaling = #moe.scaling<per_token>, reduction_dim = 0 : i64}
    : tensor<256x256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<1x256xf32>
  return %s0, %s1, %s2 : tensor<256x1xf32>, tensor<2x2xf32>, tensor<1x256xf32>
}

// -----

// A quantization of something other than a norm stays.
// CHECK-LABEL: func.func @not_a_norm
// CHECK-NEXT:  moe.quantize
// CHECK-NOT:   moe.rms_norm_quantize
func.func @not_a_norm(%x: tensor<?x256xbf16>) -> tensor<?x1xf32> {
  %q, %s = moe.quantize %x {scaling = #moe.scaling<per_token>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
  return %s : tensor<?x1xf32>
}
