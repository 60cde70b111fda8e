// Diagnostics of tile.epilogue: SwiGLU widths and the residual type.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @odd_swiglu(%acc: tensor<64x127xf32>) -> tensor<64x63xbf16> {
  // expected-error@+1 {{'tile.epilogue' op swiglu needs an even accumulator width (gate | up), got 127}}
  %y = tile.epilogue %acc {activation = #tile.activation<swiglu>} : tensor<64x127xf32> -> tensor<64x63xbf16>
  return %y : tensor<64x63xbf16>
}

// -----

func.func @swiglu_width(%acc: tensor<64x128xf32>) -> tensor<64x128xbf16> {
  // expected-error@+1 {{'tile.epilogue' op result has type 'tensor<64x128xbf16>', expected shape [64, 64]}}
  %y = tile.epilogue %acc {activation = #tile.activation<swiglu>} : tensor<64x128xf32> -> tensor<64x128xbf16>
  return %y : tensor<64x128xbf16>
}

// -----

func.func @rows(%acc: tensor<64x128xf32>) -> tensor<32x128xbf16> {
  // expected-error@+1 {{'tile.epilogue' op result has type 'tensor<32x128xbf16>', expected shape [64, 128]}}
  %y = tile.epilogue %acc : tensor<64x128xf32> -> tensor<32x128xbf16>
  return %y : tensor<32x128xbf16>
}

// -----

func.func @residual_type(%acc: tensor<64x128xf32>, %r: tensor<64x128xf32>) -> tensor<64x128xbf16> {
  // expected-error@+1 {{'tile.epilogue' op residual type 'tensor<64x128xf32>' does not match the result type 'tensor<64x128xbf16>'}}
  %y = tile.epilogue %acc residual(%r : tensor<64x128xf32>) : tensor<64x128xf32> -> tensor<64x128xbf16>
  return %y : tensor<64x128xbf16>
}

// -----

func.func @bf16_accumulator(%acc: tensor<64x128xbf16>) -> tensor<64x128xbf16> {
  // expected-error@+1 {{'tile.epilogue' op operand #0 must be 2D tensor of 32-bit float values}}
  %y = tile.epilogue %acc : tensor<64x128xbf16> -> tensor<64x128xbf16>
  return %y : tensor<64x128xbf16>
}
