//===- GraphDialect.td - moec graph dialect definition -----*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The graph dialect holds the dense transformer ops of a model at the graph
// level: value semantics on tensors, weights referenced by checkpoint name.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_TD
#define MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_TD

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::mlir::moec::graph";
  let summary = "Dense transformer ops at the graph level (value semantics).";
  let description = [{
    The `graph` dialect describes the dense part of a decoder-only transformer
    as the model author wrote it: embedding lookup, RMSNorm, rotary position
    embedding, grouped-query attention with its mask, dense SwiGLU MLPs and
    linear projections. Tensors are values; weights are module-level symbols
    named after the checkpoint tensor they come from, so the IR stays small
    for a 400B-parameter model and the packer knows where every weight lives.

    Activations are 2-D `[tokens, features]`; attention heads live inside the
    feature dimension (`[tokens, heads * head_dim]`) and ops that care about
    heads carry `head_dim` or head counts as attributes.

    Rationale:
    - Ops keep the checkpoint's weight layout (`nn.Linear` is `[out, in]`) so
      the frontend does no data movement; layout changes are explicit packing
      steps chosen by later passes.
    - Mixture-of-experts blocks live in the `moe` dialect.
  }];
  let useDefaultAttributePrinterParser = 1;
  let usePropertiesForAttributes = 1;
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

#endif // MOEC_DIALECTS_GRAPH_IR_GRAPHDIALECT_TD
