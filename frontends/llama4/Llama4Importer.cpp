//===- Llama4Importer.cpp - Llama 4 checkpoint to graph-level IR ---------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the Llama 4 frontend: the module builder that turns a
// Llama4Config into graph/moe ops over checkpoint-named weights, and the
// import driver that checks the weights and verifies the result.
//
//===----------------------------------------------------------------------===//

#include "frontends/llama4/Llama4Importer.h"
#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Moe/IR/MoeDialect.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "frontends/llama4/WeightCheck.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::llama4;

void mlir::moec::llama4::loadImporterDialects(MLIRContext &context) {
  context.loadDialect<graph::GraphDialect, moe::MoeDialect, arith::ArithDialect,
                      func::FuncDialect, tensor::TensorDialect>();
}

/// Returns the #moe.scaling attribute of `spec`.
static moe::ScalingAttr getScalingAttr(MLIRContext *context,
                                       const ScalingSpec &spec) {
  using Kind = ScalingSpec::Kind;
  switch (spec.kind) {
  case Kind::PerTensor:
    return moe::ScalingAttr::get(context, moe::ScalingKind::PerTensor, {});
  case Kind::PerChannel:
    return moe::ScalingAttr::get(context, moe::ScalingKind::PerChannel, {});
  case Kind::PerToken:
    return moe::ScalingAttr::get(context, moe::ScalingKind::PerToken, {});
  case Kind::Block:
    return moe::ScalingAttr::get(context, moe::ScalingKind::Block,
                                 {spec.blockRows, spec.blockCols});
  }
  return {};
}

namespace {

/// Builds the module of one Llama 4 text model. Weights are declared on
/// first use, in use order, ahead of @forward.
class ModuleBuilder {
public:
  ModuleBuilder(MLIRContext &context, const Llama4Config &config,
                const TensorListing *checkpoint);

  OwningOpRef<ModuleOp> build(int64_t kvCachePositions);

private:
  /// Sets the location of the ops built next to NameLoc(`name`).
  void at(const Twine &name) {
    b.setLoc(NameLoc::get(StringAttr::get(b.getContext(), name)));
  }
  RankedTensorType tokensType(int64_t features) const {
    return RankedTensorType::get({ShapedType::kDynamic, features}, dtype);
  }
  std::string layerName(unsigned layer, StringRef suffix) const {
    return (config.tensorPrefix() + "model.layers." + Twine(layer) + "." +
            suffix)
        .str();
  }

  Value weight(StringRef name, ArrayRef<int64_t> shape, Type elementType);
  Value scale(StringRef name, ArrayRef<int64_t> shape);
  Value dequantize(Value data, Value scales, ArrayRef<int64_t> shape,
                   std::optional<int64_t> reductionDim = std::nullopt);
  Value linearWeight(StringRef module, int64_t out, int64_t in);
  Value rmsNorm(Value input, StringRef weightName);
  Value linear(Value input, Value weightValue);
  Value rope(Value input);

  Value buildAttention(Value hidden, unsigned layer);
  Value buildFeedForward(Value hidden, unsigned layer);
  Value buildMlp(Value input, StringRef module, int64_t width);
  Value buildMoe(Value input, StringRef module);
  std::pair<Value, Value> buildFusedExperts(StringRef module);
  std::pair<Value, Value> buildUnfusedExperts(StringRef module);
  void setQuantizationAttrs(func::FuncOp func);

  const Llama4Config &config;
  const TensorListing *checkpoint;
  OwningOpRef<ModuleOp> module;
  ImplicitLocOpBuilder b;
  /// Inserts graph.weight declarations just before @forward.
  OpBuilder declBuilder;
  Type dtype;
  Type fp8Type;
  Value positions;
  /// Per layer: the incoming key and value caches (empty: no KV cache).
  SmallVector<std::pair<Value, Value>> caches;
  /// Per layer: the updated caches @forward returns.
  SmallVector<Value> updatedCaches;
  llvm::StringMap<RankedTensorType> declared;
};

} // namespace

ModuleBuilder::ModuleBuilder(MLIRContext &context, const Llama4Config &config,
                             const TensorListing *checkpoint)
    : config(config), checkpoint(checkpoint),
      b(UnknownLoc::get(&context), &context), declBuilder(&context) {
  switch (config.dtype) {
  case ElementKind::F32:
    dtype = b.getF32Type();
    break;
  case ElementKind::BF16:
    dtype = b.getBF16Type();
    break;
  case ElementKind::F16:
    dtype = b.getF16Type();
    break;
  }
  fp8Type = b.getType<Float8E4M3FNType>();
}

Value ModuleBuilder::weight(StringRef name, ArrayRef<int64_t> shape,
                            Type elementType) {
  auto type = RankedTensorType::get(shape, elementType);
  auto [it, inserted] = declared.try_emplace(name, type);
  if (inserted)
    graph::WeightOp::create(declBuilder, b.getLoc(), name, type);
  assert(it->second == type && "one tensor declared with two types");
  return graph::WeightRefOp::create(b, type, name);
}

Value ModuleBuilder::scale(StringRef name, ArrayRef<int64_t> shape) {
  // Schemes that store scales in the model dtype or in fp32 leave the choice
  // to the checkpoint; without one, the model dtype is assumed.
  Type stored = b.getF32Type();
  if (config.quantization.hasFlexibleScaleDType()) {
    const TensorDesc *found = checkpoint ? checkpoint->find(name) : nullptr;
    if (!found || found->dtype != "F32")
      stored = dtype;
  }
  Value value = weight(name, shape, stored);
  if (stored == b.getF32Type())
    return value;
  return arith::ExtFOp::create(b, RankedTensorType::get(shape, b.getF32Type()),
                               value, arith::FastMathFlagsAttr());
}

Value ModuleBuilder::dequantize(Value data, Value scales,
                                ArrayRef<int64_t> shape,
                                std::optional<int64_t> reductionDim) {
  IntegerAttr dim =
      reductionDim ? b.getI64IntegerAttr(*reductionDim) : IntegerAttr();
  return moe::DequantizeOp::create(
      b, RankedTensorType::get(shape, dtype), data, scales,
      getScalingAttr(b.getContext(), config.quantization.weightScaling), dim);
}

Value ModuleBuilder::linearWeight(StringRef module, int64_t out, int64_t in) {
  std::string name = (module + ".weight").str();
  if (!config.quantization.quantizesLinear(module))
    return weight(name, {out, in}, dtype);
  Value data = weight(name, {out, in}, fp8Type);
  SmallVector<int64_t, 2> scaleShape = {out, 1};
  const ScalingSpec &spec = config.quantization.weightScaling;
  if (spec.kind == ScalingSpec::Kind::Block)
    scaleShape = {static_cast<int64_t>(llvm::divideCeil(out, spec.blockRows)),
                  static_cast<int64_t>(llvm::divideCeil(in, spec.blockCols))};
  Value scales = scale(name + "_scale", scaleShape);
  return dequantize(data, scales, {out, in});
}

Value ModuleBuilder::rmsNorm(Value input, StringRef weightName) {
  Value norm = weight(weightName, {config.hiddenSize}, dtype);
  return graph::RMSNormOp::create(b, input.getType(), input, norm,
                                  b.getF64FloatAttr(config.rmsNormEps));
}

Value ModuleBuilder::linear(Value input, Value weightValue) {
  int64_t out = cast<RankedTensorType>(weightValue.getType()).getDimSize(0);
  return graph::LinearOp::create(b, tokensType(out), input, weightValue);
}

Value ModuleBuilder::rope(Value input) {
  graph::Llama3RopeScalingAttr scaling;
  if (const std::optional<RopeScaling> &s = config.ropeScaling)
    scaling = graph::Llama3RopeScalingAttr::get(
        b.getContext(), APFloat(s->factor), APFloat(s->lowFreqFactor),
        APFloat(s->highFreqFactor), s->originalMaxPositionEmbeddings);
  return graph::RopeOp::create(b, input.getType(), input, positions,
                               b.getI64IntegerAttr(config.headDim),
                               b.getF64FloatAttr(config.ropeTheta), scaling);
}

Value ModuleBuilder::buildAttention(Value hidden, unsigned layer) {
  at("layers." + Twine(layer) + ".attn");
  int64_t hiddenSize = config.hiddenSize;
  int64_t qWidth = config.numHeads * config.headDim;
  int64_t kvWidth = config.numKvHeads * config.headDim;
  Value x = rmsNorm(hidden, layerName(layer, "input_layernorm.weight"));
  std::string attn = layerName(layer, "self_attn.");
  Value q = linear(x, linearWeight(attn + "q_proj", qWidth, hiddenSize));
  Value k = linear(x, linearWeight(attn + "k_proj", kvWidth, hiddenSize));
  Value v = linear(x, linearWeight(attn + "v_proj", kvWidth, hiddenSize));
  bool useRope = config.useRope[layer];
  if (useRope) {
    q = rope(q);
    k = rope(k);
  }
  IntegerAttr chunk =
      useRope ? b.getI64IntegerAttr(config.attentionChunkSize) : IntegerAttr();
  FloatAttr qkNorm = config.hasQkNorm(layer)
                         ? b.getF64FloatAttr(config.rmsNormEps)
                         : FloatAttr();
  graph::TemperatureTuningAttr tuning;
  if (config.hasTemperatureTuning(layer))
    tuning = graph::TemperatureTuningAttr::get(
        b.getContext(), APFloat(config.floorScale), APFloat(config.attnScale));
  Value keyCache, valueCache;
  SmallVector<Type> cacheTypes;
  if (!caches.empty()) {
    std::tie(keyCache, valueCache) = caches[layer];
    cacheTypes = {keyCache.getType(), valueCache.getType()};
  }
  auto attention = graph::AttentionOp::create(
      b, tokensType(qWidth), cacheTypes, q, k, v, positions, keyCache,
      valueCache, config.numHeads, config.numKvHeads, config.headDim,
      useRope ? graph::MaskKind::ChunkedCausal : graph::MaskKind::Causal, chunk,
      qkNorm, tuning);
  llvm::append_range(updatedCaches, attention->getResults().drop_front());
  Value o = attention->getResult(0);
  Value out = linear(o, linearWeight(attn + "o_proj", hiddenSize, qWidth));
  return arith::AddFOp::create(b, hidden, out);
}

Value ModuleBuilder::buildMlp(Value input, StringRef module, int64_t width) {
  int64_t hidden = config.hiddenSize;
  Value gate = linearWeight((module + "gate_proj").str(), width, hidden);
  Value up = linearWeight((module + "up_proj").str(), width, hidden);
  Value down = linearWeight((module + "down_proj").str(), hidden, width);
  return graph::MLPOp::create(b, input.getType(), input, gate, up, down);
}

/// Reshapes an fbgemm `down_proj_scale [E, H, 1]` (laid out for the
/// transposed weight) into the `[E, 1, H]` per-channel scale of the
/// `[E, I, H]` checkpoint layout; the element order is the same.
static Value toRowScale(ImplicitLocOpBuilder &b, Value scale, int64_t experts,
                        int64_t hidden) {
  SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
  Value flat = tensor::CollapseShapeOp::create(b, scale, groups);
  auto type = RankedTensorType::get({experts, 1, hidden}, b.getF32Type());
  return tensor::ExpandShapeOp::create(b, type, flat, groups);
}

std::pair<Value, Value> ModuleBuilder::buildFusedExperts(StringRef module) {
  int64_t e = config.numExperts, h = config.hiddenSize;
  int64_t i = config.intermediateSize;
  std::string gateUpName = (module + ".gate_up_proj").str();
  std::string downName = (module + ".down_proj").str();
  if (!config.quantization.quantizesFusedExperts(module))
    return {weight(gateUpName, {e, h, 2 * i}, dtype),
            weight(downName, {e, i, h}, dtype)};
  // fbgemm_fp8: per-output-channel scales; the contraction dimension of
  // both [E, in, out] tensors is 1.
  Value gateUp = weight(gateUpName, {e, h, 2 * i}, fp8Type);
  Value gateUpScale = scale(gateUpName + "_scale", {e, 1, 2 * i});
  Value down = weight(downName, {e, i, h}, fp8Type);
  Value downScale = scale(downName + "_scale", {e, h, 1});
  return {dequantize(gateUp, gateUpScale, {e, h, 2 * i}, 1),
          dequantize(down, toRowScale(b, downScale, e, h), {e, i, h}, 1)};
}

std::pair<Value, Value> ModuleBuilder::buildUnfusedExperts(StringRef module) {
  int64_t e = config.numExperts, h = config.hiddenSize;
  int64_t i = config.intermediateSize;
  auto stack = [&](StringRef proj, int64_t out, int64_t in) -> Value {
    SmallVector<Value> weights;
    for (int64_t expert = 0; expert < e; ++expert)
      weights.push_back(linearWeight(
          (module + "." + Twine(expert) + "." + proj).str(), out, in));
    auto type = RankedTensorType::get({e, in, out}, dtype);
    return moe::StackExpertsOp::create(b, type, weights);
  };
  Value gate = stack("gate_proj", i, h);
  Value up = stack("up_proj", i, h);
  Value down = stack("down_proj", h, i);
  Value gateUp = tensor::ConcatOp::create(b, /*dim=*/2, ValueRange{gate, up});
  return {gateUp, down};
}

Value ModuleBuilder::buildMoe(Value input, StringRef module) {
  int64_t hidden = config.hiddenSize, width = config.intermediateSize;
  Value router =
      linearWeight((module + "router").str(), config.numExperts, hidden);
  std::string experts = (module + "experts").str();
  auto [gateUp, down] = config.quantization.hasUnfusedExperts()
                            ? buildUnfusedExperts(experts)
                            : buildFusedExperts(experts);
  std::string shared = (module + "shared_expert.").str();
  Value sharedGate = linearWeight(shared + "gate_proj", width, hidden);
  Value sharedUp = linearWeight(shared + "up_proj", width, hidden);
  Value sharedDown = linearWeight(shared + "down_proj", hidden, width);
  return moe::BlockOp::create(b, input.getType(), input, router, gateUp, down,
                              sharedGate, sharedUp, sharedDown,
                              static_cast<uint64_t>(config.topK));
}

Value ModuleBuilder::buildFeedForward(Value hidden, unsigned layer) {
  bool isMoe = config.isMoe[layer];
  at("layers." + Twine(layer) + (isMoe ? ".moe" : ".mlp"));
  Value x =
      rmsNorm(hidden, layerName(layer, "post_attention_layernorm.weight"));
  std::string module = layerName(layer, "feed_forward.");
  Value y = isMoe ? buildMoe(x, module)
                  : buildMlp(x, module, config.intermediateSizeMlp);
  return arith::AddFOp::create(b, hidden, y);
}

void ModuleBuilder::setQuantizationAttrs(func::FuncOp func) {
  const QuantizationConfig &quant = config.quantization;
  if (quant.activationScaling)
    func->setAttr("moe.activation_scaling",
                  getScalingAttr(b.getContext(), *quant.activationScaling));
  if (quant.activationScaleUpperBound)
    func->setAttr("moe.activation_scale_ub",
                  b.getF64FloatAttr(*quant.activationScaleUpperBound));
}

OwningOpRef<ModuleOp> ModuleBuilder::build(int64_t kvCachePositions) {
  module = ModuleOp::create(b.getLoc());
  b.setInsertionPointToEnd(module->getBody());
  auto idsType = RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type());
  auto logitsType = tokensType(config.vocabSize);
  SmallVector<Type> argTypes = {idsType, idsType};
  SmallVector<Type> resultTypes = {logitsType};
  if (kvCachePositions > 0) {
    auto cacheType = RankedTensorType::get(
        {kvCachePositions, config.numKvHeads * config.headDim}, dtype);
    argTypes.append(2 * config.numLayers, cacheType);
    resultTypes.append(2 * config.numLayers, cacheType);
  }
  auto func = func::FuncOp::create(b, "forward",
                                   b.getFunctionType(argTypes, resultTypes));
  setQuantizationAttrs(func);
  declBuilder.setInsertionPoint(func);
  b.setInsertionPointToEnd(func.addEntryBlock());
  Value ids = func.getArgument(0);
  positions = func.getArgument(1);
  if (kvCachePositions > 0)
    for (unsigned layer = 0; layer < config.numLayers; ++layer)
      caches.emplace_back(func.getArgument(2 + 2 * layer),
                          func.getArgument(3 + 2 * layer));

  at("embed");
  std::string prefix = config.tensorPrefix().str();
  Value table = weight(prefix + "model.embed_tokens.weight",
                       {config.vocabSize, config.hiddenSize}, dtype);
  Value hidden =
      graph::EmbeddingOp::create(b, tokensType(config.hiddenSize), table, ids);
  for (unsigned layer = 0, e = config.numLayers; layer < e; ++layer) {
    hidden = buildAttention(hidden, layer);
    hidden = buildFeedForward(hidden, layer);
  }
  at("norm");
  hidden = rmsNorm(hidden, prefix + "model.norm.weight");
  at("lm_head");
  Value head = config.tieWordEmbeddings
                   ? table
                   : linearWeight(prefix + "lm_head", config.vocabSize,
                                  config.hiddenSize);
  SmallVector<Value> results = {linear(hidden, head)};
  llvm::append_range(results, updatedCaches);
  func::ReturnOp::create(b, results);
  return std::move(module);
}

OwningOpRef<ModuleOp> mlir::moec::llama4::buildLlama4Module(
    MLIRContext &context, const Llama4Config &config,
    const TensorListing *checkpoint, int64_t kvCachePositions) {
  loadImporterDialects(context);
  return ModuleBuilder(context, config, checkpoint).build(kvCachePositions);
}

SmallVector<StringRef>
mlir::moec::llama4::ignoredTensorPrefixes(const Llama4Config &config) {
  if (!config.multimodal)
    return {};
  return {"vision_model.", "multi_modal_projector."};
}

/// Verifies `module`, returning its diagnostics as an error.
static llvm::Error verifyImported(ModuleOp module) {
  std::string messages;
  {
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
      messages += "\n  " + diag.str();
      return success();
    });
    if (succeeded(verify(module)))
      return llvm::Error::success();
  }
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "internal error: the imported module does not verify:" + messages);
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::moec::llama4::importLlama4Checkpoint(MLIRContext &context, StringRef dir,
                                           const ImportOptions &options) {
  if (!llvm::sys::fs::is_directory(dir))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   dir + ": not a checkpoint directory");
  llvm::SmallString<256> configPath(options.configPath);
  if (configPath.empty()) {
    configPath = dir;
    llvm::sys::path::append(configPath, "config.json");
  }
  llvm::Expected<Llama4Config> config = readLlama4Config(configPath);
  if (!config)
    return config.takeError();
  std::optional<TensorListing> listing;
  if (hasCheckpointWeights(dir)) {
    llvm::Expected<TensorListing> listed = listCheckpointTensors(dir);
    if (!listed)
      return listed.takeError();
    listing = std::move(*listed);
  }
  OwningOpRef<ModuleOp> module =
      buildLlama4Module(context, *config, listing ? &*listing : nullptr,
                        options.kvCachePositions);
  if (listing) {
    if (llvm::Error error =
            checkWeights(collectDeclaredTensors(*module), *listing,
                         ignoredTensorPrefixes(*config), configPath))
      return std::move(error);
  }
  if (llvm::Error error = verifyImported(*module))
    return std::move(error);
  return std::move(module);
}
