//===- GemmCommand.cpp - moec-bench check and gemm --------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `check`: fresh random operands, a NaN-poisoned output, sampled elements
// against a float64 reference. `gemm`: event-timed medians with roofline
// and cuBLAS ratios.
//
//===----------------------------------------------------------------------===//

#include "runtime/StringUtil.h"
#include "tools/moec-bench/Common.h"
#include "tools/moec-bench/GemmKernel.h"

#include "absl/strings/str_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace moec;
using namespace moec::bench;

namespace {

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
                           const std::string &what, uint64_t seed,
                           Report &report) {
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
  bool pass = relative <= bound;
  if (report.isJson())
    report.addResult(JsonObject()
                         .add("label", desc.name + " " + what)
                         .add("kernel", desc.name)
                         .add("precision", desc.precision)
                         .add("case", what)
                         .add("m", m)
                         .add("seed", int64_t(seed))
                         .add("rel_l2", relative)
                         .add("bound", bound)
                         .add("pass", pass));
  else
    std::printf("check %-48s %-28s seed=%-6llu rel_l2=%.3e bound=%.0e %s\n",
                desc.name.c_str(), what.c_str(), (unsigned long long)seed,
                relative, bound, pass ? "PASS" : "FAIL");
  if (!(relative <= bound))
    return absl::InternalError(runtime::strCat(desc.name, " ", what,
                                               ": relative L2 error ", relative,
                                               " exceeds ", bound));
  return absl::OkStatus();
}

/// Dense: M rows. Grouped: M tokens under each routing extreme.
absl::Status checkOnce(const runtime::CudaDevice &device,
                       const GemmKernel &kernel, int64_t m, uint64_t seed,
                       Report &report) {
  const GemmDescription &desc = kernel.description();
  if (!desc.grouped())
    return checkOperands(device, kernel, makeGemmOperands(desc, m, seed),
                         runtime::strCat("M=", m), seed, report);
  for (Routing routing : {Routing::Uniform, Routing::AllToFirst,
                          Routing::AllToLast, Routing::EveryOtherEmpty}) {
    std::vector<int64_t> counts = routeTokens(desc.experts, m, routing, seed);
    std::string what = runtime::strCat("T=", m, " ", routingName(routing));
    if (absl::Status status = checkOperands(
            device, kernel, makeGroupedOperands(desc, counts, seed), what, seed,
            report);
        !status.ok())
      return status;
  }
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// gemm benchmark
//===----------------------------------------------------------------------===//

struct BenchRow {
  std::string name, precision;
  int64_t m, n, k;
  double ms, tflops, gbps, roofline, cublasMs;
  double flops = 0, bytes = 0;
  int64_t experts = 0;
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
  row.flops = flops;
  row.bytes = bytes;
  row.experts = desc.grouped() ? desc.experts : 0;
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

/// The rows as a text table, or as a markdown one.
std::string formatRows(const std::vector<BenchRow> &rows, bool markdown) {
  std::string text =
      markdown ? "| kernel | precision | M | N | K | ms | TFLOP/s | GB/s | "
                 "roofline | cuBLAS ms | cuBLAS/moec |\n|---|---|---|---|---|"
                 "---|---|---|---|---|---|\n"
               : "kernel                                            precision  "
                 "     M      N      K        ms  TFLOP/s     GB/s roofline  "
                 "cuBLAS ms  ratio\n";
  const char *format = markdown ? "| %s | %s | %lld | %lld | %lld | %.4f | "
                                  "%.0f | %.0f | %s | %s | %s |\n"
                                : "%-49s %-11s %6lld %6lld %6lld %9.4f %8.0f "
                                  "%8.0f %8s %10s %6s\n";
  for (const BenchRow &r : rows) {
    std::string roofline =
        r.roofline > 0 ? absl::StrFormat("%.0f%%", 100 * r.roofline) : "-";
    std::string cublas =
        r.cublasMs > 0 ? absl::StrFormat("%.4f", r.cublasMs) : "-";
    std::string ratio =
        r.cublasMs > 0 ? absl::StrFormat("%.2f", r.cublasMs / r.ms) : "-";
    char line[512];
    std::snprintf(line, sizeof(line), format, r.name.c_str(),
                  r.precision.c_str(), (long long)r.m, (long long)r.n,
                  (long long)r.k, r.ms, r.tflops, r.gbps, roofline.c_str(),
                  cublas.c_str(), ratio.c_str());
    text += line;
  }
  return text;
}

/// One benchmark row as a result of the JSON document.
JsonObject jsonRow(const BenchRow &r) {
  JsonObject row;
  row.add("label", runtime::strCat(r.name, " M=", r.m))
      .add("kernel", r.name)
      .add("precision", r.precision)
      .addNull("phase")
      .add("m", r.m)
      .add("n", r.n)
      .add("k", r.k);
  if (r.experts)
    row.add("experts", r.experts);
  return row.add("ms", r.ms)
      .add("flops", r.flops)
      .add("bytes", r.bytes)
      .add("tflops", r.tflops)
      .add("gbps", r.gbps)
      .addIfPositive("roofline", r.roofline)
      .add("baseline", "cublas")
      .addIfPositive("baseline_ms", r.cublasMs);
}

/// Checks or benchmarks one kernel at each of its row counts.
void runKernel(const runtime::CudaDevice &device, const GemmKernel &kernel,
               const Baseline &baseline, const Options &options,
               std::vector<BenchRow> &rows, Report &report) {
  bool check = options.command == "check";
  for (int64_t m : rowsFor(kernel.description(), options,
                           check ? std::vector<int64_t>{1, 300, 4097}
                                 : std::vector<int64_t>{512, 4096, 16384})) {
    absl::Status status = absl::OkStatus();
    if (check) {
      status = checkOnce(device, kernel, m, options.seed + m, report);
    } else {
      absl::StatusOr<BenchRow> row =
          benchOnce(device, kernel, m, baseline, options);
      status = row.status();
      if (row.ok())
        rows.push_back(*row);
    }
    if (!status.ok())
      report.error(status);
  }
}

} // namespace

void bench::runGemmCommand(const runtime::CudaDevice &device,
                           const Baseline &baseline, const Options &options,
                           Report &report) {
  std::vector<BenchRow> rows;
  for (const std::string &path : options.kernels) {
    absl::StatusOr<GemmDescription> desc = loadGemmDescription(path);
    absl::StatusOr<GemmKernel> kernel =
        desc.ok() ? GemmKernel::load(device, *desc, path)
                  : absl::StatusOr<GemmKernel>(desc.status());
    if (!kernel.ok()) {
      report.error(kernel.status());
      continue;
    }
    runKernel(device, *kernel, baseline, options, rows, report);
  }
  if (rows.empty())
    return;
  if (report.isJson()) {
    for (const BenchRow &row : rows)
      report.addResult(jsonRow(row));
  } else {
    std::fputs(formatRows(rows, /*markdown=*/false).c_str(), stdout);
  }
  if (!options.markdown.empty())
    writeText(options.markdown, formatRows(rows, /*markdown=*/true), report);
}
