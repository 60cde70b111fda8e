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

/// One measured case of a layer: TFLOP/s (routed + shared expert), GB/s of
/// the expert weights read (experts with tokens + the shared one), the
/// fraction of the layer's roofline and the ratio to the best PyTorch path
/// (0 where a ceiling or PyTorch time is missing).
struct LayerCase {
  std::string tiling;
  double flops = 0, bytes = 0, roofline = 0, torchMs = 0;
};

LayerCase measureCase(const MoeLayerDescription &desc, int64_t tokens,
                      const MoeLayerTiming &timing,
                      const MoeReference &reference) {
  LayerCase c;
  double expertBytes = 3.0 * desc.hidden * desc.inter;
  c.flops = 2.0 * 2 * tokens * expertBytes;
  c.bytes = (timing.expertsUsed + 1) * expertBytes;
  double seconds = timing.ms * 1e-3;
  if (reference.copyGbps > 0 && reference.fp8PeakTflops > 0)
    c.roofline = std::max(c.bytes / (reference.copyGbps * 1e9),
                          c.flops / (reference.fp8PeakTflops * 1e12)) /
                 seconds;
  auto best = reference.torchMs.find({desc.experts, tokens});
  if (best != reference.torchMs.end())
    c.torchMs = best->second;
  c.tiling =
      absl::StrFormat("%s/%s", desc.routedDecode(tokens) ? "decode" : "prefill",
                      desc.sharedDecode(tokens) ? "decode" : "prefill");
  return c;
}

/// One markdown row of the layer table.
std::string layerRow(const MoeLayerDescription &desc, int64_t tokens,
                     const MoeLayerTiming &timing, const LayerCase &c) {
  double seconds = timing.ms * 1e-3;
  std::string roofline =
      c.roofline > 0 ? absl::StrFormat("%.0f%%", 100 * c.roofline) : "-";
  std::string torchMs = "-", ratio = "-";
  if (c.torchMs > 0) {
    torchMs = absl::StrFormat("%.3f", c.torchMs);
    ratio = absl::StrFormat("%.2f", c.torchMs / timing.ms);
  }
  return absl::StrFormat(
      "| %s | %lld | %lld | %s | %.3f | %.3f | %.1f | %.0f | %s | %s | %s "
      "|\n",
      desc.name, (long long)desc.experts, (long long)tokens, c.tiling,
      timing.ms, timing.graphMs, c.flops / seconds / 1e12,
      c.bytes / seconds / 1e9, roofline, torchMs, ratio);
}

/// One case as a result of the JSON document. The phase is the routed
/// GEMMs' tiling: decode (swap-AB) or prefill.
JsonObject layerJson(const MoeLayerDescription &desc, int64_t tokens,
                     const MoeLayerTiming &timing, const LayerCase &c) {
  double seconds = timing.ms * 1e-3;
  return JsonObject()
      .add("label", runtime::strCat(desc.name, " T=", tokens))
      .add("layer", desc.name)
      .add("precision", desc.fp8 ? "fp8-rowwise" : "bf16")
      .add("phase", desc.routedDecode(tokens) ? "decode" : "prefill")
      .add("tiling", c.tiling)
      .add("experts", desc.experts)
      .add("hidden", desc.hidden)
      .add("inter", desc.inter)
      .add("tokens", tokens)
      .add("experts_used", timing.expertsUsed)
      .add("ms", timing.ms)
      .add("graph_ms", timing.graphMs)
      .add("flops", c.flops)
      .add("bytes", c.bytes)
      .add("tflops", c.flops / seconds / 1e12)
      .add("gbps", c.bytes / seconds / 1e9)
      .addIfPositive("roofline", c.roofline)
      .add("baseline", "pytorch")
      .addIfPositive("baseline_ms", c.torchMs);
}

} // namespace

void bench::runMoeCommand(const runtime::CudaDevice &device,
                          const Baseline &baseline, const Options &options,
                          Report &report) {
  MoeReference reference;
  reference.copyGbps = baseline.copyGbps;
  auto torch = loadMoeBaseline(options.moeBaseline, reference.copyGbps);
  if (!torch.ok()) {
    report.error(torch.status());
    return;
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
  for (const std::string &path : options.kernels) {
    absl::StatusOr<MoeLayerDescription> desc = loadMoeLayerDescription(path);
    if (!desc.ok()) {
      report.error(desc.status());
      continue;
    }
    for (int64_t tokens : tokenCounts) {
      absl::StatusOr<MoeLayerTiming> timing =
          timeMoeLayer(device, *desc, path, tokens, options.reps, options.seed);
      if (!timing.ok()) {
        report.error(
            absl::Status(timing.status().code(),
                         runtime::strCat(desc->name, " T=", tokens, ": ",
                                         timing.status().message())));
        continue;
      }
      LayerCase c = measureCase(*desc, tokens, *timing, reference);
      table += layerRow(*desc, tokens, *timing, c);
      if (report.isJson())
        report.addResult(layerJson(*desc, tokens, *timing, c));
    }
  }
  if (!report.isJson())
    std::fputs(table.c_str(), stdout);
  if (!options.markdown.empty())
    writeText(options.markdown, table, report);
}
