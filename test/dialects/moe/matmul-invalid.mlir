// Diagnostics of moe.matmul: shapes, the SwiGLU epilogue, the residual, and
// FP8 scales whose granularity does not fit their operand.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// rhs is [N, K]: its dimension 1 must be lhs's K.
func.func @rhs_k(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x8xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs has type 'tensor<32x8xbf16>', expected shape [32, 16]}}
  %y = moe.matmul %lhs, %rhs : tensor<?x16xbf16>, tensor<32x8xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// A [K, N] rhs (the checkpoint layout of fused experts) is not accepted.
func.func @rhs_transposed(%lhs: tensor<?x16xbf16>, %rhs: tensor<16x32xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs has type 'tensor<16x32xbf16>', expected shape [16, 16]}}
  %y = moe.matmul %lhs, %rhs : tensor<?x16xbf16>, tensor<16x32xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @odd_swiglu_rows(%lhs: tensor<?x16xbf16>, %rhs: tensor<63x16xbf16>) -> tensor<?x31xbf16> {
  // expected-error@+1 {{'moe.matmul' op swiglu epilogue needs an even number of rhs rows (gate | up), got 63}}
  %y = moe.matmul %lhs, %rhs {epilogue = #moe.epilogue<swiglu>} : tensor<?x16xbf16>, tensor<63x16xbf16> -> tensor<?x31xbf16>
  return %y : tensor<?x31xbf16>
}

// -----

// SwiGLU halves the width: 64 rhs rows in, 32 columns out.
func.func @swiglu_result_width(%lhs: tensor<?x16xbf16>, %rhs: tensor<64x16xbf16>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op result has type 'tensor<?x64xbf16>', expected shape [?, 32]}}
  %y = moe.matmul %lhs, %rhs {epilogue = #moe.epilogue<swiglu>} : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @result_rows(%lhs: tensor<6x16xbf16>, %rhs: tensor<32x16xbf16>) -> tensor<3x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op result has type 'tensor<3x32xbf16>', expected shape [6, 32]}}
  %y = moe.matmul %lhs, %rhs : tensor<6x16xbf16>, tensor<32x16xbf16> -> tensor<3x32xbf16>
  return %y : tensor<3x32xbf16>
}

// -----

func.func @residual_shape(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x16xbf16>, %skip: tensor<?x16xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op residual type 'tensor<?x16xbf16>' does not match the result type 'tensor<?x32xbf16>'}}
  %y = moe.matmul %lhs, %rhs residual(%skip : tensor<?x16xbf16>) : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// The residual is added in the result type: no implicit conversion.
func.func @residual_element_type(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x16xbf16>, %skip: tensor<?x32xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op residual type 'tensor<?x32xf32>' does not match the result type 'tensor<?x32xbf16>'}}
  %y = moe.matmul %lhs, %rhs residual(%skip : tensor<?x32xf32>) : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// With SwiGLU the residual has the halved width, not the rhs row count.
func.func @swiglu_residual_width(%lhs: tensor<?x16xbf16>, %rhs: tensor<64x16xbf16>, %skip: tensor<?x64xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op residual type 'tensor<?x64xbf16>' does not match the result type 'tensor<?x32xbf16>'}}
  %y = moe.matmul %lhs, %rhs residual(%skip : tensor<?x64xbf16>) {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x16xbf16>, tensor<64x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @mixed_fp8(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<32x16xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs and rhs must both be FP8 or both not}}
  %y = moe.matmul %lhs, %rhs : tensor<?x16xf8E4M3FN>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @scales_on_bf16(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x16xbf16>,
                          %ls: tensor<1x1xf32>, %rs: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op scales are only valid with FP8 operands}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xbf16>, tensor<32x16xbf16>, tensor<1x1xf32>, tensor<1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @scaling_on_bf16(%lhs: tensor<?x16xbf16>, %rhs: tensor<32x16xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op scales are only valid with FP8 operands}}
  %y = moe.matmul %lhs, %rhs {rhs_scaling = #moe.scaling<per_channel>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @fp8_without_scales(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<32x16xf8E4M3FN>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = moe.matmul %lhs, %rhs : tensor<?x16xf8E4M3FN>, tensor<32x16xf8E4M3FN> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @fp8_missing_rhs_scaling(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<32x16xf8E4M3FN>,
                                   %ls: tensor<1x1xf32>, %rs: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs) {lhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E4M3FN>, tensor<32x16xf8E4M3FN>, tensor<1x1xf32>, tensor<1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// Only reachable in the generic form: the custom form takes both scales.
func.func @fp8_one_scale(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<32x16xf8E4M3FN>,
                         %ls: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = "moe.matmul"(%lhs, %rhs, %ls)
         <{lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}>
       : (tensor<?x16xf8E4M3FN>, tensor<32x16xf8E4M3FN>, tensor<1x1xf32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @per_channel_activation(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                                  %ls: tensor<?x1xf32>, %rs: tensor<64x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs (activation) scaling cannot be per_channel; use per_token}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_channel>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x1xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @per_token_weight(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                            %ls: tensor<?x1xf32>, %rs: tensor<64x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs (weight) scaling cannot be per_token; use per_channel}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_token>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x1xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @activation_block_rows(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<256x256xf8E4M3FN>,
                                 %ls: tensor<?x2xf32>, %rs: tensor<2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs block scaling must cover one token per scale (1xK'), got #moe.scaling<block 128x128>}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 128x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<256x256xf8E4M3FN>, tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @block_on_lhs_only(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                             %ls: tensor<?x2xf32>, %rs: tensor<64x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op block scaling must be used on both operands, got #moe.scaling<block 1x128> and #moe.scaling<per_channel>}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x2xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @block_on_rhs_only(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<256x256xf8E4M3FN>,
                             %ls: tensor<?x1xf32>, %rs: tensor<2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op block scaling must be used on both operands, got #moe.scaling<per_token> and #moe.scaling<block 128x128>}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<256x256xf8E4M3FN>, tensor<?x1xf32>, tensor<2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @blocks_disagree_along_k(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<256x256xf8E4M3FN>,
                                   %ls: tensor<?x2xf32>, %rs: tensor<2x4xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs and rhs scaling blocks disagree along K (128 vs 64)}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x64>}
       : tensor<?x256xf8E4M3FN>, tensor<256x256xf8E4M3FN>, tensor<?x2xf32>, tensor<2x4xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @per_token_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                                 %ls: tensor<?x2xf32>, %rs: tensor<64x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs scale 'tensor<?x2xf32>' does not fit #moe.scaling<per_token> scaling of 'tensor<?x256xf8E4M3FN>': expected shape [?, 1]}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x2xf32>, tensor<64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// Per-channel weight scales are [N, 1] for the [N, K] rhs; [1, N] is the
// layout of a [K, N] weight.
func.func @per_channel_scale_transposed(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                                        %ls: tensor<?x1xf32>, %rs: tensor<1x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs scale 'tensor<1x64xf32>' does not fit #moe.scaling<per_channel> scaling of 'tensor<64x256xf8E4M3FN>': expected shape [64, 1]}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<?x1xf32>, tensor<1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// A per-tensor scale is one value, but still a rank-2 tensor.
func.func @per_tensor_scale_rank(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<64x256xf8E4M3FN>,
                                 %ls: tensor<1x1xf32>, %rs: tensor<1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs scale 'tensor<1xf32>' does not fit #moe.scaling<per_tensor> scaling of 'tensor<64x256xf8E4M3FN>': expected shape [1, 1]}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x256xf8E4M3FN>, tensor<64x256xf8E4M3FN>, tensor<1x1xf32>, tensor<1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// K = 256 in 1x128 blocks needs 2 scales per token.
func.func @block_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<256x256xf8E4M3FN>,
                             %ls: tensor<?x1xf32>, %rs: tensor<2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.matmul' op lhs scale 'tensor<?x1xf32>' does not fit #moe.scaling<block 1x128> scaling of 'tensor<?x256xf8E4M3FN>': expected shape [?, 2]}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<256x256xf8E4M3FN>, tensor<?x1xf32>, tensor<2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

// Weight blocks of the [N, K] = [512, 256] rhs are [N / 128, K / 128] =
// [4, 2]; [2, 4] is the grouped-matmul ([K, N]) layout.
func.func @weight_block_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<512x256xf8E4M3FN>,
                                    %ls: tensor<?x2xf32>, %rs: tensor<2x4xf32>) -> tensor<?x512xbf16> {
  // expected-error@+1 {{'moe.matmul' op rhs scale 'tensor<2x4xf32>' does not fit #moe.scaling<block 128x128> scaling of 'tensor<512x256xf8E4M3FN>': expected shape [4, 2]}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<512x256xf8E4M3FN>, tensor<?x2xf32>, tensor<2x4xf32> -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

func.func @scale_element_type(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<32x16xf8E4M3FN>,
                              %ls: tensor<1x1xbf16>, %rs: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.matmul' op operand #2 must be ranked tensor of 32-bit float values, but got 'tensor<1x1xbf16>'}}
  %y = moe.matmul %lhs, %rhs scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E4M3FN>, tensor<32x16xf8E4M3FN>, tensor<1x1xbf16>, tensor<1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @unknown_op_class(%x: tensor<?x16xbf16>, %w: tensor<32x16xbf16>) -> tensor<?x32xbf16> {
  // expected-error@+2 {{expected ::mlir::moec::moe::OpClass to be one of: attention, dense_mlp, shared_expert, routed_expert, router, lm_head}}
  // expected-error@+1 {{failed to parse Moe_OpClassAttr parameter 'value'}}
  %y = moe.matmul %x, %w {op_class = #moe.op_class<mlp>} : tensor<?x16xbf16>, tensor<32x16xbf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
