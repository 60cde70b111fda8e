//===- moec-bench.cpp - GPU correctness checks and benchmarks ---*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// moec-bench check KERNEL.json... [--m=LIST] [--seed=N]
//   Runs each kernel on fresh random operands with a NaN-poisoned output
//   and compares it with a float64 reference on the same (quantized)
//   operands: relative L2 over sampled elements within 2e-2 (FP8) or 5e-3
//   (bf16), and every output element written.
// moec-bench gemm KERNEL.json... [--m=LIST] [--baseline=FILE]
//                 [--markdown=FILE] [--reps=N]
//   Median time over --reps launches (CUDA events; weights rotated through
//   enough copies to defeat the 50 MB L2), TFLOP/s, GB/s, the fraction of
//   the roofline (copy bandwidth and cuBLAS peak from the baseline JSON of
//   bench/torch_baseline.py, measured in the same run) and the ratio to
//   cuBLAS at the same shape.
//
// Built with the runtime only (no MLIR/LLVM): it runs on GPU machines.
//
//===----------------------------------------------------------------------===//

#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"
#include "tools/moec-bench/GemmKernel.h"
#include "tools/moec-bench/MoeLayer.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

using namespace moec;
using namespace moec::bench;

namespace {

struct Options {
  std::string command;
  std::vector<std::string> kernels;
  std::vector<int64_t> rows;
  uint64_t seed = 1;
  int reps = 50;
  std::string baseline, markdown, moeBaseline;
};

constexpr const char *kUsage =
    "usage: moec-bench check KERNEL.json... [--m=LIST] [--seed=N]\n"
    "       moec-bench gemm KERNEL.json... [--m=LIST] [--baseline=FILE]\n"
    "                       [--markdown=FILE] [--reps=N]\n"
    "       moec-bench moe LAYER.json... [--m=TOKENS] [--baseline=FILE]\n"
    "                      [--moe-baseline=FILE] [--markdown=FILE] "
    "[--reps=N]\n";

absl::StatusOr<Options> parseOptions(int argc, char **argv) {
  Options options;
  if (argc < 2)
    return absl::InvalidArgumentError("expected a command: check, gemm or moe");
  options.command = argv[1];
  if (options.command != "check" && options.command != "gemm" &&
      options.command != "moe")
    return absl::InvalidArgumentError(
        runtime::strCat("unknown command '", options.command,
                        "' (expected check, gemm or moe)"));
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      std::string prefix = runtime::strCat(flag, "=");
      if (arg.substr(0, prefix.size()) != prefix)
        return std::nullopt;
      return std::string(arg.substr(prefix.size()));
    };
    if (auto list = value("--m")) {
      for (absl::string_view item : absl::StrSplit(*list, ',')) {
        int64_t rows;
        if (!absl::SimpleAtoi(item, &rows) || rows <= 0)
          return absl::InvalidArgumentError(
              runtime::strCat("--m: '", runtime::toStdView(item),
                              "' is not a positive row count"));
        options.rows.push_back(rows);
      }
    } else if (auto seed = value("--seed")) {
      if (!absl::SimpleAtoi(*seed, &options.seed))
        return absl::InvalidArgumentError("--seed: expected an integer");
    } else if (auto reps = value("--reps")) {
      if (!absl::SimpleAtoi(*reps, &options.reps) || options.reps <= 0)
        return absl::InvalidArgumentError("--reps: expected a positive count");
    } else if (auto file = value("--baseline")) {
      options.baseline = *file;
    } else if (auto file = value("--moe-baseline")) {
      options.moeBaseline = *file;
    } else if (auto file = value("--markdown")) {
      options.markdown = *file;
    } else if (arg.substr(0, 2) == "--") {
      return absl::InvalidArgumentError(
          runtime::strCat("unknown option '", arg, "'"));
    } else {
      options.kernels.push_back(std::string(arg));
    }
  }
  if (options.kernels.empty())
    return absl::InvalidArgumentError("expected at least one KERNEL.json");
  return options;
}

/// The row counts to run a kernel at: its static M, or --m, or defaults.
std::vector<int64_t> rowsFor(const GemmDescription &desc,
                             const Options &options,
                             std::vector<int64_t> defaults) {
  if (desc.m)
    return {*desc.m};
  return options.rows.empty() ? defaults : options.rows;
}

/// Device copies of one operand set (C uninitialized).
struct DeviceOperands {
  runtime::DeviceBuffer a, b, scaleA, scaleB, c, offsets;
};

/// A device buffer of `bytes` holding `data` (uninitialized when null).
absl::StatusOr<runtime::DeviceBuffer> upload(const runtime::CudaDevice &device,
                                             const void *data, size_t bytes) {
  absl::StatusOr<runtime::DeviceBuffer> buffer =
      device.allocate(std::max<size_t>(bytes, 16));
  if (!buffer.ok() || !data || !bytes)
    return buffer;
  if (absl::Status status = buffer->copyFromHost(
          absl::Span<const uint8_t>(static_cast<const uint8_t *>(data), bytes));
      !status.ok())
    return status;
  return buffer;
}

absl::StatusOr<DeviceOperands> uploadOperands(const runtime::CudaDevice &device,
                                              const GemmDescription &desc,
                                              const GemmOperands &host) {
  DeviceOperands out;
  auto put = [&](runtime::DeviceBuffer &to, const void *data, size_t bytes) {
    absl::StatusOr<runtime::DeviceBuffer> buffer = upload(device, data, bytes);
    if (buffer.ok())
      to = std::move(*buffer);
    return buffer.status();
  };
  absl::Status status = put(out.a, host.a.data(), host.a.size());
  if (status.ok())
    status = put(out.b, host.b.data(), host.b.size());
  if (status.ok())
    status = put(out.scaleA, host.scaleA.data(), host.scaleA.size() * 4);
  if (status.ok())
    status = put(out.scaleB, host.scaleB.data(), host.scaleB.size() * 4);
  if (status.ok())
    status =
        put(out.c, nullptr, static_cast<size_t>(host.m * desc.outputN() * 2));
  if (status.ok())
    status = put(out.offsets, host.offsets.data(), host.offsets.size() * 4);
  if (!status.ok())
    return status;
  return out;
}

cuda::CUdeviceptr scaleAddress(const GemmDescription &desc,
                               const runtime::DeviceBuffer &buffer) {
  return desc.fp8() ? buffer.address() : 0;
}

absl::Status launchOn(const GemmKernel &kernel, int64_t rows,
                      const DeviceOperands &set,
                      const runtime::CudaStream *stream) {
  const GemmDescription &desc = kernel.description();
  return kernel.launch(rows, set.a.address(), set.b.address(),
                       scaleAddress(desc, set.scaleA),
                       scaleAddress(desc, set.scaleB), set.c.address(), stream,
                       desc.grouped() ? set.offsets.address() : 0);
}

/// How a grouped check routes its tokens to experts.
enum class Routing { Uniform, AllToFirst, AllToLast, EveryOtherEmpty };

const char *routingName(Routing routing) {
  switch (routing) {
  case Routing::Uniform:
    return "uniform";
  case Routing::AllToFirst:
    return "all-to-first";
  case Routing::AllToLast:
    return "all-to-last";
  case Routing::EveryOtherEmpty:
    return "every-other-empty";
  }
  return "?";
}

/// Tokens per expert for `tokens` tokens routed top-1 by `routing`.
std::vector<int64_t> routeTokens(int64_t experts, int64_t tokens,
                                 Routing routing, uint64_t seed) {
  std::vector<int64_t> counts(static_cast<size_t>(experts), 0);
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 3;
  for (int64_t t = 0; t < tokens; ++t) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t pick = static_cast<int64_t>((state >> 33) % experts);
    switch (routing) {
    case Routing::Uniform:
      break;
    case Routing::AllToFirst:
      pick = 0;
      break;
    case Routing::AllToLast:
      pick = experts - 1;
      break;
    case Routing::EveryOtherEmpty:
      pick = (pick / 2) * 2 + (experts > 1 ? 1 : 0);
      pick = std::min(pick, experts - 1);
      break;
    }
    ++counts[pick];
  }
  return counts;
}

//===----------------------------------------------------------------------===//
// check
//===----------------------------------------------------------------------===//

/// Up to `count` distinct indices in [0, size), always with 0 and size - 1.
std::vector<int64_t> sampleIndices(int64_t size, int64_t count, uint64_t seed) {
  std::vector<int64_t> picked;
  if (size <= count) {
    for (int64_t i = 0; i < size; ++i)
      picked.push_back(i);
    return picked;
  }
  picked = {0, size - 1};
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 7;
  while (static_cast<int64_t>(picked.size()) < count) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    picked.push_back(static_cast<int64_t>((state >> 33) % size));
  }
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  return picked;
}

/// Runs the kernel on `host` with a NaN-poisoned C and compares sampled
/// elements with the float64 reference; `what` names the case.
absl::Status checkOperands(const runtime::CudaDevice &device,
                           const GemmKernel &kernel, const GemmOperands &host,
                           const std::string &what, uint64_t seed) {
  const GemmDescription &desc = kernel.description();
  int64_t m = host.m;
  absl::StatusOr<DeviceOperands> dev = uploadOperands(device, desc, host);
  if (!dev.ok())
    return dev.status();
  if (absl::Status s = dev->c.fill(0xFF); !s.ok()) // bf16 NaN poison
    return s;
  if (absl::Status s = launchOn(kernel, m, *dev, nullptr); !s.ok())
    return s;
  int64_t n = desc.outputN();
  std::vector<uint8_t> c(static_cast<size_t>(m * n * 2));
  if (absl::Status s = dev->c.copyToHost(absl::Span<uint8_t>(c)); !s.ok())
    return s;
  // Grouped: with no tokens there are no rows to write.
  int64_t written = desc.grouped() ? host.offsets.back() : m;
  for (int64_t i = 0; i < written * n; ++i)
    if (std::isnan(bf16BytesToDouble(&c[2 * i])))
      return absl::InternalError(
          runtime::strCat(desc.name, " ", what, ": C[", i / n, "][", i % n,
                          "] was not written (still the NaN poison)"));
  // About 2e8 multiply-adds of float64 reference per check.
  int64_t budget = std::max<int64_t>(1, 200000000 / desc.k);
  std::vector<int64_t> rows = sampleIndices(written, 16, seed);
  std::vector<int64_t> cols = sampleIndices(
      n, std::max<int64_t>(1, budget / std::max<int64_t>(1, rows.size())),
      seed + 1);
  double error = 0.0, norm = 0.0;
  for (int64_t row : rows)
    for (int64_t col : cols) {
      double want = referenceElement(desc, host, row, col);
      double got = bf16BytesToDouble(&c[2 * (row * n + col)]);
      error += (got - want) * (got - want);
      norm += want * want;
    }
  double relative = norm > 0 ? std::sqrt(error / norm) : std::sqrt(error);
  double bound = desc.fp8() ? 2e-2 : 5e-3;
  std::printf("check %-48s %-28s seed=%-6llu rel_l2=%.3e bound=%.0e %s\n",
              desc.name.c_str(), what.c_str(), (unsigned long long)seed,
              relative, bound, relative <= bound ? "PASS" : "FAIL");
  if (!(relative <= bound))
    return absl::InternalError(runtime::strCat(desc.name, " ", what,
                                               ": relative L2 error ", relative,
                                               " exceeds ", bound));
  return absl::OkStatus();
}

/// Dense: M rows. Grouped: M tokens under each routing extreme.
absl::Status checkOnce(const runtime::CudaDevice &device,
                       const GemmKernel &kernel, int64_t m, uint64_t seed) {
  const GemmDescription &desc = kernel.description();
  if (!desc.grouped())
    return checkOperands(device, kernel, makeGemmOperands(desc, m, seed),
                         runtime::strCat("M=", m), seed);
  for (Routing routing : {Routing::Uniform, Routing::AllToFirst,
                          Routing::AllToLast, Routing::EveryOtherEmpty}) {
    std::vector<int64_t> counts = routeTokens(desc.experts, m, routing, seed);
    std::string what = runtime::strCat("T=", m, " ", routingName(routing));
    if (absl::Status status =
            checkOperands(device, kernel,
                          makeGroupedOperands(desc, counts, seed), what, seed);
        !status.ok())
      return status;
  }
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// gemm benchmark
//===----------------------------------------------------------------------===//

struct Baseline {
  double copyGbps = 0.0;
  /// cuBLAS TFLOP/s at 8192^3: "bf16" and "fp8".
  std::map<std::string, double> peakTflops;
  /// (n, k, m) -> {"bf16" -> ms, "fp8" -> ms}.
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::map<std::string, double>>
      ms;
};

absl::StatusOr<Baseline> loadBaseline(const std::string &path) {
  Baseline baseline;
  if (path.empty())
    return baseline;
  absl::StatusOr<runtime::JsonValue> root = readJsonFile(path);
  if (!root.ok())
    return root.status();
  if (const runtime::JsonValue *copy = root->find("copy_gbps"))
    baseline.copyGbps = copy->asDouble().value_or(0.0);
  const runtime::JsonValue *gemm = root->find("gemm");
  if (!gemm || !gemm->asArray())
    return absl::InvalidArgumentError(path + ": no 'gemm' array");
  for (const runtime::JsonValue &entry : *gemm->asArray()) {
    auto number = [&](std::string_view key) {
      const runtime::JsonValue *v = entry.find(key);
      return v ? v->asDouble() : std::nullopt;
    };
    std::optional<double> n = number("n"), k = number("k"), m = number("m");
    if (!n || !k || !m)
      continue;
    auto key = std::make_tuple(int64_t(*n), int64_t(*k), int64_t(*m));
    for (auto [precision, field] : {std::pair{"bf16", "cublas_bf16"},
                                    std::pair{"fp8", "cublas_fp8_rowwise"}}) {
      std::optional<double> time = number(runtime::strCat(field, "_ms"));
      std::optional<double> rate = number(runtime::strCat(field, "_tflops"));
      if (time)
        baseline.ms[key][precision] = *time;
      if (rate && *n == 8192 && *k == 8192 && *m == 8192)
        baseline.peakTflops[precision] = *rate;
    }
  }
  return baseline;
}

struct BenchRow {
  std::string name, precision;
  int64_t m, n, k;
  double ms, tflops, gbps, roofline, cublasMs;
};

absl::StatusOr<double> medianLaunchMs(const runtime::CudaDevice &device,
                                      const GemmKernel &kernel, int64_t m,
                                      std::vector<DeviceOperands> &sets,
                                      int reps) {
  absl::StatusOr<runtime::CudaStream> stream = device.createStream();
  if (!stream.ok())
    return stream.status();
  // Consecutive launches rotate through the operand sets.
  return medianEventMs(device, *stream, /*warmups=*/5, reps, [&](int run) {
    const DeviceOperands &set =
        sets[static_cast<size_t>(run + 5) % sets.size()];
    return launchOn(kernel, m, set, &*stream);
  });
}

/// Dense: M rows. Grouped: M tokens routed uniformly at random (top-1);
/// FLOPs count real tokens, bytes the experts' weights that are read.
absl::StatusOr<BenchRow> benchOnce(const runtime::CudaDevice &device,
                                   const GemmKernel &kernel, int64_t m,
                                   const Baseline &baseline,
                                   const Options &options) {
  const GemmDescription &desc = kernel.description();
  GemmOperands host =
      desc.grouped()
          ? makeGroupedOperands(
                desc,
                routeTokens(desc.experts, m, Routing::Uniform, options.seed),
                options.seed)
          : makeGemmOperands(desc, m, options.seed);
  int64_t touched = 1;
  if (desc.grouped())
    for (int64_t e = 0; e < desc.experts; ++e)
      touched += host.offsets[e + 1] > host.offsets[e] ? 1 : 0;
  touched = desc.grouped() ? touched - 1 : 1;
  double weightBytes = double(desc.n) * desc.k * desc.elementBytes();
  double allWeights = weightBytes * desc.weightSets();
  // Enough weight copies that consecutive launches miss the L2 (50 MB).
  size_t copies =
      static_cast<size_t>(std::clamp(std::ceil(160e6 / allWeights), 1.0, 8.0));
  std::vector<DeviceOperands> sets;
  for (size_t i = 0; i < copies; ++i) {
    absl::StatusOr<DeviceOperands> set = uploadOperands(device, desc, host);
    if (!set.ok())
      return set.status();
    sets.push_back(std::move(*set));
  }
  absl::StatusOr<double> ms =
      medianLaunchMs(device, kernel, host.m, sets, options.reps);
  if (!ms.ok())
    return ms.status();
  BenchRow row{desc.name, desc.precision, m, desc.n, desc.k, *ms, 0, 0, 0, 0};
  double flops = 2.0 * m * desc.n * desc.k;
  double bytes = weightBytes * touched +
                 double(host.m) * desc.k * desc.elementBytes() +
                 double(host.m) * desc.outputN() * 2 +
                 4.0 * (desc.scaleAFloats(host.m) + desc.scaleBFloats());
  row.tflops = flops / (*ms * 1e-3) / 1e12;
  row.gbps = bytes / (*ms * 1e-3) / 1e9;
  std::string cls = desc.fp8() ? "fp8" : "bf16";
  auto peak = baseline.peakTflops.find(cls);
  if (peak != baseline.peakTflops.end() && baseline.copyGbps > 0)
    row.roofline = std::max(flops / (peak->second * 1e12),
                            bytes / (baseline.copyGbps * 1e9)) /
                   (*ms * 1e-3);
  auto cublas = baseline.ms.find({desc.n, desc.k, m});
  if (!desc.grouped() && cublas != baseline.ms.end() &&
      cublas->second.count(cls))
    row.cublasMs = cublas->second.at(cls);
  return row;
}

void printRows(const std::vector<BenchRow> &rows, std::FILE *out,
               bool markdown) {
  const char *header =
      markdown ? "| kernel | precision | M | N | K | ms | TFLOP/s | GB/s | "
                 "roofline | cuBLAS ms | cuBLAS/moec |\n|---|---|---|---|---|"
                 "---|---|---|---|---|---|\n"
               : "kernel                                            precision  "
                 "     M      N      K        ms  TFLOP/s     GB/s roofline  "
                 "cuBLAS ms  ratio\n";
  std::fputs(header, out);
  for (const BenchRow &r : rows) {
    std::string roofline =
        r.roofline > 0 ? absl::StrFormat("%.0f%%", 100 * r.roofline) : "-";
    std::string cublas =
        r.cublasMs > 0 ? absl::StrFormat("%.4f", r.cublasMs) : "-";
    std::string ratio =
        r.cublasMs > 0 ? absl::StrFormat("%.2f", r.cublasMs / r.ms) : "-";
    if (markdown)
      std::fprintf(out,
                   "| %s | %s | %lld | %lld | %lld | %.4f | %.0f | %.0f "
                   "| %s | %s | %s |\n",
                   r.name.c_str(), r.precision.c_str(), (long long)r.m,
                   (long long)r.n, (long long)r.k, r.ms, r.tflops, r.gbps,
                   roofline.c_str(), cublas.c_str(), ratio.c_str());
    else
      std::fprintf(out,
                   "%-49s %-11s %6lld %6lld %6lld %9.4f %8.0f %8.0f %8s "
                   "%10s %6s\n",
                   r.name.c_str(), r.precision.c_str(), (long long)r.m,
                   (long long)r.n, (long long)r.k, r.ms, r.tflops, r.gbps,
                   roofline.c_str(), cublas.c_str(), ratio.c_str());
  }
}

//===----------------------------------------------------------------------===//
// moe benchmark
//===----------------------------------------------------------------------===//

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

/// Times each layer at each token count: TFLOP/s (routed + shared expert),
/// GB/s of the FP8 expert weights read (experts with tokens + the shared
/// one), the fraction of the layer's roofline and the ratio to the best
/// PyTorch path measured in the same run.
int runMoe(const runtime::CudaDevice &device, const Baseline &baseline,
           const Options &options) {
  double copyGbps = baseline.copyGbps;
  auto torch = loadMoeBaseline(options.moeBaseline, copyGbps);
  if (!torch.ok()) {
    std::fprintf(stderr, "moec-bench: %s\n",
                 std::string(torch.status().message()).c_str());
    return 1;
  }
  auto peak = baseline.peakTflops.find("fp8");
  std::string table =
      "| layer | experts | T | ms | TFLOP/s | GB/s | roofline | best "
      "PyTorch ms | PyTorch/moec |\n|---|---|---|---|---|---|---|---|---|\n";
  int failures = 0;
  for (const std::string &path : options.kernels) {
    absl::StatusOr<MoeLayerDescription> desc = loadMoeLayerDescription(path);
    if (!desc.ok()) {
      std::fprintf(stderr, "moec-bench: %s\n",
                   std::string(desc.status().message()).c_str());
      ++failures;
      continue;
    }
    std::vector<int64_t> tokenCounts = options.rows;
    if (tokenCounts.empty())
      tokenCounts = {1, 64, 512, 4096, 16384};
    for (int64_t tokens : tokenCounts) {
      absl::StatusOr<MoeLayerTiming> timing =
          timeMoeLayer(device, *desc, path, tokens, options.reps, options.seed);
      if (!timing.ok()) {
        std::fprintf(stderr, "moec-bench: %s T=%lld: %s\n", desc->name.c_str(),
                     (long long)tokens,
                     std::string(timing.status().message()).c_str());
        ++failures;
        continue;
      }
      double expertBytes = 3.0 * desc->hidden * desc->inter;
      double flops = 2.0 * 2 * tokens * expertBytes;
      double bytes = (timing->expertsUsed + 1) * expertBytes;
      double seconds = timing->ms * 1e-3;
      std::string roofline = "-";
      if (copyGbps > 0 && peak != baseline.peakTflops.end())
        roofline = absl::StrFormat("%.0f%%",
                                   100 *
                                       std::max(bytes / (copyGbps * 1e9),
                                                flops / (peak->second * 1e12)) /
                                       seconds);
      auto best = torch->find({desc->experts, tokens});
      std::string torchMs = "-", ratio = "-";
      if (best != torch->end()) {
        torchMs = absl::StrFormat("%.3f", best->second);
        ratio = absl::StrFormat("%.2f", best->second / timing->ms);
      }
      std::string row = absl::StrFormat(
          "| %s | %lld | %lld | %.3f | %.1f | %.0f | %s | %s | %s |\n",
          desc->name, (long long)desc->experts, (long long)tokens, timing->ms,
          flops / seconds / 1e12, bytes / seconds / 1e9, roofline, torchMs,
          ratio);
      table += row;
    }
  }
  std::printf("%s", table.c_str());
  if (!options.markdown.empty()) {
    std::FILE *file = std::fopen(options.markdown.c_str(), "w");
    if (!file) {
      std::fprintf(stderr, "moec-bench: cannot write %s\n",
                   options.markdown.c_str());
      return 1;
    }
    std::fputs(table.c_str(), file);
    std::fclose(file);
  }
  return failures ? 1 : 0;
}

int run(const Options &options) {
  absl::StatusOr<std::unique_ptr<runtime::CudaDevice>> device =
      runtime::CudaDevice::open();
  if (!device.ok()) {
    std::fprintf(stderr, "moec-bench: %s\n",
                 std::string(device.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<Baseline> baseline = loadBaseline(options.baseline);
  if (!baseline.ok()) {
    std::fprintf(stderr, "moec-bench: %s\n",
                 std::string(baseline.status().message()).c_str());
    return 1;
  }
  std::printf("%s, %d SMs\n", (*device)->describe().c_str(),
              (*device)->smCount());
  if (options.command == "moe")
    return runMoe(**device, *baseline, options);
  int failures = 0;
  std::vector<BenchRow> rows;
  for (const std::string &path : options.kernels) {
    absl::StatusOr<GemmDescription> desc = loadGemmDescription(path);
    absl::StatusOr<GemmKernel> kernel =
        desc.ok() ? GemmKernel::load(**device, *desc, path)
                  : absl::StatusOr<GemmKernel>(desc.status());
    if (!kernel.ok()) {
      std::fprintf(stderr, "moec-bench: %s\n",
                   std::string(kernel.status().message()).c_str());
      ++failures;
      continue;
    }
    bool check = options.command == "check";
    for (int64_t m : rowsFor(*desc, options,
                             check ? std::vector<int64_t>{1, 300, 4097}
                                   : std::vector<int64_t>{512, 4096, 16384})) {
      absl::Status status = absl::OkStatus();
      if (check) {
        status = checkOnce(**device, *kernel, m, options.seed + m);
      } else {
        absl::StatusOr<BenchRow> row =
            benchOnce(**device, *kernel, m, *baseline, options);
        status = row.status();
        if (row.ok())
          rows.push_back(*row);
      }
      if (!status.ok()) {
        std::fprintf(stderr, "moec-bench: %s\n",
                     std::string(status.message()).c_str());
        ++failures;
      }
    }
  }
  if (!rows.empty()) {
    printRows(rows, stdout, /*markdown=*/false);
    if (!options.markdown.empty()) {
      std::FILE *file = std::fopen(options.markdown.c_str(), "w");
      if (!file) {
        std::fprintf(stderr, "moec-bench: cannot write %s\n",
                     options.markdown.c_str());
        return 1;
      }
      printRows(rows, file, /*markdown=*/true);
      std::fclose(file);
    }
  }
  return failures ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  // Line-buffered so that results and errors interleave in order in logs.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  absl::StatusOr<Options> options = parseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "moec-bench: %s\n%s",
                 std::string(options.status().message()).c_str(), kUsage);
    return 2;
  }
  return run(*options);
}
