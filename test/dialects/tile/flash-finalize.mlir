// Round trip of tile.flash_finalize.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @finalize(
//  CHECK-SAME:     %[[O:[a-z0-9_]+]]: tensor<128x128xf32>
//  CHECK-SAME:     %[[L:[a-z0-9_]+]]: tensor<128xf32>
//  CHECK-NEXT:   %[[Y:.*]] = tile.flash_finalize %[[O]], %[[L]] : tensor<128x128xf32>, tensor<128xf32> -> tensor<128x128xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @finalize(%o: tensor<128x128xf32>, %l: tensor<128xf32>) -> tensor<128x128xbf16> {
  %y = tile.flash_finalize %o, %l : tensor<128x128xf32>, tensor<128xf32> -> tensor<128x128xbf16>
  return %y : tensor<128x128xbf16>
}

// CHECK-LABEL: func.func @edge(
//       CHECK:   tile.flash_finalize %{{.*}} : tensor<?x16xf32>, tensor<?xf32> -> tensor<?x16xf32>
func.func @edge(%o: tensor<?x16xf32>, %l: tensor<?xf32>) -> tensor<?x16xf32> {
  %y = tile.flash_finalize %o, %l : tensor<?x16xf32>, tensor<?xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
