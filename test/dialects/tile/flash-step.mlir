// Round trip of tile.flash_step with both masks, static and partial blocks.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @chunked(
//  CHECK-SAME:     %[[S:[a-z0-9_]+]]: tensor<128x128xf32>
//  CHECK-SAME:     %[[V:[a-z0-9_]+]]: tensor<128x128xbf16>
//  CHECK-SAME:     %[[M:[a-z0-9_]+]]: tensor<128xf32>
//  CHECK-SAME:     %[[L:[a-z0-9_]+]]: tensor<128xf32>
//  CHECK-SAME:     %[[O:[a-z0-9_]+]]: tensor<128x128xf32>
//  CHECK-SAME:     %[[QP:[a-z0-9_]+]]: tensor<128xi64>
//  CHECK-SAME:     %[[KP:[a-z0-9_]+]]: tensor<128xi64>
//  CHECK-NEXT:   %[[M1:.*]], %[[L1:.*]], %[[O1:.*]] = tile.flash_step %[[S]], %[[V]], %[[M]], %[[L]], %[[O]], %[[QP]], %[[KP]]
//  CHECK-SAME:     {chunk_size = 8192 : i64, mask = #tile.mask<chunked_causal>, scale = 0.088388347648318433 : f64}
//  CHECK-SAME:     : tensor<128x128xf32>, tensor<128x128xbf16>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xi64>, tensor<128xi64>
//  CHECK-NEXT:   return %[[M1]], %[[L1]], %[[O1]]
func.func @chunked(%s: tensor<128x128xf32>, %v: tensor<128x128xbf16>, %m: tensor<128xf32>, %l: tensor<128xf32>,
                   %o: tensor<128x128xf32>, %qp: tensor<128xi64>, %kp: tensor<128xi64>)
    -> (tensor<128xf32>, tensor<128xf32>, tensor<128x128xf32>) {
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp
      {chunk_size = 8192 : i64, mask = #tile.mask<chunked_causal>, scale = 0.088388347648318433 : f64}
    : tensor<128x128xf32>, tensor<128x128xbf16>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xi64>, tensor<128xi64>
  return %m1, %l1, %o1 : tensor<128xf32>, tensor<128xf32>, tensor<128x128xf32>
}

// A partial query block and key block at the edges, causal mask.
// CHECK-LABEL: func.func @causal_edge(
//       CHECK:   tile.flash_step
//  CHECK-SAME:     {mask = #tile.mask<causal>, scale = 2.500000e-01 : f64}
//  CHECK-SAME:     : tensor<?x?xf32>, tensor<?x16xf32>, tensor<?xf32>, tensor<?x16xf32>, tensor<?xi64>, tensor<?xi64>
func.func @causal_edge(%s: tensor<?x?xf32>, %v: tensor<?x16xf32>, %m: tensor<?xf32>, %l: tensor<?xf32>,
                       %o: tensor<?x16xf32>, %qp: tensor<?xi64>, %kp: tensor<?xi64>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?x16xf32>) {
  %m1, %l1, %o1 = tile.flash_step %s, %v, %m, %l, %o, %qp, %kp {mask = #tile.mask<causal>, scale = 0.25 : f64}
    : tensor<?x?xf32>, tensor<?x16xf32>, tensor<?xf32>, tensor<?x16xf32>, tensor<?xi64>, tensor<?xi64>
  return %m1, %l1, %o1 : tensor<?xf32>, tensor<?xf32>, tensor<?x16xf32>
}
