//===- Generate.cpp - The generation loop of a Session --------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements Session::generate: prefill over the prompt (in passes
// of at most max_tokens tokens), then one decode pass per new token through
// the KV cache, sampling each token from the last row of logits, with the
// timing that moec-run reports.
//
//===----------------------------------------------------------------------===//

#include "runtime/Session.h"

#include "runtime/StringUtil.h"

#include <algorithm>
#include <chrono>

namespace moec::runtime {

std::string_view stopReasonName(StopReason reason) {
  switch (reason) {
  case StopReason::StopToken:
    return "stop token";
  case StopReason::MaxNewTokens:
    return "max new tokens";
  case StopReason::ContextFull:
    return "context full";
  case StopReason::Cancelled:
    return "cancelled";
  }
  return "unknown";
}

double GenerateResult::prefillTokensPerSecond() const {
  return prefillSeconds > 0 ? double(prefillTokens) / prefillSeconds : 0.0;
}

double GenerateResult::decodeTokensPerSecond() const {
  return decodeSeconds > 0 ? double(decodeTokens) / decodeSeconds : 0.0;
}

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
} // namespace

absl::StatusOr<GenerateResult>
Session::generate(absl::Span<const int64_t> prompt,
                  const GenerateOptions &options) {
  if (prompt.empty())
    return absl::InvalidArgumentError("generate: the prompt is empty");
  if (absl::Status s = validateSamplingParams(options.sampling); !s.ok())
    return s;
  if (prompt.size() > context || pos > context - prompt.size())
    return absl::OutOfRangeError(
        strCat("context full: ", pos, " positions in use + a prompt of ",
               prompt.size(), " tokens need ", pos + prompt.size(),
               " positions, the artifact's KV cache holds ", context));
  std::vector<int32_t> stopIds;
  if (options.stopTokenIds) {
    stopIds = *options.stopTokenIds;
  } else {
    stopIds = loaded->config().eosTokenIds;
    const std::vector<int32_t> &extra = loaded->config().stopTokenIds;
    stopIds.insert(stopIds.end(), extra.begin(), extra.end());
  }

  GenerateResult result;
  uint64_t vocab = vocabSize();
  std::vector<float> logits;
  Clock::time_point start = Clock::now();
  for (size_t done = 0; done < prompt.size();) {
    size_t count = std::min<size_t>(prompt.size() - done, maxTokens());
    absl::StatusOr<std::vector<float>> chunk =
        forward(prompt.subspan(done, count));
    if (!chunk.ok())
      return chunk.status();
    logits = *std::move(chunk);
    if (options.keepPrefillLogits)
      result.prefillLogits.insert(result.prefillLogits.end(), logits.begin(),
                                  logits.end());
    done += count;
  }
  result.prefillTokens = prompt.size();
  result.prefillSeconds = secondsSince(start);

  SamplingRng rng(options.seed);
  absl::Span<const float> row =
      absl::MakeConstSpan(logits).subspan(logits.size() - vocab, vocab);
  std::vector<float> stepLogits(vocab);
  Clock::time_point decodeStart = Clock::now();
  while (result.tokens.size() < options.maxNewTokens) {
    absl::StatusOr<int32_t> token = sampleToken(row, options.sampling, rng);
    if (!token.ok())
      return token.status();
    result.tokens.push_back(*token);
    if (options.onToken && !options.onToken(*token)) {
      result.stopReason = StopReason::Cancelled;
      break;
    }
    if (isStopToken(*token, stopIds)) {
      result.stopReason = StopReason::StopToken;
      break;
    }
    if (result.tokens.size() >= options.maxNewTokens)
      break;
    if (pos >= context) {
      result.stopReason = StopReason::ContextFull;
      break;
    }
    int64_t next = *token;
    if (absl::Status s =
            forward(absl::MakeConstSpan(&next, 1), absl::MakeSpan(stepLogits));
        !s.ok())
      return s;
    row = stepLogits;
    ++result.decodeTokens;
  }
  result.decodeSeconds = secondsSince(decodeStart);
  return result;
}

} // namespace moec::runtime
