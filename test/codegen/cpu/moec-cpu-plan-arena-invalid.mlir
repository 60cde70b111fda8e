// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-plan-arena

module {
  // expected-error @below {{'func.func' op has no memref argument 2 holding the tokens}}
  func.func @moec_forward(%w: memref<?xi8>) {
    return
  }
}

// -----

module {
  // expected-error @below {{'func.func' op has no argument 4 (token-rows)}}
  func.func @moec_forward(%w: memref<?xi8>, %kv: memref<?xi8>, %ids: memref<?xi64>, %pos: memref<?xi64>) {
    return
  }
}
