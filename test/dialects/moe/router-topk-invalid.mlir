// Diagnostics of moe.router_topk.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @router_hidden(%x: tensor<?x16xbf16>, %router: tensor<4x8xbf16>) -> tensor<?x1xi32> {
  // expected-error@+1 {{'moe.router_topk' op router has type 'tensor<4x8xbf16>', expected shape [4, 16]}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x16xbf16>, tensor<4x8xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
  return %experts : tensor<?x1xi32>
}

// -----

func.func @top_k_exceeds_experts(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<?x5xi32> {
  // expected-error@+1 {{'moe.router_topk' op top_k (5) exceeds the number of experts (4)}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 5 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x5xi32>, tensor<?x5xf32>
  return %experts : tensor<?x5xi32>
}

// -----

func.func @zero_top_k(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<?x0xi32> {
  // expected-error@+1 {{'moe.router_topk' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 0 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x0xi32>, tensor<?x0xf32>
  return %experts : tensor<?x0xi32>
}

// -----

func.func @experts_width(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<?x1xi32> {
  // expected-error@+1 {{'moe.router_topk' op experts has type 'tensor<?x1xi32>', expected shape [?, 2]}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 2 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x1xi32>, tensor<?x2xf32>
  return %experts : tensor<?x1xi32>
}

// -----

func.func @experts_tokens(%x: tensor<3x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<4x1xi32> {
  // expected-error@+1 {{'moe.router_topk' op experts has type 'tensor<4x1xi32>', expected shape [3, 1]}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<3x16xbf16>, tensor<4x16xbf16> -> tensor<4x1xi32>, tensor<3x1xf32>
  return %experts : tensor<4x1xi32>
}

// -----

func.func @scores_shape(%x: tensor<3x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<3x1xi32> {
  // expected-error@+1 {{'moe.router_topk' op scores has type 'tensor<3x4xf32>', expected shape [3, 1]}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<3x16xbf16>, tensor<4x16xbf16> -> tensor<3x1xi32>, tensor<3x4xf32>
  return %experts : tensor<3x1xi32>
}

// -----

func.func @float_experts(%x: tensor<?x16xbf16>, %router: tensor<4x16xbf16>) -> tensor<?x1xf32> {
  // expected-error@+1 {{'moe.router_topk' op result #0 must be 2D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?x1xf32>'}}
  %experts, %scores = moe.router_topk %x, %router {top_k = 1 : i64}
    : tensor<?x16xbf16>, tensor<4x16xbf16> -> tensor<?x1xf32>, tensor<?x1xf32>
  return %experts : tensor<?x1xf32>
}
