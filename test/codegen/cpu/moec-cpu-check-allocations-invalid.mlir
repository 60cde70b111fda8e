// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-check-allocations

module {
  // expected-error @below {{'llvm.func' op is already defined; moec-cpu-check-allocations defines the allocation functions of the lowered code}}
  llvm.func @_mlir_memref_to_llvm_alloc(%n: i64) -> !llvm.ptr {
    %p = llvm.mlir.zero : !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
}

// -----

module {
  // expected-error @below {{'llvm.func' op has type '!llvm.func<void (ptr, i64)>', expected '!llvm.func<void (ptr)>'}}
  llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr, i64)
}

// -----

// expected-error @below {{the symbol @moec_cpu_allocation_failed already exists}}
module {
  llvm.mlir.global external @moec_cpu_allocation_failed(0 : i64) : i64
}
