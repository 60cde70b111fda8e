// RUN: moec-opt %s -split-input-file --moec-cpu-emit-runtime-entry | FileCheck %s
// RUN: moec-opt %s -split-input-file --moec-cpu-emit-runtime-entry="function=moec_pack_weights entry=moec_cpu_pack" | FileCheck %s --check-prefix=PACK
//
// The runtime calls every CPU step as `void entry(void **args)`: the
// trampoline loads one descriptor pointer per parameter of the C interface
// wrapper, in order, and calls it.

// CHECK-LABEL: llvm.func @moec_cpu_forward(
//  CHECK-SAME:   %[[ARGS:[^:]*]]: !llvm.ptr)
//       CHECK:   %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.call @_mlir_ciface_moec_forward(%[[P0]], %[[P1]]) : (!llvm.ptr, !llvm.ptr) -> ()
//       CHECK:   llvm.return
// PACK-LABEL: llvm.func @moec_cpu_pack(
//       PACK:   llvm.call @_mlir_ciface_moec_pack_weights
module {
  llvm.func @_mlir_ciface_moec_forward(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
  llvm.func @_mlir_ciface_moec_pack_weights(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
}
