// Round trip of graph.rope, with and without llama3 frequency scaling.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @plain(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[Y:.*]] = graph.rope %[[X]], %[[POS]] {head_dim = 8 : i64, theta = 1.000000e+04 : f64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?xi64>
//  CHECK-NEXT:   return %[[Y]] : tensor<?x16xbf16>
func.func @plain(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}

// Llama 4 Scout's scaling; the low/high band is empty (1.0 == 1.0).
// CHECK-LABEL: func.func @llama3_scaling(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<?xi64>
//  CHECK-NEXT:   %[[Y:.*]] = graph.rope %[[X]], %[[POS]] {head_dim = 8 : i64,
//  CHECK-SAME:     scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>,
//  CHECK-SAME:     theta = 5.000000e+05 : f64}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<?xi64>
func.func @llama3_scaling(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 5.0e+05 : f64,
         scaling = #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0,
                     high_freq_factor = 1.0, original_max_position_embeddings = 8192>}
       : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}

// Llama 3.1's scaling: an interpolated band between low and high.
// CHECK-LABEL: func.func @llama31_band(
//       CHECK:   graph.rope
//  CHECK-SAME:     scaling = #graph.llama3_rope<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>
func.func @llama31_band(%x: tensor<?x16xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  %y = graph.rope %x, %pos {head_dim = 8 : i64, theta = 5.0e+05 : f64,
         scaling = #graph.llama3_rope<factor = 8.0, low_freq_factor = 1.0,
                     high_freq_factor = 4.0, original_max_position_embeddings = 8192>}
       : tensor<?x16xbf16>, tensor<?xi64>
  return %y : tensor<?x16xbf16>
}

// Static tokens, i32 positions, a single head (features == head_dim).
// CHECK-LABEL: func.func @static_one_head(
//  CHECK-SAME:     %[[X:[a-z0-9_]+]]: tensor<3x4xf32>
//  CHECK-SAME:     %[[POS:[a-z0-9_]+]]: tensor<3xi32>
//  CHECK-NEXT:   %[[Y:.*]] = graph.rope %[[X]], %[[POS]] {head_dim = 4 : i64, theta = 1.000000e+04 : f64}
//  CHECK-SAME:     : tensor<3x4xf32>, tensor<3xi32>
func.func @static_one_head(%x: tensor<3x4xf32>, %pos: tensor<3xi32>) -> tensor<3x4xf32> {
  %y = graph.rope %x, %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<3x4xf32>, tensor<3xi32>
  return %y : tensor<3x4xf32>
}

// Dynamic features are not checked against head_dim.
// CHECK-LABEL: func.func @dynamic_features(
//       CHECK:   graph.rope
//  CHECK-SAME:     : tensor<?x?xbf16>, tensor<?xi64>
func.func @dynamic_features(%x: tensor<?x?xbf16>, %pos: tensor<?xi64>) -> tensor<?x?xbf16> {
  %y = graph.rope %x, %pos {head_dim = 6 : i64, theta = 1.0e+04 : f64} : tensor<?x?xbf16>, tensor<?xi64>
  return %y : tensor<?x?xbf16>
}
