// The fp8-classes option of moec-precision, and its option errors.
// RUN: moec-opt %s --moec-precision="precision=fp8-rowwise fp8-classes=routed_expert" --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=ROUTED
// RUN: moec-opt %s --moec-precision="precision=fp8-block fp8-classes=attention,shared_expert,routed_expert,lm_head" \
// RUN:   --moec-verify-scaling | FileCheck %s --check-prefix=HEAD
// RUN: moec-opt %s --moec-precision="precision=bf16 fp8-classes=attention,lm_head" \
// RUN:   | FileCheck %s --check-prefix=BF16 --implicit-check-not=moe.quantize
// RUN: not moec-opt %s --moec-precision=precision=fp9 2>&1 | FileCheck %s --check-prefix=BAD-PRECISION
// RUN: not moec-opt %s --moec-precision="precision=fp8-rowwise fp8-classes=attention,experts,mlp" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-CLASS

// BAD-PRECISION: error: unknown precision 'fp9', expected f32, bf16, fp8-rowwise, fp8-block, fp8-tensor
// BAD-CLASS: error: unknown op classes 'experts', 'mlp' in fp8-classes, expected attention, dense_mlp, shared_expert, routed_expert, router, lm_head

// Only routed experts in FP8 (the layout of Meta's FP8 Maverick checkpoint):
// the attention projection and lm_head stay bf16.
// Weights that are function arguments are quantized at the entry.
// ROUTED-LABEL: func.func @classes
// ROUTED-SAME:   %[[GATE_UP:[a-z0-9]+]]: tensor<4x256x256xbf16>
// ROUTED:      %[[GUQ:.+]], %[[GUS:.+]] = moe.quantize %[[GATE_UP]] {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>}
// ROUTED:      moe.matmul %{{.+}}, %{{.+}} {op_class = #moe.op_class<attention>} : tensor<?x256xbf16>, tensor<256x256xbf16> -> tensor<?x256xbf16>
// ROUTED:      %[[RQ:.+]], %[[RS:.+]] = moe.quantize %{{.+}} {scaling = #moe.scaling<per_token>}
// ROUTED-NEXT: moe.grouped_matmul %[[RQ]], %[[GUQ]], %{{.+}} scales(%[[RS]], %[[GUS]]) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
// ROUTED:      moe.matmul %{{.+}}, %{{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>

// lm_head added to the FP8 classes.
// HEAD-LABEL: func.func @classes
// HEAD-SAME:   %[[HEAD:[a-z0-9]+]]: tensor<384x256xbf16>
// HEAD:      %[[HQ:.+]], %[[HS:.+]] = moe.quantize %[[HEAD]] {scaling = #moe.scaling<block 128x128>} : tensor<384x256xbf16> -> tensor<384x256xf8E4M3FN>, tensor<3x2xf32>
// HEAD:      moe.matmul {{.+}} {lhs_scaling = #moe.scaling<block 1x128>, op_class = #moe.op_class<attention>, rhs_scaling = #moe.scaling<block 128x128>}
// HEAD:      moe.grouped_matmul
// HEAD-SAME:   lhs_scaling = #moe.scaling<block 1x128>
// HEAD:      moe.matmul %{{.+}}, %[[HQ]] scales(%{{.+}}, %[[HS]]) {lhs_scaling = #moe.scaling<block 1x128>, op_class = #moe.op_class<lm_head>, rhs_scaling = #moe.scaling<block 128x128>}
// HEAD-SAME:   -> tensor<?x384xbf16>

// Without an fp8 precision the classes do nothing.
// BF16-LABEL: func.func @classes
// BF16:       moe.matmul {{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>
func.func @classes(%x: tensor<?x256xbf16>, %wo: tensor<256x256xbf16>,
                   %router: tensor<4x256xbf16>, %gate_up: tensor<4x256x256xbf16>,
                   %down: tensor<4x128x256xbf16>, %head: tensor<384x256xbf16>)
    -> tensor<?x384xbf16> {
  %h = moe.matmul %x, %wo residual(%x : tensor<?x256xbf16>) {op_class = #moe.op_class<attention>}
    : tensor<?x256xbf16>, tensor<256x256xbf16> -> tensor<?x256xbf16>
  %experts, %scores = moe.router_topk %h, %router {top_k = 1 : i64}
    : tensor<?x256xbf16>, tensor<4x256xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
  %rows, %src, %offsets = moe.dispatch %h, %experts scores(%scores) {num_experts = 4 : i64}
    : tensor<?x256xbf16>, tensor<?x1xi32>, tensor<?x1xf32>
    -> tensor<?x256xbf16>, tensor<?xi32>, tensor<5xi32>
  %inner = moe.grouped_matmul %rows, %gate_up, %offsets {epilogue = #moe.epilogue<swiglu>}
    : tensor<?x256xbf16>, tensor<4x256x256xbf16>, tensor<5xi32> -> tensor<?x128xbf16>
  %out = moe.grouped_matmul %inner, %down, %offsets
    : tensor<?x128xbf16>, tensor<4x128x256xbf16>, tensor<5xi32> -> tensor<?x256xbf16>
  %y = moe.combine %out, %src {top_k = 1 : i64} : tensor<?x256xbf16>, tensor<?xi32> -> tensor<?x256xbf16>
  %logits = moe.matmul %y, %head {op_class = #moe.op_class<lm_head>}
    : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>
  return %logits : tensor<?x384xbf16>
}
