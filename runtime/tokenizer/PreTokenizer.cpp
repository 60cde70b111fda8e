//===- PreTokenizer.cpp - Hugging Face pre-tokenizers ---------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file reads the pre_tokenizer of tokenizer.json and runs it. Split's
// delimiter behaviors follow NormalizedString::split in Hugging Face's
// tokenizers; empty pieces are dropped afterwards, as PreTokenizedString
// does.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/JsonFields.h"

#include <algorithm>

namespace moec::runtime::tokenizer {

/// GPT-2's pattern, which ByteLevel splits with when use_regex is true.
static constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

static absl::StatusOr<SplitBehavior> parseBehavior(std::string_view name,
                                                   std::string_view path) {
  if (name == "Removed")
    return SplitBehavior::Removed;
  if (name == "Isolated")
    return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious")
    return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext")
    return SplitBehavior::MergedWithNext;
  if (name == "Contiguous")
    return SplitBehavior::Contiguous;
  return fieldError(path, strCat("unknown behavior '", name,
                                 "' (expected Removed, Isolated, "
                                 "MergedWithPrevious, MergedWithNext or "
                                 "Contiguous)"));
}

/// Compiles Split's "pattern": {"Regex": "..."} or {"String": "..."}.
static absl::StatusOr<Regex> parsePattern(const JsonValue &split,
                                          std::string_view path) {
  std::string patternPath = childPath(path, "pattern");
  const JsonValue *pattern = split.find("pattern");
  if (!pattern)
    return fieldError(patternPath, "missing (expected {\"Regex\": ...} or "
                                   "{\"String\": ...})");
  const JsonValue::Object *members = pattern->asObject();
  if (!members || members->size() != 1 || !members->front().value.isString())
    return fieldError(patternPath, "expected {\"Regex\": \"...\"} or "
                                   "{\"String\": \"...\"}");
  const JsonMember &member = members->front();
  absl::StatusOr<Regex> regex = absl::InvalidArgumentError("");
  if (member.key == "Regex")
    regex = Regex::compile(*member.value.asString());
  else if (member.key == "String")
    regex = Regex::compileLiteral(*member.value.asString());
  else
    return fieldError(patternPath, strCat("unknown pattern kind '", member.key,
                                          "' (expected Regex or String)"));
  if (!regex.ok())
    return fieldError(patternPath, toStdView(regex.status().message()));
  return regex;
}

static absl::StatusOr<PreTokenizerStep> parseSplit(const JsonValue &value,
                                                   std::string_view path) {
  PreTokenizerStep step;
  absl::StatusOr<Regex> regex = parsePattern(value, path);
  if (!regex.ok())
    return regex.status();
  step.regex = std::make_unique<Regex>(*std::move(regex));
  absl::StatusOr<std::string> behavior = requireString(value, "behavior", path);
  if (!behavior.ok())
    return behavior.status();
  absl::StatusOr<SplitBehavior> parsed =
      parseBehavior(*behavior, childPath(path, "behavior"));
  if (!parsed.ok())
    return parsed.status();
  step.behavior = *parsed;
  absl::StatusOr<bool> invert = optionalBool(value, "invert", path, false);
  if (!invert.ok())
    return invert.status();
  step.invert = *invert;
  return step;
}

static absl::StatusOr<PreTokenizerStep> parseByteLevel(const JsonValue &value,
                                                       std::string_view path) {
  PreTokenizerStep step;
  absl::StatusOr<bool> addPrefixSpace =
      requireBool(value, "add_prefix_space", path);
  if (!addPrefixSpace.ok())
    return addPrefixSpace.status();
  step.addPrefixSpace = *addPrefixSpace;
  absl::StatusOr<bool> useRegex = optionalBool(value, "use_regex", path, true);
  if (!useRegex.ok())
    return useRegex.status();
  if (*useRegex) {
    absl::StatusOr<Regex> regex = Regex::compile(kGpt2Pattern);
    if (!regex.ok())
      return regex.status();
    step.regex = std::make_unique<Regex>(*std::move(regex));
  }
  return step;
}

/// Appends the steps of the pre-tokenizer `value` at `path` to `steps`,
/// flattening Sequence. `sawByteLevel` tracks the ByteLevel-comes-last rule.
static absl::Status parseSteps(const JsonValue &value, std::string_view path,
                               std::vector<PreTokenizerStep> &steps,
                               bool &sawByteLevel) {
  absl::StatusOr<std::string> type = componentType(value, path);
  if (!type.ok())
    return type.status();
  if (*type == "Sequence") {
    absl::StatusOr<const JsonValue::Array *> children =
        requireArray(value, "pretokenizers", path);
    if (!children.ok())
      return children.status();
    std::string childrenPath = childPath(path, "pretokenizers");
    for (size_t i = 0; i < (*children)->size(); ++i)
      if (absl::Status status = parseSteps(
              (**children)[i], indexPath(childrenPath, i), steps, sawByteLevel);
          !status.ok())
        return status;
    return absl::OkStatus();
  }
  if (sawByteLevel)
    return fieldError(path, strCat("a ", *type,
                                   " step after ByteLevel is not supported "
                                   "(ByteLevel must be the last step)"));
  absl::StatusOr<PreTokenizerStep> step = absl::InvalidArgumentError("");
  if (*type == "Split") {
    step = parseSplit(value, path);
  } else if (*type == "ByteLevel") {
    step = parseByteLevel(value, path);
    sawByteLevel = true;
  } else {
    return unsupportedType(path, *type, "Split, ByteLevel, Sequence");
  }
  if (!step.ok())
    return step.status();
  steps.push_back(*std::move(step));
  return absl::OkStatus();
}

absl::StatusOr<PreTokenizer> PreTokenizer::fromJson(const JsonValue &value) {
  static constexpr std::string_view kPath = "pre_tokenizer";
  if (value.isNull())
    return fieldError(kPath, "null is not supported: this tokenizer reads "
                             "byte-level BPE only, whose pre_tokenizer ends "
                             "with ByteLevel");
  PreTokenizer result;
  bool sawByteLevel = false;
  if (absl::Status status =
          parseSteps(value, kPath, result.steps, sawByteLevel);
      !status.ok())
    return status;
  if (!sawByteLevel)
    return fieldError(kPath, "has no ByteLevel step: this tokenizer reads "
                             "byte-level BPE only");
  // A ByteLevel without regex or prefix space leaves the bytes as they are
  // (the alphabet only matters to the vocabulary's spelling).
  auto isNoOp = [](const PreTokenizerStep &step) {
    return !step.regex && !step.addPrefixSpace;
  };
  result.steps.erase(
      std::remove_if(result.steps.begin(), result.steps.end(), isNoOp),
      result.steps.end());
  return result;
}

/// Applies the merging Split `behavior` (MergedWithPrevious, MergedWithNext
/// or Contiguous) to `spans` in place: HF's fold over the matches.
static void applyBehavior(SplitBehavior behavior,
                          std::vector<RegexSpan> &spans) {
  std::vector<RegexSpan> merged;
  merged.reserve(spans.size());
  bool previousMatch = false;
  // Whether `span` joins the piece before it (after it for MergedWithNext).
  auto joins = [&](const RegexSpan &span) {
    if (merged.empty())
      return false;
    if (behavior == SplitBehavior::Contiguous)
      return span.isMatch == previousMatch;
    return span.isMatch && !previousMatch;
  };
  if (behavior == SplitBehavior::MergedWithNext) {
    for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
      if (joins(*it))
        merged.back().begin = it->begin;
      else
        merged.push_back({it->begin, it->end, false});
      previousMatch = it->isMatch;
    }
    std::reverse(merged.begin(), merged.end());
  } else {
    for (const RegexSpan &span : spans) {
      if (joins(span))
        merged.back().end = span.end;
      else
        merged.push_back({span.begin, span.end, false});
      previousMatch = span.isMatch;
    }
  }
  spans.swap(merged);
}

absl::Status PreTokenizer::runMergingSplit(size_t index, std::string_view piece,
                                           PreTokenizerScratch &scratch,
                                           PieceSink sink) const {
  const PreTokenizerStep &step = steps[index];
  // Merging needs the neighbors of each span; such patterns are rare, so
  // their spans are simply collected first.
  std::vector<RegexSpan> spans;
  if (absl::Status status =
          step.regex->findMatches(piece, scratch.matcher, spans);
      !status.ok())
    return status;
  if (step.invert)
    for (RegexSpan &span : spans)
      span.isMatch = !span.isMatch;
  applyBehavior(step.behavior, spans);
  for (const RegexSpan &span : spans)
    if (absl::Status status =
            runSteps(index + 1, piece.substr(span.begin, span.end - span.begin),
                     scratch, sink);
        !status.ok())
      return status;
  return absl::OkStatus();
}

absl::Status PreTokenizer::runSteps(size_t index, std::string_view piece,
                                    PreTokenizerScratch &scratch,
                                    PieceSink sink) const {
  // Empty pieces are dropped between steps, as PreTokenizedString does.
  if (piece.empty())
    return absl::OkStatus();
  if (index == steps.size()) {
    sink(piece);
    return absl::OkStatus();
  }
  const PreTokenizerStep &step = steps[index];
  if (step.addPrefixSpace && piece.front() != ' ') {
    scratch.arena.push_back(strCat(" ", piece));
    piece = scratch.arena.back();
  }
  if (!step.regex)
    return runSteps(index + 1, piece, scratch, sink);
  if (step.behavior != SplitBehavior::Isolated &&
      step.behavior != SplitBehavior::Removed)
    return runMergingSplit(index, piece, scratch, sink);
  // Isolated keeps every span, Removed the non-matches: no span depends on
  // its neighbors, so they go on as the regex finds them.
  absl::Status inner = absl::OkStatus();
  absl::Status status =
      step.regex->forEachSpan(piece, scratch.matcher, [&](RegexSpan span) {
        bool removed = step.behavior == SplitBehavior::Removed &&
                       span.isMatch != step.invert;
        if (!removed && inner.ok())
          inner = runSteps(index + 1,
                           piece.substr(span.begin, span.end - span.begin),
                           scratch, sink);
      });
  return status.ok() ? inner : status;
}

absl::Status PreTokenizer::split(std::string_view text,
                                 PreTokenizerScratch &scratch,
                                 PieceSink sink) const {
  return runSteps(0, text, scratch, sink);
}

} // namespace moec::runtime::tokenizer
