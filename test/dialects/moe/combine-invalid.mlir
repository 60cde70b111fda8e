// Diagnostics of moe.combine.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// 3 tokens x top-2 need 6 rows.
func.func @row_count(%rows: tensor<4x8xf32>, %src: tensor<4xi32>) -> tensor<3x8xf32> {
  // expected-error@+1 {{'moe.combine' op has 4 rows, expected tokens x top_k = 6}}
  %y = moe.combine %rows, %src {top_k = 2 : i64} : tensor<4x8xf32>, tensor<4xi32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

func.func @source_rows(%rows: tensor<6x8xf32>, %src: tensor<5xi32>) -> tensor<3x8xf32> {
  // expected-error@+1 {{'moe.combine' op source_rows has type 'tensor<5xi32>', expected shape [6]}}
  %y = moe.combine %rows, %src {top_k = 2 : i64} : tensor<6x8xf32>, tensor<5xi32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

func.func @result_element_type(%rows: tensor<?x8xbf16>, %src: tensor<?xi32>) -> tensor<?x8xf32> {
  // expected-error@+1 {{'moe.combine' op result element type 'f32' does not match the input element type 'bf16'}}
  %y = moe.combine %rows, %src {top_k = 1 : i64} : tensor<?x8xbf16>, tensor<?xi32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

func.func @scores_shape(%rows: tensor<6x8xf32>, %src: tensor<6xi32>, %scores: tensor<3x1xf32>) -> tensor<3x8xf32> {
  // expected-error@+1 {{'moe.combine' op scores has type 'tensor<3x1xf32>', expected shape [3, 2]}}
  %y = moe.combine %rows, %src scores(%scores) {top_k = 2 : i64}
       : tensor<6x8xf32>, tensor<6xi32>, tensor<3x1xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

func.func @result_features(%rows: tensor<?x8xf32>, %src: tensor<?xi32>) -> tensor<?x4xf32> {
  // expected-error@+1 {{'moe.combine' op result has type 'tensor<?x4xf32>', expected shape [?, 8]}}
  %y = moe.combine %rows, %src {top_k = 1 : i64} : tensor<?x8xf32>, tensor<?xi32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func @zero_top_k(%rows: tensor<?x8xf32>, %src: tensor<?xi32>) -> tensor<?x8xf32> {
  // expected-error@+1 {{'moe.combine' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = moe.combine %rows, %src {top_k = 0 : i64} : tensor<?x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
