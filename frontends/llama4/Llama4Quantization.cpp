//===- Llama4Quantization.cpp - FP8 schemes of Llama 4 checkpoints -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the reader of `quantization_config` and the module
// selection rules of compressed-tensors and fbgemm_fp8.
//
//===----------------------------------------------------------------------===//

#include "frontends/llama4/Llama4Quantization.h"
#include "frontends/llama4/JsonFields.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Regex.h"

using namespace llvm;
using namespace mlir::moec::llama4;

//===----------------------------------------------------------------------===//
// ModuleMatcher
//===----------------------------------------------------------------------===//

/// Rewrites the Python `re` constructs configs use into POSIX extended
/// syntax (llvm::Regex), anchored at the start as `re.match` is.
static std::string toPosixRegex(StringRef pattern) {
  std::string result = "^(";
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '(' && pattern.substr(i).starts_with("(?:")) {
      result += '(';
      i += 2;
      continue;
    }
    if (c != '\\' || i + 1 == pattern.size()) {
      result += c;
      continue;
    }
    char next = pattern[++i];
    if (next == 'd')
      result += "[0-9]";
    else if (next == 'w')
      result += "[A-Za-z0-9_]";
    else if (next == 's')
      result += "[[:space:]]";
    else
      (result += '\\') += next;
  }
  return result + ")";
}

std::optional<std::string> ModuleMatcher::add(StringRef entry) {
  Entry result{entry.str(), nullptr};
  if (style == Style::CompressedTensors && entry.starts_with("re:")) {
    result.regex = std::make_shared<Regex>(toPosixRegex(entry.drop_front(3)));
    std::string error;
    if (!result.regex->isValid(error))
      return "invalid regular expression '" + entry.str() + "': " + error;
  }
  entries.push_back(std::move(result));
  return std::nullopt;
}

/// True when `key` occurs in the dotted `name` as whole components.
static bool containsComponents(StringRef name, StringRef key) {
  for (size_t pos = name.find(key); pos != StringRef::npos;
       pos = name.find(key, pos + 1)) {
    bool startsComponent = pos == 0 || name[pos - 1] == '.';
    size_t end = pos + key.size();
    bool endsComponent = end == name.size() || name[end] == '.';
    if (startsComponent && endsComponent)
      return true;
  }
  return false;
}

bool ModuleMatcher::matches(StringRef name) const {
  return any_of(entries, [&](const Entry &entry) {
    if (style == Style::Components)
      return containsComponents(name, entry.text);
    if (entry.regex)
      return entry.regex->match(name);
    return entry.text == "Linear" || entry.text == name;
  });
}

//===----------------------------------------------------------------------===//
// QuantizationConfig
//===----------------------------------------------------------------------===//

StringRef QuantizationConfig::schemeName() const {
  switch (scheme) {
  case QuantScheme::None:
    return "none";
  case QuantScheme::CompressedTensors:
    return "compressed-tensors";
  case QuantScheme::FbgemmFp8:
    return "fbgemm_fp8";
  }
  return "none";
}

bool QuantizationConfig::quantizesLinear(StringRef name) const {
  if (!isQuantized() || excluded.matches(name))
    return false;
  return scheme == QuantScheme::FbgemmFp8 || targets.matches(name);
}

bool QuantizationConfig::quantizesFusedExperts(StringRef name) const {
  return scheme == QuantScheme::FbgemmFp8 && !excluded.matches(name);
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

/// Adds the string entries of list `key` of `fields` to `matcher`.
static void readModuleList(JsonFields &fields, StringRef key,
                           ModuleMatcher &matcher) {
  const json::Array *list = fields.getArray(key);
  if (!list)
    return;
  for (const json::Value &entry : *list) {
    std::optional<StringRef> text = entry.getAsString();
    if (!text)
      return fields.invalid(key, "must be a list of strings");
    if (std::optional<std::string> error = matcher.add(*text))
      return fields.invalid(key, "has an " + *error);
  }
}

/// Checks that FP8 e4m3 is what `args` (a weights or input_activations
/// object of compressed-tensors) describes.
static void checkFp8Args(JsonFields &args) {
  std::optional<int64_t> bits = args.getInt("num_bits");
  if (bits && *bits != 8)
    args.invalid("num_bits", "is " + Twine(*bits) +
                                 "; only 8-bit float (FP8) is supported");
  std::optional<StringRef> type = args.getString("type");
  if (type && *type != "float")
    args.invalid("type", "'" + *type +
                             "' is not supported (supported: float, i.e. FP8)");
  std::optional<bool> symmetric = args.getBool("symmetric");
  if (symmetric && !*symmetric)
    args.invalid("symmetric", "is false; only symmetric FP8 is supported");
}

/// Reads a `block_structure` of [rows, cols] (or "RxC") into `spec`.
static void readBlockStructure(JsonFields &weights, ScalingSpec &spec) {
  const json::Value *value = weights.get("block_structure");
  int64_t rows = 0, cols = 0;
  if (const json::Array *list = value ? value->getAsArray() : nullptr) {
    if (list->size() == 2 && (*list)[0].getAsInteger() &&
        (*list)[1].getAsInteger()) {
      rows = *(*list)[0].getAsInteger();
      cols = *(*list)[1].getAsInteger();
    }
  } else if (std::optional<StringRef> text =
                 value ? value->getAsString() : std::nullopt) {
    auto [lhs, rhs] = text->split('x');
    if (lhs.getAsInteger(10, rows) || rhs.getAsInteger(10, cols))
      rows = cols = 0;
  }
  if (rows <= 0 || cols <= 0)
    return weights.invalid("block_structure",
                           "must be [rows, cols] of positive integers for "
                           "the block strategy");
  spec = {ScalingSpec::Kind::Block, rows, cols};
}

/// Reads the `weights` arguments of a compressed-tensors group.
static void readWeightArgs(JsonFields &weights, QuantizationConfig &result) {
  checkFp8Args(weights);
  std::optional<bool> dynamic = weights.getBool("dynamic");
  if (dynamic && *dynamic)
    weights.invalid("dynamic", "is true; weight scales must be stored");
  std::optional<StringRef> strategy = weights.getString("strategy");
  if (!strategy)
    return weights.missing("strategy");
  if (*strategy == "channel")
    result.weightScaling = {ScalingSpec::Kind::PerChannel};
  else if (*strategy == "block")
    readBlockStructure(weights, result.weightScaling);
  else
    weights.invalid("strategy", "'" + *strategy +
                                    "' is not supported (supported: channel, "
                                    "block)");
}

/// Reads the `input_activations` arguments of a compressed-tensors group.
static void readActivationArgs(JsonFields &acts, QuantizationConfig &result) {
  checkFp8Args(acts);
  std::optional<bool> dynamic = acts.getBool("dynamic");
  if (!dynamic || !*dynamic)
    return acts.invalid("dynamic", "must be true: static activation scales "
                                   "are not supported");
  std::optional<StringRef> strategy = acts.getString("strategy");
  if (!strategy)
    return acts.missing("strategy");
  if (*strategy == "token") {
    result.activationScaling = ScalingSpec{ScalingSpec::Kind::PerToken};
    return;
  }
  if (*strategy != "group")
    return acts.invalid("strategy", "'" + *strategy +
                                        "' is not supported (supported: "
                                        "token, group)");
  int64_t group = acts.getPositiveInt("group_size");
  const ScalingSpec &weights = result.weightScaling;
  if (weights.kind != ScalingSpec::Kind::Block || weights.blockCols != group)
    return acts.invalid("group_size",
                        "(" + Twine(group) +
                            ") must equal the reduction extent of block "
                            "weight scales");
  result.activationScaling = ScalingSpec{ScalingSpec::Kind::Block, 1, group};
}

/// Reads a compressed-tensors `quantization_config`.
static void readCompressedTensors(JsonFields &quant,
                                  QuantizationConfig &result) {
  result.scheme = QuantScheme::CompressedTensors;
  result.targets = ModuleMatcher(ModuleMatcher::Style::CompressedTensors);
  result.excluded = ModuleMatcher(ModuleMatcher::Style::CompressedTensors);
  std::optional<StringRef> format = quant.getString("format");
  if (format && *format != "float-quantized")
    quant.invalid("format", "'" + *format +
                                "' is not supported (supported: "
                                "float-quantized)");
  if (quant.has("kv_cache_scheme"))
    quant.invalid("kv_cache_scheme", "is not supported (must be null)");
  readModuleList(quant, "ignore", result.excluded);
  // A wrong type was reported already; only the first error is kept.
  std::optional<JsonFields> groups = quant.getObject("config_groups");
  if (!groups)
    return quant.missing("config_groups");
  const json::Object *groupObject = groups->raw();
  if (groupObject->size() != 1)
    return quant.invalid("config_groups",
                         "has " + Twine(groupObject->size()) +
                             " groups; exactly one is supported");
  StringRef groupName = groupObject->begin()->first;
  std::optional<JsonFields> group = groups->getObject(groupName);
  if (!group)
    return groups->invalid(groupName, "must be an object");
  readModuleList(*group, "targets", result.targets);
  if (result.targets.empty())
    return group->missing("targets");
  if (group->has("output_activations"))
    group->invalid("output_activations", "are not supported (must be null)");
  std::optional<JsonFields> weights = group->getObject("weights");
  if (!weights)
    return group->missing("weights");
  readWeightArgs(*weights, result);
  if (std::optional<JsonFields> acts = group->getObject("input_activations"))
    readActivationArgs(*acts, result);
}

/// Reads an fbgemm_fp8 `quantization_config`.
static void readFbgemm(JsonFields &quant, QuantizationConfig &result) {
  result.scheme = QuantScheme::FbgemmFp8;
  result.weightScaling = {ScalingSpec::Kind::PerChannel};
  result.activationScaling = ScalingSpec{ScalingSpec::Kind::PerToken};
  result.activationScaleUpperBound =
      quant.getPositiveNumber("activation_scale_ub", 1200.0);
  result.excluded = ModuleMatcher(ModuleMatcher::Style::Components);
  readModuleList(quant, "modules_to_not_convert", result.excluded);
}

void mlir::moec::llama4::parseQuantizationConfig(JsonFields &config,
                                                 QuantizationConfig &result) {
  std::optional<JsonFields> quant = config.getObject("quantization_config");
  if (!quant)
    return;
  std::optional<StringRef> method = quant->getString("quant_method");
  if (!method)
    return quant->missing("quant_method");
  if (*method == "compressed-tensors")
    return readCompressedTensors(*quant, result);
  if (*method == "fbgemm_fp8")
    return readFbgemm(*quant, result);
  quant->invalid("quant_method", "'" + *method +
                                     "' is not supported (supported: "
                                     "compressed-tensors, fbgemm_fp8)");
}
