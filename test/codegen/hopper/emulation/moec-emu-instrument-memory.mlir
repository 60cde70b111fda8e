// RUN: moec-opt %s --moec-emu-instrument-memory | FileCheck %s

// Every global, shared and generic access is announced to the access hook
// (16) with its size and flags = space | read 16 | write 32 | align << 8.

// CHECK-LABEL: llvm.func @accesses
llvm.func @accesses(%g: !llvm.ptr<1>, %s: !llvm.ptr<3>, %p: !llvm.ptr, %v: vector<8xbf16>) attributes {nvvm.kernel} {
  // A 2-byte global load at its natural alignment: 1 | 16 | 2 << 8 = 529.
  // CHECK: %[[SIZE:.+]] = llvm.mlir.constant(2 : i32) : i32
  // CHECK: %[[FLAGS:.+]] = llvm.mlir.constant(529 : i32) : i32
  // CHECK: %[[G:.+]] = llvm.addrspacecast %{{.*}} : !llvm.ptr<1> to !llvm.ptr
  // CHECK: llvm.getelementptr %{{.*}}[0, 16]
  // CHECK: llvm.call %{{.*}}(%[[G]], %[[SIZE]], %[[FLAGS]], %{{.*}}) : !llvm.ptr, (!llvm.ptr, i32, i32, !llvm.ptr) -> ()
  // CHECK-NEXT: llvm.load %{{.*}} : !llvm.ptr<1> -> bf16
  %x = llvm.load %g : !llvm.ptr<1> -> bf16
  // A 16-byte vector store to shared with an explicit alignment 16:
  // 3 | 32 | 16 << 8 = 4131.
  // CHECK: llvm.mlir.constant(16 : i32) : i32
  // CHECK: llvm.mlir.constant(4131 : i32) : i32
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
  llvm.store %v, %s {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
  // An atomic reads and writes: 1 | 16 | 32 | 4 << 8 = 1073.
  // CHECK: llvm.mlir.constant(1073 : i32) : i32
  // CHECK: llvm.atomicrmw add
  %c1 = llvm.mlir.constant(1 : i32) : i32
  %old = llvm.atomicrmw add %g, %c1 monotonic : !llvm.ptr<1>, i32
  // Generic pointers are checked against both windows: 0 | 16 | 4 << 8.
  // CHECK: llvm.mlir.constant(1040 : i32) : i32
  // CHECK: llvm.load %{{.*}} : !llvm.ptr -> f32
  %y = llvm.load %p : !llvm.ptr -> f32
  // Stack slots are registers on the GPU: no check.
  // CHECK: %[[SLOT:.+]] = llvm.alloca
  // CHECK-NEXT: llvm.store %{{.*}}, %[[SLOT]]
  %slot = llvm.alloca %c1 x f32 : (i32) -> !llvm.ptr
  llvm.store %y, %slot : f32, !llvm.ptr
  llvm.return
}
// CHECK: @__moec_emu_site_0("accesses: llvm.load #1
