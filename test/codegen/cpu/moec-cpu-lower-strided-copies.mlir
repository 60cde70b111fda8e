// RUN: moec-opt %s --moec-cpu-lower-strided-copies | FileCheck %s
//
// A copy between identity-layout memrefs stays (memref-to-llvm makes it a
// memcpy); a copy from or to a strided view becomes linalg.copy, so no call
// to the runner library's memrefCopy is emitted.

// CHECK-LABEL: func.func @copies(
//  CHECK-SAME:   %[[A:[^:]*]]: memref<8x8xf32>, %[[B:[^:]*]]: memref<8x8xf32>, %[[C:[^:]*]]: memref<4x4xf32, strided<[8, 1], offset: ?>>, %[[D:[^:]*]]: memref<4x4xf32>
//       CHECK:   memref.copy %[[A]], %[[B]] : memref<8x8xf32> to memref<8x8xf32>
//       CHECK:   linalg.copy ins(%[[C]] : memref<4x4xf32, strided<[8, 1], offset: ?>>) outs(%[[D]] : memref<4x4xf32>)
//       CHECK:   linalg.copy ins(%[[D]] : memref<4x4xf32>) outs(%[[C]] : memref<4x4xf32, strided<[8, 1], offset: ?>>)
//   CHECK-NOT:   memref.copy
func.func @copies(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<4x4xf32, strided<[8, 1], offset: ?>>, %d: memref<4x4xf32>) {
  memref.copy %a, %b : memref<8x8xf32> to memref<8x8xf32>
  memref.copy %c, %d : memref<4x4xf32, strided<[8, 1], offset: ?>> to memref<4x4xf32>
  memref.copy %d, %c : memref<4x4xf32> to memref<4x4xf32, strided<[8, 1], offset: ?>>
  return
}
