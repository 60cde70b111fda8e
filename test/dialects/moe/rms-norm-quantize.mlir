// Round trip of moe.rms_norm_quantize with each granularity it accepts.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @per_token(
//  CHECK-SAME:     %[[H:[a-z0-9_]+]]: tensor<?x5120xbf16>, %[[W:[a-z0-9_]+]]: tensor<5120xbf16>
//  CHECK-NEXT:   %[[Q:.*]], %[[S:.*]] = moe.rms_norm_quantize %[[H]], %[[W]] {epsilon = 1.000000e-05 : f64, scaling = #moe.scaling<per_token>}
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<5120xbf16> -> tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>
//  CHECK-NEXT:   return %[[Q]], %[[S]]
func.func @per_token(%h: tensor<?x5120xbf16>, %w: tensor<5120xbf16>)
    -> (tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>) {
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<per_token>}
    : tensor<?x5120xbf16>, tensor<5120xbf16> -> tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>
  return %q, %s : tensor<?x5120xf8E4M3FN>, tensor<?x1xf32>
}

// 1x128 blocks: K = 5120 gives 40 scales per token.
// CHECK-LABEL: func.func @block(
//       CHECK:   moe.rms_norm_quantize
//  CHECK-SAME:     {epsilon = 1.000000e-05 : f64, scaling = #moe.scaling<block 1x128>}
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<5120xbf16> -> tensor<?x5120xf8E4M3FN>, tensor<?x40xf32>
func.func @block(%h: tensor<?x5120xbf16>, %w: tensor<5120xbf16>) -> tensor<?x40xf32> {
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-05 : f64, scaling = #moe.scaling<block 1x128>}
    : tensor<?x5120xbf16>, tensor<5120xbf16> -> tensor<?x5120xf8E4M3FN>, tensor<?x40xf32>
  return %s : tensor<?x40xf32>
}

// One scale for the whole (static) tensor, e5m2 result, f32 input.
// CHECK-LABEL: func.func @per_tensor(
//       CHECK:   moe.rms_norm_quantize
//  CHECK-SAME:     {epsilon = 9.9999999999999995E-7 : f64, scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<8x64xf32>, tensor<64xf32> -> tensor<8x64xf8E5M2>, tensor<1x1xf32>
func.func @per_tensor(%h: tensor<8x64xf32>, %w: tensor<64xf32>) -> tensor<1x1xf32> {
  %q, %s = moe.rms_norm_quantize %h, %w {epsilon = 1.0e-06 : f64, scaling = #moe.scaling<per_tensor>}
    : tensor<8x64xf32>, tensor<64xf32> -> tensor<8x64xf8E5M2>, tensor<1x1xf32>
  return %s : tensor<1x1xf32>
}
