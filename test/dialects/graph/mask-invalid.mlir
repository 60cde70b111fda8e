// Diagnostics of #graph.mask.
// RUN: moec-opt %s -split-input-file -verify-diagnostics

// expected-error@+2 {{expected ::mlir::moec::graph::MaskKind to be one of: causal, chunked_causal}}
// expected-error@+1 {{failed to parse Graph_MaskKindAttr parameter 'value' which is to be a `::mlir::moec::graph::MaskKind`}}
func.func @unknown_kind() attributes {mask = #graph.mask<sliding_window>} {
  return
}

// -----

// expected-error@+1 {{expected '<'}}
func.func @no_brackets() attributes {mask = #graph.mask causal} {
  return
}

// -----

func.func @not_a_mask(%q: tensor<?x16xbf16>, %k: tensor<?x8xbf16>, %v: tensor<?x8xbf16>, %pos: tensor<?xi64>) -> tensor<?x16xbf16> {
  // expected-error@+1 {{'graph.attention' op attribute 'mask' failed to satisfy constraint: Causal or chunk-local causal attention mask}}
  %o = graph.attention %q, %k, %v, %pos {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, mask = "causal"}
       : tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<?x8xbf16>, tensor<?xi64> -> tensor<?x16xbf16>
  return %o : tensor<?x16xbf16>
}
