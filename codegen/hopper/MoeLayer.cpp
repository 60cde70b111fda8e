//===- MoeLayer.cpp - a whole Llama 4 MoE layer on sm_90a -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/MoeLayer.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

static llvm::Error layerError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Average routed rows per expert up to which the routed experts run their
/// decode tiling: the target description then picks a 16-token tile
/// (twice the average). Untuned: no GPU has measured the crossover yet.
static constexpr int64_t kRoutedDecodeRowsPerExpert = 8;
/// Tokens up to which the shared expert runs its decode tiling: the most
/// the target description swaps for (32 rows per weight matrix).
static constexpr int64_t kSharedDecodeTokens = 32;

static llvm::Error checkLayerShape(int64_t hidden, int64_t inter,
                                   GemmPrecision precision) {
  // The dispatch and quantize kernels scale per token (FP8) or not at all
  // (bf16); 1x128 activation blocks would need their own.
  if (precision == GemmPrecision::Fp8Block)
    return layerError("moe-layer supports --precision=fp8-rowwise and bf16 "
                      "(the routed tokens are quantized per token, not in "
                      "1x128 blocks)");
  if (hidden <= 0 || inter <= 0 || hidden % 16 || inter % 16)
    return layerError(llvm::formatv(
        "--hidden and --inter must be positive multiples of 16 (TMA rows), "
        "got {0} and {1}",
        hidden, inter));
  // The decode tiling puts 64-row weight parts on wgmma M.
  if (hidden < 128 || inter < 64)
    return layerError(llvm::formatv(
        "moe-layer needs --hidden >= 128 and --inter >= 64 (the decode "
        "GEMMs' 64-row weight parts), got {0} and {1}",
        hidden, inter));
  return llvm::Error::success();
}

namespace {
/// One GEMM of the layer: grouped (routed) or dense (shared), its shape and
/// the token count its tiling is chosen for (none: prefill).
struct LayerGemm {
  GemmKernelSpec *out;
  bool grouped;
  int64_t n, k;
  GemmActivation activation;
  std::optional<int64_t> tokens;
  const char *suffix;
};
} // namespace

static llvm::Error makeLayerGemm(MLIRContext *context, const MoeLayerSpec &spec,
                                 const LayerGemm &gemm) {
  llvm::Expected<GemmKernelSpec> made =
      gemm.grouped ? makeGroupedGemmKernelSpec(context, spec.experts, gemm.n,
                                               gemm.k, spec.precision,
                                               gemm.activation, gemm.tokens)
      : gemm.tokens
          ? makeDynamicGemmKernelSpec(context, *gemm.tokens, gemm.n, gemm.k,
                                      spec.precision, gemm.activation)
          : makeGemmKernelSpec(context, std::nullopt, gemm.n, gemm.k,
                               spec.precision, gemm.activation);
  if (!made)
    return made.takeError();
  *gemm.out = *made;
  gemm.out->name = spec.name + "_" + gemm.suffix;
  // FP8 layers re-quantize gate|up's output per row: its epilogue reduces
  // the row maxima, so the quantizer reads the row once.
  gemm.out->rowAmax = spec.isFp8() && gemm.activation == GemmActivation::SwiGlu;
  return llvm::Error::success();
}

llvm::Expected<MoeLayerSpec>
hopper::makeMoeLayerSpec(MLIRContext *context, int64_t experts, int64_t hidden,
                         int64_t inter, GemmPrecision precision,
                         llvm::StringRef name) {
  if (llvm::Error error = checkLayerShape(hidden, inter, precision))
    return std::move(error);
  MoeLayerSpec spec;
  spec.name = name.empty()
                  ? llvm::formatv(
                        "moec_moe_layer_e{0}_h{1}_i{2}{3}", experts, hidden,
                        inter, precision == GemmPrecision::BF16 ? "_bf16" : "")
                        .str()
                  : name.str();
  spec.experts = experts;
  spec.hidden = hidden;
  spec.inter = inter;
  spec.precision = precision;
  spec.routedDecodeMaxTokens = kRoutedDecodeRowsPerExpert * experts;
  spec.sharedDecodeMaxTokens = kSharedDecodeTokens;
  std::optional<int64_t> prefill, routedDecode = spec.routedDecodeMaxTokens,
                                  sharedDecode = spec.sharedDecodeMaxTokens;
  GemmActivation swiglu = GemmActivation::SwiGlu, none = GemmActivation::None;
  LayerGemm gemms[] = {
      {&spec.gateUp, true, 2 * inter, hidden, swiglu, prefill, "gate_up"},
      {&spec.down, true, hidden, inter, none, prefill, "down"},
      {&spec.sharedGateUp, false, 2 * inter, hidden, swiglu, prefill,
       "shared_gate_up"},
      {&spec.sharedDown, false, hidden, inter, none, prefill, "shared_down"},
      {&spec.gateUpDecode, true, 2 * inter, hidden, swiglu, routedDecode,
       "gate_up_decode"},
      {&spec.downDecode, true, hidden, inter, none, routedDecode,
       "down_decode"},
      {&spec.sharedGateUpDecode, false, 2 * inter, hidden, swiglu, sharedDecode,
       "shared_gate_up_decode"},
      {&spec.sharedDownDecode, false, hidden, inter, none, sharedDecode,
       "shared_down_decode"},
  };
  for (const LayerGemm &gemm : gemms)
    if (llvm::Error error = makeLayerGemm(context, spec, gemm))
      return std::move(error);
  if (spec.gateUp.tileM != spec.down.tileM ||
      spec.gateUpDecode.tileM != spec.downDecode.tileM)
    return layerError("the grouped GEMMs disagree on the row tile");
  spec.routing = {spec.name, experts, hidden,
                  precision == GemmPrecision::Fp8Rowwise};
  return spec;
}

OwningOpRef<ModuleOp> hopper::buildMoeLayerModule(MLIRContext *context,
                                                  const MoeLayerSpec &spec) {
  Location loc = NameLoc::get(StringAttr::get(context, spec.name));
  ImplicitLocOpBuilder b(loc, context);
  OwningOpRef<ModuleOp> module = createKernelModule(context, spec.name, b);
  for (const GemmKernelSpec *gemm : spec.gemms())
    buildGemmKernel(b, *gemm);
  buildMoeRoutingKernels(b, spec.routing);
  // bf16 experts read the GEMMs' bf16 outputs directly.
  if (!spec.isFp8())
    return module;
  buildQuantizeRowsKernel(b, spec.quantizeInterName(), spec.inter,
                          /*givenMax=*/true);
  buildQuantizeRowsKernel(b, spec.quantizeHiddenName(), spec.hidden);
  return module;
}
