//===- Session.cpp - Running a compiled artifact --------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements Session::open (device choice, artifact, packed
// weights and kernels, with progress on a terminal), forward and reset.
// Session::generate is in Generate.cpp.
//
//===----------------------------------------------------------------------===//

#include "runtime/Session.h"

#include "runtime/CpuExecutor.h"
#include "runtime/CudaDevice.h"
#include "runtime/File.h"
#include "runtime/Integrity.h"
#include "runtime/SharedObject.h"
#include "runtime/StringUtil.h"

#include <cstdio>
#include <limits>
#include <set>
#include <unistd.h>

namespace moec::runtime {

Session::Session() = default;
Session::~Session() = default;

uint32_t Session::maxTokens() const { return loaded->bufferPlan().maxTokens; }

uint32_t Session::vocabSize() const { return loaded->config().vocabSize; }

namespace {
/// Sends progress messages to the callback, or to stderr when it is a
/// terminal (a log file or pipe gets none).
class Progress {
public:
  explicit Progress(const SessionOptions &options)
      : callback(options.onProgress),
        toTerminal(!callback && options.progress && ::isatty(STDERR_FILENO)) {}

  void operator()(std::string_view message) const {
    if (callback)
      callback(message);
    else if (toTerminal)
      std::fprintf(stderr, "moec: %.*s\n", int(message.size()), message.data());
  }

private:
  const std::function<void(std::string_view)> &callback;
  bool toTerminal;
};
} // namespace

/// Returns e.g. "cpu_shared_object for x86_64" or "ptx for sm_90a, cubin for
/// sm_90a": the distinct kinds and targets of the artifact's kernels.
static std::string describeKernels(const Artifact &artifact) {
  std::set<std::string> kinds;
  for (const Kernel &k : artifact.kernels())
    kinds.insert(strCat(kernelKindName(k.kind), " for ", k.target));
  if (kinds.empty())
    return "none";
  std::string result;
  for (const std::string &kind : kinds)
    result += strCat(result.empty() ? "" : ", ", kind);
  return result;
}

/// Returns the directory part of `path` ("" for a bare file name).
static std::string_view directoryOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos)
    return "";
  return path.substr(0, slash == 0 ? 1 : slash);
}

/// Returns the positions the KV cache holds: the smallest max_positions of
/// the layers that keep positions (a chunked layer may keep none), else the
/// config's max_position_embeddings, else no limit.
static uint64_t contextLengthOf(const Artifact &artifact) {
  uint64_t limit = 0;
  for (const KvCacheLayer &l : artifact.kvCache())
    if (l.maxPositions > 0 && (limit == 0 || l.maxPositions < limit))
      limit = l.maxPositions;
  if (limit == 0)
    limit = artifact.config().maxPositionEmbeddings;
  return limit == 0 ? std::numeric_limits<uint64_t>::max() : limit;
}

absl::StatusOr<std::unique_ptr<Session>>
Session::open(std::string_view artifactPath, const SessionOptions &options) {
  if (options.device != "cpu" && options.device != "cuda")
    return absl::InvalidArgumentError(strCat("device '", options.device,
                                             "': unknown device (expected "
                                             "cpu or cuda)"));
  Progress progress(options);
  std::unique_ptr<Session> session(new Session());
  progress(strCat("loading artifact ", artifactPath));
  absl::StatusOr<Artifact> artifact = Artifact::load(std::string(artifactPath));
  if (!artifact.ok())
    return artifact.status();
  session->loaded = std::make_unique<Artifact>(*std::move(artifact));
  const Artifact &a = *session->loaded;
  if (options.device == "cuda") {
    // The GPU is checked first, so that a machine without a driver or an
    // sm_90 GPU says so whatever the artifact holds.
    absl::StatusOr<std::unique_ptr<CudaDevice>> gpu = CudaDevice::open(0);
    if (!gpu.ok())
      return absl::Status(gpu.status().code(),
                          strCat("device cuda: ", gpu.status().message()));
    progress(
        strCat("opened ", (*gpu)->describe(), ", ", (*gpu)->smCount(), " SMs"));
    bool allCpu = true;
    for (const Kernel &k : a.kernels())
      allCpu &= k.kind == KernelKind::CpuSharedObject;
    return absl::UnimplementedError(
        strCat("device cuda: this runtime build runs CPU shared objects only; "
               "the artifact's kernels are ",
               describeKernels(a),
               allCpu ? ", so run it with device cpu"
                      : ", which need the CUDA device (not implemented yet)"));
  }

  const std::string &packedFile = a.manifest().packedFile;
  if (packedFile.front() == '/')
    return absl::InvalidArgumentError(
        strCat(a.path(), ": weights.packed_file '", packedFile,
               "' must be relative to the artifact's directory"));
  std::string weightsPath = joinPath(directoryOf(artifactPath), packedFile);
  progress(strCat("mapping packed weights ", weightsPath));
  absl::StatusOr<SafetensorsFile> weights = SafetensorsFile::open(weightsPath);
  if (!weights.ok())
    return absl::Status(weights.status().code(),
                        strCat(weights.status().message(),
                               " (the packed weights of ", a.path(), ")"));
  session->weights = std::make_unique<SafetensorsFile>(*std::move(weights));
  progress(strCat("checking ", a.manifest().tensors.size(),
                  " tensors against the manifest (",
                  formatBytes(a.manifest().packedSize), ")"));
  if (absl::Status s = checkWeightsAgainstManifest(a, *session->weights);
      !s.ok())
    return s;
  // After the manifest check, which reads only the header and names a
  // mismatch precisely; before any weight is used.
  if (options.verifyWeights && !weightsCheckDisabledByEnvironment()) {
    progress(strCat("verifying the SHA-256 of the packed weights (",
                    formatBytes(session->weights->fileSize()), ")"));
    if (absl::Status s = checkWeightsSha256(session->weights->fileBytes(),
                                            a.manifest().packedSha256,
                                            weightsPath, a.path());
        !s.ok())
      return s;
  }

  progress(strCat("loading kernels (", describeKernels(a), ")"));
  absl::StatusOr<std::unique_ptr<CpuExecutor>> executor =
      CpuExecutor::create(a, session->weights->dataArea());
  if (!executor.ok())
    return executor.status();
  session->executor = *std::move(executor);
  session->context = contextLengthOf(a);
  progress("ready");
  return session;
}

absl::StatusOr<std::vector<float>>
Session::forward(absl::Span<const int64_t> ids) {
  // Too many ids fail in the checks below, before any allocation.
  std::vector<float> logits(ids.size() <= maxTokens() ? ids.size() * vocabSize()
                                                      : 0);
  if (absl::Status s = forward(ids, absl::MakeSpan(logits)); !s.ok())
    return s;
  return logits;
}

absl::Status Session::forward(absl::Span<const int64_t> ids,
                              absl::Span<float> logits) {
  uint64_t tokens = ids.size();
  if (tokens == 0)
    return absl::InvalidArgumentError("forward: no token ids");
  if (tokens > maxTokens())
    return absl::InvalidArgumentError(
        strCat("forward: ", tokens, " tokens exceed the ", maxTokens(),
               " a forward pass of this artifact takes "
               "(buffer_plan.max_tokens); split them"));
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || uint64_t(ids[i]) >= vocabSize())
      return absl::InvalidArgumentError(
          strCat("forward: token id ", ids[i], " (ids[", i,
                 "]) is outside the vocabulary [0, ", vocabSize(), ")"));
  if (tokens > context || pos > context - tokens)
    return absl::OutOfRangeError(
        strCat("context full: ", pos, " positions in use + ", tokens,
               " new tokens need ", pos + tokens,
               " positions, the artifact's KV cache holds ", context));
  if (logits.size() < tokens * vocabSize())
    return absl::InvalidArgumentError(
        strCat("forward: the logits buffer holds ", logits.size(), " floats, ",
               tokens * vocabSize(), " needed"));
  std::vector<int64_t> positions(tokens);
  for (uint64_t i = 0; i < tokens; ++i)
    positions[i] = int64_t(pos + i);
  ForwardIo io{tokens, ids.data(), positions.data(), logits.data()};
  PlanKind plan = tokens > 1 ? PlanKind::Prefill : PlanKind::Decode;
  if (absl::Status s = executor->run(plan, io); !s.ok())
    return s;
  pos += tokens;
  return absl::OkStatus();
}

void Session::reset() {
  executor->clearKvCache();
  pos = 0;
}

} // namespace moec::runtime
