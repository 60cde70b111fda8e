//===- MoeCommand.cpp - moec-bench moe --------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/StringUtil.h"
#include "tools/moec-bench/Common.h"
#include "tools/moec-bench/MoeLayer.h"

#include "absl/strings/str_format.h"

#include <algorithm>
#include <cstdio>

using namespace moec;
using namespace moec::bench;

namespace {

/// Best PyTorch time per (experts, tokens) from `torch_baseline.py moe`.
absl::StatusOr<std::map<std::pair<int64_t, int64_t>, double>>
loadMoeBaseline(const std::string &path, double &copyGbps) {
  std::map<std::pair<int64_t, int64_t>, double> best;
  if (path.empty())
    return best;
  absl::StatusOr<runtime::JsonValue> root = readJsonFile(path);
  if (!root.ok())
    return root.status();
  const runtime::JsonValue *cases = root->find("moe");
  if (!cases || !cases->asArray())
    return absl::InvalidArgumentError(path + ": no 'moe' array");
  if (const runtime::JsonValue *copy = root->find("copy_gbps"))
    copyGbps = std::max(copyGbps, copy->asDouble().value_or(0.0));
  for (const runtime::JsonValue &entry : *cases->asArray()) {
    const runtime::JsonValue *e = entry.find("experts");
    const runtime::JsonValue *t = entry.find("tokens");
    if (!e || !t || !e->asInt() || !t->asInt())
      continue;
    for (const char *key :
         {"eager_bf16_ms", "grouped_mm_bf16_ms", "scaled_grouped_mm_fp8_ms"}) {
      const runtime::JsonValue *ms = entry.find(key);
      if (!ms || !ms->asDouble())
        continue;
      auto at = std::make_pair(*e->asInt(), *t->asInt());
      auto [it, inserted] = best.emplace(at, *ms->asDouble());
      if (!inserted)
        it->second = std::min(it->second, *ms->asDouble());
    }
  }
  return best;
}

/// The ceilings and PyTorch times a layer's rows are compared with.
struct MoeReference {
  double copyGbps = 0;
  double fp8PeakTflops = 0;
  std::map<std::pair<int64_t, int64_t>, double> torchMs;
};

/// One markdown row: TFLOP/s (routed + shared expert), GB/s of the FP8
/// expert weights read (experts with tokens + the shared one), the
/// fraction of the layer's roofline and the ratio to the best PyTorch path.
std::string layerRow(const MoeLayerDescription &desc, int64_t tokens,
                     const MoeLayerTiming &timing,
                     const MoeReference &reference) {
  double expertBytes = 3.0 * desc.hidden * desc.inter;
  double flops = 2.0 * 2 * tokens * expertBytes;
  double bytes = (timing.expertsUsed + 1) * expertBytes;
  double seconds = timing.ms * 1e-3;
  std::string roofline = "-";
  if (reference.copyGbps > 0 && reference.fp8PeakTflops > 0)
    roofline = absl::StrFormat(
        "%.0f%%", 100 *
                      std::max(bytes / (reference.copyGbps * 1e9),
                               flops / (reference.fp8PeakTflops * 1e12)) /
                      seconds);
  auto best = reference.torchMs.find({desc.experts, tokens});
  std::string torchMs = "-", ratio = "-";
  if (best != reference.torchMs.end()) {
    torchMs = absl::StrFormat("%.3f", best->second);
    ratio = absl::StrFormat("%.2f", best->second / timing.ms);
  }
  std::string tiling =
      absl::StrFormat("%s/%s", desc.routedDecode(tokens) ? "decode" : "prefill",
                      desc.sharedDecode(tokens) ? "decode" : "prefill");
  return absl::StrFormat(
      "| %s | %lld | %lld | %s | %.3f | %.3f | %.1f | %.0f | %s | %s | %s "
      "|\n",
      desc.name, (long long)desc.experts, (long long)tokens, tiling, timing.ms,
      timing.graphMs, flops / seconds / 1e12, bytes / seconds / 1e9, roofline,
      torchMs, ratio);
}

} // namespace

int bench::runMoeCommand(const runtime::CudaDevice &device,
                         const Baseline &baseline, const Options &options) {
  MoeReference reference;
  reference.copyGbps = baseline.copyGbps;
  auto torch = loadMoeBaseline(options.moeBaseline, reference.copyGbps);
  if (!torch.ok()) {
    printError(torch.status());
    return 1;
  }
  reference.torchMs = std::move(*torch);
  if (auto peak = baseline.peakTflops.find("fp8");
      peak != baseline.peakTflops.end())
    reference.fp8PeakTflops = peak->second;
  std::vector<int64_t> tokenCounts = options.rows;
  if (tokenCounts.empty())
    tokenCounts = {1, 64, 512, 4096, 16384};
  std::string table =
      "| layer | experts | T | GEMMs (routed/shared) | ms | graph ms | "
      "TFLOP/s | GB/s | roofline | best PyTorch ms | PyTorch/moec |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  int failures = 0;
  for (const std::string &path : options.kernels) {
    absl::StatusOr<MoeLayerDescription> desc = loadMoeLayerDescription(path);
    if (!desc.ok()) {
      printError(desc.status());
      ++failures;
      continue;
    }
    for (int64_t tokens : tokenCounts) {
      absl::StatusOr<MoeLayerTiming> timing =
          timeMoeLayer(device, *desc, path, tokens, options.reps, options.seed);
      if (!timing.ok()) {
        printError(absl::Status(timing.status().code(),
                                runtime::strCat(desc->name, " T=", tokens, ": ",
                                                timing.status().message())));
        ++failures;
        continue;
      }
      table += layerRow(*desc, tokens, *timing, reference);
    }
  }
  std::fputs(table.c_str(), stdout);
  if (!options.markdown.empty() && !writeText(options.markdown, table))
    return 1;
  return failures ? 1 : 0;
}
