// Diagnostics of moe.grouped_matmul: shapes, the SwiGLU epilogue, and FP8
// scales whose granularity does not fit their operand.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @rhs_k(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x8x32xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op rhs has type 'tensor<4x8x32xbf16>', expected shape [4, 16, 32]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<?x16xbf16>, tensor<4x8x32xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @offsets_size(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<4xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op offsets has type 'tensor<4xi32>', expected shape [5]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<?x16xbf16>, tensor<4x16x32xbf16>, tensor<4xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @odd_swiglu_width(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x63xbf16>, %offsets: tensor<5xi32>) -> tensor<?x31xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op swiglu epilogue needs an even rhs width (gate | up), got 63}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x16xbf16>, tensor<4x16x63xbf16>, tensor<5xi32> -> tensor<?x31xbf16>
  return %y : tensor<?x31xbf16>
}

// -----

// SwiGLU halves the width: 64 columns in, 32 out.
func.func @swiglu_result_width(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x64xbf16>, %offsets: tensor<5xi32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op result has type 'tensor<?x64xbf16>', expected shape [?, 32]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {epilogue = #moe.epilogue<swiglu>}
       : tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<5xi32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @result_rows(%lhs: tensor<6x16xbf16>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<5xi32>) -> tensor<3x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op result has type 'tensor<3x32xbf16>', expected shape [6, 32]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<6x16xbf16>, tensor<4x16x32xbf16>, tensor<5xi32> -> tensor<3x32xbf16>
  return %y : tensor<3x32xbf16>
}

// -----

func.func @mixed_fp8(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs and rhs must both be FP8 or both not}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<?x16xf8E4M3FN>, tensor<4x16x32xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @scales_on_bf16(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<5xi32>,
                          %ls: tensor<1x1xf32>, %rs: tensor<4x1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op scales are only valid with FP8 operands}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xbf16>, tensor<4x16x32xbf16>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @scaling_on_bf16(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x32xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op scales are only valid with FP8 operands}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x16xbf16>, tensor<4x16x32xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @fp8_without_scales(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<4x16x32xf8E4M3FN>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets : tensor<?x16xf8E4M3FN>, tensor<4x16x32xf8E4M3FN>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @fp8_missing_rhs_scaling(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<4x16x32xf8E4M3FN>, %offsets: tensor<5xi32>,
                                   %ls: tensor<1x1xf32>, %rs: tensor<4x1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs) {lhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E4M3FN>, tensor<4x16x32xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// Only reachable in the generic form: the custom form takes both scales.
func.func @fp8_one_scale(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<4x16x32xf8E4M3FN>, %offsets: tensor<5xi32>,
                         %ls: tensor<1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op FP8 operands need scales(...) and both lhs_scaling and rhs_scaling}}
  %y = "moe.grouped_matmul"(%lhs, %rhs, %offsets, %ls)
         <{lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}>
       : (tensor<?x16xf8E4M3FN>, tensor<4x16x32xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @per_channel_activation(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                  %ls: tensor<?x1xf32>, %rs: tensor<4x1x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs (activation) scaling cannot be per_channel; use per_token}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_channel>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @per_token_weight(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                            %ls: tensor<?x1xf32>, %rs: tensor<4x1x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op rhs (weight) scaling cannot be per_token; use per_channel}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_token>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @activation_block_rows(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x256xf8E4M3FN>, %offsets: tensor<5xi32>,
                                 %ls: tensor<?x2xf32>, %rs: tensor<4x2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs block scaling must cover one token per scale (1xK'), got #moe.scaling<block 128x128>}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 128x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @block_on_lhs_only(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                             %ls: tensor<?x2xf32>, %rs: tensor<4x1x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op block scaling must be used on both operands, got #moe.scaling<block 1x128> and #moe.scaling<per_channel>}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

func.func @block_on_rhs_only(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x256xf8E4M3FN>, %offsets: tensor<5xi32>,
                             %ls: tensor<?x1xf32>, %rs: tensor<4x2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op block scaling must be used on both operands, got #moe.scaling<per_token> and #moe.scaling<block 128x128>}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @blocks_disagree_along_k(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x256xf8E4M3FN>, %offsets: tensor<5xi32>,
                                   %ls: tensor<?x2xf32>, %rs: tensor<4x4x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs and rhs scaling blocks disagree along K (128 vs 64)}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x64>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x4x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

func.func @per_token_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                 %ls: tensor<?x2xf32>, %rs: tensor<4x1x64xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs scale 'tensor<?x2xf32>' does not fit #moe.scaling<per_token> scaling of 'tensor<?x256xf8E4M3FN>': expected shape [?, 1]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x1x64xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// Per-channel weight scales are [E, 1, N]; [E, N, 1] is the [out, in] layout.
func.func @per_channel_scale_transposed(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                        %ls: tensor<?x1xf32>, %rs: tensor<4x64x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op rhs scale 'tensor<4x64x1xf32>' does not fit #moe.scaling<per_channel> scaling of 'tensor<4x256x64xf8E4M3FN>': expected shape [4, 1, 64]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_token>, rhs_scaling = #moe.scaling<per_channel>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x64x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// Each expert keeps its own scale: per-tensor weight scales are [E, 1, 1].
func.func @per_tensor_scale_rank(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x64xf8E4M3FN>, %offsets: tensor<5xi32>,
                                 %ls: tensor<1x1xf32>, %rs: tensor<1x1xf32>) -> tensor<?x64xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op rhs scale 'tensor<1x1xf32>' does not fit #moe.scaling<per_tensor> scaling of 'tensor<4x256x64xf8E4M3FN>': expected shape [4, 1, 1]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x64xf8E4M3FN>, tensor<5xi32>, tensor<1x1xf32>, tensor<1x1xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// K = 256 in 1x128 blocks needs 2 scales per token.
func.func @block_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x256xf8E4M3FN>, %offsets: tensor<5xi32>,
                             %ls: tensor<?x1xf32>, %rs: tensor<4x2x2xf32>) -> tensor<?x256xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op lhs scale 'tensor<?x1xf32>' does not fit #moe.scaling<block 1x128> scaling of 'tensor<?x256xf8E4M3FN>': expected shape [?, 2]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x256xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x2x2xf32> -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}

// -----

// Weight blocks are [E, K / 128, N / 128] = [4, 2, 4], not [4, 4, 2].
func.func @weight_block_scale_shape(%lhs: tensor<?x256xf8E4M3FN>, %rhs: tensor<4x256x512xf8E4M3FN>, %offsets: tensor<5xi32>,
                                    %ls: tensor<?x2xf32>, %rs: tensor<4x4x2xf32>) -> tensor<?x512xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op rhs scale 'tensor<4x4x2xf32>' does not fit #moe.scaling<block 128x128> scaling of 'tensor<4x256x512xf8E4M3FN>': expected shape [4, 2, 4]}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<block 1x128>, rhs_scaling = #moe.scaling<block 128x128>}
       : tensor<?x256xf8E4M3FN>, tensor<4x256x512xf8E4M3FN>, tensor<5xi32>, tensor<?x2xf32>, tensor<4x4x2xf32> -> tensor<?x512xbf16>
  return %y : tensor<?x512xbf16>
}

// -----

func.func @scale_element_type(%lhs: tensor<?x16xf8E4M3FN>, %rhs: tensor<4x16x32xf8E4M3FN>, %offsets: tensor<5xi32>,
                              %ls: tensor<1x1xbf16>, %rs: tensor<4x1x1xf32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op operand #3 must be ranked tensor of 32-bit float values, but got 'tensor<1x1xbf16>'}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets scales(%ls, %rs)
         {lhs_scaling = #moe.scaling<per_tensor>, rhs_scaling = #moe.scaling<per_tensor>}
       : tensor<?x16xf8E4M3FN>, tensor<4x16x32xf8E4M3FN>, tensor<5xi32>, tensor<1x1xbf16>, tensor<4x1x1xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
