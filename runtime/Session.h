//===- Session.h - Running a compiled artifact ------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares Session, the runtime's C++ entry point: it opens a
// compiled artifact with its packed weights and kernels, keeps the KV cache
// of one sequence, and runs forward passes (prefill and decode plans) and
// whole generations (prefill, then one decode step per new token through the
// KV cache, with greedy or seeded temperature/top-p sampling).
//
// Only CPU shared objects run in this build: device "cuda" opens the GPU
// (runtime/CudaDevice.h), then refuses the artifact until the CUDA executor
// exists. The C API in runtime/include/moec/moec.h wraps this class. A
// Session is not thread-safe: use one per thread (or lock around it).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_SESSION_H
#define MOEC_RUNTIME_SESSION_H

#include "runtime/Artifact.h"
#include "runtime/Sampling.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

struct SessionOptions {
  /// "cpu", or "cuda": this build opens the GPU (an error says why it
  /// cannot: no driver, no sm_90 GPU), then rejects the artifact with an
  /// explanation.
  std::string device = "cpu";
  /// Print loading progress to stderr, but only when stderr is a terminal.
  /// False: never print.
  bool progress = true;
  /// When set, receives every progress message instead of stderr, whether
  /// or not stderr is a terminal (`progress` is ignored).
  std::function<void(std::string_view message)> onProgress;
  /// Check the packed weights against the tree hash the artifact records
  /// before any weight is used (the artifact itself is always checked).
  /// False, or MOEC_NO_VERIFY_WEIGHTS=1 in the environment, skips it: for
  /// trusted local files, where hashing gigabytes on every start costs more
  /// than it protects.
  bool verifyWeights = true;
};

/// Why a generation ended.
enum class StopReason {
  /// A stop token was generated (it is the last generated token).
  StopToken,
  /// maxNewTokens tokens were generated.
  MaxNewTokens,
  /// The KV cache holds no more positions.
  ContextFull,
  /// The per-token callback returned false.
  Cancelled,
};

/// Returns "stop token", "max new tokens", "context full" or "cancelled".
std::string_view stopReasonName(StopReason reason);

struct GenerateOptions {
  uint64_t maxNewTokens = 16;
  /// temperature 0 (the default) is greedy decoding.
  SamplingParams sampling;
  uint64_t seed = 0;
  /// nullopt: the artifact's eos_token_ids and stop_token_ids.
  std::optional<std::vector<int32_t>> stopTokenIds;
  /// Called with each new token as soon as it is chosen; returning false
  /// ends the generation (StopReason::Cancelled) after that token.
  std::function<bool(int64_t token)> onToken;
  /// Keep the prompt's logits ([prompt length * vocab] f32, row-major) in
  /// GenerateResult::prefillLogits.
  bool keepPrefillLogits = false;
};

struct GenerateResult {
  /// The new tokens, the stop token included when there is one.
  std::vector<int64_t> tokens;
  StopReason stopReason = StopReason::MaxNewTokens;
  /// Prompt tokens run through the prefill plan and the time it took.
  uint64_t prefillTokens = 0;
  double prefillSeconds = 0;
  /// Tokens run through the decode plan (one per new token but the last)
  /// and the time it took.
  uint64_t decodeTokens = 0;
  double decodeSeconds = 0;
  /// Filled when GenerateOptions::keepPrefillLogits is set.
  std::vector<float> prefillLogits;

  /// Tokens per second; 0 when no time was measured.
  double prefillTokensPerSecond() const;
  double decodeTokensPerSecond() const;
};

class CpuExecutor;

/// One loaded artifact and the KV cache of one sequence.
class Session {
public:
  /// Loads and verifies the artifact at `artifactPath`, maps its packed
  /// weights (the manifest's packed_file, relative to the artifact's
  /// directory) and checks them against the manifest, and loads the kernels
  /// for `options.device`. Errors name the file and what is wrong.
  static absl::StatusOr<std::unique_ptr<Session>>
  open(std::string_view artifactPath, const SessionOptions &options = {});

  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session();

  /// Runs `ids` at positions [position(), position() + ids.size()) through
  /// the prefill plan (the decode plan for a single token), appends them to
  /// the KV cache, advances position() and returns the logits
  /// [ids.size() * vocabSize()] f32, row-major. Errors (nothing advances):
  /// no ids, more than maxTokens(), an id outside the vocabulary, the
  /// context full (OutOfRange), a kernel binding that cannot be formed.
  absl::StatusOr<std::vector<float>> forward(absl::Span<const int64_t> ids);
  /// Same, writing the logits into `logits`, which must hold at least
  /// ids.size() * vocabSize() floats.
  absl::Status forward(absl::Span<const int64_t> ids, absl::Span<float> logits);

  /// Appends `prompt` to the sequence (in forward passes of at most
  /// maxTokens() tokens), then generates up to options.maxNewTokens tokens,
  /// each through one decode step. The last generated token is not fed
  /// back: a follow-up call should start its prompt with it.
  absl::StatusOr<GenerateResult> generate(absl::Span<const int64_t> prompt,
                                          const GenerateOptions &options);

  /// Empties the KV cache (zeroes it) and sets position() to 0.
  void reset();

  /// Positions already in the KV cache.
  uint64_t position() const { return pos; }
  /// Positions the KV cache holds (the smallest max_positions of the
  /// layers that keep positions).
  uint64_t contextLength() const { return context; }
  /// The most tokens one forward pass takes (buffer_plan.max_tokens).
  uint32_t maxTokens() const;
  uint32_t vocabSize() const;
  const Artifact &artifact() const { return *loaded; }

private:
  Session();

  std::unique_ptr<Artifact> loaded;
  std::unique_ptr<SafetensorsFile> weights;
  std::unique_ptr<CpuExecutor> executor;
  uint64_t pos = 0;
  uint64_t context = 0;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_SESSION_H
