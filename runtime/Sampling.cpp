//===- Sampling.cpp - Next-token sampling ---------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements greedy, temperature and top-p sampling. Probabilities
// are computed in double precision from the max-subtracted logits so that
// the result does not depend on the logits' scale.
//
//===----------------------------------------------------------------------===//

#include "runtime/Sampling.h"

#include "runtime/StringUtil.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace moec::runtime {

absl::Status validateSamplingParams(const SamplingParams &params) {
  if (!(params.temperature >= 0.0f) || std::isinf(params.temperature))
    return absl::InvalidArgumentError(
        strCat("sampling: temperature ", params.temperature,
               " is invalid (must be >= 0 and finite; 0 is greedy)"));
  if (!(params.topP > 0.0f && params.topP <= 1.0f))
    return absl::InvalidArgumentError(
        strCat("sampling: top_p ", params.topP, " is outside (0, 1]"));
  return absl::OkStatus();
}

/// Checks that `logits` is non-empty and free of NaN (and of +inf unless
/// `allowPosInf`).
static absl::Status checkLogits(absl::Span<const float> logits,
                                bool allowPosInf) {
  if (logits.empty())
    return absl::InvalidArgumentError("sampling: the logits are empty");
  for (size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(logits[i]))
      return absl::InvalidArgumentError(
          strCat("sampling: the logit of token ", i, " is NaN"));
    if (!allowPosInf && logits[i] == INFINITY)
      return absl::InvalidArgumentError(
          strCat("sampling: the logit of token ", i, " is +inf"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> greedyToken(absl::Span<const float> logits) {
  if (absl::Status s = checkLogits(logits, /*allowPosInf=*/true); !s.ok())
    return s;
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best])
      best = i;
  return int32_t(best);
}

absl::StatusOr<int32_t> sampleToken(absl::Span<const float> logits,
                                    const SamplingParams &params,
                                    SamplingRng &rng) {
  if (absl::Status s = validateSamplingParams(params); !s.ok())
    return s;
  if (params.temperature == 0.0f)
    return greedyToken(logits);
  if (absl::Status s = checkLogits(logits, /*allowPosInf=*/false); !s.ok())
    return s;
  float maxLogit = *std::max_element(logits.begin(), logits.end());
  if (maxLogit == -INFINITY)
    return absl::InvalidArgumentError("sampling: every logit is -inf");
  std::vector<double> probs(logits.size());
  for (size_t i = 0; i < logits.size(); ++i)
    probs[i] = std::exp((double(logits[i]) - maxLogit) / params.temperature);
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return probs[a] > probs[b]; });
  double total = std::accumulate(probs.begin(), probs.end(), 0.0);
  // The nucleus: the shortest prefix of `order` whose mass reaches top_p.
  double target = double(params.topP) * total, mass = 0.0;
  size_t kept = 0;
  while (kept < order.size() && (kept == 0 || mass < target))
    mass += probs[order[kept++]];
  double draw = rng.uniform() * mass, cumulative = 0.0;
  for (size_t i = 0; i < kept; ++i) {
    cumulative += probs[order[i]];
    if (draw < cumulative)
      return order[i];
  }
  return order[kept - 1];
}

bool isStopToken(int32_t token, absl::Span<const int32_t> stopTokenIds) {
  return std::find(stopTokenIds.begin(), stopTokenIds.end(), token) !=
         stopTokenIds.end();
}

bool shouldStopGeneration(int32_t token, absl::Span<const int32_t> stopTokenIds,
                          uint64_t generated, uint64_t maxNewTokens) {
  return isStopToken(token, stopTokenIds) || generated >= maxNewTokens;
}

} // namespace moec::runtime
