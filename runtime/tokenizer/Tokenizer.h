//===- Tokenizer.h - Hugging Face byte-level BPE tokenizer ------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares Tokenizer, which loads a Hugging Face tokenizer.json of
// Llama 4's kind and encodes and decodes exactly as HF's `tokenizers` does
// (checked against HF's own outputs in test/runtime/tokenizer), and
// StreamingDecoder, which turns generated ids into text one id at a time.
//
// What a tokenizer.json may hold (anything else is refused at load time
// with a message naming the component and its type):
//   model           BPE over the byte-level alphabet, merges as ["a", "b"]
//                   or "a b", ignore_merges, unk_token/fuse_unk
//   normalizer      null
//   pre_tokenizer   Split (Regex or String pattern, any behavior, invert),
//                   ByteLevel (last), or a Sequence of them; regexes run on
//                   PCRE2 with Unicode properties and JIT
//   added_tokens    special and plain added tokens with HF's single_word,
//                   lstrip, rstrip and normalized flags, numbered as HF
//                   numbers them on loading (as their "id"s in files that
//                   HF wrote)
//   post_processor  null, TemplateProcessing, ByteLevel, or a Sequence
//   decoder         ByteLevel
//   truncation, padding: null
//
// Token ids are int64_t, as in Session.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_TOKENIZER_TOKENIZER_H
#define MOEC_RUNTIME_TOKENIZER_TOKENIZER_H

#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

namespace tokenizer {
struct TokenizerData;
} // namespace tokenizer

class StreamingDecoder;

/// An immutable tokenizer. Copies share the loaded data; every method is
/// const and safe to call from several threads at once.
class Tokenizer {
public:
  /// Loads `path`: a tokenizer.json file, or a folder holding one. Errors
  /// name the file and, for a component this tokenizer cannot run, its JSON
  /// path and type ("...: pre_tokenizer.pretokenizers[0]: type 'Digits' is
  /// not supported (supported: Split, ByteLevel, Sequence)").
  static absl::StatusOr<Tokenizer> load(const std::string &path);

  /// Loads tokenizer.json from its text.
  static absl::StatusOr<Tokenizer> fromJson(std::string_view json);

  /// Encodes `text` (UTF-8; anything else is an error naming the byte
  /// offset). `addSpecialTokens` applies the post-processor (Llama 4:
  /// <|begin_of_text|> first). With `parseSpecialTokens` false, special
  /// tokens written in the text are encoded as plain text (HF's
  /// encode_special_tokens=True).
  absl::StatusOr<std::vector<int64_t>>
  encode(std::string_view text, bool addSpecialTokens,
         bool parseSpecialTokens = true) const;

  /// Decodes `ids` to text as HF's decode does: special tokens are dropped
  /// when `skipSpecialTokens`, ids without a token are dropped, and bytes
  /// that are not UTF-8 become U+FFFD.
  std::string decode(absl::Span<const int64_t> ids,
                     bool skipSpecialTokens) const;

  /// Returns the id of `token`: an added token's content, or a vocabulary
  /// entry as spelled in tokenizer.json ("Ġthe"). tokenId("<|eot|>").
  std::optional<int64_t> tokenId(std::string_view token) const;

  /// Returns the spelling of `id` in tokenizer.json, or nullopt.
  std::optional<std::string> tokenText(int64_t id) const;

  /// Returns true when `id` is a special added token.
  bool isSpecialToken(int64_t id) const;

  /// One past the largest token id (202048 for Llama 4): the number of
  /// embedding rows the ids index.
  int64_t vocabSize() const;

private:
  friend class StreamingDecoder;
  explicit Tokenizer(std::shared_ptr<const tokenizer::TokenizerData> data)
      : data(std::move(data)) {}
  /// The bytes `id` decodes to; empty for unknown or skipped ids.
  std::string_view decodedBytes(int64_t id, bool skipSpecialTokens) const;

  std::shared_ptr<const tokenizer::TokenizerData> data;
};

/// Turns ids into text one at a time, as they are generated. Each call
/// returns the text that the id completes: a character whose UTF-8 bytes
/// are split across tokens comes out once, whole, with its last token.
/// Concatenating every feed() and then finish() gives exactly
/// decode(ids, skipSpecialTokens).
class StreamingDecoder {
public:
  StreamingDecoder(const Tokenizer &tokenizer, bool skipSpecialTokens);

  /// Adds `id` and returns the newly completed text (possibly empty).
  std::string feed(int64_t id);

  /// Returns what is still held back: bytes of an incomplete character,
  /// as U+FFFD (as decode does at the end of its input). The decoder is
  /// then empty and can be reused.
  std::string finish();

private:
  Tokenizer tokenizer;
  bool skipSpecialTokens;
  /// Bytes of a character not yet complete (at most three).
  std::string pending;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_TOKENIZER_TOKENIZER_H
