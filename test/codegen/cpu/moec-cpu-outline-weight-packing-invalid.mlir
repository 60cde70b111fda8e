// RUN: moec-opt %s -verify-diagnostics --moec-cpu-outline-weight-packing

// expected-error @below {{@moec_pack already exists}}
module {
  func.func @moec_pack() {
    return
  }
  func.func @forward(%x: tensor<8xf32>) -> tensor<8xf32> {
    return %x : tensor<8xf32>
  }
}
