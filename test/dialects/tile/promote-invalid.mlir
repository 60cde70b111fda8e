// Diagnostics of tile.promote: accumulator types and scale layouts.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @partial_type(%acc: tensor<64x128xf32>, %part: tensor<64x64xf32>, %as: tensor<64x1xf32>, %bs: tensor<1x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op failed to verify that all of {acc, partial, result} have same type}}
  %r = "tile.promote"(%acc, %part, %as, %bs) : (tensor<64x128xf32>, tensor<64x64xf32>, tensor<64x1xf32>, tensor<1x1xf32>) -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @a_scale_rows(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<32x1xf32>, %bs: tensor<1x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op a_scale has type 'tensor<32x1xf32>', expected shape [64, 1]}}
  %r = tile.promote %acc, %part, %as, %bs : tensor<64x128xf32>, tensor<32x1xf32>, tensor<1x1xf32>
  return %r : tensor<64x128xf32>
}

// -----

// One scale per K block: a K block's scales are a single column.
func.func @a_scale_columns(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x2xf32>, %bs: tensor<1x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op a_scale has type 'tensor<64x2xf32>', expected shape [64, 1]}}
  %r = tile.promote %acc, %part, %as, %bs : tensor<64x128xf32>, tensor<64x2xf32>, tensor<1x1xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @per_tensor_columns(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<1x2xf32>, %bs: tensor<1x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op a_scale has type 'tensor<1x2xf32>', expected shape [1, 1]}}
  %r = tile.promote %acc, %part, %as, %bs : tensor<64x128xf32>, tensor<1x2xf32>, tensor<1x1xf32>
  return %r : tensor<64x128xf32>
}

// -----

// 128 columns in 64-column blocks need 2 scale rows.
func.func @b_scale_rows(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x1xf32>, %bs: tensor<3x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op b_scale has type 'tensor<3x1xf32>', expected shape [2, 1]}}
  %r = tile.promote %acc, %part, %as, %bs {b_block = 64 : i64} : tensor<64x128xf32>, tensor<64x1xf32>, tensor<3x1xf32>
  return %r : tensor<64x128xf32>
}

// -----

// Per-channel scales (the default b_block = 1) need one row per column.
func.func @per_channel_rows(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x1xf32>, %bs: tensor<64x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op b_scale has type 'tensor<64x1xf32>', expected shape [128, 1]}}
  %r = tile.promote %acc, %part, %as, %bs : tensor<64x128xf32>, tensor<64x1xf32>, tensor<64x1xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @b_block_zero(%acc: tensor<64x128xf32>, %part: tensor<64x128xf32>, %as: tensor<64x1xf32>, %bs: tensor<1x1xf32>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.promote' op attribute 'b_block' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %r = tile.promote %acc, %part, %as, %bs {b_block = 0 : i64} : tensor<64x128xf32>, tensor<64x1xf32>, tensor<1x1xf32>
  return %r : tensor<64x128xf32>
}
