// Round trip of moe.matmul: bf16, the residual and SwiGLU epilogues, FP8
// with each supported pair of activation x weight scaling granularities,
// and the op_class roles.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// rhs is [N, K] (nn.Linear layout): 16 -> 32 features.
// CHECK-LABEL: func.func @plain(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<32x16xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = moe.matmul %[[LHS]], %[[RHS]]
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @plain(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x16xbf16>) -> tensor<?x32xbf16> {
  %y = moe.matmul %lhs, %rhs : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// The default epilogue is elided when printing.
// CHECK-LABEL: func.func @explicit_none(
//       CHECK:   moe.matmul
//   CHECK-NOT:     epilogue
//  CHECK-SAME:     : tensor<3x16xf32>, tensor<32x16xf32> -> tensor<3x32xf32>
func.func @explicit_none(%lhs: tensor<3x16xf32>, %rhs: tensor<32x16xf32>) -> tensor<3x32xf32> {
  %y = moe.matmul %lhs, %rhs {epilogue = #moe.epilogue<none>} : tensor<3x16xf32>, tensor<32x16xf32> -> tensor<3x32xf32>
  return %y : tensor<3x32xf32>
}

// The skip connection is added in the epilogue.
// CHECK-LABEL: func.func @residual(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x64xbf16>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<64x64xbf16>
//  CHECK-SAME:     %[[SKIP:[a-z0-9_]+]]: tensor<?x64xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = moe.matmul %[[LHS]], %[[RHS]] residual(%[[SKIP]] : tensor<?x64xbf16>)
//  CHECK-SAME:     : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @residual(%lhs: tensor<?x64xbf16>, %rhs: tensor<64x64xbf16>, %skip: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.matmul %lhs, %rhs residual(%skip : tensor<?x64xbf16>) : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// SwiGLU treats the 64 rhs rows as [gate | up] halves: 32 columns out.
// CHECK-LABEL: func.func @swiglu(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<64x16xbf16>
//  CHECK-NEXT:   %[[Y:.*]] = moe.matmul %[[LHS]], %[[RHS]] {epilogue = #moe.epilogue<swiglu>}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x32xbf16>
func.func @swiglu(%lhs: tensor<?x16xbf16>, %rhs: tensor<64x16xbf16>) -> tensor<?x32xbf16> {
  %y = moe.matmul %lhs, %rhs {epilogue = #moe.epilogue<swiglu>} : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// Both epilogues: the residual has the halved SwiGLU width.
// CHECK-LABEL: func.func @swiglu_residual(
//       CHECK:   moe.matmul %{{.*}}, %{{.*}} residual(%{{.*}} : tensor<?x32xbf16>) {epilogue = #moe.epilogue<swiglu>}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x32xbf16>
func.func @swiglu_residual(%lhs: tensor<?x16xbf16>, %rhs: tensor<64x16xbf16>, %skip: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  %y = moe.matmul %lhs, %rhs residual(%skip : tensor<?x32xbf16>) {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// FP8, a scale per token row and one per weight output channel: rhs
// [N, K] = [64, 256] has per-channel scales [N, 1].
// CHECK-LABEL: func.func @fp8_per_token_per_channel(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x256xf8E4M3FN>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<64x256xf8E4M3FN>
//  CHECK-SAME:     %[[LS:[a-z0-9_]+]]: tensor<?x1xf32>
//  CHECK-SAME:     %[[RS:[a-z0-9_]+]]: tensor<64x1xf32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.matmul %[[LHS]], %[[RHS]] scales(%[[LS]], %[[RS]])
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x1xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @fp8_per_token_per_channel(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                                     %ls: tensor<?x1xf32>, %rs: tensor<64x1xf32>) -> tensor<?x64xbf16> {
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x1xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// FP8 DeepSeek-style blocks: rhs [N, K] = [512, 256] has 128x128 block
// scales [ceil(N / 128), ceil(K / 128)] = [4, 2]; activations 1x128 blocks.
// CHECK-LABEL: func.func @fp8_block(
//       CHECK:   moe.matmul
//  CHECK-SAME:     scales(
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x2xf32>, tensor<4x2xf32> -> tensor<?x512xbf16>
func.func @fp8_block(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<512x256xf8E4M3FN>,
                     %ls: tensor<?x2xf32>, %rs: tensor<4x2xf32>) -> tensor<?x512xbf16> {
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x2xf32>, tensor<4x2xf32> -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// Partial blocks round up: N = 192 and K = 200 need 2 blocks each.
// CHECK-LABEL: func.func @fp8_partial_blocks(
//       CHECK:   moe.matmul
//  CHECK-SAME:     : tensor<3x200xf8E4M3FN>, tensor<192x200xf8E4M3FN>, tensor<3x2xf32>, tensor<2x2xf32> -> tensor<3x192xf32>
func.func @fp8_partial_blocks(%lhs: tensor<3x200xf8E4M3FN>, %rhs: tensor<192x200xf8E4M3FN>,
                              %ls: tensor<3x2xf32>, %rs: tensor<2x2xf32>) -> tensor<3x192xf32> {
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<3x200xf8E4M3FN>, tensor<192x200xf8E4M3FN>, tensor<3x2xf32>, tensor<2x2xf32> -> tensor<3x192xf32>
  return %y : tensor<3x192xf32>
}

// FP8 with one scale per operand, E5M2.
// CHECK-LABEL: func.func @fp8_per_tensor(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x16xf8E5M2>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<32x16xf8E5M2>
//  CHECK-SAME:     %[[LS:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-SAME:     %[[RS:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.matmul %[[LHS]], %[[RHS]] scales(%[[LS]], %[[RS]])
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<?x16xf8E5M2>, tensor<32x16xf8E5M2>, tensor<1x1xf32>, tensor<1x1xf32> -> tensor<?x32xbf16>
func.func @fp8_per_tensor(%lhs: tensor<?x16xf8E5M2>, %rhs: tensor<32x16xf8E5M2>,
                          %ls: tensor<1x1xf32>, %rs: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E5M2>, tensor<32x16xf8E5M2>, tensor<1x1xf32>, tensor<1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// FP8 with a residual and a role, all in one op (Maverick's o_proj).
// CHECK-LABEL: func.func @fp8_residual_op_class(
//       CHECK:   moe.matmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) residual(%{{.*}} : tensor<?x5120xbf16>)
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<per_token>, op_class = #moe.op_class<attention>, rhs_scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<?x5120xf8E4M3FN>, tensor<5120x5120xf8E4M3FN>, tensor<?x1xf32>, tensor<5120x1xf32> -> tensor<?x5120xbf16>
func.func @fp8_residual_op_class(%lhs: tensor<?x5120xf8E4M3FN>, %rhs: tensor<5120x5120xf8E4M3FN>,
                                 %ls: tensor<?x1xf32>, %rs: tensor<5120x1xf32>,
                                 %skip: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs) residual(%skip : tensor<?x5120xbf16>)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>,
          op_class = #moe.op_class<attention>}
       : tensor<?x5120xf8E4M3FN>, tensor<5120x5120xf8E4M3FN>, tensor<?x1xf32>, tensor<5120x1xf32> -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}

// Every role a projection can have.
// CHECK-LABEL: func.func @op_classes(
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<attention>}
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<dense_mlp>}
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<shared_expert>}
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<routed_expert>}
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<router>}
//       CHECK:   moe.matmul {{.*}} {op_class = #moe.op_class<lm_head>}
func.func @op_classes(%x: tensor<?x16xbf16>, %w: tensor<32x16xbf16>) {
  %0 = moe.matmul %x, %w {op_class = #moe.op_class<attention>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  %1 = moe.matmul %x, %w {op_class = #moe.op_class<dense_mlp>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  %2 = moe.matmul %x, %w {op_class = #moe.op_class<shared_expert>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  %3 = moe.matmul %x, %w {op_class = #moe.op_class<routed_expert>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  %4 = moe.matmul %x, %w {op_class = #moe.op_class<router>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  %5 = moe.matmul %x, %w {op_class = #moe.op_class<lm_head>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return
}

// Llama 4 Scout's fused QKV projection: 5120 -> 40 + 8 + 8 heads of 128.
// CHECK-LABEL: func.func @scout_qkv(
//       CHECK:   moe.matmul
//  CHECK-SAME:     : tensor<?x5120xbf16>, tensor<7168x5120xbf16> -> tensor<?x7168xbf16>
func.func @scout_qkv(%x: tensor<?x5120xbf16>, %w: tensor<7168x5120xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.matmul %x, %w {op_class = #moe.op_class<attention>} : tensor<?x5120xbf16>, tensor<7168x5120xbf16> -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
