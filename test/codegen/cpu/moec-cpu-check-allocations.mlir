// RUN: moec-opt %s -split-input-file --moec-cpu-check-allocations | FileCheck %s
//
// The lowering's generic allocation functions get bodies: a malloc whose null
// result calls the runtime's handler (when the runtime set one), and free.

// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_alloc(
//  CHECK-SAME:     %[[BYTES:.*]]: i64) -> !llvm.ptr
//       CHECK:   %[[P:.*]] = llvm.call @malloc(%[[BYTES]]) : (i64) -> !llvm.ptr
//       CHECK:   %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
//       CHECK:   %[[FAILED:.*]] = llvm.icmp "eq" %[[P]], %[[NULL]] : !llvm.ptr
//       CHECK:   llvm.cond_br %[[FAILED]], ^[[CHECK:.*]], ^[[DONE:.*]](%[[P]] : !llvm.ptr)
//       CHECK: ^[[CHECK]]:
//       CHECK:   %[[SLOT:.*]] = llvm.mlir.addressof @moec_cpu_allocation_failed : !llvm.ptr
//       CHECK:   %[[HANDLER:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[NONE:.*]] = llvm.icmp "eq" %[[HANDLER]], %[[NULL]] : !llvm.ptr
//       CHECK:   llvm.cond_br %[[NONE]], ^[[DONE]](%[[NULL]] : !llvm.ptr), ^[[CALL:.*]]
//       CHECK: ^[[CALL]]:
//       CHECK:   llvm.call %[[HANDLER]](%[[BYTES]]) : !llvm.ptr, (i64) -> ()
//       CHECK:   llvm.br ^[[DONE]](%[[NULL]] : !llvm.ptr)
//       CHECK: ^[[DONE]](%[[RESULT:.*]]: !llvm.ptr):
//       CHECK:   llvm.return %[[RESULT]] : !llvm.ptr
// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_free(
//  CHECK-SAME:     %[[PTR:.*]]: !llvm.ptr)
//       CHECK:   llvm.call @free(%[[PTR]]) : (!llvm.ptr) -> ()
//       CHECK: llvm.func @step(
//       CHECK:   llvm.call @_mlir_memref_to_llvm_alloc
//       CHECK: llvm.mlir.global external @moec_cpu_allocation_failed() {{.*}} : !llvm.ptr {
//       CHECK:   %[[Z:.*]] = llvm.mlir.zero : !llvm.ptr
//       CHECK:   llvm.return %[[Z]] : !llvm.ptr
//       CHECK: llvm.func @malloc(i64) -> !llvm.ptr
//       CHECK: llvm.func @free(!llvm.ptr)
module {
  llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
  llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
  llvm.func @step(%n: i64) {
    %p = llvm.call @_mlir_memref_to_llvm_alloc(%n) : (i64) -> !llvm.ptr
    llvm.call @_mlir_memref_to_llvm_free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }
}

// -----

// A module without allocations still gets the hook, so the runtime's view of
// every step object is the same.
// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_alloc(
// CHECK: llvm.mlir.global external @moec_cpu_allocation_failed()
module {
  llvm.func @step() {
    llvm.return
  }
}
