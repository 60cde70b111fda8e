// moec-precision on a small post-fusion model (embedding, one MoE layer with
// fused QKV, routed experts and a shared expert, one dense-MLP layer, final
// norm and lm_head), under each precision. Checkpoint weights are stored in
// f32 (the embedding in bf16). Every run is checked by moec-verify-scaling.
// RUN: moec-opt %s --moec-precision=precision=f32 --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=F32 --implicit-check-not=moe.quantize --implicit-check-not=arith.truncf
// RUN: moec-opt %s --moec-precision --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=BF16 --implicit-check-not=moe.quantize --implicit-check-not=arith.extf
// RUN: moec-opt %s --moec-precision=precision=bf16 --moec-verify-scaling \
// RUN:   | FileCheck %s --check-prefix=BF16 --implicit-check-not=moe.quantize --implicit-check-not=arith.extf
// RUN: moec-opt %s --moec-precision=precision=fp8-rowwise --moec-verify-scaling | FileCheck %s --check-prefix=ROW
// RUN: moec-opt %s --moec-precision=precision=fp8-block --moec-verify-scaling | FileCheck %s --check-prefix=BLOCK
// RUN: moec-opt %s --moec-precision=precision=fp8-tensor --moec-verify-scaling | FileCheck %s --check-prefix=TENSOR

// f32: stored types are kept in graph.weight; the bf16 embedding table is
// widened right after its weight_ref, and the frontend's extf of the
// embedding output folds away. No FP8 anywhere.
// F32:      graph.weight @embed : tensor<384x256xbf16>
// F32-LABEL: func.func @forward
// F32-SAME:   -> tensor<?x384xf32>
// F32:      %[[TABLE:.+]] = graph.weight_ref @embed : tensor<384x256xbf16>
// F32-NEXT: %[[TABLE32:.+]] = arith.extf %[[TABLE]] : tensor<384x256xbf16> to tensor<384x256xf32>
// F32-NEXT: %[[H:.+]] = graph.embedding %[[TABLE32]][%{{.+}}] : tensor<384x256xf32>, tensor<?xi64> -> tensor<?x256xf32>
// F32-NEXT: %[[LN:.+]] = graph.weight_ref @l0.ln1 : tensor<256xf32>
// F32-NEXT: graph.rms_norm %[[H]], %[[LN]]
// F32:      moe.grouped_matmul {{.+}} : tensor<?x256xf32>, tensor<4x256x256xf32>, tensor<5xi32> -> tensor<?x128xf32>
// F32:      moe.matmul {{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xf32>, tensor<384x256xf32> -> tensor<?x384xf32>

// bf16 (the default): f32 checkpoint tensors are truncated right after
// their weight_ref (a packing step); activations, the router and the
// grouped matmuls are bf16, router scores stay f32.
// BF16-LABEL: func.func @forward
// BF16-SAME:   (%[[IDS:.+]]: tensor<?xi64>, %{{.+}}: tensor<?xi64>) -> tensor<?x384xbf16>
// BF16:      %[[TABLE:.+]] = graph.weight_ref @embed : tensor<384x256xbf16>
// BF16-NEXT: %[[H:.+]] = graph.embedding %[[TABLE]][%[[IDS]]] : tensor<384x256xbf16>, tensor<?xi64> -> tensor<?x256xbf16>
// BF16-NEXT: %[[LN:.+]] = graph.weight_ref @l0.ln1 : tensor<256xf32>
// BF16-NEXT: %[[LN16:.+]] = arith.truncf %[[LN]] : tensor<256xf32> to tensor<256xbf16>
// BF16-NEXT: %[[X:.+]] = graph.rms_norm %[[H]], %[[LN16]] {{.+}} : tensor<?x256xbf16>, tensor<256xbf16>
// BF16:      %[[WQKV:.+]] = tensor.concat dim(0) {{.+}} -> tensor<512x256xbf16>
// BF16-NEXT: %[[QKV:.+]] = moe.matmul %[[X]], %[[WQKV]] {op_class = #moe.op_class<attention>} : tensor<?x256xbf16>, tensor<512x256xbf16> -> tensor<?x512xbf16>
// BF16-NEXT: tensor.extract_slice %[[QKV]][0, 0] {{.+}} : tensor<?x512xbf16> to tensor<?x256xbf16>
// BF16:      graph.attention {{.+}} -> tensor<?x256xbf16>
// BF16:      moe.router_topk {{.+}} : tensor<?x256xbf16>, tensor<4x256xbf16> -> tensor<?x1xi32>, tensor<?x1xf32>
// BF16:      moe.grouped_matmul {{.+}} : tensor<?x256xbf16>, tensor<4x256x256xbf16>, tensor<5xi32> -> tensor<?x128xbf16>
// BF16:      arith.addf {{.+}} : tensor<?x256xbf16>
// BF16:      moe.matmul {{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>
// BF16-NEXT: return {{.+}} : tensor<?x384xbf16>

// fp8-rowwise: per-token activations x per-channel weights. The normalized
// activation is quantized once, right after the norm; weights after their
// concatenation (a compile-time constant).
// ROW-LABEL: func.func @forward
// ROW:      %[[X:.+]] = graph.rms_norm
// ROW-NEXT: %[[XQ:.+]], %[[XS:.+]] = moe.quantize %[[X]] {scaling = #moe.scaling<per_token>} : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x1xf32>
// ROW:      %[[WQKV:.+]] = tensor.concat dim(0) {{.+}} -> tensor<512x256xbf16>
// ROW-NEXT: %[[WQKVQ:.+]], %[[WQKVS:.+]] = moe.quantize %[[WQKV]] {scaling = #moe.scaling<per_channel>} : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<512x1xf32>
// ROW-NEXT: moe.matmul %[[XQ]], %[[WQKVQ]] scales(%[[XS]], %[[WQKVS]]) {lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<attention>, rhs_scaling = #moe.scaling<per_channel>}
// ROW-SAME:   : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x1xf32>, tensor<512x1xf32> -> tensor<?x512xbf16>
// The output projection keeps its residual.
// ROW:      %[[A:.+]] = graph.attention
// ROW-NEXT: %[[AQ:.+]], %[[AS:.+]] = moe.quantize %[[A]] {scaling = #moe.scaling<per_token>}
// ROW:      %[[WOQ:.+]], %[[WOS:.+]] = moe.quantize %{{.+}} {scaling = #moe.scaling<per_channel>} : tensor<256x256xbf16> -> tensor<256x256xf8E4M3FN>, tensor<256x1xf32>
// ROW-NEXT: %[[H1:.+]] = moe.matmul %[[AQ]], %[[WOQ]] scales(%[[AS]], %[[WOS]]) residual(%{{.+}} : tensor<?x256xbf16>) {{.+}} -> tensor<?x256xbf16>
// The router reads the bf16 normalized activation; the shared expert its
// FP8 quantization.
// ROW:      %[[Y:.+]] = graph.rms_norm %[[H1]]
// ROW-NEXT: %[[YQ:.+]], %[[YS:.+]] = moe.quantize %[[Y]] {scaling = #moe.scaling<per_token>}
// ROW:      moe.router_topk %[[Y]], %{{.+}} {top_k = 1 : i64} : tensor<?x256xbf16>, tensor<4x256xbf16>
// ROW-NEXT: %[[ROWS:.+]], %{{.+}}, %[[OFFSETS:.+]] = moe.dispatch %[[Y]]
// ROW-NEXT: %[[RQ:.+]], %[[RS:.+]] = moe.quantize %[[ROWS]] {scaling = #moe.scaling<per_token>}
// Grouped [E, K, N] weights: per-channel scales [E, 1, N] along K.
// ROW:      %[[GUQ:.+]], %[[GUS:.+]] = moe.quantize %{{.+}} {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>} : tensor<4x256x256xbf16> -> tensor<4x256x256xf8E4M3FN>, tensor<4x1x256xf32>
// ROW-NEXT: %[[INNER:.+]] = moe.grouped_matmul %[[RQ]], %[[GUQ]], %[[OFFSETS]] scales(%[[RS]], %[[GUS]]) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
// ROW-SAME:   -> tensor<?x128xbf16>
// ROW-NEXT: %[[IQ:.+]], %[[IS:.+]] = moe.quantize %[[INNER]] {scaling = #moe.scaling<per_token>} : tensor<?x128xbf16> -> tensor<?x128xf8E4M3FN>, tensor<?x1xf32>
// ROW:      %[[DQ:.+]], %[[DS:.+]] = moe.quantize %{{.+}} {reduction_dim = 1 : i64, scaling = #moe.scaling<per_channel>} : tensor<4x128x256xbf16> -> tensor<4x128x256xf8E4M3FN>, tensor<4x1x256xf32>
// ROW-NEXT: moe.grouped_matmul %[[IQ]], %[[DQ]], %[[OFFSETS]] scales(%[[IS]], %[[DS]])
// ROW:      moe.matmul %[[YQ]], %{{.+}} scales(%[[YS]], %{{.+}}) {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<shared_expert>, rhs_scaling = #moe.scaling<per_channel>}
// ROW:      moe.matmul {{.+}} residual({{.+}}) {lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<shared_expert>, rhs_scaling = #moe.scaling<per_channel>}
// ROW:      moe.matmul {{.+}} {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<dense_mlp>, rhs_scaling = #moe.scaling<per_channel>}
// ROW:      moe.matmul {{.+}} {lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<dense_mlp>, rhs_scaling = #moe.scaling<per_channel>}
// lm_head stays bf16 by default.
// ROW:      %[[F:.+]] = graph.rms_norm
// ROW-NOT:  moe.quantize
// ROW:      moe.matmul %[[F]], %{{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>

// fp8-block: 1x128 activation blocks x 128x128 weight blocks; K = 256 gives
// two scales per row, the K = 128 down projections one.
// BLOCK-LABEL: func.func @forward
// BLOCK:      moe.quantize %{{.+}} {scaling = #moe.scaling<block 1x128>} : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
// BLOCK:      moe.quantize %{{.+}} {scaling = #moe.scaling<block 128x128>} : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<4x2xf32>
// BLOCK-NEXT: moe.matmul {{.+}} {lhs_scaling = #moe.scaling<block 1x128>, op_class = #moe.op_class<attention>, rhs_scaling = #moe.scaling<block 128x128>}
// BLOCK-SAME:   : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x2xf32>, tensor<4x2xf32> -> tensor<?x512xbf16>
// BLOCK:      moe.quantize %{{.+}} {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>} : tensor<4x256x256xbf16> -> tensor<4x256x256xf8E4M3FN>, tensor<4x2x2xf32>
// BLOCK-NEXT: moe.grouped_matmul {{.+}} {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
// BLOCK-SAME:   tensor<?x2xf32>, tensor<4x2x2xf32> -> tensor<?x128xbf16>
// BLOCK-NEXT: moe.quantize %{{.+}} {scaling = #moe.scaling<block 1x128>} : tensor<?x128xbf16> -> tensor<?x128xf8E4M3FN>, tensor<?x1xf32>
// BLOCK:      moe.quantize %{{.+}} {reduction_dim = 1 : i64, scaling = #moe.scaling<block 128x128>} : tensor<4x128x256xbf16> -> tensor<4x128x256xf8E4M3FN>, tensor<4x1x2xf32>
// BLOCK:      moe.quantize %{{.+}} {scaling = #moe.scaling<block 128x128>} : tensor<256x128xbf16> -> tensor<256x128xf8E4M3FN>, tensor<2x1xf32>
// BLOCK-NEXT: moe.matmul {{.+}} residual({{.+}}) {lhs_scaling = #moe.scaling<block 1x128>, op_class = #moe.op_class<shared_expert>, rhs_scaling = #moe.scaling<block 128x128>}
// BLOCK:      moe.matmul {{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>

// fp8-tensor: one scale per tensor, and one per expert for grouped weights.
// TENSOR-LABEL: func.func @forward
// TENSOR:      moe.quantize %{{.+}} {scaling = #moe.scaling<per_tensor>} : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<1x1xf32>
// TENSOR:      moe.quantize %{{.+}} {scaling = #moe.scaling<per_tensor>} : tensor<512x256xbf16> -> tensor<512x256xf8E4M3FN>, tensor<1x1xf32>
// TENSOR-NEXT: moe.matmul {{.+}} {lhs_scaling = #moe.scaling<per_tensor>, op_class = #moe.op_class<attention>, rhs_scaling = #moe.scaling<per_tensor>}
// TENSOR:      moe.quantize %{{.+}} {reduction_dim = 1 : i64, scaling = #moe.scaling<per_tensor>} : tensor<4x256x256xbf16> -> tensor<4x256x256xf8E4M3FN>, tensor<4x1x1xf32>
// TENSOR-NEXT: moe.grouped_matmul {{.+}} {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
// TENSOR:      moe.matmul {{.+}} {op_class = #moe.op_class<lm_head>} : tensor<?x256xbf16>, tensor<384x256xbf16> -> tensor<?x384xbf16>

module {
  graph.weight @embed : tensor<384x256xbf16>
  graph.weight @l0.ln1 : tensor<256xf32>
  graph.weight @l0.wq : tensor<256x256xf32>
  graph.weight @l0.wk : tensor<128x256xf32>
  graph.weight @l0.wv : tensor<128x256xf32>
  graph.weight @l0.wo : tensor<256x256xf32>
  graph.weight @l0.ln2 : tensor<256xf32>
  graph.weight @l0.router : tensor<4x256xf32>
  graph.weight @l0.gate_up : tensor<4x256x256xf32>
  graph.weight @l0.down : tensor<4x128x256xf32>
  graph.weight @l0.shared_gate : tensor<128x256xf32>
  graph.weight @l0.shared_up : tensor<128x256xf32>
  graph.weight @l0.shared_down : tensor<256x128xf32>
  graph.weight @l1.ln2 : tensor<256xf32>
  graph.weight @l1.gate : tensor<128x256xf32>
  graph.weight @l1.up : tensor<128x256xf32>
  graph.weight @l1.down : tensor<256x128xf32>
  graph.weight @norm : tensor<256xf32>
  graph.weight @lm_head : tensor<384x256xf32>

  func.func @forward(%ids: tensor<?xi64>, %pos: tensor<?xi64>) -> tensor<?x384xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %table = graph.weight_ref @embed : tensor<384x256xbf16>
    %h = graph.embedding %table[%ids] : tensor<384x256xbf16>, tensor<?xi64> -> tensor<?x256xbf16>
    %h0 = arith.extf %h : tensor<?x256xbf16> to tensor<?x256xf32>
    // Layer 0: attention with fused QKV, MoE with a shared expert.
    %ln1 = graph.weight_ref @l0.ln1 : tensor<256xf32>
    %x = graph.rms_norm %h0, %ln1 {epsilon = 1.0e-05 : f64} : tensor<?x256xf32>, tensor<256xf32>
    %wq = graph.weight_ref @l0.wq : tensor<256x256xf32>
    %wk = graph.weight_ref @l0.wk : tensor<128x256xf32>
    %wv = graph.weight_ref @l0.wv : tensor<128x256xf32>
    %wqkv = tensor.concat dim(0) %wq, %wk, %wv
      : (tensor<256x256xf32>, tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<512x256xf32>
    %qkv = moe.matmul %x, %wqkv {op_class = #moe.op_class<attention>}
      : tensor<?x256xf32>, tensor<512x256xf32> -> tensor<?x512xf32>
    %q = tensor.extract_slice %qkv[0, 0] [%n, 256] [1, 1] : tensor<?x512xf32> to tensor<?x256xf32>
    %k = tensor.extract_slice %qkv[0, 256] [%n, 128] [1, 1] : tensor<?x512xf32> to tensor<?x128xf32>
    %v = tensor.extract_slice %qkv[0, 384] [%n, 128] [1, 1] : tensor<?x512xf32> to tensor<?x128xf32>
    %a = graph.attention %q, %k, %v, %pos {num_heads = 2 : i64, num_kv_heads = 1 : i64,
                                           head_dim = 128 : i64, mask = #graph.mask<causal>}
      : tensor<?x256xf32>, tensor<?x128xf32>, tensor<?x128xf32>, tensor<?xi64> -> tensor<?x256xf32>
    %wo = graph.weight_ref @l0.wo : tensor<256x256xf32>
    %h1 = moe.matmul %a, %wo residual(%h0 : tensor<?x256xf32>) {op_class = #moe.op_class<attention>}
      : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
    %ln2 = graph.weight_ref @l0.ln2 : tensor<256xf32>
    %y = graph.rms_norm %h1, %ln2 {epsilon = 1.0e-05 : f64} : tensor<?x256xf32>, tensor<256xf32>
    %router = graph.weight_ref @l0.router : tensor<4x256xf32>
    %experts, %scores = moe.router_topk %y, %router {top_k = 1 : i64}
      : tensor<?x256xf32>, tensor<4x256xf32> -> tensor<?x1xi32>, tensor<?x1xf32>
    %rows, %src, %offsets = moe.dispatch %y, %experts scores(%scores) {num_experts = 4 : i64}
      : tensor<?x256xf32>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x256xf32>, tensor<?xi32>, tensor<5xi32>
    %gate_up = graph.weight_ref @l0.gate_up : tensor<4x256x256xf32>
    %inner = moe.grouped_matmul %rows, %gate_up, %offsets {epilogue = #moe.epilogue<swiglu>}
      : tensor<?x256xf32>, tensor<4x256x256xf32>, tensor<5xi32> -> tensor<?x128xf32>
    %down = graph.weight_ref @l0.down : tensor<4x128x256xf32>
    %out = moe.grouped_matmul %inner, %down, %offsets
      : tensor<?x128xf32>, tensor<4x128x256xf32>, tensor<5xi32> -> tensor<?x256xf32>
    %routed = moe.combine %out, %src {top_k = 1 : i64} : tensor<?x256xf32>, tensor<?xi32> -> tensor<?x256xf32>
    %sg = graph.weight_ref @l0.shared_gate : tensor<128x256xf32>
    %su = graph.weight_ref @l0.shared_up : tensor<128x256xf32>
    %sgu = tensor.concat dim(0) %sg, %su : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<256x256xf32>
    %s = moe.matmul %y, %sgu {epilogue = #moe.epilogue<swiglu>, op_class = #moe.op_class<shared_expert>}
      : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x128xf32>
    %sd = graph.weight_ref @l0.shared_down : tensor<256x128xf32>
    %moe = moe.matmul %s, %sd residual(%routed : tensor<?x256xf32>) {op_class = #moe.op_class<shared_expert>}
      : tensor<?x128xf32>, tensor<256x128xf32> -> tensor<?x256xf32>
    %h2 = arith.addf %h1, %moe : tensor<?x256xf32>
    // Layer 1 (attention left out): a dense SwiGLU MLP.
    %ln3 = graph.weight_ref @l1.ln2 : tensor<256xf32>
    %z = graph.rms_norm %h2, %ln3 {epsilon = 1.0e-05 : f64} : tensor<?x256xf32>, tensor<256xf32>
    %g = graph.weight_ref @l1.gate : tensor<128x256xf32>
    %u = graph.weight_ref @l1.up : tensor<128x256xf32>
    %gu = tensor.concat dim(0) %g, %u : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<256x256xf32>
    %m = moe.matmul %z, %gu {epilogue = #moe.epilogue<swiglu>, op_class = #moe.op_class<dense_mlp>}
      : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x128xf32>
    %d = graph.weight_ref @l1.down : tensor<256x128xf32>
    %h3 = moe.matmul %m, %d residual(%h2 : tensor<?x256xf32>) {op_class = #moe.op_class<dense_mlp>}
      : tensor<?x128xf32>, tensor<256x128xf32> -> tensor<?x256xf32>
    // Final norm and lm_head.
    %nw = graph.weight_ref @norm : tensor<256xf32>
    %f = graph.rms_norm %h3, %nw {epsilon = 1.0e-05 : f64} : tensor<?x256xf32>, tensor<256xf32>
    %head = graph.weight_ref @lm_head : tensor<384x256xf32>
    %logits = moe.matmul %f, %head {op_class = #moe.op_class<lm_head>}
      : tensor<?x256xf32>, tensor<384x256xf32> -> tensor<?x384xf32>
    return %logits : tensor<?x384xf32>
  }
}
