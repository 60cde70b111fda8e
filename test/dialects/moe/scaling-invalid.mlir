// Diagnostics of #moe.scaling: parse errors and invalid block sizes.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{unknown scaling granularity 'per_row', expected per_tensor, per_channel, per_token or block}}
func.func @unknown_keyword() attributes {s = #moe.scaling<per_row>} {
  return
}

// -----

// expected-error@+1 {{block scaling needs 2 block sizes (rows x reduction), got 0}}
func.func @block_without_sizes() attributes {s = #moe.scaling<block>} {
  return
}

// -----

// expected-error@+1 {{block scaling needs 2 block sizes (rows x reduction), got 1}}
func.func @block_one_size() attributes {s = #moe.scaling<block 128>} {
  return
}

// -----

// expected-error@+1 {{block scaling needs 2 block sizes (rows x reduction), got 3}}
func.func @block_three_sizes() attributes {s = #moe.scaling<block 1x128x128>} {
  return
}

// -----

// expected-error@+1 {{block sizes must be positive, got 0x128}}
func.func @zero_rows() attributes {s = #moe.scaling<block 0x128>} {
  return
}

// -----

// expected-error@+1 {{block sizes must be positive, got 128x0}}
func.func @zero_reduction() attributes {s = #moe.scaling<block 128x0>} {
  return
}

// -----

// expected-error@+1 {{expected static shape}}
func.func @dynamic_block() attributes {s = #moe.scaling<block ?x128>} {
  return
}

// -----

// expected-error@+1 {{only block scaling takes block sizes}}
func.func @per_tensor_with_sizes() attributes {s = #moe.scaling<per_tensor 1x128>} {
  return
}

// -----

// expected-error@+1 {{only block scaling takes block sizes}}
func.func @per_channel_with_sizes() attributes {s = #moe.scaling<per_channel 128x1>} {
  return
}

// -----

// expected-error@+1 {{only block scaling takes block sizes}}
func.func @per_token_with_size() attributes {s = #moe.scaling<per_token 1>} {
  return
}

// -----

// The attribute is also verified where an op uses it.
func.func @on_quantize(%x: tensor<?x256xbf16>) -> tensor<?x2xf32> {
  // expected-error@+1 {{block scaling needs 2 block sizes (rows x reduction), got 1}}
  %q, %s = moe.quantize %x {scaling = #moe.scaling<block 128>}
    : tensor<?x256xbf16> -> tensor<?x256xf8E4M3FN>, tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}
