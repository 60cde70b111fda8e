//===- GraphAttrs.td - moec graph dialect attributes -------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_TD
#define MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_TD

include "dialects/Graph/IR/GraphDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

/// A double-precision float printed in its shortest round-tripping form.
def Graph_F64Parameter : APFloatParameter<"64-bit float"> {
  let parser = "::mlir::moec::graph::parseF64Parameter($_parser)";
  let printer = "::mlir::moec::graph::printF64Parameter($_printer, $_self)";
}

//===----------------------------------------------------------------------===//
// Attention mask
//===----------------------------------------------------------------------===//

def Graph_MaskKind : I32EnumAttr<"MaskKind", "attention mask kind", [
    I32EnumAttrCase<"Causal", 0, "causal">,
    I32EnumAttrCase<"ChunkedCausal", 1, "chunked_causal">
  ]> {
  let cppNamespace = "::mlir::moec::graph";
  let genSpecializedAttr = 0;
}

def Graph_MaskKindAttr : EnumAttr<Graph_Dialect, Graph_MaskKind, "mask"> {
  let summary = "Causal or chunk-local causal attention mask";
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// RoPE frequency scaling
//===----------------------------------------------------------------------===//

def Graph_Llama3RopeScalingAttr
    : AttrDef<Graph_Dialect, "Llama3RopeScaling"> {
  let mnemonic = "llama3_rope";
  let summary = "Llama 3 style RoPE frequency scaling";
  let description = [{
    The `llama3` rope type: frequencies whose wavelength exceeds
    `original_max_position_embeddings / low_freq_factor` are divided by
    `factor`, those below `original_max_position_embeddings /
    high_freq_factor` are kept, and the band between is interpolated.
    With `low_freq_factor == high_freq_factor` the band is empty.

    ```mlir
    #graph.llama3_rope<factor = 16.0, low_freq_factor = 1.0,
                       high_freq_factor = 1.0,
                       original_max_position_embeddings = 8192>
    ```
  }];
  let parameters = (ins Graph_F64Parameter:$factor,
                        Graph_F64Parameter:$low_freq_factor,
                        Graph_F64Parameter:$high_freq_factor,
                        "int64_t":$original_max_position_embeddings);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Attention temperature tuning
//===----------------------------------------------------------------------===//

def Graph_TemperatureTuningAttr
    : AttrDef<Graph_Dialect, "TemperatureTuning"> {
  let mnemonic = "temperature_tuning";
  let summary = "Position-dependent query scaling of Llama 4 NoPE layers";
  let description = [{
    Scales the queries of the token at absolute position `p` by
    `log1p(floor((p + 1) / floor_scale)) * attn_scale + 1` before attention.

    ```mlir
    #graph.temperature_tuning<floor_scale = 8192.0, attn_scale = 0.1>
    ```
  }];
  let parameters = (ins Graph_F64Parameter:$floor_scale,
                        Graph_F64Parameter:$attn_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // MOEC_DIALECTS_GRAPH_IR_GRAPHATTRS_TD
