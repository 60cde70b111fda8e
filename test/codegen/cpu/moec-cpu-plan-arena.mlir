// RUN: moec-opt %s --allow-unregistered-dialect --moec-cpu-plan-arena="max-tokens=16" | FileCheck %s
//
// Temporaries of T x 64 f32 (256 T bytes), T x 4 f32 (16 T -> 64 T aligned)
// and 8 x 8 f32 (256 bytes) move into the arena argument; %a and %b are live
// at the same time, %c only after %a's last use, so it reuses %a's bytes.
// The allocation inside the loop and the data-dependent one keep malloc.

// CHECK-LABEL: module attributes {moec.cpu_arena = {alignment = 64 : i64, argument = 5 : i64,
// CHECK-SAME: buffers = [{name = "temporary.0", offset = array<i64: 0, 0>, size = array<i64: 0, 256>},
// CHECK-SAME: {name = "temporary.1", offset = array<i64: 0, 256>, size = array<i64: 0, 64>},
// CHECK-SAME: {name = "temporary.2", offset = array<i64: 0, 0>, size = array<i64: 256, 0>}],
// CHECK-SAME: max_tokens = 16 : i64, size = array<i64: 256, 320>}}
// CHECK: func.func @moec_forward({{.*}}, %[[ARENA:[^:]*]]: memref<?xi8>)
// CHECK: %[[T:.*]] = memref.dim %arg2, %{{.*}} : memref<?xi64>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x64xf32>
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x4xf32>
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<?xi8> to memref<8x8xf32>
// CHECK: scf.for
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
module {
  func.func @moec_forward(%w: memref<?xi8>, %kv: memref<?xi8>, %ids: memref<?xi64>, %pos: memref<?xi64>, %logits: memref<?x8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %t = memref.dim %ids, %c0 : memref<?xi64>
    %a = memref.alloc(%t) : memref<?x64xf32>
    %b = memref.alloc(%t) : memref<?x4xf32>
    "test.use"(%a, %b) : (memref<?x64xf32>, memref<?x4xf32>) -> ()
    %c = memref.alloc() : memref<8x8xf32>
    "test.use"(%c, %b) : (memref<8x8xf32>, memref<?x4xf32>) -> ()
    scf.for %i = %c0 to %t step %c1 {
      %tile = memref.alloc() : memref<4xf32>
      "test.use"(%tile) : (memref<4xf32>) -> ()
    }
    %n = memref.load %kv[%c0] : memref<?xi8>
    %ni = arith.index_cast %n : i8 to index
    %d = memref.alloc(%ni) : memref<?xf32>
    "test.use"(%d) : (memref<?xf32>) -> ()
    return
  }
}
