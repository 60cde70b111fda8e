// RUN: moec-opt %s -verify-diagnostics --moec-emu-entry-points

// expected-error @below {{no nvvm.kernel function to emulate}}
module {
  llvm.func @helper() {
    llvm.return
  }
}
