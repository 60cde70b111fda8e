// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-emu-outline-gpu-module | FileCheck %s

// CHECK-LABEL: module {
// CHECK-NOT: gpu.
// CHECK: llvm.func @k() attributes {nvvm.kernel}
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_90a">] {
    llvm.func @k() attributes {nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// expected-error @below {{expected one gpu.module to emulate, found 2}}
module attributes {gpu.container_module} {
  gpu.module @a {
  }
  gpu.module @b {
  }
}
