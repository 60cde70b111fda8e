// Diagnostics of #moe.epilogue.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+2 {{expected ::mlir::moec::moe::Epilogue to be one of: none, swiglu}}
// expected-error@+1 {{failed to parse Moe_EpilogueAttr parameter 'value' which is to be a `::mlir::moec::moe::Epilogue`}}
func.func @unknown_epilogue() attributes {e = #moe.epilogue<gelu>} {
  return
}

// -----

func.func @not_an_epilogue(%lhs: tensor<?x16xbf16>, %rhs: tensor<4x16x64xbf16>, %offsets: tensor<5xi32>) -> tensor<?x32xbf16> {
  // expected-error@+1 {{'moe.grouped_matmul' op attribute 'epilogue' failed to satisfy constraint: Computation fused after the accumulation of a matmul}}
  %y = moe.grouped_matmul %lhs, %rhs, %offsets {epilogue = "swiglu"}
       : tensor<?x16xbf16>, tensor<4x16x64xbf16>, tensor<5xi32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
