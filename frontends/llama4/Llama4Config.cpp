//===- Llama4Config.cpp - Llama 4 config.json reader -----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the reader that resolves both config.json spellings
// of Llama 4 (published checkpoints and transformers 5.x) into one
// Llama4Config, following the defaults of transformers' Llama4TextConfig.
//
//===----------------------------------------------------------------------===//

#include "frontends/llama4/Llama4Config.h"
#include "frontends/llama4/JsonFields.h"
#include "runtime/File.h"
#include "llvm/ADT/STLExtras.h"

using namespace llvm;
using namespace mlir::moec::llama4;

/// Largest accepted tensor dimension and layer / expert counts: far above
/// any Llama 4 model, low enough that shape arithmetic cannot overflow.
static constexpr int64_t kMaxDimension = int64_t(1) << 24;
static constexpr int64_t kMaxLayers = 1024;
static constexpr int64_t kMaxExperts = 4096;

StringRef mlir::moec::llama4::elementKindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "F32";
  case ElementKind::BF16:
    return "BF16";
  case ElementKind::F16:
    return "F16";
  }
  return "F32";
}

namespace {

/// Reads one parsed config.json into a Llama4Config. Errors are collected
/// in the diagnostics (first one wins); parsing continues with defaults.
class ConfigParser {
public:
  ConfigParser(JsonDiagnostics &diags, const json::Object &topObject)
      : diags(diags), top(diags, &topObject), text(top) {}

  void parse(Llama4Config &config);

private:
  void readModelType(Llama4Config &config);
  void readDType(Llama4Config &config);
  void readSizes(Llama4Config &config);
  void readRope(Llama4Config &config);
  std::optional<RopeScaling> readRopeType(JsonFields &fields);
  void readTokenIds(Llama4Config &config);
  std::optional<int64_t> readTokenId(JsonFields &fields, StringRef key,
                                     int64_t vocabSize);
  bool checkTokenId(JsonFields &fields, const Twine &key, int64_t id,
                    int64_t vocabSize);
  void readAttentionLayers(Llama4Config &config);
  void readAttentionOptions(Llama4Config &config);
  void readMoeLayers(Llama4Config &config);
  void readFeedForwardSizes(Llama4Config &config);
  void checkLimit(StringRef key, int64_t value, int64_t limit);

  JsonDiagnostics &diags;
  /// The top-level object and the object holding the text model's fields
  /// (`text_config` for multimodal configs, else the top level).
  JsonFields top;
  JsonFields text;
};

} // namespace

void ConfigParser::parse(Llama4Config &config) {
  config.fileName = diags.fileName().str();
  readModelType(config);
  if (diags.failed())
    return;
  readDType(config);
  readSizes(config);
  if (diags.failed())
    return;
  readRope(config);
  readAttentionLayers(config);
  readAttentionOptions(config);
  readMoeLayers(config);
  readFeedForwardSizes(config);
  parseQuantizationConfig(top, config.quantization);
}

void ConfigParser::readModelType(Llama4Config &config) {
  std::optional<StringRef> modelType = top.getString("model_type");
  if (!modelType)
    return top.missing("model_type");
  StringRef architecture;
  if (*modelType == "llama4") {
    config.multimodal = true;
    architecture = "Llama4ForConditionalGeneration";
    std::optional<JsonFields> textConfig = top.getObject("text_config");
    if (!textConfig)
      return top.missing("text_config");
    text = *textConfig;
    std::optional<StringRef> textType = text.getString("model_type");
    if (textType && *textType != "llama4_text")
      return text.invalid("model_type",
                          "'" + *textType + "' is not llama4_text");
  } else if (*modelType == "llama4_text") {
    architecture = "Llama4ForCausalLM";
  } else {
    return diags.error("unknown model_type '" + *modelType +
                       "' (accepted: llama4, llama4_text)");
  }
  const json::Array *architectures = top.getArray("architectures");
  if (!architectures)
    return;
  bool found = any_of(*architectures, [&](const json::Value &value) {
    return value.getAsString() == architecture;
  });
  if (!found)
    top.invalid("architectures", "must include " + architecture +
                                     " for model_type '" + *modelType + "'");
}

void ConfigParser::readDType(Llama4Config &config) {
  // transformers 5 writes `dtype`, earlier versions `torch_dtype`; multimodal
  // configs may carry it at either level. All present spellings must agree.
  std::optional<StringRef> chosen;
  std::string chosenField;
  for (JsonFields *fields : {&text, &top}) {
    for (StringRef key : {"torch_dtype", "dtype"}) {
      std::optional<StringRef> value = fields->getString(key);
      if (!value)
        continue;
      if (chosen && *chosen != *value)
        return fields->invalid(key, "('" + *value + "') contradicts " +
                                        chosenField + " ('" + *chosen + "')");
      chosen = value;
      chosenField = fields->name(key);
    }
  }
  if (!chosen)
    return text.missing("torch_dtype");
  if (*chosen == "float32")
    config.dtype = ElementKind::F32;
  else if (*chosen == "bfloat16")
    config.dtype = ElementKind::BF16;
  else if (*chosen == "float16")
    config.dtype = ElementKind::F16;
  else
    diags.error(chosenField + " '" + *chosen +
                "' is not supported (supported: float32, bfloat16, float16)");
}

void ConfigParser::checkLimit(StringRef key, int64_t value, int64_t limit) {
  if (value > limit)
    text.invalid(key, "(" + Twine(value) + ") exceeds the supported maximum (" +
                          Twine(limit) + ")");
}

void ConfigParser::readSizes(Llama4Config &config) {
  config.vocabSize = text.getPositiveInt("vocab_size");
  config.hiddenSize = text.getPositiveInt("hidden_size");
  config.intermediateSize = text.getPositiveInt("intermediate_size");
  config.numLayers = text.getPositiveInt("num_hidden_layers");
  config.numHeads = text.getPositiveInt("num_attention_heads");
  config.numKvHeads = text.getPositiveInt("num_key_value_heads");
  config.headDim = text.getPositiveInt("head_dim");
  config.rmsNormEps = text.getPositiveNumber("rms_norm_eps", 1e-5);
  // eps guards a division by the RMS of activations: a value near 1 or more
  // would swamp them (a typo, not a model).
  if (config.rmsNormEps >= 1.0)
    text.invalid("rms_norm_eps",
                 "(" + formatNumber(config.rmsNormEps) + ") must be < 1");
  for (StringRef key :
       {"vocab_size", "hidden_size", "intermediate_size", "num_attention_heads",
        "num_key_value_heads", "head_dim"})
    checkLimit(key, text.getInt(key).value_or(0), kMaxDimension);
  checkLimit("num_hidden_layers", config.numLayers, kMaxLayers);
  if (config.numHeads % config.numKvHeads != 0)
    diags.error(text.name("num_attention_heads") + " (" +
                Twine(config.numHeads) + ") is not divisible by " +
                text.name("num_key_value_heads") + " (" +
                Twine(config.numKvHeads) + ")");
  std::optional<StringRef> act = text.getString("hidden_act");
  if (act && *act != "silu")
    text.invalid("hidden_act", "'" + *act +
                                   "' is not supported (Llama 4 "
                                   "uses silu)");
  std::optional<bool> bias = text.getBool("attention_bias");
  if (bias && *bias)
    text.invalid("attention_bias", "is true; Llama 4 has no biases");
  std::optional<bool> tied = text.getBool("tie_word_embeddings");
  if (!tied && config.multimodal)
    tied = top.getBool("tie_word_embeddings");
  config.tieWordEmbeddings = tied.value_or(false);
  readTokenIds(config);
}

/// Special token ids (optional; the runtime stops at eos_token_id). Text
/// configs of multimodal checkpoints may leave them to the top level.
void ConfigParser::readTokenIds(Llama4Config &config) {
  auto fieldsWith = [&](StringRef key) -> JsonFields & {
    return text.has(key) || !config.multimodal ? text : top;
  };
  config.maxPositionEmbeddings = fieldsWith("max_position_embeddings")
                                     .getInt("max_position_embeddings")
                                     .value_or(0);
  if (config.maxPositionEmbeddings < 0)
    fieldsWith("max_position_embeddings")
        .invalid("max_position_embeddings", "must not be negative");
  config.bosTokenId =
      readTokenId(fieldsWith("bos_token_id"), "bos_token_id", config.vocabSize)
          .value_or(-1);
  config.padTokenId =
      readTokenId(fieldsWith("pad_token_id"), "pad_token_id", config.vocabSize)
          .value_or(-1);
  JsonFields &eosFields = fieldsWith("eos_token_id");
  const json::Value *eos = eosFields.get("eos_token_id");
  if (!eos)
    return;
  if (!eos->getAsArray()) {
    if (std::optional<int64_t> id =
            readTokenId(eosFields, "eos_token_id", config.vocabSize))
      config.eosTokenIds.push_back(*id);
    return;
  }
  for (auto [i, entry] : enumerate(*eos->getAsArray())) {
    std::optional<int64_t> id = entry.getAsInteger();
    if (!id) {
      eosFields.invalid("eos_token_id",
                        "must be a token id or a list of token ids");
      return;
    }
    if (!checkTokenId(eosFields, "eos_token_id[" + Twine(i) + "]", *id,
                      config.vocabSize))
      return;
    config.eosTokenIds.push_back(*id);
  }
}

bool ConfigParser::checkTokenId(JsonFields &fields, const Twine &key,
                                int64_t id, int64_t vocabSize) {
  if (id >= 0 && id < vocabSize)
    return true;
  diags.error(fields.name("") + key + " (" + Twine(id) +
              ") is not a token id: it must be in [0, vocab_size = " +
              Twine(vocabSize) + ")");
  return false;
}

std::optional<int64_t> ConfigParser::readTokenId(JsonFields &fields,
                                                 StringRef key,
                                                 int64_t vocabSize) {
  std::optional<int64_t> id = fields.getInt(key);
  if (!id || !checkTokenId(fields, key, *id, vocabSize))
    return std::nullopt;
  return id;
}

/// Returns the `rope_type` (or legacy `type`) of a rope object.
static std::optional<StringRef> getRopeType(JsonFields &fields) {
  if (fields.has("rope_type"))
    return fields.getString("rope_type");
  return fields.getString("type");
}

std::optional<RopeScaling> ConfigParser::readRopeType(JsonFields &fields) {
  std::optional<StringRef> type = getRopeType(fields);
  if (!type || *type == "default")
    return std::nullopt;
  if (*type != "llama3") {
    fields.invalid("rope_type", "'" + *type +
                                    "' is not supported (supported: "
                                    "default, llama3)");
    return std::nullopt;
  }
  RopeScaling scaling;
  scaling.factor = fields.getPositiveNumber("factor");
  scaling.lowFreqFactor = fields.getPositiveNumber("low_freq_factor");
  scaling.highFreqFactor = fields.getPositiveNumber("high_freq_factor");
  scaling.originalMaxPositionEmbeddings =
      fields.getPositiveInt("original_max_position_embeddings");
  if (scaling.factor < 1.0)
    fields.invalid("factor",
                   "(" + formatNumber(scaling.factor) + ") must be >= 1");
  if (scaling.highFreqFactor < scaling.lowFreqFactor)
    fields.invalid("high_freq_factor",
                   "(" + formatNumber(scaling.highFreqFactor) +
                       ") must be >= low_freq_factor (" +
                       formatNumber(scaling.lowFreqFactor) + ")");
  return scaling;
}

void ConfigParser::readRope(Llama4Config &config) {
  // Published spelling: top-level rope_theta + rope_scaling (null or llama3).
  // transformers 5: rope_parameters {rope_type, rope_theta, ...}.
  std::optional<double> theta = text.getNumber("rope_theta");
  std::optional<RopeScaling> scaling;
  std::optional<JsonFields> legacy = text.getObject("rope_scaling");
  if (legacy)
    scaling = readRopeType(*legacy);
  if (std::optional<JsonFields> params = text.getObject("rope_parameters")) {
    std::optional<double> paramTheta = params->getNumber("rope_theta");
    if (theta && paramTheta && *theta != *paramTheta)
      return params->invalid("rope_theta", "(" + formatNumber(*paramTheta) +
                                               ") contradicts " +
                                               text.name("rope_theta") + " (" +
                                               formatNumber(*theta) + ")");
    theta = theta ? theta : paramTheta;
    std::optional<RopeScaling> paramScaling = readRopeType(*params);
    if (legacy && paramScaling != scaling)
      return diags.error(text.name("rope_parameters") + " contradicts " +
                         text.name("rope_scaling"));
    scaling = paramScaling;
  }
  config.ropeTheta = theta.value_or(500000.0);
  if (!(config.ropeTheta > 0.0))
    diags.error(text.name("rope_theta") + " must be positive, got " +
                formatNumber(config.ropeTheta));
  else
    text.checkFloat32("rope_theta", config.ropeTheta);
  config.ropeScaling = scaling;
}

/// Reads `no_rope_layers` (1 = RoPE); empty or absent gives the default
/// pattern of transformers: every `interval`-th layer is NoPE.
static std::vector<bool> readNoRopeLayers(JsonFields &text, int64_t numLayers) {
  int64_t interval = text.getPositiveInt("no_rope_layer_interval", 4);
  std::vector<bool> useRope(numLayers);
  for (int64_t i = 0; i < numLayers; ++i)
    useRope[i] = (i + 1) % interval != 0;
  const json::Array *list = text.getArray("no_rope_layers");
  if (!list || list->empty())
    return useRope;
  if (static_cast<int64_t>(list->size()) != numLayers) {
    text.invalid("no_rope_layers", "has " + Twine(list->size()) +
                                       " entries but num_hidden_layers is " +
                                       Twine(numLayers));
    return useRope;
  }
  for (auto [i, entry] : enumerate(*list)) {
    std::optional<int64_t> value = entry.getAsInteger();
    if (std::optional<bool> flag = entry.getAsBoolean())
      value = *flag;
    if (!value || (*value != 0 && *value != 1)) {
      text.invalid("no_rope_layers", "[" + Twine(i) + "] must be 0 or 1");
      return useRope;
    }
    useRope[i] = *value == 1;
  }
  return useRope;
}

void ConfigParser::readAttentionLayers(Llama4Config &config) {
  config.useRope = readNoRopeLayers(text, config.numLayers);
  const json::Array *types = text.getArray("layer_types");
  if (!types)
    return;
  if (static_cast<int64_t>(types->size()) != config.numLayers)
    return text.invalid("layer_types", "has " + Twine(types->size()) +
                                           " entries but num_hidden_layers "
                                           "is " +
                                           Twine(config.numLayers));
  for (auto [i, entry] : enumerate(*types)) {
    std::optional<StringRef> type = entry.getAsString();
    if (!type || (*type != "chunked_attention" && *type != "full_attention"))
      return text.invalid("layer_types",
                          "[" + Twine(i) +
                              "] is not supported (supported: "
                              "chunked_attention, full_attention)");
    bool chunked = *type == "chunked_attention";
    if (chunked != config.useRope[i])
      return diags.error(text.name("layer_types") + "[" + Twine(i) + "] ('" +
                         *type + "') contradicts " +
                         text.name("no_rope_layers") + "[" + Twine(i) + "] (" +
                         Twine(config.useRope[i] ? 1 : 0) + ")");
  }
}

void ConfigParser::readAttentionOptions(Llama4Config &config) {
  config.useQkNorm = text.getBool("use_qk_norm").value_or(true);
  config.attentionChunkSize = text.getPositiveInt("attention_chunk_size", 8192);
  // Legacy configs store an integer (4); transformers treats it as truthy.
  if (const json::Value *tuning = text.get("attn_temperature_tuning")) {
    std::optional<bool> flag = tuning->getAsBoolean();
    if (!flag && tuning->getAsInteger())
      flag = *tuning->getAsInteger() != 0;
    if (!flag)
      text.invalid("attn_temperature_tuning",
                   "must be true, false or a legacy integer");
    config.attnTemperatureTuning = flag.value_or(true);
  }
  config.floorScale = text.getPositiveNumber("floor_scale", 8192.0);
  config.attnScale = text.getPositiveNumber("attn_scale", 0.1);
  bool anyTuned = false, anyRope = false;
  for (unsigned i = 0; i < config.numLayers; ++i) {
    anyTuned |= config.hasTemperatureTuning(i);
    anyRope |= config.useRope[i];
  }
  if (anyTuned && config.floorScale < 1.0)
    text.invalid("floor_scale",
                 "(" + formatNumber(config.floorScale) + ") must be >= 1");
  if (anyRope && config.headDim % 2 != 0)
    text.invalid("head_dim",
                 "(" + Twine(config.headDim) + ") must be even for RoPE");
}

void ConfigParser::readMoeLayers(Llama4Config &config) {
  int64_t numLayers = config.numLayers;
  bool hasStep = text.has("interleave_moe_layer_step");
  int64_t step = text.getPositiveInt("interleave_moe_layer_step", 1);
  // transformers / vLLM / Meta: moe_layers = range(step - 1, L, step).
  std::vector<bool> fromStep(numLayers);
  for (int64_t i = 0; i < numLayers; ++i)
    fromStep[i] = (i + 1) % step == 0;
  config.isMoe = fromStep;
  const json::Array *list = text.getArray("moe_layers");
  if (!list)
    return;
  config.isMoe.assign(numLayers, false);
  for (const json::Value &entry : *list) {
    std::optional<int64_t> layer = entry.getAsInteger();
    if (!layer || *layer < 0 || *layer >= numLayers)
      return text.invalid("moe_layers", "must list layer indices in [0, " +
                                            Twine(numLayers) + ")");
    if (config.isMoe[*layer])
      return text.invalid("moe_layers",
                          "lists layer " + Twine(*layer) + " twice");
    config.isMoe[*layer] = true;
  }
  for (int64_t i = 0; hasStep && i < numLayers; ++i) {
    if (config.isMoe[i] == fromStep[i])
      continue;
    return diags.error(text.name("moe_layers") + " " +
                       (config.isMoe[i] ? "includes" : "omits") + " layer " +
                       Twine(i) + ", contradicting " +
                       text.name("interleave_moe_layer_step") + " (" +
                       Twine(step) + ")");
  }
}

void ConfigParser::readFeedForwardSizes(Llama4Config &config) {
  bool anyMoe = is_contained(config.isMoe, true);
  bool anyDense = is_contained(config.isMoe, false);
  std::optional<int64_t> notNeeded = 0;
  config.numExperts = text.getPositiveInt("num_local_experts",
                                          anyMoe ? std::nullopt : notNeeded);
  config.topK = text.getPositiveInt("num_experts_per_tok", 1);
  config.intermediateSizeMlp = text.getPositiveInt(
      "intermediate_size_mlp", anyDense ? std::nullopt : notNeeded);
  checkLimit("num_local_experts", config.numExperts, kMaxExperts);
  checkLimit("intermediate_size_mlp", config.intermediateSizeMlp,
             kMaxDimension);
  if (anyMoe && config.topK > config.numExperts)
    text.invalid("num_experts_per_tok", "(" + Twine(config.topK) +
                                            ") exceeds num_local_experts (" +
                                            Twine(config.numExperts) + ")");
}

Expected<Llama4Config>
mlir::moec::llama4::parseLlama4Config(StringRef text, StringRef fileName) {
  JsonDiagnostics diags(fileName);
  std::optional<json::Value> root = parseJsonObject(text, diags);
  if (!root)
    return diags.takeError();
  Llama4Config config;
  ConfigParser(diags, *root->getAsObject()).parse(config);
  if (diags.failed())
    return diags.takeError();
  return config;
}

Expected<Llama4Config> mlir::moec::llama4::readLlama4Config(StringRef path) {
  // The runtime's reader refuses FIFOs and devices without blocking and caps
  // the size, so a hostile path cannot hang the compiler or exhaust memory.
  absl::StatusOr<std::string> text = ::moec::runtime::readTextFile(
      path.str(), ::moec::runtime::kMaxJsonFileBytes);
  if (!text.ok())
    return createStringError(inconvertibleErrorCode(),
                             std::string(text.status().message()));
  return parseLlama4Config(*text, path);
}
