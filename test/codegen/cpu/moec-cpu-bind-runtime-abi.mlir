// RUN: moec-opt %s -split-input-file --moec-cpu-bind-runtime-abi | FileCheck %s
//
// @forward becomes the runtime's CPU step: weights and caches are views at
// 64-byte aligned offsets of the two byte buffers, the caches are updated in
// place, the bf16 logits are widened into the caller's f32 buffer, and the
// layout (of the weights @forward reads: not @norm) is recorded for the
// artifact writer.

// CHECK-LABEL: module attributes {moec.cpu_abi = {alignment = 64 : i64, entry = "moec_forward", kv_cache_bytes = 256 : i64,
// CHECK-SAME: kv_caches = [{offset = 0 : i64, type = tensor<16x4xbf16>}, {offset = 128 : i64, type = tensor<16x4xbf16>}],
// CHECK-SAME: pack = {}, packed_size = 64 : i64,
// CHECK-SAME: weights = [{bytes = 64 : i64, name = "w", offset = 0 : i64, type = tensor<8x4xbf16>}]}}
// CHECK-NOT: graph.weight @
// CHECK: func.func @moec_forward(%[[WEIGHTS:[^:]*]]: memref<?xi8>, %[[KV:[^:]*]]: memref<?xi8>, %[[IDS:[^:]*]]: memref<?xi64>, %[[POS:[^:]*]]: memref<?xi64>, %[[LOGITS:[^:]*]]: memref<?x8xf32>) attributes {llvm.emit_c_interface}
// CHECK: %[[IDS_T:.*]] = bufferization.to_tensor %[[IDS]] restrict : memref<?xi64> to tensor<?xi64>
// CHECK: %[[K:.*]] = memref.view %[[KV]][%c0{{.*}}][] : memref<?xi8> to memref<16x4xbf16>
// CHECK: %[[K_T:.*]] = bufferization.to_tensor %[[K]] restrict writable
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[V:.*]] = memref.view %[[KV]][%[[C128]]][] : memref<?xi8> to memref<16x4xbf16>
// CHECK: %[[V_T:.*]] = bufferization.to_tensor %[[V]] restrict writable
// CHECK: %[[W:.*]] = memref.view %[[WEIGHTS]][%{{.*}}][] : memref<?xi8> to memref<8x4xbf16>
// CHECK: %[[W_T:.*]] = bufferization.to_tensor %[[W]] restrict : memref<8x4xbf16>
// CHECK: graph.embedding %[[W_T]][%[[IDS_T]]]
// CHECK: %[[WIDE:.*]] = linalg.generic
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: bufferization.materialize_in_destination %[[WIDE]] in restrict writable %[[LOGITS]]
// CHECK: bufferization.materialize_in_destination %[[K_T]] in restrict writable %[[K]]
// CHECK: bufferization.materialize_in_destination %[[V_T]] in restrict writable %[[V]]
// CHECK-NOT: func.func @forward
module {
  graph.weight @w : tensor<8x4xbf16>
  graph.weight @norm : tensor<3xf32>
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>, %k: tensor<16x4xbf16>, %v: tensor<16x4xbf16>) -> (tensor<?x8xbf16>, tensor<16x4xbf16>, tensor<16x4xbf16>) {
    %w = graph.weight_ref @w : tensor<8x4xbf16>
    %e = graph.embedding %w[%ids] : tensor<8x4xbf16>, tensor<?xi64> -> tensor<?x4xbf16>
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %l = tensor.empty(%n) : tensor<?x8xbf16>
    return %l, %k, %v : tensor<?x8xbf16>, tensor<16x4xbf16>, tensor<16x4xbf16>
  }
}

// -----

// @moec_pack reads checkpoint weights from the first buffer (its own layout)
// and writes each result into the packed weight of the same name, which
// @forward reads from the packed buffer.
// CHECK-LABEL: module attributes {moec.cpu_abi = {
// CHECK-SAME: pack = {entry = "moec_pack_weights", input_size = 132 : i64, inputs = [{bytes = 64 : i64, name = "q", offset = 0 : i64, type = tensor<4x8xf16>}, {bytes = 64 : i64, name = "k", offset = 64 : i64, type = tensor<4x8xf16>}, {bytes = 4 : i64, name = "norm", offset = 128 : i64, type = tensor<2xf16>}]}
// CHECK-SAME: packed_size = 128 : i64
// CHECK-SAME: weights = [{bytes = 4 : i64, name = "norm", offset = 0 : i64, type = tensor<2xf16>}, {bytes = 64 : i64, computed, name = "moec.packed.0", offset = 64 : i64, type = tensor<8x4xf16>}]
// CHECK: func.func @moec_pack_weights(%[[CKPT:[^:]*]]: memref<?xi8>, %[[PACKED:[^:]*]]: memref<?xi8>) attributes {llvm.emit_c_interface}
// CHECK: memref.view %[[CKPT]]
// CHECK: %[[DST:.*]] = memref.view %[[PACKED]][%{{.*}}][] : memref<?xi8> to memref<8x4xf16>
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[DST]]
// CHECK-NOT: func.func @moec_pack()
// CHECK: func.func @moec_forward
module {
  graph.weight @q : tensor<4x8xf16>
  graph.weight @k : tensor<4x8xf16>
  graph.weight @norm : tensor<2xf16>
  graph.weight @moec.packed.0 : tensor<8x4xf16>
  func.func @moec_pack() -> tensor<8x4xf16> attributes {moec.packed_weights = [@moec.packed.0]} {
    %q = graph.weight_ref @q : tensor<4x8xf16>
    %k = graph.weight_ref @k : tensor<4x8xf16>
    %n = graph.weight_ref @norm : tensor<2xf16>
    %c = tensor.concat dim(0) %q, %k : (tensor<4x8xf16>, tensor<4x8xf16>) -> tensor<8x8xf16>
    %t = tile.transpose_weight %c : tensor<8x8xf16> -> tensor<8x8xf16>
    %s = tensor.extract_slice %t[0, 0] [8, 4] [1, 1] : tensor<8x8xf16> to tensor<8x4xf16>
    return %s : tensor<8x4xf16>
  }
  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>) -> tensor<?x4xf16> {
    %n = graph.weight_ref @norm : tensor<2xf16>
    %p = graph.weight_ref @moec.packed.0 : tensor<8x4xf16>
    %e = graph.embedding %p[%ids] : tensor<8x4xf16>, tensor<?xi64> -> tensor<?x4xf16>
    return %e : tensor<?x4xf16>
  }
}
