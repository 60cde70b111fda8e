//===- Common.cpp - moec-bench options, baselines, reporting ----*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-bench/Common.h"
#include "runtime/StringUtil.h"
#include "tools/moec-bench/GemmKernel.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

#include <cstdio>
#include <optional>
#include <string_view>

namespace moec::bench {

const char *const kUsage =
    "usage: moec-bench check KERNEL.json... [--m=LIST] [--seed=N]\n"
    "       moec-bench gemm KERNEL.json... [--m=LIST] [--baseline=FILE]\n"
    "                       [--markdown=FILE] [--reps=N]\n"
    "       moec-bench moe LAYER.json... [--m=TOKENS] [--baseline=FILE]\n"
    "                      [--moe-baseline=FILE] [--markdown=FILE] "
    "[--reps=N]\n"
    "\n"
    "Checks and times kernels written by `moec emit-kernel` (KERNEL.json,\n"
    "LAYER.json beside their PTX/cubin).\n"
    "\n"
    "commands:\n"
    "  check   compare each kernel with a float64 reference on random\n"
    "          operands (relative L2 within 2e-2 FP8, 5e-3 bf16)\n"
    "  gemm    median time, TFLOP/s, GB/s, roofline and cuBLAS ratio\n"
    "  moe     the whole MoE layer: time, roofline, PyTorch ratio\n"
    "\n"
    "options:\n"
    "  --m=LIST              comma-separated row (token) counts (default:\n"
    "                        check 1,300,4097; gemm 512,4096,16384; moe\n"
    "                        1,64,512,4096,16384; a kernel with a static M\n"
    "                        runs at it)\n"
    "  --seed=N              random operands' seed (default: 1)\n"
    "  --reps=N              timed launches per case (default: 50)\n"
    "  --baseline=FILE       `torch_baseline.py gemm` JSON: copy bandwidth,\n"
    "                        cuBLAS peak and times (default: none, no\n"
    "                        roofline or ratio)\n"
    "  --moe-baseline=FILE   `torch_baseline.py moe` JSON (default: none)\n"
    "  --markdown=FILE       also write the table as markdown (default:\n"
    "                        none)\n"
    "  --device=cuda|emulator\n"
    "                        the NVIDIA driver or moec's emulating one, which\n"
    "                        runs the kernels' emulation objects found beside\n"
    "                        the JSON (default: cuda)\n"
    "  --json                print one JSON document instead of the table\n"
    "                        (fields: docs/tools.md)\n"
    "  -h, --help            print this help and exit\n"
    "  --version             print the version and exit\n"
    "\n"
    "Options take their value after '=' or as the next argument.\n"
    "Exit status: 0 on success, 1 if a check fails or a kernel cannot be\n"
    "loaded or run, 2 on usage errors.\n";

namespace {

/// Stores the value of option `name` (which takes one) into `options`.
absl::Status applyOption(std::string_view name, const std::string &value,
                         Options &options) {
  if (name == "--device") {
    if (value != "cuda" && value != "emulator")
      return absl::InvalidArgumentError(
          runtime::strCat("--device: unknown device '", value,
                          "' (expected cuda or emulator)"));
    options.device = value;
  } else if (name == "--m") {
    for (absl::string_view item : absl::StrSplit(value, ',')) {
      int64_t rows;
      if (!absl::SimpleAtoi(item, &rows) || rows <= 0)
        return absl::InvalidArgumentError(
            runtime::strCat("--m: '", runtime::toStdView(item),
                            "' is not a positive row count"));
      options.rows.push_back(rows);
    }
  } else if (name == "--seed") {
    if (!absl::SimpleAtoi(value, &options.seed))
      return absl::InvalidArgumentError(runtime::strCat(
          "--seed: '", value, "' is not a non-negative integer"));
  } else if (name == "--reps") {
    if (!absl::SimpleAtoi(value, &options.reps) || options.reps <= 0)
      return absl::InvalidArgumentError(
          runtime::strCat("--reps: '", value, "' is not a positive count"));
  } else if (name == "--baseline") {
    options.baseline = value;
  } else if (name == "--moe-baseline") {
    options.moeBaseline = value;
  } else {
    options.markdown = value;
  }
  return absl::OkStatus();
}

bool takesValue(std::string_view name) {
  for (std::string_view known : {"--device", "--m", "--seed", "--reps",
                                 "--baseline", "--moe-baseline", "--markdown"})
    if (name == known)
      return true;
  return false;
}

/// Handles the option at argv[i], consuming its value (which may be the
/// next argument).
absl::Status parseOption(int argc, char **argv, int &i, Options &options) {
  std::string_view arg = argv[i];
  if (arg == "--json") {
    options.json = true;
    return absl::OkStatus();
  }
  size_t equals = arg.find('=');
  std::string_view name = arg.substr(0, equals);
  if (!takesValue(name))
    return absl::InvalidArgumentError(
        runtime::strCat("unknown option '", name, "'"));
  if (equals != std::string_view::npos)
    return applyOption(name, std::string(arg.substr(equals + 1)), options);
  if (i + 1 == argc)
    return absl::InvalidArgumentError(
        runtime::strCat("option '", name, "' needs a value"));
  return applyOption(name, argv[++i], options);
}

} // namespace

absl::StatusOr<Options> parseOptions(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--version") {
      (arg == "--version" ? options.version : options.help) = true;
      return options;
    }
  }
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
    if (arg.substr(0, 1) != "-") {
      options.kernels.push_back(std::string(arg));
    } else if (absl::Status status = parseOption(argc, argv, i, options);
               !status.ok()) {
      return status;
    }
  }
  if (options.kernels.empty())
    return absl::InvalidArgumentError("expected at least one KERNEL.json");
  return options;
}

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

bool writeText(const std::string &path, const std::string &text,
               Report &report) {
  std::FILE *file = std::fopen(path.c_str(), "w");
  if (!file) {
    report.error(absl::InvalidArgumentError("cannot write " + path));
    return false;
  }
  std::fputs(text.c_str(), file);
  std::fclose(file);
  return true;
}

} // namespace moec::bench
