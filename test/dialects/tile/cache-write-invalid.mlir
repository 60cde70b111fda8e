// Diagnostics of tile.cache_write.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

func.func @features(%cache: tensor<256x32xf32>, %k: tensor<4x16xf32>, %pos: tensor<4xi64>) -> tensor<256x32xf32> {
  // expected-error@+1 {{'tile.cache_write' op new_rows has type 'tensor<4x16xf32>', expected shape [4, 32]}}
  %c = tile.cache_write %cache, %k, %pos : tensor<256x32xf32>, tensor<4x16xf32>, tensor<4xi64>
  return %c : tensor<256x32xf32>
}

// -----

func.func @positions(%cache: tensor<256x32xf32>, %k: tensor<4x32xf32>, %pos: tensor<5xi64>) -> tensor<256x32xf32> {
  // expected-error@+1 {{'tile.cache_write' op positions has type 'tensor<5xi64>', expected shape [4]}}
  %c = tile.cache_write %cache, %k, %pos : tensor<256x32xf32>, tensor<4x32xf32>, tensor<5xi64>
  return %c : tensor<256x32xf32>
}

// -----

func.func @element_type(%cache: tensor<256x32xbf16>, %k: tensor<4x32xf32>, %pos: tensor<4xi64>) -> tensor<256x32xbf16> {
  // expected-error@+1 {{'tile.cache_write' op failed to verify that all of {cache, new_rows} have same element type}}
  %c = tile.cache_write %cache, %k, %pos : tensor<256x32xbf16>, tensor<4x32xf32>, tensor<4xi64>
  return %c : tensor<256x32xbf16>
}

// -----

func.func @result_type(%cache: tensor<256x32xf32>, %k: tensor<4x32xf32>, %pos: tensor<4xi64>) -> tensor<?x32xf32> {
  // expected-error@+1 {{'tile.cache_write' op failed to verify that all of {cache, result} have same type}}
  %c = "tile.cache_write"(%cache, %k, %pos) : (tensor<256x32xf32>, tensor<4x32xf32>, tensor<4xi64>) -> tensor<?x32xf32>
  return %c : tensor<?x32xf32>
}
