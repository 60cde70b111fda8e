// moec-precision on FP8 checkpoint weights (moe.dequantize as the frontend
// imports them).
// RUN: moec-opt %s -split-input-file --moec-precision=precision=fp8-rowwise --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=ROW
// RUN: moec-opt %s -split-input-file --moec-precision=precision=fp8-block --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=BLOCK
// RUN: moec-opt %s -split-input-file --moec-precision=precision=f32 \
// RUN:   | FileCheck %s --check-prefix=F32

// Meta's FP8 layout for a dense projection: per-channel FP8 weight, bf16
// scale widened to f32. fp8-rowwise reads the stored FP8 values and scales
// (no dequantize/requantize round trip); fp8-block needs 128x128 blocks, so
// the dequantize stays and its result is requantized at compile time; f32
// keeps the dequantize and widens its result, never the scale.
// ROW-LABEL: func.func @dense
// ROW:       %[[XQ:.+]], %[[XS:.+]] = moe.quantize %{{.+}} {scaling = #moe.scaling<per_token>}
// ROW:       %[[W:.+]] = graph.weight_ref @w : tensor<256x256xf8E4M3FN>
// ROW-NEXT:  %[[S:.+]] = graph.weight_ref @w_scale : tensor<256x1xbf16>
// ROW-NEXT:  %[[S32:.+]] = arith.extf %[[S]] : tensor<256x1xbf16> to tensor<256x1xf32>
// ROW-NEXT:  moe.matmul %[[XQ]], %[[W]] scales(%[[XS]], %[[S32]]) {lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<dense_mlp>, rhs_scaling = #moe.scaling<per_channel>}
// ROW-NOT:   moe.dequantize
// BLOCK-LABEL: func.func @dense
// BLOCK:       %[[D:.+]] = moe.dequantize %{{.+}}, %{{.+}} {scaling = #moe.scaling<per_channel>} : tensor<256x256xf8E4M3FN>, tensor<256x1xf32> -> tensor<256x256xbf16>
// BLOCK-NEXT:  %[[WQ:.+]], %[[WS:.+]] = moe.quantize %[[D]] {scaling = #moe.scaling<block 128x128>} : tensor<256x256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<2x2xf32>
// BLOCK-NEXT:  moe.matmul %{{.+}}, %[[WQ]] scales(%{{.+}}, %[[WS]]) {lhs_scaling = #moe.scaling<block 1x128>, op_class = #moe.op_class<dense_mlp>, rhs_scaling = #moe.scaling<block 128x128>}
// F32-LABEL: func.func @dense
// F32-SAME:    (%[[X:.+]]: tensor<?x256xf32>) -> tensor<?x256xf32>
// F32:       arith.extf %{{.+}} : tensor<256x1xbf16> to tensor<256x1xf32>
// F32-NEXT:  %[[D:.+]] = moe.dequantize {{.+}} -> tensor<256x256xf32>
// F32-NEXT:  moe.matmul %[[X]], %[[D]] {op_class = #moe.op_class<dense_mlp>} : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
module {
  graph.weight @w : tensor<256x256xf8E4M3FN>
  graph.weight @w_scale : tensor<256x1xbf16>
  func.func @dense(%x: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
    %w = graph.weight_ref @w : tensor<256x256xf8E4M3FN>
    %s = graph.weight_ref @w_scale : tensor<256x1xbf16>
    %s32 = arith.extf %s : tensor<256x1xbf16> to tensor<256x1xf32>
    %wd = moe.dequantize %w, %s32 {scaling = #moe.scaling<per_channel>}
      : tensor<256x256xf8E4M3FN>, tensor<256x1xf32> -> tensor<256x256xbf16>
    %y = moe.matmul %x, %wd {op_class = #moe.op_class<dense_mlp>}
      : tensor<?x256xbf16>, tensor<256x256xbf16> -> tensor<?x256xbf16>
    return %y : tensor<?x256xbf16>
  }
}

// -----

// fbgemm's fused FP8 experts: [E, K, N] weights with [E, 1, N] per-channel
// scales along K, the down scale reshaped from [E, N, 1]. fp8-rowwise uses
// both as stored.
// ROW-LABEL: func.func @fused_experts
// ROW:       %[[GU:.+]] = graph.weight_ref @gate_up : tensor<4x256x256xf8E4M3FN>
// ROW-NEXT:  %[[GUS:.+]] = graph.weight_ref @gate_up_scale : tensor<4x1x256xf32>
// ROW-NEXT:  %[[D:.+]] = graph.weight_ref @down : tensor<4x128x256xf8E4M3FN>
// ROW:       %[[DS:.+]] = tensor.expand_shape
// ROW-NEXT:  %[[H:.+]] = moe.grouped_matmul %{{.+}}, %[[GU]], %{{.+}} scales(%{{.+}}, %[[GUS]]) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
// ROW-NEXT:  %[[HQ:.+]], %[[HS:.+]] = moe.quantize %[[H]] {scaling = #moe.scaling<per_token>}
// ROW-NEXT:  moe.grouped_matmul %[[HQ]], %[[D]], %{{.+}} scales(%[[HS]], %[[DS]])
// ROW-NOT:   moe.dequantize
// BLOCK-LABEL: func.func @fused_experts
// BLOCK:       %[[D:.+]] = moe.dequantize {{.+}} -> tensor<4x256x256xbf16>
// BLOCK-NEXT:  moe.quantize %[[D]] {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>} : tensor<4x256x256xbf16> -> tensor<4x256x256xf8E4M3FN>, tensor<4x2x2xf32>
module {
  graph.weight @gate_up : tensor<4x256x256xf8E4M3FN>
  graph.weight @gate_up_scale : tensor<4x1x256xf32>
  graph.weight @down : tensor<4x128x256xf8E4M3FN>
  graph.weight @down_scale : tensor<4x256x1xf32>
  func.func @fused_experts(%rows: tensor<?x256xbf16>, %offsets: tensor<5xi32>) -> tensor<?x256xbf16> {
    %gu = graph.weight_ref @gate_up : tensor<4x256x256xf8E4M3FN>
    %gus = graph.weight_ref @gate_up_scale : tensor<4x1x256xf32>
    %d = graph.weight_ref @down : tensor<4x128x256xf8E4M3FN>
    %ds = graph.weight_ref @down_scale : tensor<4x256x1xf32>
    %gud = moe.dequantize %gu, %gus {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>}
      : tensor<4x256x256xf8E4M3FN>, tensor<4x1x256xf32> -> tensor<4x256x256xbf16>
    %flat = tensor.collapse_shape %ds [[0], [1, 2]] : tensor<4x256x1xf32> into tensor<4x256xf32>
    %ds2 = tensor.expand_shape %flat [[0], [1, 2]] output_shape [4, 1, 256] : tensor<4x256xf32> into tensor<4x1x256xf32>
    %dd = moe.dequantize %d, %ds2 {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>}
      : tensor<4x128x256xf8E4M3FN>, tensor<4x1x256xf32> -> tensor<4x128x256xbf16>
    %h = moe.grouped_matmul %rows, %gud, %offsets {epilogue = #moe.epilogue<swiglu>}
      : tensor<?x256xbf16>, tensor<4x256x256xbf16>, tensor<5xi32> -> tensor<?x128xbf16>
    %o = moe.grouped_matmul %h, %dd, %offsets
      : tensor<?x128xbf16>, tensor<4x128x256xbf16>, tensor<5xi32> -> tensor<?x256xbf16>
    return %o : tensor<?x256xbf16>
  }
}

// -----

// compressed-tensors keeps FP8 experts apart, [out, in] each: stacked per
// expert and joined gate | up. fp8-rowwise stacks and joins the FP8 values
// and their scales the same way: [E, 1, N] per-channel scales along K.
// ROW-LABEL: func.func @per_expert
// ROW-DAG:   %[[G0:.+]] = graph.weight_ref @e0.gate : tensor<128x256xf8E4M3FN>
// ROW-DAG:   %[[G1:.+]] = graph.weight_ref @e1.gate : tensor<128x256xf8E4M3FN>
// ROW-DAG:   %[[U0:.+]] = graph.weight_ref @e0.up : tensor<128x256xf8E4M3FN>
// ROW-DAG:   %[[U1:.+]] = graph.weight_ref @e1.up : tensor<128x256xf8E4M3FN>
// ROW:       %[[G:.+]] = moe.stack_experts %[[G0]], %[[G1]] : {{.+}} -> tensor<2x256x128xf8E4M3FN>
// ROW-NEXT:  %[[GS:.+]] = moe.stack_experts %{{.+}}, %{{.+}} : tensor<128x1xf32>, tensor<128x1xf32> -> tensor<2x1x128xf32>
// ROW-NEXT:  %[[U:.+]] = moe.stack_experts %[[U0]], %[[U1]] : {{.+}} -> tensor<2x256x128xf8E4M3FN>
// ROW-NEXT:  %[[US:.+]] = moe.stack_experts %{{.+}}, %{{.+}} : tensor<128x1xf32>, tensor<128x1xf32> -> tensor<2x1x128xf32>
// ROW-NEXT:  %[[GU:.+]] = tensor.concat dim(2) %[[G]], %[[U]] : {{.+}} -> tensor<2x256x256xf8E4M3FN>
// ROW-NEXT:  %[[GUS:.+]] = tensor.concat dim(2) %[[GS]], %[[US]] : {{.+}} -> tensor<2x1x256xf32>
// ROW-NEXT:  moe.grouped_matmul %{{.+}}, %[[GU]], %{{.+}} scales(%{{.+}}, %[[GUS]]) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
// ROW-NOT:   moe.dequantize
// BLOCK-LABEL: func.func @per_expert
// BLOCK:       %[[GU:.+]] = tensor.concat dim(2) {{.+}} -> tensor<2x256x256xbf16>
// BLOCK-NEXT:  moe.quantize %[[GU]] {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>} : tensor<2x256x256xbf16> -> tensor<2x256x256xf8E4M3FN>, tensor<2x2x2xf32>
module {
  graph.weight @e0.gate : tensor<128x256xf8E4M3FN>
  graph.weight @e0.gate_scale : tensor<128x1xbf16>
  graph.weight @e0.up : tensor<128x256xf8E4M3FN>
  graph.weight @e0.up_scale : tensor<128x1xbf16>
  graph.weight @e1.gate : tensor<128x256xf8E4M3FN>
  graph.weight @e1.gate_scale : tensor<128x1xbf16>
  graph.weight @e1.up : tensor<128x256xf8E4M3FN>
  graph.weight @e1.up_scale : tensor<128x1xbf16>
  func.func @per_expert(%rows: tensor<?x256xbf16>, %offsets: tensor<3xi32>) -> tensor<?x128xbf16> {
    %g0 = graph.weight_ref @e0.gate : tensor<128x256xf8E4M3FN>
    %g0s = graph.weight_ref @e0.gate_scale : tensor<128x1xbf16>
    %g0s32 = arith.extf %g0s : tensor<128x1xbf16> to tensor<128x1xf32>
    %g0d = moe.dequantize %g0, %g0s32 {scaling = #moe.scaling<per_channel>} : tensor<128x256xf8E4M3FN>, tensor<128x1xf32> -> tensor<128x256xbf16>
    %g1 = graph.weight_ref @e1.gate : tensor<128x256xf8E4M3FN>
    %g1s = graph.weight_ref @e1.gate_scale : tensor<128x1xbf16>
    %g1s32 = arith.extf %g1s : tensor<128x1xbf16> to tensor<128x1xf32>
    %g1d = moe.dequantize %g1, %g1s32 {scaling = #moe.scaling<per_channel>} : tensor<128x256xf8E4M3FN>, tensor<128x1xf32> -> tensor<128x256xbf16>
    %u0 = graph.weight_ref @e0.up : tensor<128x256xf8E4M3FN>
    %u0s = graph.weight_ref @e0.up_scale : tensor<128x1xbf16>
    %u0s32 = arith.extf %u0s : tensor<128x1xbf16> to tensor<128x1xf32>
    %u0d = moe.dequantize %u0, %u0s32 {scaling = #moe.scaling<per_channel>} : tensor<128x256xf8E4M3FN>, tensor<128x1xf32> -> tensor<128x256xbf16>
    %u1 = graph.weight_ref @e1.up : tensor<128x256xf8E4M3FN>
    %u1s = graph.weight_ref @e1.up_scale : tensor<128x1xbf16>
    %u1s32 = arith.extf %u1s : tensor<128x1xbf16> to tensor<128x1xf32>
    %u1d = moe.dequantize %u1, %u1s32 {scaling = #moe.scaling<per_channel>} : tensor<128x256xf8E4M3FN>, tensor<128x1xf32> -> tensor<128x256xbf16>
    %gate = moe.stack_experts %g0d, %g1d : tensor<128x256xbf16>, tensor<128x256xbf16> -> tensor<2x256x128xbf16>
    %up = moe.stack_experts %u0d, %u1d : tensor<128x256xbf16>, tensor<128x256xbf16> -> tensor<2x256x128xbf16>
    %gu = tensor.concat dim(2) %gate, %up : (tensor<2x256x128xbf16>, tensor<2x256x128xbf16>) -> tensor<2x256x256xbf16>
    %h = moe.grouped_matmul %rows, %gu, %offsets {epilogue = #moe.epilogue<swiglu>}
      : tensor<?x256xbf16>, tensor<2x256x256xbf16>, tensor<3xi32> -> tensor<?x128xbf16>
    return %h : tensor<?x128xbf16>
  }
}

// -----

// One FP8 expert, one bf16 expert: no stored FP8 form of the whole stack,
// so it is requantized (the FP8 expert through its dequantize). Under f32 the
// bf16 expert is widened right after its weight_ref.
// ROW-LABEL: func.func @mixed
// ROW:       moe.dequantize
// ROW:       %[[W:.+]] = moe.stack_experts {{.+}} -> tensor<2x128x256xbf16>
// ROW-NEXT:  moe.quantize %[[W]] {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>} : tensor<2x128x256xbf16> -> tensor<2x128x256xf8E4M3FN>, tensor<2x1x256xf32>
// F32-LABEL: func.func @mixed
// F32:       %[[E1:.+]] = graph.weight_ref @e1.down : tensor<256x128xbf16>
// F32-NEXT:  %[[E1W:.+]] = arith.extf %[[E1]] : tensor<256x128xbf16> to tensor<256x128xf32>
// F32-NEXT:  moe.stack_experts %{{.+}}, %[[E1W]] : tensor<256x128xf32>, tensor<256x128xf32> -> tensor<2x128x256xf32>
module {
  graph.weight @e0.down : tensor<256x128xf8E4M3FN>
  graph.weight @e0.down_scale : tensor<256x1xf32>
  graph.weight @e1.down : tensor<256x128xbf16>
  func.func @mixed(%rows: tensor<?x128xbf16>, %offsets: tensor<3xi32>) -> tensor<?x256xbf16> {
    %d0 = graph.weight_ref @e0.down : tensor<256x128xf8E4M3FN>
    %d0s = graph.weight_ref @e0.down_scale : tensor<256x1xf32>
    %d0d = moe.dequantize %d0, %d0s {scaling = #moe.scaling<per_channel>} : tensor<256x128xf8E4M3FN>, tensor<256x1xf32> -> tensor<256x128xbf16>
    %d1 = graph.weight_ref @e1.down : tensor<256x128xbf16>
    %down = moe.stack_experts %d0d, %d1 : tensor<256x128xbf16>, tensor<256x128xbf16> -> tensor<2x128x256xbf16>
    %o = moe.grouped_matmul %rows, %down, %offsets
      : tensor<?x128xbf16>, tensor<2x128x256xbf16>, tensor<3xi32> -> tensor<?x256xbf16>
    return %o : tensor<?x256xbf16>
  }
}
