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
#include "runtime/File.h"
#include "runtime/Npy.h"
#include "runtime/OutOfMemory.h"
#include "runtime/Session.h"
#include "runtime/StringUtil.h"
#include "runtime/Version.h"
#include "tools/moec-run/TextMode.h"

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
/// --max-new-tokens when text is generated and it is not given.
static constexpr int64_t kDefaultTextTokens = 256;

/// The --help text.
static constexpr std::string_view kUsage =
    R"txt(usage: moec-run ARTIFACT --prompt-ids IDS --max-new-tokens N [options]
       moec-run ARTIFACT --prompt TEXT [options]
       moec-run ARTIFACT --chat [--system TEXT] [--prompt TEXT] [options]

Runs a compiled moec artifact: prefill over the prompt, then one decode step
per new token with a KV cache. Generation stops after a stop token of the
model (eos_token_ids, stop_token_ids; it is printed) or N new tokens.

arguments:
  ARTIFACT               the compiled artifact (out.moec) written by
                         `moec compile`; its packed weights lie beside it.
                         An artifact is executable code: run only artifacts
                         you trust as you would a program. moec-run checks
                         the SHA-256 of the artifact and of its packed
                         weights, the CPU's features, the metadata against
                         the ABI the code was compiled for, and that entry
                         symbols lie in the artifact's own code; a hash
                         catches corruption and accidental edits, not a
                         malicious author (there is no signature)

input (one of):
  --prompt-ids IDS       comma-separated prompt token ids, e.g. 1,2,3
                         (non-negative integers, at least one)
  --prompt TEXT          text, encoded with the tokenizer the artifact
                         carries (from the checkpoint's tokenizer.json) with
                         <|begin_of_text|> first
  --chat                 a conversation through the chat template of the
                         checkpoint's tokenizer_config.json: with --prompt,
                         one user turn; otherwise user turns from stdin, one
                         per line (a REPL on a terminal: /reset, /exit); the
                         KV cache is kept across turns

options:
  --max-new-tokens N     most tokens to generate (non-negative integer;
                         default 256 with --prompt or --chat)
  --system TEXT          the system message (with --chat)
  --stop STRING          end generation where the text contains STRING (not
                         printed); repeatable (--prompt, --chat)
  --stop-ids IDS         more token ids that end generation
  --tokenizer DIR        use DIR's tokenizer.json and tokenizer_config.json
                         instead of the artifact's
  --device cpu|cuda|emulator
                         where to run (default: cpu; this build runs CPU
                         artifacts only); emulator is the cuda device on
                         moec's emulating driver ($MOEC_EMULATOR_LIBCUDA,
                         else lib/emulator/libcuda.so.1 of this build)
  --temperature T        sampling temperature, >= 0 (default: 0, greedy)
  --top-p P              nucleus sampling mass in (0, 1] (default: 1, off)
  --seed S               random seed for sampling, a non-negative integer
                         (default: 0)
  --no-verify-weights    skip the SHA-256 check of the packed weights
                         (trusted local files; also MOEC_NO_VERIFY_WEIGHTS=1)
  --dump-logits FILE     write the prompt's logits to FILE as a NumPy .npy
                         array (float32, shape (prompt length, vocab));
                         with --prompt-ids
  -h, --help             print this help and exit
  --version              print the version and exit

Output with --prompt-ids (stdout): "generated: 5,9,2" (the ids appear as
they are generated), then "prefill: N tokens in S s (R tokens/s); decode: N
tokens in S s (R tokens/s)" on one line, then "stop: stop token", "stop: max
new tokens" or "stop: context full". With --prompt and --chat, stdout gets
the generated text as it is decoded (special tokens not shown, a newline
after each reply) and stderr the timing and stop lines ("stop: stop
string" too); the end-of-turn tokens <|eot|> and <|eom|> also stop. Loading
progress goes to stderr if it is a terminal.

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
  moec::run::TextOptions text;
  bool verifyWeights = true;
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

/// Parses the value of `option` (--prompt-ids, --stop-ids): comma-separated
/// token ids, each a non-negative integer that fits in int32 (token ids
/// index the vocabulary).
static absl::StatusOr<std::vector<int64_t>>
parseTokenIds(std::string_view option, std::string_view text) {
  if (text.empty())
    return absl::InvalidArgumentError(strCat(option,
                                             " needs at least one token id, "
                                             "e.g. ",
                                             option, " 1,2,3"));
  std::vector<int64_t> ids;
  std::vector<std::string_view> elements = splitOnCommas(text);
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StatusOr<uint64_t> id = parseNonNegative(
        elements[i], uint64_t(std::numeric_limits<int32_t>::max()));
    if (!id.ok())
      return absl::InvalidArgumentError(strCat(
          option, ": element ", i + 1, " of ", elements.size(), " ('",
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
    absl::StatusOr<std::vector<int64_t>> ids = parseTokenIds(name, value);
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
  } else if (name == "--prompt") {
    options.text.prompt = std::string(value);
  } else if (name == "--system") {
    options.text.system = std::string(value);
  } else if (name == "--stop") {
    if (value.empty())
      return absl::InvalidArgumentError("--stop: the stop string is empty");
    options.text.stopStrings.emplace_back(value);
  } else if (name == "--stop-ids") {
    absl::StatusOr<std::vector<int64_t>> ids = parseTokenIds(name, value);
    if (!ids.ok())
      return ids.status();
    for (int64_t id : *ids) // each fits int32_t (parseTokenIds)
      options.text.stopIds.push_back(int32_t(id));
  } else if (name == "--tokenizer") {
    if (value.empty())
      return absl::InvalidArgumentError("--tokenizer: the folder is empty");
    options.text.tokenizerDir = std::string(value);
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
         name == "--top-p" || name == "--dump-logits" || name == "--prompt" ||
         name == "--system" || name == "--stop" || name == "--stop-ids" ||
         name == "--tokenizer";
}

/// Options that may be given more than once.
static bool repeatable(std::string_view name) { return name == "--stop"; }

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
  if (arg == "--no-verify-weights") {
    options.verifyWeights = false;
    return absl::OkStatus();
  }
  if (arg == "--chat") {
    if (options.text.chat)
      return absl::InvalidArgumentError("option '--chat' given more than once");
    options.text.chat = true;
    return absl::OkStatus();
  }
  size_t equals = arg.find('=');
  std::string_view name = arg.substr(0, equals);
  if (name == "--help" || name == "--version" || name == "--chat" ||
      name == "--no-verify-weights")
    return absl::InvalidArgumentError(
        strCat("option '", name, "' takes no value"));
  if (!takesValue(name))
    return absl::InvalidArgumentError(strCat("unknown option '", name, "'"));
  for (std::string_view previous : seen)
    if (previous == name && !repeatable(name))
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

/// Checks that the options pick one input: ids (--prompt-ids), text
/// (--prompt) or a conversation (--chat), and fit it.
static absl::StatusOr<Options> checkModes(Options options) {
  const moec::run::TextOptions &text = options.text;
  bool ids = !options.promptIds.empty();
  if (ids && (text.prompt || text.chat))
    return absl::InvalidArgumentError(
        "--prompt-ids cannot be combined with --prompt or --chat");
  if (!ids && !text.prompt && !text.chat)
    return absl::InvalidArgumentError(
        "missing input: give --prompt-ids IDS, --prompt TEXT or --chat");
  if (text.system && !text.chat)
    return absl::InvalidArgumentError("--system needs --chat");
  if (ids && (!text.stopStrings.empty() || !text.tokenizerDir.empty()))
    return absl::InvalidArgumentError(
        "--stop and --tokenizer apply to --prompt and --chat, not to "
        "--prompt-ids");
  if (!ids && !options.dumpLogits.empty())
    return absl::InvalidArgumentError("--dump-logits needs --prompt-ids");
  if (options.maxNewTokens < 0) {
    if (ids)
      return absl::InvalidArgumentError(
          "missing required option --max-new-tokens");
    options.maxNewTokens = kDefaultTextTokens;
  }
  return options;
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
  return checkModes(options);
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

/// The model's stop tokens and `extra`.
static std::vector<int32_t> stopTokenIdsWith(const rt::ModelConfig &config,
                                             std::vector<int32_t> extra) {
  extra.insert(extra.end(), config.eosTokenIds.begin(),
               config.eosTokenIds.end());
  extra.insert(extra.end(), config.stopTokenIds.begin(),
               config.stopTokenIds.end());
  return extra;
}

/// Loads the artifact and generates tokens.
static absl::Status run(const Options &options) {
  // A missing or unwritable folder is reported before the model runs.
  if (!options.dumpLogits.empty())
    if (absl::Status s = rt::checkOutputPath(options.dumpLogits); !s.ok())
      return s;
  rt::SessionOptions sessionOptions;
  sessionOptions.device = options.device;
  sessionOptions.verifyWeights = options.verifyWeights;
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
  if (options.promptIds.empty())
    return moec::run::runTextMode(**session, options.text, generate, stdout,
                                  stderr);
  if (!options.text.stopIds.empty())
    generate.stopTokenIds =
        stopTokenIdsWith((*session)->artifact().config(), options.text.stopIds);
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

static int runMain(int argc, char **argv) {
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

int main(int argc, char **argv) {
  moec::runtime::exitCleanlyOnOutOfMemory("moec-run");
  // Lost output is a failure even when the work succeeded.
  return rt::exitCodeAfterFlushingStdout("moec-run", runMain(argc, argv));
}
