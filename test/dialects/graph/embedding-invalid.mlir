// Diagnostics of graph.embedding.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @ids_count(%table: tensor<32x16xbf16>, %ids: tensor<3xi64>) -> tensor<4x16xbf16> {
  // expected-error@+1 {{'graph.embedding' op ids has 3 entries but there are 4 tokens}}
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<3xi64> -> tensor<4x16xbf16>
  return %h : tensor<4x16xbf16>
}

// -----

func.func @element_type(%table: tensor<32x16xbf16>, %ids: tensor<?xi64>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'graph.embedding' op result element type 'f32' does not match the table element type 'bf16'}}
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<?xi64> -> tensor<?x16xf32>
  return %h : tensor<?x16xf32>
}

// -----

func.func @row_width(%table: tensor<32x16xbf16>, %ids: tensor<?xi64>) -> tensor<?x8xbf16> {
  // expected-error@+1 {{'graph.embedding' op result has 8 features but the table rows have 16}}
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<?xi64> -> tensor<?x8xbf16>
  return %h : tensor<?x8xbf16>
}

// -----

func.func @float_ids(%table: tensor<32x16xbf16>, %ids: tensor<?xf32>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.embedding' op operand #1 must be 1D tensor of signless integer values, but got 'tensor<?xf32>'}}
  %h = graph.embedding %table[%ids] : tensor<32x16xbf16>, tensor<?xf32> -> tensor<?x16xbf16>
  return %h : tensor<?x16xbf16>
}

// -----

func.func @table_rank(%table: tensor<32xbf16>, %ids: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.embedding' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<32xbf16>'}}
  %h = graph.embedding %table[%ids] : tensor<32xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %h : tensor<?x16xbf16>
}
