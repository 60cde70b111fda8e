//===- MoeAttrs.td - moec moe dialect attributes -----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEATTRS_TD
#define MOEC_DIALECTS_MOE_IR_MOEATTRS_TD

include "dialects/Moe/IR/MoeDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Scaling granularity
//===----------------------------------------------------------------------===//

def Moe_ScalingKind : I32EnumAttr<"ScalingKind", "FP8 scaling granularity", [
    I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
    I32EnumAttrCase<"PerChannel", 1, "per_channel">,
    I32EnumAttrCase<"PerToken", 2, "per_token">,
    I32EnumAttrCase<"Block", 3, "block">
  ]> {
  let cppNamespace = "::mlir::moec::moe";
  let genSpecializedAttr = 0;
}

def Moe_ScalingAttr : AttrDef<Moe_Dialect, "Scaling"> {
  let mnemonic = "scaling";
  let summary = "How many elements of a quantized tensor share one scale";
  let description = [{
    Describes the scale tensor that goes with an FP8 tensor. Granularity is
    stated relative to the operand's reduction (contraction) dimension `K`
    and its other matrix dimension `R` (tokens for activations, output
    channels for weights); leading dimensions (experts) always keep their
    own scales.

    | granularity       | scale shape for `[..., R, K]`          | used for |
    |-------------------|----------------------------------------|----------|
    | `per_tensor`      | `[..., 1, 1]`                          | either |
    | `per_token`       | `[..., R, 1]`                          | activations |
    | `per_channel`     | `[..., R, 1]`                          | weights |
    | `block MxK'`      | `[..., ceil(R / M), ceil(K / K')]`      | `1x128` activations, `128x128` weights |

    ```mlir
    #moe.scaling<per_channel>
    #moe.scaling<block 128x128>
    ```
  }];
  let parameters = (ins "ScalingKind":$kind,
                        OptionalArrayRefParameter<"int64_t">:$block);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The shape the scale tensor of a quantized tensor of `shape` must have
    /// when `reductionDim` is its contraction dimension.
    ::llvm::SmallVector<int64_t> getScaleShape(::llvm::ArrayRef<int64_t> shape,
                                               unsigned reductionDim) const;

    /// Emits an error unless `scaleType` is the scale tensor type this
    /// granularity needs for `dataType`; `operand` names it in diagnostics.
    /// `reductionDim` is signed so that a negative or out-of-range attribute
    /// value is reported as written instead of wrapping.
    ::mlir::LogicalResult verifyScaleType(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::llvm::StringRef operand, ::mlir::RankedTensorType dataType,
        ::mlir::RankedTensorType scaleType, int64_t reductionDim) const;

    /// Block extent along the reduction dimension (1 unless blocked).
    int64_t getReductionBlock() const {
      return getKind() == ScalingKind::Block ? getBlock()[1] : 1;
    }
  }];
}

//===----------------------------------------------------------------------===//
// Grouped matmul epilogue
//===----------------------------------------------------------------------===//

def Moe_Epilogue : I32EnumAttr<"Epilogue", "grouped matmul epilogue", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"SwiGLU", 1, "swiglu">
  ]> {
  let cppNamespace = "::mlir::moec::moe";
  let genSpecializedAttr = 0;
}

def Moe_EpilogueAttr : EnumAttr<Moe_Dialect, Moe_Epilogue, "epilogue"> {
  let summary = "Computation fused after the accumulation of a matmul";
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Op class (what a projection is part of, for precision policies)
//===----------------------------------------------------------------------===//

def Moe_OpClass : I32EnumAttr<"OpClass", "role of a projection in the model", [
    I32EnumAttrCase<"Attention", 0, "attention">,
    I32EnumAttrCase<"DenseMLP", 1, "dense_mlp">,
    I32EnumAttrCase<"SharedExpert", 2, "shared_expert">,
    I32EnumAttrCase<"RoutedExpert", 3, "routed_expert">,
    I32EnumAttrCase<"Router", 4, "router">,
    I32EnumAttrCase<"LMHead", 5, "lm_head">
  ]> {
  let cppNamespace = "::mlir::moec::moe";
  let genSpecializedAttr = 0;
}

def Moe_OpClassAttr : EnumAttr<Moe_Dialect, Moe_OpClass, "op_class"> {
  let summary = "Role of a projection in the model";
  let description = [{
    Precision policies pick a number format per role (e.g. FP8 for experts
    and attention projections, bf16 for the router and lm_head). Passes that
    fuse projections keep the role; `graph.mlp` ops carry it as the
    discardable attribute `moe.op_class` when it is not the default
    (`dense_mlp`), e.g. for the shared expert.
  }];
  let assemblyFormat = "`<` $value `>`";
}

#endif // MOEC_DIALECTS_MOE_IR_MOEATTRS_TD
