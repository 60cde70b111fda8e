//===- TokenizerBench.cpp - Encoding throughput of the tokenizer ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements MoecTokenizerBench: it loads a tokenizer.json, reads
// a corpus of documents (one JSON string per line, as make_corpus.py writes
// it) and encodes the documents one at a time on one thread, as many passes
// as fit in the minimum time, then prints MB/s. run.sh runs Hugging Face's
// tokenizers on the same corpus beside it.
//
//===----------------------------------------------------------------------===//

#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace rt = moec::runtime;

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Reads the corpus: one JSON string per line.
static absl::StatusOr<std::vector<std::string>>
readCorpus(const std::string &path) {
  absl::StatusOr<std::string> text = rt::readTextFile(path);
  if (!text.ok())
    return text.status();
  std::vector<std::string> documents;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos)
      end = text->size();
    if (end > start) {
      absl::StatusOr<rt::JsonValue> line =
          rt::parseJson(std::string_view(*text).substr(start, end - start));
      if (!line.ok())
        return line.status();
      if (!line->isString())
        return absl::InvalidArgumentError("corpus lines must be strings");
      documents.push_back(*line->asString());
    }
    start = end + 1;
  }
  return documents;
}

static int fail(const absl::Status &status) {
  std::fprintf(stderr, "MoecTokenizerBench: error: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: MoecTokenizerBench TOKENIZER CORPUS.jsonl "
                         "[MIN_SECONDS]\n");
    return 2;
  }
  double minSeconds = argc > 3 ? std::atof(argv[3]) : 3.0;
  auto loadStart = std::chrono::steady_clock::now();
  absl::StatusOr<rt::Tokenizer> tokenizer = rt::Tokenizer::load(argv[1]);
  if (!tokenizer.ok())
    return fail(tokenizer.status());
  double loadSeconds = secondsSince(loadStart);
  absl::StatusOr<std::vector<std::string>> corpus = readCorpus(argv[2]);
  if (!corpus.ok())
    return fail(corpus.status());
  size_t bytes = 0;
  for (const std::string &document : *corpus)
    bytes += document.size();

  size_t passes = 0, tokens = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    tokens = 0;
    for (const std::string &document : *corpus) {
      absl::StatusOr<std::vector<int64_t>> ids =
          tokenizer->encode(document, false);
      if (!ids.ok())
        return fail(ids.status());
      tokens += ids->size();
    }
    ++passes;
    elapsed = secondsSince(start);
  } while (elapsed < minSeconds);
  double megabytes = double(bytes) * passes / 1e6;
  std::printf("moec  encode: %zu documents, %.2f MB, %zu tokens per pass; "
              "%zu passes in %.2f s: %.2f MB/s (load %.2f s)\n",
              corpus->size(), bytes / 1e6, tokens, passes, elapsed,
              megabytes / elapsed, loadSeconds);
  return 0;
}
