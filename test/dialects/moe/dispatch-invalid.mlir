// Diagnostics of moe.dispatch.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @experts_tokens(%x: tensor<4x16xbf16>, %experts: tensor<3x1xi32>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'moe.dispatch' op experts has type 'tensor<3x1xi32>', expected shape [4, 1]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<4x16xbf16>, tensor<3x1xi32> -> tensor<4x16xbf16>, tensor<4xi32>, tensor<5xi32>
  return %rows : tensor<4x16xbf16>
}

// -----

func.func @scores_shape(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>, %scores: tensor<?x2xf32>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.dispatch' op scores has type 'tensor<?x2xf32>', expected shape [?, 1]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts scores(%scores) {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32>, tensor<?x2xf32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
  return %rows : tensor<?x16xbf16>
}

// -----

func.func @top_k_exceeds_experts(%x: tensor<?x16xbf16>, %experts: tensor<?x5xi32>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.dispatch' op top_k (5) exceeds the number of experts (4)}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x5xi32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<5xi32>
  return %rows : tensor<?x16xbf16>
}

// -----

func.func @zero_experts(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'moe.dispatch' op attribute 'num_experts' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 0 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<1xi32>
  return %rows : tensor<?x16xbf16>
}

// -----

// 3 tokens x top-2 = 6 permuted rows.
func.func @permuted_rows(%x: tensor<3x16xbf16>, %experts: tensor<3x2xi32>) -> tensor<3x16xbf16> {
  // expected-error@+1 {{'moe.dispatch' op permuted has type 'tensor<3x16xbf16>', expected shape [6, 16]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<3x16xbf16>, tensor<3x2xi32> -> tensor<3x16xbf16>, tensor<6xi32>, tensor<5xi32>
  return %rows : tensor<3x16xbf16>
}

// -----

func.func @permuted_features(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'moe.dispatch' op permuted has type 'tensor<?x8xbf16>', expected shape [?, 16]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32> -> tensor<?x8xbf16>, tensor<?xi32>, tensor<5xi32>
  return %rows : tensor<?x8xbf16>
}

// -----

func.func @permuted_element_type(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'moe.dispatch' op result element type 'f32' does not match the input element type 'bf16'}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32> -> tensor<?x16xf32>, tensor<?xi32>, tensor<5xi32>
  return %rows : tensor<?x16xf32>
}

// -----

func.func @source_rows(%x: tensor<3x16xbf16>, %experts: tensor<3x2xi32>) -> tensor<3xi32> {
  // expected-error@+1 {{'moe.dispatch' op source_rows has type 'tensor<3xi32>', expected shape [6]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<3x16xbf16>, tensor<3x2xi32> -> tensor<6x16xbf16>, tensor<3xi32>, tensor<5xi32>
  return %src : tensor<3xi32>
}

// -----

func.func @expert_offsets(%x: tensor<?x16xbf16>, %experts: tensor<?x1xi32>) -> tensor<4xi32> {
  // expected-error@+1 {{'moe.dispatch' op expert_offsets has type 'tensor<4xi32>', expected shape [5]}}
  %rows, %src, %offsets = moe.dispatch %x, %experts {num_experts = 4 : i64}
    : tensor<?x16xbf16>, tensor<?x1xi32> -> tensor<?x16xbf16>, tensor<?xi32>, tensor<4xi32>
  return %offsets : tensor<4xi32>
}
