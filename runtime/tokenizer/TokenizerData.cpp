//===- TokenizerData.cpp - Building a tokenizer from tokenizer.json -------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file checks the top-level components of tokenizer.json that this
// tokenizer only accepts in one form (normalizer, decoder, truncation,
// padding), has each part read its own member, and fills the token table
// that decoding uses.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/TokenizerData.h"

#include "runtime/StringUtil.h"
#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/JsonFields.h"

namespace moec::runtime::tokenizer {

/// Ids at most this large are accepted; the token table is indexed by id,
/// so a stray huge id must not make it allocate gigabytes.
static constexpr int64_t kMaxTokenId = (int64_t(1) << 24) - 1;

/// Accepts a null normalizer or an empty Sequence of normalizers.
static absl::Status checkNormalizer(const JsonValue *normalizer) {
  static constexpr std::string_view kPath = "normalizer";
  if (!normalizer || normalizer->isNull())
    return absl::OkStatus();
  absl::StatusOr<std::string> type = componentType(*normalizer, kPath);
  if (!type.ok())
    return type.status();
  if (*type == "Sequence") {
    const JsonValue *list = normalizer->find("normalizers");
    if (list && list->asArray() && list->asArray()->empty())
      return absl::OkStatus();
  }
  return unsupportedType(kPath, *type, "null (no normalizer)");
}

static absl::Status checkDecoder(const JsonValue *decoder) {
  static constexpr std::string_view kPath = "decoder";
  if (!decoder || decoder->isNull())
    return fieldError(kPath, "null is not supported (supported: ByteLevel)");
  absl::StatusOr<std::string> type = componentType(*decoder, kPath);
  if (!type.ok())
    return type.status();
  if (*type != "ByteLevel")
    return unsupportedType(kPath, *type, "ByteLevel");
  return absl::OkStatus();
}

/// Truncation and padding change what encode returns; they must be null.
static absl::Status checkUnset(const JsonValue &root, std::string_view key) {
  const JsonValue *value = root.find(key);
  if (!value || value->isNull())
    return absl::OkStatus();
  return fieldError(key, "is set, which is not supported (this tokenizer "
                         "neither truncates nor pads; set it to null)");
}

static absl::Status checkTopLevel(const JsonValue &root) {
  if (absl::Status status = requireObject(root, "tokenizer.json"); !status.ok())
    return status;
  for (absl::Status status :
       {checkNormalizer(root.find("normalizer")),
        checkDecoder(root.find("decoder")), checkUnset(root, "truncation"),
        checkUnset(root, "padding")})
    if (!status.ok())
      return status;
  return absl::OkStatus();
}

/// Returns what the ByteLevel decoder makes of `token`: its bytes when all
/// of its characters are in the byte-level alphabet, else its own UTF-8.
static std::string decodedBytes(std::string_view token) {
  std::optional<std::string> bytes = byteLevelToBytes(token);
  return bytes ? *std::move(bytes) : std::string(token);
}

static absl::Status fillTable(const JsonValue &model,
                              const AddedVocabulary &added, TokenTable &table) {
  // BpeModel::fromJson has checked every entry.
  for (const JsonMember &entry : *model.find("vocab")->asObject()) {
    int64_t id = *entry.value.asInt();
    if (id > kMaxTokenId)
      return fieldError(
          strCat("model.vocab.\"", entry.key, "\""),
          strCat("id ", id, " is larger than the supported ", kMaxTokenId));
    table.set(id, entry.key, decodedBytes(entry.key), false);
  }
  // Added ids are at most the vocabulary's size plus their number.
  for (const AddedToken &token : added.tokens())
    table.set(token.id, token.content, decodedBytes(token.content),
              token.special);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const TokenizerData>>
buildTokenizerData(const JsonValue &root) {
  if (absl::Status status = checkTopLevel(root); !status.ok())
    return status;
  const JsonValue *model = root.find("model");
  if (!model)
    return fieldError("model", "missing (expected a BPE model)");
  absl::StatusOr<BpeModel> bpe = BpeModel::fromJson(*model);
  if (!bpe.ok())
    return bpe.status();
  const JsonValue *preTokenizerJson = root.find("pre_tokenizer");
  absl::StatusOr<PreTokenizer> preTokenizer = PreTokenizer::fromJson(
      preTokenizerJson ? *preTokenizerJson : JsonValue());
  if (!preTokenizer.ok())
    return preTokenizer.status();
  absl::StatusOr<AddedVocabulary> added =
      AddedVocabulary::fromJson(root.find("added_tokens"), *bpe);
  if (!added.ok())
    return added.status();
  absl::StatusOr<PostProcessor> postProcessor =
      PostProcessor::fromJson(root.find("post_processor"));
  if (!postProcessor.ok())
    return postProcessor.status();
  auto data = std::make_shared<TokenizerData>(TokenizerData{
      *std::move(bpe), *std::move(added), *std::move(preTokenizer),
      *std::move(postProcessor), TokenTable()});
  if (absl::Status status = fillTable(*model, data->added, data->table);
      !status.ok())
    return status;
  return std::shared_ptr<const TokenizerData>(std::move(data));
}

} // namespace moec::runtime::tokenizer
