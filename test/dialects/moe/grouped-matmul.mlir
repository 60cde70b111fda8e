// Round trip of moe.grouped_matmul: bf16, the SwiGLU epilogue, and FP8 with
// each supported pair of activation x weight scaling granularities.
// RUN: moec-opt %s --verify-roundtrip | FileCheck %s
// RUN: moec-opt %s -mlir-print-op-generic | moec-opt | FileCheck %s

// CHECK-LABEL: func.func @bf16(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<4x16x32xbf16>
//  CHECK-SAME:     %[[OFFSETS:[a-z0-9_]+]]: tensor<5xi32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.grouped_matmul %[[LHS]], %[[RHS]], %[[OFFSETS]]
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<4x16x32xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @bf16(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<?x16xbf16>, tensor<4x16x32xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// The default epilogue is elided when printing.
// CHECK-LABEL: func.func @explicit_none(
//       CHECK:   moe.grouped_matmul
//   CHECK-NOT:     epilogue
//  CHECK-SAME:     : tensor<3x16xf32>, tensor<4x16x32xf32>, tensor<5xi64> -> tensor<3x32xf32>
func.func @explicit_none(%lhs: tensor<3x16xf32>, %rhs: tensor<4x16x32xf32>, %offsets: tensor<5xi64>) -> tensor<3x32xf32> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {epilogue = #moe.epilogue<none>}
       : tensor<3x16xf32>, tensor<4x16x32xf32>, tensor<5xi64> -> tensor<3x32xf32>
  return %y : tensor<3x32xf32>
}

// SwiGLU halves the width: [gate | up] of 64 columns gives 32.
// CHECK-LABEL: func.func @swiglu(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x16xbf16>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<4x16x64xbf16>
//  CHECK-SAME:     %[[OFFSETS:[a-z0-9_]+]]: tensor<5xi32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.grouped_matmul %[[LHS]], %[[RHS]], %[[OFFSETS]] {epilogue = #moe.epilogue<swiglu>}
//  CHECK-SAME:     : tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
func.func @swiglu(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x64xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// FP8, one scale for the activations and one per expert for the weights.
// CHECK-LABEL: func.func @fp8_per_tensor(
//  CHECK-SAME:     %[[LHS:[a-z0-9_]+]]: tensor<?x256xf8E4M3FN>
//  CHECK-SAME:     %[[RHS:[a-z0-9_]+]]: tensor<4x256x64xf8E4M3FN>
//  CHECK-SAME:     %[[OFFSETS:[a-z0-9_]+]]: tensor<5xi32>
//  CHECK-SAME:     %[[LS:[a-z0-9_]+]]: tensor<1x1xf32>
//  CHECK-SAME:     %[[RS:[a-z0-9_]+]]: tensor<4x1x1xf32>
//  CHECK-NEXT:   %[[Y:.*]] = moe.grouped_matmul %[[LHS]], %[[RHS]], %[[OFFSETS]] scales(%[[LS]], %[[RS]])
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x64xbf16>
//  CHECK-NEXT:   return %[[Y]]
func.func @fp8_per_tensor(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                          %ls: tensor<1x1xf32>, %rs: tensor<4x1x1xf32>) -> tensor<?x64xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// FP8, a scale per token row and one per weight output channel.
// CHECK-LABEL: func.func @fp8_per_token_per_channel(
//       CHECK:   moe.grouped_matmul
//  CHECK-SAME:     scales(
//  CHECK-SAME:     {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
func.func @fp8_per_token_per_channel(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                     %ls: tensor<?x1xf32>, %rs: tensor<4x1x64xf32>) -> tensor<?x64xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// FP8 DeepSeek-style blocks with the SwiGLU epilogue: K = 256 is two 128
// blocks, N = 512 is four.
// CHECK-LABEL: func.func @fp8_block_swiglu(
//       CHECK:   moe.grouped_matmul
//  CHECK-SAME:     scales(
//  CHECK-SAME:     {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
//  CHECK-SAME:     : tensor<?x256xf8E4M3FN>, tensor<4x256x512xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x2x4xf32> -> tensor<?x256xbf16>
func.func @fp8_block_swiglu(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x512xf8E4M3FN>, %offsets: tensor<5xi32>,
                            %ls: tensor<?x2xf32>, %rs: tensor<4x2x4xf32>) -> tensor<?x256xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x512xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x2x4xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// Partial blocks round up: K = 200 and N = 192 need 2 blocks each.
// CHECK-LABEL: func.func @fp8_partial_blocks(
//       CHECK:   moe.grouped_matmul
//  CHECK-SAME:     : tensor<3x200xf8E4M3FN>, tensor<4x200x192xf8E4M3FN>, tensor<5xi32>, tensor<3x2xf32>, tensor<4x2x2xf32> -> tensor<3x192xf32>
func.func @fp8_partial_blocks(%lhs: tensor<3x200xf8E4M3FN>, %rhs: tensor<4x200x192xf8E4M3FN>, %offsets: tensor<5xi32>,
                              %ls: tensor<3x2xf32>, %rs: tensor<4x2x2xf32>) -> tensor<3x192xf32> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<3x200xf8E4M3FN>, tensor<4x200x192xf8E4M3FN>, tensor<5xi32>, tensor<3x2xf32>, tensor<4x2x2xf32> -> tensor<3x192xf32>
  return %y : tensor<3x192xf32>
}

// The other FP8 format, E5M2.
// CHECK-LABEL: func.func @fp8_e5m2(
//       CHECK:   moe.grouped_matmul
//  CHECK-SAME:     : tensor<?x16xf8E5M2>, tensor<4x16x32xf8E5M2>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
func.func @fp8_e5m2(%lhs: tensor<?x16xf8E5M2>, %rhs: tensor<4x16x32xf8E5M2>, %offsets: tensor<5xi32>,
                    %ls: tensor<1x1xf32>, %rs: tensor<4x1x1xf32>) -> tensor<?x32xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E5M2>, tensor<4x16x32xf8E5M2>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// Llama 4 Scout's FP8 gate|up projection: 16 experts, 5120 -> 2 x 8192.
// CHECK-LABEL: func.func @scout_gate_up(
//       CHECK:   moe.grouped_matmul
//  CHECK-SAME:     : tensor<?x5120xf8E4M3FN>, tensor<16x5120x16384xf8E4M3FN>, tensor<17xi32>, tensor<?x40xf32>, tensor<16x40x128xf32> -> tensor<?x8192xbf16>
func.func @scout_gate_up(%lhs: tensor<?x5120xf8E4M3FN>, %rhs: tensor<16x5120x16384xf8E4M3FN>, %offsets: tensor<17xi32>,
                         %ls: tensor<?x40xf32>, %rs: tensor<16x40x128xf32>) -> tensor<?x8192xbf16> {
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {epilogue = #moe.epilogue<swiglu>, lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x5120xf8E4M3FN>, tensor<16x5120x16384xf8E4M3FN>, tensor<17xi32>, tensor<?x40xf32>, tensor<16x40x128xf32> -> tensor<?x8192xbf16>
  return %y : tensor<?x8192xbf16>
}
