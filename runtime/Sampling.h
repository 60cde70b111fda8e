//===- Sampling.h - Next-token sampling -------------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares next-token selection from a row of logits: greedy
// (argmax, ties to the lowest id), temperature and top-p (nucleus) sampling
// with a seeded random number generator whose draws are the same on every
// platform, and the stop-token check of the generation loop.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_SAMPLING_H
#define MOEC_RUNTIME_SAMPLING_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <random>

namespace moec::runtime {

/// A seeded generator with platform-independent draws: std::mt19937_64's
/// output sequence is fixed by the C++ standard, and uniform() is computed
/// here rather than by a standard distribution (whose algorithm varies).
class SamplingRng {
public:
  explicit SamplingRng(uint64_t seed) : engine(seed) {}

  /// Returns the next 64 random bits.
  uint64_t next() { return engine(); }

  /// Returns a double in [0, 1) from the top 53 bits of next().
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

private:
  std::mt19937_64 engine;
};

struct SamplingParams {
  /// 0 selects greedy decoding; must be >= 0 and finite.
  float temperature = 0.0f;
  /// Nucleus mass in (0, 1]; 1 disables top-p.
  float topP = 1.0f;
};

/// Checks `params`: InvalidArgument naming the field when temperature is
/// negative or not finite, or top_p is outside (0, 1].
absl::Status validateSamplingParams(const SamplingParams &params);

/// Returns the id of the largest logit, the lowest id among ties.
/// InvalidArgument for empty logits or a NaN logit (naming its id).
absl::StatusOr<int32_t> greedyToken(absl::Span<const float> logits);

/// Selects the next token: greedy when temperature is 0, otherwise samples
/// softmax(logits / temperature) restricted to the smallest set of most
/// likely tokens whose mass reaches top_p (ties ordered by id), drawing one
/// uniform() from `rng`. Errors: invalid params, empty logits, NaN or +inf
/// logits, all logits -inf.
absl::StatusOr<int32_t> sampleToken(absl::Span<const float> logits,
                                    const SamplingParams &params,
                                    SamplingRng &rng);

/// Returns true when `token` is one of `stopTokenIds`.
bool isStopToken(int32_t token, absl::Span<const int32_t> stopTokenIds);

/// Returns true when generation should end after producing `token` as the
/// `generated`-th new token: it is a stop token or the budget is used up.
bool shouldStopGeneration(int32_t token, absl::Span<const int32_t> stopTokenIds,
                          uint64_t generated, uint64_t maxNewTokens);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_SAMPLING_H
