//===- Common.h - moec-bench options, baselines, reporting ------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What every moec-bench command shares: the command line, the baseline
// ceilings measured by bench/torch_baseline.py in the same run, and error
// and table output.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOECBENCH_COMMON_H
#define MOEC_TOOLS_MOECBENCH_COMMON_H

#include "runtime/CudaDevice.h"
#include "tools/moec-bench/Report.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace moec::bench {

struct Options {
  std::string command;
  std::vector<std::string> kernels;
  std::vector<int64_t> rows;
  uint64_t seed = 1;
  int reps = 50;
  std::string baseline, markdown, moeBaseline;
  /// "cuda" (the NVIDIA driver) or "emulator" (moec's emulating driver,
  /// which runs the kernels' emulation objects on the host).
  std::string device = "cuda";
  /// Print one JSON document (Report.h) instead of the tables.
  bool json = false;
  bool help = false, version = false;
};

extern const char *const kUsage;

absl::StatusOr<Options> parseOptions(int argc, char **argv);

struct Baseline {
  double copyGbps = 0.0;
  /// cuBLAS TFLOP/s at 8192^3: "bf16" and "fp8".
  std::map<std::string, double> peakTflops;
  /// (n, k, m) -> {"bf16" -> ms, "fp8" -> ms}.
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::map<std::string, double>>
      ms;
};

/// Reads `torch_baseline.py gemm`'s JSON; an empty path gives no baseline.
absl::StatusOr<Baseline> loadBaseline(const std::string &path);

/// Writes `text` to `path`; false (with an error reported) when it cannot.
bool writeText(const std::string &path, const std::string &text,
               Report &report);

/// `check` and `gemm` over GEMM kernel descriptions; the cases go to
/// `report`, the tables to stdout unless it is JSON.
void runGemmCommand(const runtime::CudaDevice &device, const Baseline &baseline,
                    const Options &options, Report &report);
/// `moe` over MoE layer descriptions.
void runMoeCommand(const runtime::CudaDevice &device, const Baseline &baseline,
                   const Options &options, Report &report);

} // namespace moec::bench

#endif // MOEC_TOOLS_MOECBENCH_COMMON_H
