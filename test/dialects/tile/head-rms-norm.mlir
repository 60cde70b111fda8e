// Round trip of tile.head_rms_norm (QK-norm) on query and key rows.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @qk_norm(
//  CHECK-SAME:     %[[Q:[a-z0-9_]+]]: tensor<?x5120xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<?x1024xbf16>
//  CHECK-NEXT:   %[[QN:.*]] = tile.head_rms_norm %[[Q]] {epsilon = 1.000000e-05 : f64, head_dim = 128 : i64} : tensor<?x5120xbf16>
//  CHECK-NEXT:   %[[KN:.*]] = tile.head_rms_norm %[[K]] {epsilon = 1.000000e-05 : f64, head_dim = 128 : i64} : tensor<?x1024xbf16>
//  CHECK-NEXT:   return %[[QN]], %[[KN]]
func.func @qk_norm(%q: tensor<?x5120xbf16>, %k: tensor<?x1024xbf16>) -> (tensor<?x5120xbf16>, tensor<?x1024xbf16>) {
  %qn = tile.head_rms_norm %q {epsilon = 1.0e-05 : f64, head_dim = 128 : i64} : tensor<?x5120xbf16>
  %kn = tile.head_rms_norm %k {epsilon = 1.0e-05 : f64, head_dim = 128 : i64} : tensor<?x1024xbf16>
  return %qn, %kn : tensor<?x5120xbf16>, tensor<?x1024xbf16>
}
