// Round trip of tile.promote with each scale layout: per-token / 1x128
// activation rows, a per-tensor scale, per-channel weight rows, 128-row
// weight blocks and the SwiGLU gate|up pair of blocks.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @rowwise(
//  CHECK-SAME:     %[[ACC:[a-z0-9_]+]]: tensor<64x128xf32>
//  CHECK-SAME:     %[[PART:[a-z0-9_]+]]: tensor<64x128xf32>
//  CHECK-SAME:     %[[AS:[a-z0-9_]+]]: tensor<64x1xf32>
//  CHECK-SAME:     %[[BS:[a-z0-9_]+]]: tensor<128x1xf32>
//  CHECK-NEXT:   %[[R:.*]] = tile.promote %[[ACC]], %[[PART]], %[[AS]], %[[BS]] : tensor<64x128xf32>, tensor<64x1xf32>, tensor<128x1xf32>
//  CHECK-NEXT:   return %[[R]]
func.func @rowwise(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x1xf32>, %bs: tensor<128x1xf32>) -> tensor<64x128xf32> {
  %r = tile.promote %acc, %part, %as, %bs : tensor<64x128xf32>, tensor<64x1xf32>, tensor<128x1xf32>
  return %r : tensor<64x128xf32>
}

// The default b_block (1) is elided.
// CHECK-LABEL: func.func @per_tensor(
//       CHECK:   tile.promote
//   CHECK-NOT:     b_block
//  CHECK-SAME:     : tensor<?x128xf32>, tensor<1x1xf32>, tensor<1x1xf32>
func.func @per_tensor(%acc: tensor<?x128xf32>, %part: tensor<?x128xf32>, %as: tensor<1x1xf32>, %bs: tensor<1x1xf32>) -> tensor<?x128xf32> {
  %r = tile.promote %acc, %part, %as, %bs {b_block = 1 : i64} : tensor<?x128xf32>, tensor<1x1xf32>, tensor<1x1xf32>
  return %r : tensor<?x128xf32>
}

// 128x128 weight blocks: a 256-wide tile reads two block rows.
// CHECK-LABEL: func.func @block(
//       CHECK:   tile.promote %{{.*}} {b_block = 128 : i64} : tensor<?x256xf32>, tensor<?x1xf32>, tensor<2x1xf32>
func.func @block(%acc: tensor<?x256xf32>, %part: tensor<?x256xf32>, %as: tensor<?x1xf32>, %bs: tensor<2x1xf32>) -> tensor<?x256xf32> {
  %r = tile.promote %acc, %part, %as, %bs {b_block = 128 : i64} : tensor<?x256xf32>, tensor<?x1xf32>, tensor<2x1xf32>
  return %r : tensor<?x256xf32>
}

// SwiGLU: 64 gate rows of one block, then 64 up rows of another.
// CHECK-LABEL: func.func @swiglu_halves(
//       CHECK:   tile.promote %{{.*}} {b_block = 64 : i64} : tensor<64x128xf32>, tensor<64x1xf32>, tensor<2x1xf32>
func.func @swiglu_halves(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x1xf32>, %bs: tensor<2x1xf32>) -> tensor<64x128xf32> {
  %r = tile.promote %acc, %part, %as, %bs {b_block = 64 : i64} : tensor<64x128xf32>, tensor<64x1xf32>, tensor<2x1xf32>
  return %r : tensor<64x128xf32>
}

// A partial column tile at the edge reads ceil(72 / 128) = 1 block row.
// CHECK-LABEL: func.func @edge(
//       CHECK:   tile.promote %{{.*}} {b_block = 128 : i64} : tensor<?x?xf32>, tensor<?x1xf32>, tensor<?x1xf32>
func.func @edge(%acc: tensor<?x?xf32>, %part: tensor<?x?xf32>, %as: tensor<?x1xf32>, %bs: tensor<?x1xf32>) -> tensor<?x?xf32> {
  %r = tile.promote %acc, %part, %as, %bs {b_block = 128 : i64} : tensor<?x?xf32>, tensor<?x1xf32>, tensor<?x1xf32>
  return %r : tensor<?x?xf32>
}
