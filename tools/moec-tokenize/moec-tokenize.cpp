//===- moec-tokenize.cpp - The runtime's tokenizer on its own -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the moec-tokenize command line: it loads a Hugging
// Face tokenizer.json with the runtime's Tokenizer and either encodes all of
// standard input and prints the ids, or answers JSON lines (--jsonl) with
// the encodings and decodings that the tokenizer test kit records, so that
// the runtime can be compared with Hugging Face from the shell.
//
// Exit codes: 0 success, 1 failure (or any --jsonl line in error), 2 usage
// error.
//
//===----------------------------------------------------------------------===//

#include "JsonLines.h"

#include "runtime/File.h"
#include "runtime/OutOfMemory.h"
#include "runtime/StringUtil.h"
#include "runtime/Version.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using moec::runtime::strCat;
namespace rt = moec::runtime;

/// Exit code for a failure while loading or tokenizing.
static constexpr int kExitFailure = 1;
/// Exit code for a malformed command line.
static constexpr int kExitUsage = 2;

/// The --help text.
static constexpr std::string_view kUsage =
    R"txt(usage: moec-tokenize TOKENIZER [--jsonl] [options]

Runs the moec runtime's tokenizer on its own. TOKENIZER is a Hugging Face
tokenizer.json of Llama 4's kind (byte-level BPE), or the folder holding it.

Without --jsonl: encodes all of standard input (UTF-8) as one text and
prints the token ids on one line, separated by commas.

With --jsonl: reads one JSON object per line from standard input and writes
one JSON object per line to standard output:
  {"text": T}          -> {"ids", "ids_with_bos", "ids_specials_as_text",
                           "decoded", "decoded_skip_special"}: encode(T)
                          without and with special tokens added, encode(T)
                          with special-token text kept as text, and
                          decode(ids) without and with special tokens
  {"messages": [...]}  -> {"rendered", "ids"}: the conversation rendered
                          with the chat template of TOKENIZER's folder
                          (tokenizer_config.json), and its encoding; also
                          reads "tools", "template_kwargs" and
                          "add_generation_prompt"
An "id" member is copied to the answer. A line that cannot be answered gets
{"error": "line N: ..."}; the exit status is then 1. Empty lines are
skipped.

options:
  --jsonl                 JSON-lines mode (above)
  --add-special-tokens    without --jsonl: add the post-processor's special
                          tokens (Llama 4: <|begin_of_text|> first)
  --specials-as-text      without --jsonl: encode special-token text such
                          as <|eot|> as plain text
  --decode                the other way: standard input holds token ids
                          separated by commas (or whitespace); prints their
                          text, special tokens left out, as moec-run does
  -h, --help              print this help and exit
  --version               print the version and exit

Exit status: 0 on success, 1 if loading or tokenizing fails, 2 on usage
errors.
)txt";

namespace {
/// The parsed command line.
struct Options {
  std::string tokenizer;
  bool jsonl = false;
  bool addSpecialTokens = false;
  bool specialsAsText = false;
  bool decode = false;
  bool help = false;
  bool version = false;
};
} // namespace

/// Parses the command line (without argv[0]); stops at --help/--version.
static absl::StatusOr<Options>
parseArgs(const std::vector<std::string_view> &args) {
  Options options;
  std::vector<std::string_view> positional;
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg == "--version") {
      options.version = true;
      return options;
    }
    bool *flag = arg == "--jsonl"                ? &options.jsonl
                 : arg == "--add-special-tokens" ? &options.addSpecialTokens
                 : arg == "--specials-as-text"   ? &options.specialsAsText
                 : arg == "--decode"             ? &options.decode
                                                 : nullptr;
    if (flag) {
      if (*flag)
        return absl::InvalidArgumentError(
            strCat("option '", arg, "' given more than once"));
      *flag = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(strCat("unknown option '", arg, "'"));
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty())
    return absl::InvalidArgumentError("missing TOKENIZER argument");
  if (positional.size() > 1)
    return absl::InvalidArgumentError(strCat("expected one TOKENIZER, got ",
                                             positional.size(), " arguments"));
  if (options.jsonl && (options.addSpecialTokens || options.specialsAsText))
    return absl::InvalidArgumentError(
        "--add-special-tokens and --specials-as-text apply without --jsonl "
        "only (--jsonl answers with every variant)");
  if (options.decode &&
      (options.jsonl || options.addSpecialTokens || options.specialsAsText))
    return absl::InvalidArgumentError(
        "--decode takes no other mode or encoding option");
  options.tokenizer = std::string(positional.front());
  return options;
}

/// Reads all of standard input.
static std::string readStdin() {
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0)
    text.append(buffer, n);
  return text;
}

/// Encodes standard input and prints the ids.
static absl::Status runPlain(const rt::Tokenizer &tokenizer,
                             const Options &options) {
  absl::StatusOr<std::vector<int64_t>> ids = tokenizer.encode(
      readStdin(), options.addSpecialTokens, !options.specialsAsText);
  if (!ids.ok())
    return ids.status();
  std::string line;
  for (size_t i = 0; i < ids->size(); ++i)
    line += (i ? "," : "") + std::to_string((*ids)[i]);
  std::printf("%s\n", line.c_str());
  return absl::OkStatus();
}

/// Decodes the token ids on standard input and prints their text.
static absl::Status runDecode(const rt::Tokenizer &tokenizer) {
  std::string input = readStdin();
  std::vector<int64_t> ids;
  size_t i = 0;
  while (i < input.size()) {
    char c = input[i];
    if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    size_t end = input.find_first_of(", \n\t\r", i);
    std::string_view word(input.data() + i,
                          (end == std::string::npos ? input.size() : end) - i);
    int64_t id = 0;
    auto [ptr, ec] =
        std::from_chars(word.data(), word.data() + word.size(), id);
    if (ec != std::errc() || ptr != word.data() + word.size() || id < 0)
      return absl::InvalidArgumentError(
          strCat("--decode: '", word, "' is not a token id"));
    ids.push_back(id);
    i += word.size();
  }
  std::string text = tokenizer.decode(ids, /*skipSpecialTokens=*/true);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  return absl::OkStatus();
}

/// Answers each line of standard input; fails if any line was an error.
static absl::Status runJsonLines(const rt::Tokenizer &tokenizer,
                                 const Options &options) {
  char *buffer = nullptr;
  size_t capacity = 0;
  size_t lineNumber = 0, errors = 0;
  ssize_t length;
  while ((length = getline(&buffer, &capacity, stdin)) >= 0) {
    ++lineNumber;
    std::string_view line(buffer, static_cast<size_t>(length));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    moec::tools::JsonLineAnswer answer = moec::tools::answerJsonLine(
        tokenizer, options.tokenizer, line, lineNumber);
    errors += answer.isError;
    std::fwrite(answer.json.data(), 1, answer.json.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  std::free(buffer);
  if (errors)
    return absl::InvalidArgumentError(
        strCat(errors, " of ", lineNumber, " input lines were in error"));
  return absl::OkStatus();
}

static int runMain(int argc, char **argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  absl::StatusOr<Options> options = parseArgs(args);
  if (!options.ok()) {
    std::fprintf(stderr,
                 "moec-tokenize: error: %s\nRun 'moec-tokenize --help' for "
                 "usage.\n",
                 std::string(options.status().message()).c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(std::string(kUsage).c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("moec-tokenize %s\n", MOEC_VERSION_STRING);
    return 0;
  }
  absl::StatusOr<rt::Tokenizer> tokenizer =
      rt::Tokenizer::load(options->tokenizer);
  absl::Status status = tokenizer.status();
  if (status.ok())
    status = options->jsonl    ? runJsonLines(*tokenizer, *options)
             : options->decode ? runDecode(*tokenizer)
                               : runPlain(*tokenizer, *options);
  if (!status.ok()) {
    std::fprintf(stderr, "moec-tokenize: error: %s\n",
                 std::string(status.message()).c_str());
    return kExitFailure;
  }
  return 0;
}

int main(int argc, char **argv) {
  moec::runtime::exitCleanlyOnOutOfMemory("moec-tokenize");
  // Lost output is a failure even when the work succeeded.
  return rt::exitCodeAfterFlushingStdout("moec-tokenize", runMain(argc, argv));
}
