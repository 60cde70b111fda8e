// Round trip of tile.epilogue: plain conversion, SwiGLU over [gate | up]
// halves, and a residual tile.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @plain(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<?x128xf32>
//  CHECK-NEXT:   %[[Y:.*]] = tile.epilogue %[[ACC]] : tensor<?x128xf32> -> tensor<?x128xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @plain(%acc: tensor<?x128xf32>) -> tensor<?x128xbf16> {
  %y = tile.epilogue %acc {activation = #tile.activation<none>} : tensor<?x128xf32> -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// CHECK-LABEL: func.func @swiglu_residual(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<64x128xf32>
//  CHECK-SAME:     %[[R:[a-z0-9_]+]]: tensor<64x64xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = tile.epilogue %[[ACC]] residual(%[[R]] : tensor<64x64xbf16>) {activation = #tile.activation<swiglu>} : tensor<64x128xf32> -> tensor<64x64xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @swiglu_residual(%acc: tensor<64x128xf32>, %r: tensor<64x64xbf16>) -> tensor<64x64xbf16> {
  %y = tile.epilogue %acc residual(%r : tensor<64x64xbf16>) {activation = #tile.activation<swiglu>} : tensor<64x128xf32> -> tensor<64x64xbf16>
  return %y : tensor<64x64xbf16>
}

// An fp32 model keeps fp32; a partial column tile stays dynamic.
// CHECK-LABEL: func.func @f32_edge(
//       CHECK:   tile.epilogue %{{.*}} {activation = #tile.activation<swiglu>} : tensor<?x?xf32> -> tensor<?x?xf32>
func.func @f32_edge(%acc: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = tile.epilogue %acc {activation = #tile.activation<swiglu>} : tensor<?x?xf32> -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
