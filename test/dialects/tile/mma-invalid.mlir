// Diagnostics of tile.mma: operand types and tile shapes.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @mixed_types(%acc: tensor<64x128xf32>, %a: tensor<64x64xbf16>, %b: tensor<128x64xf16>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.mma' op failed to verify that all of {a, b} have same element type}}
  %r = tile.mma %acc, %a, %b : tensor<64x64xbf16>, tensor<128x64xf16> -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @bf16_accumulator(%acc: tensor<64x128xbf16>, %a: tensor<64x64xbf16>, %b: tensor<128x64xbf16>) -> tensor<64x128xbf16> {
  // expected-error@+1 {{'tile.mma' op operand #0 must be 2D tensor of 32-bit float values}}
  %r = "tile.mma"(%acc, %a, %b) : (tensor<64x128xbf16>, tensor<64x64xbf16>, tensor<128x64xbf16>) -> tensor<64x128xbf16>
  return %r : tensor<64x128xbf16>
}

// -----

func.func @integer_operands(%acc: tensor<64x128xf32>, %a: tensor<64x64xi8>, %b: tensor<128x64xi8>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.mma' op operand #1 must be 2D tensor of}}
  %r = tile.mma %acc, %a, %b : tensor<64x64xi8>, tensor<128x64xi8> -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @result_type(%acc: tensor<64x128xf32>, %a: tensor<64x64xbf16>, %b: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  // expected-error@+1 {{'tile.mma' op failed to verify that all of {acc, result} have same type}}
  %r = "tile.mma"(%acc, %a, %b) : (tensor<64x128xf32>, tensor<64x64xbf16>, tensor<128x64xbf16>) -> tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}

// -----

// b is [N, K] (K-major), not [K, N].
func.func @b_not_k_major(%acc: tensor<64x128xf32>, %a: tensor<64x32xbf16>, %b: tensor<32x128xbf16>) -> tensor<64x128xf32> {
  // expected-error@+1 {{'tile.mma' op b has type 'tensor<32x128xbf16>', expected shape [32, 32]}}
  %r = tile.mma %acc, %a, %b : tensor<64x32xbf16>, tensor<32x128xbf16> -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

// -----

func.func @acc_shape(%acc: tensor<64x64xf32>, %a: tensor<64x32xbf16>, %b: tensor<128x32xbf16>) -> tensor<64x64xf32> {
  // expected-error@+1 {{'tile.mma' op acc has type 'tensor<64x64xf32>', expected shape [64, 128]}}
  %r = tile.mma %acc, %a, %b : tensor<64x32xbf16>, tensor<128x32xbf16> -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
