// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-emit-runtime-entry

// expected-error @below {{no LLVM function @_mlir_ciface_moec_forward to wrap; lower @moec_forward with llvm.emit_c_interface first}}
module {
  llvm.func @moec_forward(%a: !llvm.ptr) {
    llvm.return
  }
}

// -----

module {
  // expected-error @below {{'llvm.func' op takes a 'i64' parameter; the runtime passes only pointers}}
  llvm.func @_mlir_ciface_moec_forward(%a: !llvm.ptr, %n: i64) {
    llvm.return
  }
}

// -----

// expected-error @below {{the entry symbol @moec_cpu_forward already exists}}
module {
  llvm.func @_mlir_ciface_moec_forward(%a: !llvm.ptr) {
    llvm.return
  }
  llvm.func @moec_cpu_forward(%a: !llvm.ptr) {
    llvm.return
  }
}
