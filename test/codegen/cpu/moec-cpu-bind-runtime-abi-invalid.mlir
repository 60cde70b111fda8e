// RUN: moec-opt %s -split-input-file -verify-diagnostics --moec-cpu-bind-runtime-abi

// expected-error @below {{moec-cpu-bind-runtime-abi needs a @forward function with a body}}
module {
  func.func @other(%ids: tensor<?xi64>) -> tensor<?xi64> {
    return %ids : tensor<?xi64>
  }
}

// -----

module {
  // expected-error @below {{'func.func' op must take token ids and positions (tensor<?xi64>) as its first two arguments}}
  func.func @forward(%ids: tensor<?xi32>, %pos: tensor<?xi64>) -> tensor<?x8xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi32>
    %l = tensor.empty(%n) : tensor<?x8xf32>
    return %l : tensor<?x8xf32>
  }
}

// -----

module {
  // expected-error @below {{'func.func' op must return the logits and then each of its 1 cache arguments, but returns 1 values}}
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>, %k: tensor<4x4xf32>) -> tensor<?x8xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n) : tensor<?x8xf32>
    return %l : tensor<?x8xf32>
  }
}

// -----

module {
  // expected-error @below {{'func.func' op must return logits as tensor<?xVOCABxfloat>, got 'tensor<?x?xf32>'}}
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>) -> tensor<?x?xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n, %n) : tensor<?x?xf32>
    return %l : tensor<?x?xf32>
  }
}

// -----

module {
  // expected-error @below {{'func.func' op result 1 must be the updated cache argument 2 ('tensor<4x4xf32>'), got 'tensor<4x4xbf16>'}}
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>, %k: tensor<4x4xf32>, %kb: tensor<4x4xbf16>) -> (tensor<?x8xf32>, tensor<4x4xbf16>, tensor<4x4xbf16>) {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n) : tensor<?x8xf32>
    return %l, %kb, %kb : tensor<?x8xf32>, tensor<4x4xbf16>, tensor<4x4xbf16>
  }
}

// -----

module {
  // expected-error @below {{'func.func' op cache argument 2 must be a statically shaped tensor of whole bytes, got 'tensor<?x4xf32>'}}
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>, %k: tensor<?x4xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n) : tensor<?x8xf32>
    return %l, %k : tensor<?x8xf32>, tensor<?x4xf32>
  }
}

// -----

module {
  // expected-error @below {{'graph.weight' op element type 'i4' has no whole-byte storage}}
  graph.weight @packed : tensor<8xi4>
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>) -> tensor<?x8xf32> {
    %p = graph.weight_ref @packed : tensor<8xi4>
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n) : tensor<?x8xf32>
    return %l : tensor<?x8xf32>
  }
}
