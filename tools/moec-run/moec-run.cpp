//===- moec-run.cpp - Run a compiled moec artifact ------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the moec-run command line: it parses and checks the
// options strictly, then opens the artifact with the runtime's Session,
// generates (prefill over the prompt, then one decode step per new token
// through the KV cache) and prints the new token ids as they come, then the
// prefill and decode throughput. --dump-logits saves the prompt's logits as
// a .npy file for comparison with golden logits.
//
// Exit codes: 0 success, 1 runtime failure, 2 usage error.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"
#include "runtime/Npy.h"
#include "runtime/Session.h"
#include "runtime/StringUtil.h"
#include "runtime/Version.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using moec::runtime::strCat;
namespace rt = moec::runtime;

/// Exit code for a failure while loading or running the artifact.
static constexpr int kExitFailure = 1;
/// Exit code for a malformed command line.
static constexpr int kExitUsage = 2;

/// The --help text.
static constexpr std::string_view kUsage =
    R"txt(usage: moec-run ARTIFACT --prompt-ids IDS --max-new-tokens N [options]

Runs a compiled moec artifact: prefill over the prompt, then one decode step
per new token with a KV cache. Generation stops after a stop token of the
model (eos_token_ids, stop_token_ids; it is printed) or N new tokens.

arguments:
  ARTIFACT               the compiled artifact (out.moec) written by
                         `moec compile`; its packed weights lie beside it

options:
  --prompt-ids IDS       comma-separated prompt token ids, e.g. 1,2,3
                         (non-negative integers, at least one)
  --max-new-tokens N     most tokens to generate (non-negative integer)
  --device cpu|cuda|emulator
                         where to run (default: cpu; this build runs CPU
                         artifacts only); emulator is the cuda device on
                         moec's emulating driver ($MOEC_EMULATOR_LIBCUDA,
                         else lib/emulator/libcuda.so.1 of this build)
  --temperature T        sampling temperature, >= 0 (default: 0, greedy)
  --top-p P              nucleus sampling mass in (0, 1] (default: 1, off)
  --seed S               random seed for sampling, a non-negative integer
                         (default: 0)
  --dump-logits FILE     write the prompt's logits to FILE as a NumPy .npy
                         array (float32, shape (prompt length, vocab))
  -h, --help             print this help and exit
  --version              print the version and exit

Output (stdout): "generated: 5,9,2" (the ids appear as they are generated),
then "prefill: N tokens in S s (R tokens/s); decode: N tokens in S s
(R tokens/s)" on one line, then "stop: stop token", "stop: max new tokens"
or "stop: context full". Loading progress goes to stderr if it is a terminal.

Options take their value as the next argument or after '=' (--seed=7).
Exit status: 0 on success, 1 if loading or running fails, 2 on usage errors.
)txt";

namespace {
/// The parsed command line.
struct Options {
  std::string artifact;
  std::vector<int64_t> promptIds;
  int64_t maxNewTokens = -1;
  std::string device = "cpu";
  uint64_t seed = 0;
  float temperature = 0.0f;
  float topP = 1.0f;
  std::string dumpLogits;
  bool help = false;
  bool version = false;
};
} // namespace

/// Parses a non-negative decimal integer no larger than `max`. On failure
/// the message is a predicate to put after the value ("is empty", "is not a
/// non-negative integer", "is out of range (the maximum is N)").
static absl::StatusOr<uint64_t> parseNonNegative(std::string_view text,
                                                 uint64_t max) {
  if (text.empty())
    return absl::InvalidArgumentError("is empty");
  for (char c : text)
    if (c < '0' || c > '9')
      return absl::InvalidArgumentError("is not a non-negative integer");
  uint64_t value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max)
    return absl::InvalidArgumentError(
        strCat("is out of range (the maximum is ", max, ")"));
  return value;
}

/// Parses the value of option `name` as a non-negative integer up to `max`,
/// with an error naming the option and the value.
static absl::StatusOr<uint64_t>
parseIntOption(std::string_view name, std::string_view text, uint64_t max) {
  absl::StatusOr<uint64_t> value = parseNonNegative(text, max);
  if (!value.ok())
    return absl::InvalidArgumentError(
        strCat(name, ": '", text, "' ", value.status().message()));
  return value;
}

/// Parses the value of option `name` as a finite float in [min, max]
/// (excluding min when `minExclusive`), with an error naming the option.
static absl::StatusOr<float> parseFloatOption(std::string_view name,
                                              std::string_view text, float min,
                                              bool minExclusive, float max) {
  float value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(),
                                      value, std::chars_format::general);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size() || !std::isfinite(value))
    return absl::InvalidArgumentError(
        strCat(name, ": '", text, "' is not a number"));
  if (value < min || (minExclusive && value == min) || value > max)
    return absl::InvalidArgumentError(strCat(name, ": ", text, " is outside ",
                                             minExclusive ? "(" : "[", min,
                                             ", ", max, "]"));
  return value;
}

/// Splits `text` at every ',' ("1,,2" gives three elements, the middle one
/// empty).
static std::vector<std::string_view> splitOnCommas(std::string_view text) {
  std::vector<std::string_view> elements;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    elements.push_back(text.substr(start, comma - start));
    if (comma == std::string_view::npos)
      return elements;
    start = comma + 1;
  }
}

/// Parses --prompt-ids: comma-separated token ids, each a non-negative
/// integer that fits in int32 (token ids index the vocabulary).
static absl::StatusOr<std::vector<int64_t>>
parsePromptIds(std::string_view text) {
  if (text.empty())
    return absl::InvalidArgumentError(
        "--prompt-ids needs at least one token id, e.g. --prompt-ids 1,2,3");
  std::vector<int64_t> ids;
  std::vector<std::string_view> elements = splitOnCommas(text);
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StatusOr<uint64_t> id = parseNonNegative(
        elements[i], uint64_t(std::numeric_limits<int32_t>::max()));
    if (!id.ok())
      return absl::InvalidArgumentError(strCat(
          "--prompt-ids: element ", i + 1, " of ", elements.size(), " ('",
          elements[i], "') ", id.status().message(),
          "; expected comma-separated non-negative integers such as 1,2,3"));
    ids.push_back(static_cast<int64_t>(*id));
  }
  return ids;
}

/// Stores the value of option `name` into `options`.
static absl::Status applyOption(std::string_view name, std::string_view value,
                                Options &options) {
  if (name == "--prompt-ids") {
    absl::StatusOr<std::vector<int64_t>> ids = parsePromptIds(value);
    if (!ids.ok())
      return ids.status();
    options.promptIds = *std::move(ids);
  } else if (name == "--max-new-tokens") {
    absl::StatusOr<uint64_t> n = parseIntOption(
        name, value, uint64_t(std::numeric_limits<int32_t>::max()));
    if (!n.ok())
      return n.status();
    options.maxNewTokens = static_cast<int64_t>(*n);
  } else if (name == "--device") {
    if (value != "cpu" && value != "cuda" && value != "emulator")
      return absl::InvalidArgumentError(
          strCat("--device: unknown device '", value,
                 "' (expected cpu or cuda); emulator runs the cuda device on "
                 "moec's emulating driver"));
    options.device = std::string(value);
  } else if (name == "--temperature" || name == "--top-p") {
    bool temperature = name == "--temperature";
    absl::StatusOr<float> v =
        temperature ? parseFloatOption(name, value, 0.0f, false,
                                       std::numeric_limits<float>::max())
                    : parseFloatOption(name, value, 0.0f, true, 1.0f);
    if (!v.ok())
      return v.status();
    (temperature ? options.temperature : options.topP) = *v;
  } else if (name == "--dump-logits") {
    if (value.empty())
      return absl::InvalidArgumentError(
          "--dump-logits: the file name is empty");
    options.dumpLogits = std::string(value);
  } else {
    absl::StatusOr<uint64_t> seed =
        parseIntOption(name, value, std::numeric_limits<uint64_t>::max());
    if (!seed.ok())
      return seed.status();
    options.seed = *seed;
  }
  return absl::OkStatus();
}

/// Returns true for the options that take a value.
static bool takesValue(std::string_view name) {
  return name == "--prompt-ids" || name == "--max-new-tokens" ||
         name == "--device" || name == "--seed" || name == "--temperature" ||
         name == "--top-p" || name == "--dump-logits";
}

/// Handles one option argument at args[i], consuming its value (which may
/// be the next argument). `seen` records options already given.
static absl::Status parseOption(const std::vector<std::string_view> &args,
                                size_t &i, std::vector<std::string_view> &seen,
                                Options &options) {
  std::string_view arg = args[i];
  if (arg == "-h" || arg == "--help" || arg == "--version") {
    (arg == "--version" ? options.version : options.help) = true;
    return absl::OkStatus();
  }
  size_t equals = arg.find('=');
  std::string_view name = arg.substr(0, equals);
  if (name == "--help" || name == "--version")
    return absl::InvalidArgumentError(
        strCat("option '", name, "' takes no value"));
  if (!takesValue(name))
    return absl::InvalidArgumentError(strCat("unknown option '", name, "'"));
  for (std::string_view previous : seen)
    if (previous == name)
      return absl::InvalidArgumentError(
          strCat("option '", name, "' given more than once"));
  seen.push_back(name);
  if (equals != std::string_view::npos)
    return applyOption(name, arg.substr(equals + 1), options);
  if (i + 1 >= args.size())
    return absl::InvalidArgumentError(
        strCat("option '", name, "' needs a value"));
  return applyOption(name, args[++i], options);
}

/// Parses the whole command line (without argv[0]). Parsing stops at the
/// first --help or --version.
static absl::StatusOr<Options>
parseArgs(const std::vector<std::string_view> &args) {
  Options options;
  std::vector<std::string_view> seen, positionals;
  bool onlyPositionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!onlyPositionals && arg == "--") {
      onlyPositionals = true;
    } else if (onlyPositionals || arg.empty() || arg[0] != '-' || arg == "-") {
      positionals.push_back(arg);
    } else if (absl::Status status = parseOption(args, i, seen, options);
               !status.ok()) {
      return status;
    } else if (options.help || options.version) {
      return options;
    }
  }
  if (positionals.size() > 1)
    return absl::InvalidArgumentError(strCat(
        "expected one ARTIFACT, got ", positionals.size(), " arguments ('",
        positionals[0], "', '", positionals[1], "', ...)"));
  if (positionals.empty())
    return absl::InvalidArgumentError("missing ARTIFACT argument");
  options.artifact = std::string(positionals[0]);
  if (options.promptIds.empty())
    return absl::InvalidArgumentError("missing required option --prompt-ids");
  if (options.maxNewTokens < 0)
    return absl::InvalidArgumentError(
        "missing required option --max-new-tokens");
  return options;
}

/// Prints the new tokens on one "generated: a,b,c" line as they come.
class TokenPrinter {
public:
  bool operator()(int64_t token) {
    std::printf(count++ ? ",%lld" : "generated: %lld", (long long)token);
    std::fflush(stdout);
    return true;
  }
  /// Ends the line (printing "generated:" alone when there was no token).
  void finish() { std::puts(count ? "" : "generated:"); }

private:
  uint64_t count = 0;
};

/// Points the runtime's cuda device at the emulating driver: Session opens
/// the driver $MOEC_LIBCUDA names. Loading it here first gives the
/// emulator's own message when it is missing.
static absl::Status useEmulator() {
  absl::StatusOr<std::shared_ptr<const rt::CudaDriver>> emulator =
      rt::CudaDriver::loadEmulator();
  if (!emulator.ok())
    return absl::Status(
        emulator.status().code(),
        strCat("device emulator: ", emulator.status().message()));
  ::setenv(rt::CudaDriver::kLibraryEnvVar, (*emulator)->library().c_str(), 1);
  return absl::OkStatus();
}

/// Session's "device cuda: ..." errors, renamed for --device emulator.
static absl::Status renameDevice(const absl::Status &status,
                                 const std::string &device) {
  std::string message(status.message());
  const std::string kCuda = "device cuda: ";
  if (device != "emulator" || message.compare(0, kCuda.size(), kCuda) != 0)
    return status;
  return absl::Status(
      status.code(), strCat("device emulator: ", message.substr(kCuda.size())));
}

/// Loads the artifact and generates tokens.
static absl::Status run(const Options &options) {
  rt::SessionOptions sessionOptions;
  sessionOptions.device = options.device;
  if (options.device == "emulator") {
    if (absl::Status s = useEmulator(); !s.ok())
      return s;
    sessionOptions.device = "cuda";
  }
  absl::StatusOr<std::unique_ptr<rt::Session>> session =
      rt::Session::open(options.artifact, sessionOptions);
  if (!session.ok())
    return renameDevice(session.status(), options.device);
  rt::GenerateOptions generate;
  generate.maxNewTokens = uint64_t(options.maxNewTokens);
  generate.sampling.temperature = options.temperature;
  generate.sampling.topP = options.topP;
  generate.seed = options.seed;
  generate.keepPrefillLogits = !options.dumpLogits.empty();
  TokenPrinter printer;
  generate.onToken = [&printer](int64_t token) { return printer(token); };
  absl::StatusOr<rt::GenerateResult> result =
      (*session)->generate(options.promptIds, generate);
  printer.finish();
  if (!result.ok())
    return result.status();
  if (!options.dumpLogits.empty()) {
    int64_t rows = int64_t(options.promptIds.size());
    int64_t vocab = int64_t((*session)->vocabSize());
    if (absl::Status s = rt::writeNpyF32(options.dumpLogits,
                                         result->prefillLogits, {rows, vocab});
        !s.ok())
      return s;
  }
  std::printf("prefill: %llu tokens in %.3f s (%.1f tokens/s); decode: %llu "
              "tokens in %.3f s (%.1f tokens/s)\n",
              (unsigned long long)result->prefillTokens, result->prefillSeconds,
              result->prefillTokensPerSecond(),
              (unsigned long long)result->decodeTokens, result->decodeSeconds,
              result->decodeTokensPerSecond());
  std::printf("stop: %s\n",
              std::string(rt::stopReasonName(result->stopReason)).c_str());
  return absl::OkStatus();
}

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  absl::StatusOr<Options> options = parseArgs(args);
  if (!options.ok()) {
    std::fprintf(stderr,
                 "moec-run: error: %s\nRun 'moec-run --help' for usage.\n",
                 std::string(options.status().message()).c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(std::string(kUsage).c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("moec-run %s\n", MOEC_VERSION_STRING);
    return 0;
  }
  if (absl::Status status = run(*options); !status.ok()) {
    std::fprintf(stderr, "moec-run: error: %s\n",
                 std::string(status.message()).c_str());
    return kExitFailure;
  }
  return 0;
}
