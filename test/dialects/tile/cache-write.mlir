// Round trip of tile.cache_write: prefill and decode writes.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @write(
//  CHECK-SAME:     %[[CACHE:[a-z0-9_]+]]: tensor<8192x1024xbf16>
//  CHECK-SAME:     %[[K:[a-z0-9_]+]]: tensor<?x1024xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[C:.*]] = tile.cache_write %[[CACHE]], %[[K]], %[[POS]] : tensor<8192x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64>
//  CHECK-NEXT:   return %[[C]]
func.func @write(%cache: tensor<8192x1024xbf16>, %k: tensor<?x1024xbf16>, %pos: tensor<?xi64>) -> tensor<8192x1024xbf16> {
  %c = tile.cache_write %cache, %k, %pos : tensor<8192x1024xbf16>, tensor<?x1024xbf16>, tensor<?xi64>
  return %c : tensor<8192x1024xbf16>
}

// CHECK-LABEL: func.func @decode(
//       CHECK:   tile.cache_write %{{.*}} : tensor<?x32xf32>, tensor<1x32xf32>, tensor<1xi32>
func.func @decode(%cache: tensor<?x32xf32>, %k: tensor<1x32xf32>, %pos: tensor<1xi32>) -> tensor<?x32xf32> {
  %c = tile.cache_write %cache, %k, %pos : tensor<?x32xf32>, tensor<1x32xf32>, tensor<1xi32>
  return %c : tensor<?x32xf32>
}
