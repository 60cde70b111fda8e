// Diagnostics of tile.flash_finalize.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @sum_rows(%o: tensor<4x16xf32>, %l: tensor<8xf32>) -> tensor<4x16xf32> {
  // expected-error@+1 {{'tile.flash_finalize' op sum has type 'tensor<8xf32>', expected shape [4]}}
  %y = tile.flash_finalize %o, %l : tensor<4x16xf32>, tensor<8xf32> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @result_shape(%o: tensor<4x16xf32>, %l: tensor<4xf32>) -> tensor<4x32xbf16> {
  // expected-error@+1 {{'tile.flash_finalize' op result has type 'tensor<4x32xbf16>', expected shape [4, 16]}}
  %y = tile.flash_finalize %o, %l : tensor<4x16xf32>, tensor<4xf32> -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
