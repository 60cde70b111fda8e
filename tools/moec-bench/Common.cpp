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

namespace moec::bench {

const char *const kUsage =
    "usage: moec-bench check KERNEL.json... [--m=LIST] [--seed=N]\n"
    "       moec-bench gemm KERNEL.json... [--m=LIST] [--baseline=FILE]\n"
    "                       [--markdown=FILE] [--reps=N]\n"
    "       moec-bench moe LAYER.json... [--m=TOKENS] [--baseline=FILE]\n"
    "                      [--moe-baseline=FILE] [--markdown=FILE] "
    "[--reps=N]\n"
    "every command: [--device=cuda|emulator] (default cuda; emulator runs "
    "the\n"
    "  kernels' emulation objects on the host, found beside the JSON)\n";

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
    // --device takes its value after '=' or as the next argument.
    std::optional<std::string> device = value("--device");
    if (!device && arg == "--device") {
      if (i + 1 == argc)
        return absl::InvalidArgumentError(
            "--device: expected cuda or emulator");
      device = std::string(argv[++i]);
    }
    if (device) {
      if (*device != "cuda" && *device != "emulator")
        return absl::InvalidArgumentError(
            runtime::strCat("--device: unknown device '", *device,
                            "' (expected cuda or emulator)"));
      options.device = *device;
    } else if (auto list = value("--m")) {
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

void printError(const absl::Status &status) {
  std::fprintf(stderr, "moec-bench: %s\n",
               std::string(status.message()).c_str());
}

bool writeText(const std::string &path, const std::string &text) {
  std::FILE *file = std::fopen(path.c_str(), "w");
  if (!file) {
    std::fprintf(stderr, "moec-bench: cannot write %s\n", path.c_str());
    return false;
  }
  std::fputs(text.c_str(), file);
  std::fclose(file);
  return true;
}

} // namespace moec::bench
