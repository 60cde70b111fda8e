// RUN: moec-opt %s -split-input-file --allow-unregistered-dialect --moec-cpu-outline-weight-packing | FileCheck %s
//
// Computations on weights alone (concat, transpose, cast, FP8 quantization)
// move into @moec_pack; @forward reads their results as packed weights.
// Weights @forward uses directly, and ops that depend on an argument, stay.

// CHECK-LABEL: func.func @moec_pack() -> (tensor<64x16xbf16>, tensor<64x16xf8E4M3FN>, tensor<64x1xf32>)
// CHECK-SAME: attributes {moec.packed_weights = [@moec.packed.0, @moec.packed.1, @moec.packed.2]}
// CHECK-DAG: %[[Q:.*]] = graph.weight_ref @q
// CHECK-DAG: %[[K:.*]] = graph.weight_ref @k
// CHECK: %[[QK:.*]] = tensor.concat dim(0) %[[Q]], %[[K]]
// CHECK: %[[CAST:.*]] = arith.truncf %[[QK]]
// CHECK: %[[CODES:.*]], %[[SCALES:.*]] = moe.quantize %[[CAST]]
// CHECK: return %[[CAST]], %[[CODES]], %[[SCALES]]
// CHECK-NOT: graph.weight_ref @norm
// CHECK: graph.weight @moec.packed.0 : tensor<64x16xbf16>
// CHECK: graph.weight @moec.packed.1 : tensor<64x16xf8E4M3FN>
// CHECK: graph.weight @moec.packed.2 : tensor<64x1xf32>
// CHECK-LABEL: func.func @forward
// CHECK-DAG: %[[P0:.*]] = graph.weight_ref @moec.packed.0 : tensor<64x16xbf16>
// CHECK-DAG: %[[P1:.*]] = graph.weight_ref @moec.packed.1 : tensor<64x16xf8E4M3FN>
// CHECK-DAG: %[[P2:.*]] = graph.weight_ref @moec.packed.2 : tensor<64x1xf32>
// CHECK-DAG: %[[NORM:.*]] = graph.weight_ref @norm
// CHECK-NOT: tensor.concat
// CHECK-NOT: moe.quantize
// CHECK: graph.rms_norm %{{.*}}, %[[NORM]]
// CHECK: tile.mma %{{.*}}, %{{.*}}, %[[P0]]
// CHECK: tile.mma %{{.*}}, %{{.*}}, %[[P1]]
// CHECK: "test.use"(%[[P2]])
module {
  graph.weight @q : tensor<32x16xf32>
  graph.weight @k : tensor<32x16xf32>
  graph.weight @norm : tensor<16xbf16>
  func.func @forward(%x: tensor<8x16xbf16>, %acc: tensor<8x64xf32>, %xq: tensor<8x16xf8E4M3FN>) -> (tensor<8x64xf32>, tensor<8x64xf32>) {
    %q = graph.weight_ref @q : tensor<32x16xf32>
    %k = graph.weight_ref @k : tensor<32x16xf32>
    %n = graph.weight_ref @norm : tensor<16xbf16>
    %qk = tensor.concat dim(0) %q, %k : (tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
    %w = arith.truncf %qk : tensor<64x16xf32> to tensor<64x16xbf16>
    %codes, %scales = moe.quantize %w {scaling = #moe.scaling<per_channel>} : tensor<64x16xbf16> -> tensor<64x16xf8E4M3FN>, tensor<64x1xf32>
    %h = graph.rms_norm %x, %n {epsilon = 1.000000e-05 : f64} : tensor<8x16xbf16>, tensor<16xbf16>
    %y = tile.mma %acc, %h, %w : tensor<8x16xbf16>, tensor<64x16xbf16> -> tensor<8x64xf32>
    %z = tile.mma %acc, %xq, %codes : tensor<8x16xf8E4M3FN>, tensor<64x16xf8E4M3FN> -> tensor<8x64xf32>
    "test.use"(%scales) : (tensor<64x1xf32>) -> ()
    return %y, %z : tensor<8x64xf32>, tensor<8x64xf32>
  }
}

// -----

// Nothing computed from weights alone: the module is unchanged.
// CHECK-LABEL: module
// CHECK-NOT: @moec_pack
// CHECK-NOT: moec.packed
module {
  graph.weight @norm : tensor<16xf32>
  func.func @forward(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
    %n = graph.weight_ref @norm : tensor<16xf32>
    %h = graph.rms_norm %x, %n {epsilon = 1.000000e-05 : f64} : tensor<8x16xf32>, tensor<16xf32>
    return %h : tensor<8x16xf32>
  }
}
