// Round trip of moe.stack_experts: per-expert [out, in] weights to [E, in, out].
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @two_experts(
//  CHECK-SAME:     %[[W0:[a-z0-9_]+]]: tensor<8x4xbf16>
//  CHECK-SAME:     %[[W1:[a-z0-9_]+]]: tensor<8x4xbf16>
//  CHECK-NEXT:   %[[S:.*]] = moe.stack_experts %[[W0]], %[[W1]]
//  CHECK-SAME:     : tensor<8x4xbf16>, tensor<8x4xbf16> -> tensor<2x4x8xbf16>
//  CHECK-NEXT:   return %[[S]]
func.func @two_experts(%w0: tensor<8x4xbf16>, %w1: tensor<8x4xbf16>) -> tensor<2x4x8xbf16> {
  %s = moe.stack_experts %w0, %w1 : tensor<8x4xbf16>, tensor<8x4xbf16> -> tensor<2x4x8xbf16>
  return %s : tensor<2x4x8xbf16>
}

// CHECK-LABEL: func.func @one_expert(
//  CHECK-SAME:     %[[W0:[a-z0-9_]+]]: tensor<6x2xf32>
//  CHECK-NEXT:   %[[S:.*]] = moe.stack_experts %[[W0]] : tensor<6x2xf32> -> tensor<1x2x6xf32>
func.func @one_expert(%w0: tensor<6x2xf32>) -> tensor<1x2x6xf32> {
  %s = moe.stack_experts %w0 : tensor<6x2xf32> -> tensor<1x2x6xf32>
  return %s : tensor<1x2x6xf32>
}

// The same value may appear twice; FP8 weights stack like any float.
// CHECK-LABEL: func.func @repeated_fp8(
//  CHECK-SAME:     %[[W:[a-z0-9_]+]]: tensor<8x4xf8E4M3FN>
//  CHECK-NEXT:   %[[S:.*]] = moe.stack_experts %[[W]], %[[W]], %[[W]]
//  CHECK-SAME:     : tensor<8x4xf8E4M3FN>, tensor<8x4xf8E4M3FN>, tensor<8x4xf8E4M3FN> -> tensor<3x4x8xf8E4M3FN>
func.func @repeated_fp8(%w: tensor<8x4xf8E4M3FN>) -> tensor<3x4x8xf8E4M3FN> {
  %s = moe.stack_experts %w, %w, %w : tensor<8x4xf8E4M3FN>, tensor<8x4xf8E4M3FN>, tensor<8x4xf8E4M3FN> -> tensor<3x4x8xf8E4M3FN>
  return %s : tensor<3x4x8xf8E4M3FN>
}

// Dynamic dimensions are compatible with static ones in the result.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   moe.stack_experts
//  CHECK-SAME:     : tensor<?x4xbf16>, tensor<?x4xbf16> -> tensor<?x4x8xbf16>
func.func @dynamic(%w0: tensor<?x4xbf16>, %w1: tensor<?x4xbf16>) -> tensor<?x4x8xbf16> {
  %s = moe.stack_experts %w0, %w1 : tensor<?x4xbf16>, tensor<?x4xbf16> -> tensor<?x4x8xbf16>
  return %s : tensor<?x4x8xbf16>
}
