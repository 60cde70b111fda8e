//===- Tokenizer.cpp - Hugging Face byte-level BPE tokenizer --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements loading, encoding and decoding. Encoding follows HF's
// TokenizerImpl::encode_single_sequence: added tokens are cut out first, the
// text between them is pre-tokenized, each piece goes through BPE, and the
// post-processor adds its special tokens. Everything works on raw bytes;
// the byte-level alphabet only exists in the loaded vocabulary's spelling.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"
#include "runtime/tokenizer/TokenizerData.h"
#include "runtime/tokenizer/Utf8.h"

namespace moec::runtime {

using tokenizer::TokenizerData;

namespace {

/// Buffers for one encode call, so that a Tokenizer is shared read-only.
struct EncodeScratch {
  std::vector<tokenizer::TextSegment> segments;
  tokenizer::PreTokenizerScratch preTokenizer;
  tokenizer::BpeScratch bpe;
};

} // namespace

absl::StatusOr<Tokenizer> Tokenizer::fromJson(std::string_view json) {
  absl::StatusOr<JsonValue> root = parseJson(json);
  if (!root.ok())
    return root.status();
  absl::StatusOr<std::shared_ptr<const TokenizerData>> data =
      tokenizer::buildTokenizerData(*root);
  if (!data.ok())
    return data.status();
  return Tokenizer(*std::move(data));
}

absl::StatusOr<Tokenizer> Tokenizer::load(const std::string &path) {
  std::string file =
      isDirectory(path) ? joinPath(path, "tokenizer.json") : path;
  absl::StatusOr<std::string> text = readTextFile(file, kMaxJsonFileBytes);
  if (!text.ok())
    return absl::Status(
        text.status().code(),
        strCat("cannot load the tokenizer: ", text.status().message()));
  absl::StatusOr<Tokenizer> tokenizer = fromJson(*text);
  if (!tokenizer.ok())
    return absl::Status(tokenizer.status().code(),
                        strCat("cannot load the tokenizer '", file,
                               "': ", tokenizer.status().message()));
  return tokenizer;
}

absl::StatusOr<std::vector<int64_t>>
Tokenizer::encode(std::string_view text, bool addSpecialTokens,
                  bool parseSpecialTokens) const {
  if (size_t bad = tokenizer::findInvalidUtf8(text); bad != text.size())
    return absl::InvalidArgumentError(
        strCat("cannot encode: the text is not valid UTF-8 (byte ", bad, " of ",
               text.size(), ")"));
  const tokenizer::PostProcessor &post = data->postProcessor;
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 8);
  if (addSpecialTokens)
    ids.insert(ids.end(), post.prefix.begin(), post.prefix.end());
  EncodeScratch scratch;
  data->added.split(text, parseSpecialTokens, scratch.segments);
  for (const tokenizer::TextSegment &segment : scratch.segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    std::string_view part =
        text.substr(segment.begin, segment.end - segment.begin);
    if (absl::Status status = data->preTokenizer.split(
            part, scratch.preTokenizer,
            [&](std::string_view piece) {
              data->model.encode(piece, scratch.bpe, ids);
            });
        !status.ok())
      return status;
  }
  if (addSpecialTokens)
    ids.insert(ids.end(), post.suffix.begin(), post.suffix.end());
  return ids;
}

std::string_view Tokenizer::decodedBytes(int64_t id,
                                         bool skipSpecialTokens) const {
  const tokenizer::TokenTable &table = data->table;
  if (!table.contains(id) || (skipSpecialTokens && table.isSpecial(id)))
    return {};
  return table.bytes(id);
}

std::string Tokenizer::decode(absl::Span<const int64_t> ids,
                              bool skipSpecialTokens) const {
  std::string bytes;
  for (int64_t id : ids)
    bytes.append(decodedBytes(id, skipSpecialTokens));
  if (tokenizer::findInvalidUtf8(bytes) == bytes.size())
    return bytes;
  std::string text;
  tokenizer::appendUtf8Lossy(bytes, /*atEnd=*/true, text);
  return text;
}

std::optional<int64_t> Tokenizer::tokenId(std::string_view token) const {
  if (const tokenizer::AddedToken *added = data->added.find(token))
    return added->id;
  if (std::optional<int32_t> id = data->model.tokenId(token))
    return *id;
  return std::nullopt;
}

std::optional<std::string> Tokenizer::tokenText(int64_t id) const {
  if (!data->table.contains(id))
    return std::nullopt;
  return std::string(data->table.token(id));
}

bool Tokenizer::isSpecialToken(int64_t id) const {
  return data->table.isSpecial(id);
}

int64_t Tokenizer::vocabSize() const { return data->table.size(); }

//===----------------------------------------------------------------------===//
// StreamingDecoder
//===----------------------------------------------------------------------===//

StreamingDecoder::StreamingDecoder(const Tokenizer &tokenizer,
                                   bool skipSpecialTokens)
    : tokenizer(tokenizer), skipSpecialTokens(skipSpecialTokens) {}

std::string StreamingDecoder::feed(int64_t id) {
  std::string_view bytes = tokenizer.decodedBytes(id, skipSpecialTokens);
  std::string text;
  // The lossy conversion decides each character from at most four bytes,
  // so resuming at the held-back bytes gives what decode() gives.
  if (pending.empty()) {
    size_t used = tokenizer::appendUtf8Lossy(bytes, /*atEnd=*/false, text);
    pending.assign(bytes.substr(used));
  } else {
    pending.append(bytes);
    size_t used = tokenizer::appendUtf8Lossy(pending, /*atEnd=*/false, text);
    pending.erase(0, used);
  }
  return text;
}

std::string StreamingDecoder::finish() {
  std::string text;
  tokenizer::appendUtf8Lossy(pending, /*atEnd=*/true, text);
  pending.clear();
  return text;
}

} // namespace moec::runtime
