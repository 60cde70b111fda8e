// Round trip of graph.embedding: token ids to rows of the embedding table.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @dynamic_tokens(
//  CHECK-SAME:     %[[TABLE:[a-z0-9_]+]]: tensor<32x16xbf16>
//  CHECK-SAME:     %[[IDS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[H:.*]] = graph.embedding %[[TABLE]][%[[IDS]]]
//  CHECK-SAME:     : tensor<32x16xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
//  CHECK-NEXT:   return %[[H]]
func.func @dynamic_tokens(%table: tensor<32x16xbf16>, %ids: tensor<?xi64>) -> tensor<?x16xbf16> {
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %h : tensor<?x16xbf16>
}

// CHECK-LABEL: func.func @static_tokens_i32_ids(
//  CHECK-SAME:     %[[TABLE:[a-z0-9_]+]]: tensor<32x16xf32>
//  CHECK-SAME:     %[[IDS:[a-z0-9_]+]]: tensor<3xi32>
//  CHECK-NEXT:   %[[H:.*]] = graph.embedding %[[TABLE]][%[[IDS]]]
//  CHECK-SAME:     : tensor<32x16xf32>, tensor<3xi32> -> tensor<3x16xf32>
func.func @static_tokens_i32_ids(%table: tensor<32x16xf32>, %ids: tensor<3xi32>) -> tensor<3x16xf32> {
  %h = graph.embedding %table[%ids] : tensor<32x16xf32>, tensor<3xi32> -> tensor<3x16xf32>
  return %h : tensor<3x16xf32>
}

// The result may be more static than the ids: a dynamic dimension is
// compatible with any size.
// CHECK-LABEL: func.func @static_result_dynamic_ids(
//       CHECK:   graph.embedding
//  CHECK-SAME:     : tensor<32x16xbf16>, tensor<?xi64> -> tensor<4x16xbf16>
func.func @static_result_dynamic_ids(%table: tensor<32x16xbf16>, %ids: tensor<?xi64>) -> tensor<4x16xbf16> {
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<?xi64> -> tensor<4x16xbf16>
  return %h : tensor<4x16xbf16>
}

// Llama 4 Scout's table: 202048 x 5120.
// CHECK-LABEL: func.func @scout_vocab(
//       CHECK:   graph.embedding
//  CHECK-SAME:     : tensor<202048x5120xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
func.func @scout_vocab(%table: tensor<202048x5120xbf16>, %ids: tensor<?xi64>) -> tensor<?x5120xbf16> {
  %h = graph.embedding %table[%ids] : tensor<202048x5120xbf16>, tensor<?xi64> -> tensor<?x5120xbf16>
  return %h : tensor<?x5120xbf16>
}
