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
// moec-bench moe LAYER.json... [--m=TOKENS] [--baseline=FILE]
//                [--moe-baseline=FILE] [--markdown=FILE] [--reps=N]
//   The whole MoE layer of `moec emit-kernel moe-layer` (MoeLayer.h):
//   median time, TFLOP/s, GB/s of touched expert weights, roofline and the
//   ratio to the best PyTorch path of `torch_baseline.py moe`.
//
// --json (every command) prints one JSON document instead of the table
// (Report.h; fields in docs/tools.md).
//
// --device=emulator (every command) loads moec's emulating driver instead
// of the NVIDIA one and points it at the directories of the given JSON
// files, where `moec emit-kernel` writes the kernels' emulation objects.
//
// Built with the runtime only (no MLIR/LLVM): it runs on GPU machines.
//
//===----------------------------------------------------------------------===//

#include "runtime/Version.h"
#include "tools/moec-bench/Common.h"

#include <cstdio>

using namespace moec;
using namespace moec::bench;

namespace {

/// The directory part of `path` ("." when it has none).
std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Opens GPU 0 of the NVIDIA driver or of the emulating driver.
absl::StatusOr<std::unique_ptr<runtime::CudaDevice>>
openDevice(const Options &options) {
  bool emulator = options.device == "emulator";
  absl::StatusOr<std::shared_ptr<const runtime::CudaDriver>> driver =
      emulator ? runtime::CudaDriver::loadEmulator()
               : runtime::CudaDriver::load();
  if (!driver.ok())
    return driver.status();
  if (emulator)
    for (const std::string &path : options.kernels)
      (*driver)->addEmulatorSearchPath(directoryOf(path));
  return runtime::CudaDevice::open(*std::move(driver), 0);
}

/// The JSON document's fields before the results: what ran where, and the
/// ceilings the roofline fractions are relative to.
JsonObject documentHeader(const Options &options,
                          const runtime::CudaDevice *device,
                          const Baseline &baseline) {
  JsonObject peaks;
  for (const auto &[precision, tflops] : baseline.peakTflops)
    peaks.add(precision, tflops);
  JsonObject ceilings;
  ceilings.addIfPositive("copy_gbps", baseline.copyGbps);
  ceilings.addRaw("peak_tflops", peaks.str());
  JsonObject header;
  header.add("schema", "moec-bench/1").add("command", options.command);
  header.add("driver", options.device);
  if (device)
    header.add("device", (*device).describe())
        .add("sms", int64_t((*device).smCount()));
  else
    header.addNull("device").addNull("sms");
  return header.addRaw("ceilings", ceilings.str());
}

int run(const Options &options) {
  Report report(options.json);
  absl::StatusOr<std::unique_ptr<runtime::CudaDevice>> device =
      openDevice(options);
  absl::StatusOr<Baseline> baseline =
      device.ok() ? loadBaseline(options.baseline) : Baseline();
  if (!device.ok())
    report.error(device.status());
  else if (!baseline.ok())
    report.error(baseline.status());
  if (device.ok() && baseline.ok()) {
    if (!options.json)
      std::printf("%s, %d SMs\n", (*device)->describe().c_str(),
                  (*device)->smCount());
    if (options.command == "moe")
      runMoeCommand(**device, *baseline, options, report);
    else
      runGemmCommand(**device, *baseline, options, report);
  }
  if (options.json)
    std::fputs(report
                   .document(documentHeader(
                       options, device.ok() ? device->get() : nullptr,
                       baseline.ok() ? *baseline : Baseline()))
                   .c_str(),
               stdout);
  return report.errorCount() ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  // Line-buffered so that results and errors interleave in order in logs.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  absl::StatusOr<Options> options = parseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "moec-bench: %s\nRun 'moec-bench --help' for usage.\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (options->version) {
    std::printf("moec-bench %s\n", MOEC_VERSION_STRING);
    return 0;
  }
  return run(*options);
}
