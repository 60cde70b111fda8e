// RUN: moec-opt %s -split-input-file --moec-linear-to-matmul -verify-diagnostics | FileCheck %s

// The output projection reads the attention's result: attention.
// CHECK-LABEL: func.func @o_proj
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x64xf32>, %[[K:[^:]*]]: tensor<?x32xf32>, %[[V:[^:]*]]: tensor<?x32xf32>, %[[POS:[^:]*]]: tensor<?xi64>, %[[WO:[^:]*]]: tensor<64x64xf32>)
// CHECK-NEXT: %[[A:.+]] = graph.attention
// CHECK-NEXT: %[[O:.+]] = moe.matmul %[[A]], %[[WO]] {op_class = #moe.op_class<attention>} : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @o_proj(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %pos: tensor<?xi64>,
                  %wo: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %a = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                         mask = #graph.mask<causal>}
       : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xf32>
  %o = graph.linear %a, %wo : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

// The logits, only returned: lm_head (here with the tied embedding table).
// CHECK-LABEL: func.func @lm_head
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x64xbf16>, %[[NORM:[^:]*]]: tensor<64xbf16>)
// CHECK: %[[TABLE:.+]] = graph.weight_ref @embed_tokens : tensor<128x64xbf16>
// CHECK: %[[X:.+]] = graph.rms_norm
// CHECK-NEXT: %[[LOGITS:.+]] = moe.matmul %[[X]], %[[TABLE]] {op_class = #moe.op_class<lm_head>} : tensor<?x64xbf16>, tensor<128x64xbf16> -> tensor<?x128xbf16>
// CHECK-NEXT: return %[[LOGITS]]
graph.weight @embed_tokens : tensor<128x64xbf16>
func.func @lm_head(%h: tensor<?x64xbf16>, %norm: tensor<64xbf16>) -> tensor<?x128xbf16> {
  %table = graph.weight_ref @embed_tokens : tensor<128x64xbf16>
  %x = graph.rms_norm %h, %norm {epsilon = 1.0e-05 : f64} : tensor<?x64xbf16>, tensor<64xbf16>
  %logits = graph.linear %x, %table : tensor<?x64xbf16>, tensor<128x64xbf16> -> tensor<?x128xbf16>
  return %logits : tensor<?x128xbf16>
}

// -----

// Unfused query, key and value projections (their weights could not be
// packed): attention, whether they reach it through graph.rope or not.
// CHECK-LABEL: func.func @unfused_qkv
// CHECK: moe.matmul {{.*}} {op_class = #moe.op_class<attention>} : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
// CHECK-NEXT: moe.matmul {{.*}} {op_class = #moe.op_class<attention>} : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
// CHECK-NEXT: moe.matmul {{.*}} {op_class = #moe.op_class<attention>} : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
// CHECK-NOT: graph.linear
func.func @unfused_qkv(%x: tensor<?x64xf32>, %pos: tensor<?xi64>, %wq: tensor<64x64xbf16>,
                       %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>) -> tensor<?x64xf32> {
  %q = graph.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
  %k = graph.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  %v = graph.linear %x, %wv : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  %qr = graph.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<?x64xf32>, tensor<?xi64>
  %kr = graph.rope %k, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f64} : tensor<?x32xf32>, tensor<?xi64>
  %a = graph.attention %qr, %kr, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64,
                                           mask = #graph.mask<causal>}
       : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

// -----

// Fused projections are already moe.matmul and are left as they are.
// CHECK-LABEL: func.func @already_matmul
// CHECK-NEXT: moe.matmul {{.*}} {op_class = #moe.op_class<shared_expert>}
func.func @already_matmul(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %y = moe.matmul %x, %w {op_class = #moe.op_class<shared_expert>} : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// A projection between two dense ops says nothing about its role: every
// such projection is reported, and none is converted.
func.func @unknown_roles(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<64x64xf32>) -> tensor<?x64xf32> {
  // expected-error@+1 {{'graph.linear' op cannot infer the role of this projection; expected an attention output projection, a query/key/value projection or the lm_head}}
  %a = graph.linear %x, %w1 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  // expected-error@+1 {{'graph.linear' op cannot infer the role of this projection}}
  %b = graph.linear %a, %w2 : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %y = arith.addf %x, %b : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Returned and also used elsewhere: not only the logits, so not lm_head.
func.func @returned_and_used(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // expected-error@+1 {{'graph.linear' op cannot infer the role of this projection}}
  %y = graph.linear %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %z = arith.addf %x, %y : tensor<?x64xf32>
  return %y, %z : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A projection of the attention's updated key cache is not its output.
func.func @cache_projection(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %pos: tensor<?xi64>,
                            %kc: tensor<256x32xf32>, %vc: tensor<256x32xf32>,
                            %w: tensor<32x32xf32>) -> (tensor<?x64xf32>, tensor<256x32xf32>) {
  %a, %kc2, %vc2 = graph.attention %q, %k, %v, %pos cache(%kc, %vc)
                     {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64, mask = #graph.mask<causal>}
                   : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi64>, tensor<256x32xf32>,
                     tensor<256x32xf32> -> tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>
  // expected-error@+1 {{'graph.linear' op cannot infer the role of this projection}}
  %p = graph.linear %kc2, %w : tensor<256x32xf32>, tensor<32x32xf32> -> tensor<256x32xf32>
  %s = arith.addf %p, %vc2 : tensor<256x32xf32>
  return %a, %s : tensor<?x64xf32>, tensor<256x32xf32>
}

// -----

// FP8 weights need scales that graph.linear does not carry.
func.func @fp8_weight(%x: tensor<?x64xbf16>, %w: tensor<128x64xf8E4M3FN>) -> tensor<?x128xbf16> {
  // expected-error@+1 {{'graph.linear' op has FP8 operands but no scales; FP8 weights enter the graph through moe.dequantize}}
  %logits = graph.linear %x, %w : tensor<?x64xbf16>, tensor<128x64xf8E4M3FN> -> tensor<?x128xbf16>
  return %logits : tensor<?x128xbf16>
}
