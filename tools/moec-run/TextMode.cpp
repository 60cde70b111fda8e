//===- TextMode.cpp - moec-run's text in, text out ------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-run/TextMode.h"

#include "runtime/Json.h"
#include "runtime/StringUtil.h"
#include "runtime/text/ArtifactText.h"

#include <algorithm>
#include <iostream>
#include <unistd.h>

namespace moec::run {
namespace rt = ::moec::runtime;
using rt::strCat;

namespace {

//===----------------------------------------------------------------------===//
// The tokenizer and chat template
//===----------------------------------------------------------------------===//

struct TextAssets {
  std::optional<rt::Tokenizer> tokenizer;
  std::optional<rt::ChatTemplate> chatTemplate;
  rt::ChatSpecialTokens specialTokens;
};

/// `status` with what to do about it appended.
absl::Status withAdvice(const absl::Status &status, std::string_view advice) {
  return absl::Status(status.code(), strCat(status.message(), ": ", advice));
}

absl::StatusOr<TextAssets> loadAssets(const rt::Session &session,
                                      const TextOptions &options) {
  TextAssets assets;
  absl::StatusOr<rt::Tokenizer> tokenizer =
      rt::loadArtifactTokenizer(session.artifact(), options.tokenizerDir);
  if (absl::IsFailedPrecondition(tokenizer.status()))
    return withAdvice(tokenizer.status(),
                      "pass --tokenizer DIR, or give token ids with "
                      "--prompt-ids");
  if (!tokenizer.ok())
    return tokenizer.status();
  assets.tokenizer = *std::move(tokenizer);
  if (!options.chat)
    return assets;
  absl::StatusOr<rt::ChatTemplateConfig> config =
      rt::loadArtifactChatConfig(session.artifact(), options.tokenizerDir);
  if (absl::IsFailedPrecondition(config.status()))
    return withAdvice(config.status(), "pass --tokenizer DIR, or use --prompt");
  if (!config.ok())
    return config.status();
  absl::StatusOr<rt::ChatTemplate> parsed =
      rt::ChatTemplate::parse(config->templateSource);
  if (!parsed.ok())
    return parsed.status();
  assets.chatTemplate = *std::move(parsed);
  assets.specialTokens = config->specialTokens;
  return assets;
}

/// The artifact's text stop tokens and --stop-ids.
std::vector<int32_t> stopTokenIds(const rt::Session &session,
                                  const rt::Tokenizer &tokenizer,
                                  const TextOptions &options) {
  std::vector<int32_t> ids =
      rt::textStopTokenIds(session.artifact().config(), tokenizer);
  ids.insert(ids.end(), options.stopIds.begin(), options.stopIds.end());
  return ids;
}

/// Encodes `text`; every id must index the model's embedding.
absl::StatusOr<std::vector<int64_t>> encodeFor(const rt::Session &session,
                                               const rt::Tokenizer &tokenizer,
                                               std::string_view text,
                                               bool addSpecialTokens) {
  absl::StatusOr<std::vector<int64_t>> ids =
      tokenizer.encode(text, addSpecialTokens);
  if (!ids.ok())
    return ids.status();
  for (int64_t id : *ids)
    if (id < 0 || id >= int64_t(session.vocabSize()))
      return absl::InvalidArgumentError(
          strCat("the tokenizer gives token id ", id, " ('",
                 tokenizer.tokenText(id).value_or("?"),
                 "'), outside the model's vocabulary of ", session.vocabSize(),
                 " entries: the tokenizer does not belong to this model"));
  if (ids->empty())
    return absl::InvalidArgumentError("the prompt encodes to no tokens");
  return ids;
}

//===----------------------------------------------------------------------===//
// Generation
//===----------------------------------------------------------------------===//

struct TurnResult {
  rt::GenerateResult result;
  /// The text printed (without the stop string).
  std::string text;
  bool stoppedByString = false;
};

/// Generates after `prompt`, printing decoded text to `out` as it comes.
absl::StatusOr<TurnResult>
generateText(rt::Session &session, const TextAssets &assets,
             const TextOptions &options, rt::GenerateOptions generate,
             absl::Span<const int64_t> prompt, std::FILE *out) {
  TurnResult turn;
  rt::StreamingDecoder decoder(*assets.tokenizer, /*skipSpecialTokens=*/true);
  rt::StopStringFilter filter(options.stopStrings);
  auto print = [&](const std::string &text) {
    turn.text += text;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  };
  generate.stopTokenIds = stopTokenIds(session, *assets.tokenizer, options);
  generate.onToken = [&](int64_t token) {
    print(filter.push(decoder.feed(token)));
    return !filter.stopped();
  };
  absl::StatusOr<rt::GenerateResult> result =
      session.generate(prompt, generate);
  if (!filter.stopped())
    print(filter.push(decoder.finish()) + filter.flush());
  std::fputc('\n', out);
  std::fflush(out);
  if (!result.ok())
    return result.status();
  turn.result = *std::move(result);
  turn.stoppedByString = filter.stopped();
  return turn;
}

void logTurn(const TurnResult &turn, std::FILE *log) {
  const rt::GenerateResult &r = turn.result;
  std::fprintf(log,
               "prefill: %llu tokens in %.3f s (%.1f tokens/s); decode: %llu "
               "tokens in %.3f s (%.1f tokens/s)\nstop: %s\n",
               (unsigned long long)r.prefillTokens, r.prefillSeconds,
               r.prefillTokensPerSecond(), (unsigned long long)r.decodeTokens,
               r.decodeSeconds, r.decodeTokensPerSecond(),
               turn.stoppedByString
                   ? "stop string"
                   : std::string(rt::stopReasonName(r.stopReason)).c_str());
}

//===----------------------------------------------------------------------===//
// Chat
//===----------------------------------------------------------------------===//

rt::JsonValue message(std::string role, std::string content) {
  rt::JsonValue::Object object;
  object.push_back({"role", rt::JsonValue(std::move(role))});
  object.push_back({"content", rt::JsonValue(std::move(content))});
  return rt::JsonValue(std::move(object));
}

/// A conversation and the tokens its KV cache holds.
class Conversation {
public:
  Conversation(rt::Session &session, const TextAssets &assets,
               const TextOptions &options, const rt::GenerateOptions &generate)
      : session(session), assets(assets), options(options), generate(generate) {
    restart();
  }

  /// Runs one user turn, printing the reply.
  absl::StatusOr<TurnResult> turn(std::string user, std::FILE *out) {
    messages.push_back(message("user", std::move(user)));
    rt::ChatRequest request;
    request.messages = rt::JsonValue(messages);
    request.addGenerationPrompt = true;
    absl::StatusOr<std::string> rendered = rt::applyChatTemplate(
        *assets.chatTemplate, request, assets.specialTokens);
    if (!rendered.ok())
      return rendered.status();
    // The rendering carries the template's own special tokens (bos).
    absl::StatusOr<std::vector<int64_t>> ids =
        encodeFor(session, *assets.tokenizer, *rendered, false);
    if (!ids.ok())
      return ids.status();
    // Reuse the KV cache when it holds a prefix of the new prompt;
    // otherwise (the template re-rendered the past differently) start over.
    bool prefix = cached.size() < ids->size() &&
                  std::equal(cached.begin(), cached.end(), ids->begin());
    if (!prefix) {
      session.reset();
      cached.clear();
    }
    std::vector<int64_t> fresh(ids->begin() + cached.size(), ids->end());
    absl::StatusOr<TurnResult> turn =
        generateText(session, assets, options, generate, fresh, out);
    if (!turn.ok())
      return turn.status();
    cached.insert(cached.end(), fresh.begin(), fresh.end());
    // Every generated token but the last was fed back into the cache.
    const std::vector<int64_t> &tokens = turn->result.tokens;
    if (!tokens.empty())
      cached.insert(cached.end(), tokens.begin(), tokens.end() - 1);
    messages.push_back(message("assistant", turn->text));
    return turn;
  }

  /// Forgets the conversation (keeping the system message).
  void restart() {
    messages.clear();
    if (options.system)
      messages.push_back(message("system", *options.system));
    session.reset();
    cached.clear();
  }

private:
  rt::Session &session;
  const TextAssets &assets;
  const TextOptions &options;
  rt::GenerateOptions generate;
  rt::JsonValue::Array messages;
  std::vector<int64_t> cached;
};

/// Reads user turns from stdin: a REPL on a terminal (/reset, /exit),
/// otherwise one turn per line.
absl::Status chatFromStdin(Conversation &conversation, std::FILE *out,
                           std::FILE *log) {
  bool interactive = isatty(STDIN_FILENO);
  if (interactive)
    std::fprintf(log, "moec-run chat: type a message; /reset starts over, "
                      "/exit or end of input quits\n");
  std::string line;
  while (true) {
    if (interactive) {
      std::fputs("> ", log);
      std::fflush(log);
    }
    if (!std::getline(std::cin, line))
      break;
    if (line == "/exit")
      break;
    if (line == "/reset") {
      conversation.restart();
      continue;
    }
    if (line.empty())
      continue;
    absl::StatusOr<TurnResult> turn = conversation.turn(line, out);
    if (!turn.ok())
      return turn.status();
    if (!interactive)
      logTurn(*turn, log);
    if (turn->result.stopReason == rt::StopReason::ContextFull)
      return absl::ResourceExhaustedError(
          "the conversation fills the context: /reset to start over");
  }
  return absl::OkStatus();
}

} // namespace

absl::Status runTextMode(rt::Session &session, const TextOptions &options,
                         const rt::GenerateOptions &generate, std::FILE *out,
                         std::FILE *log) {
  absl::StatusOr<TextAssets> assets = loadAssets(session, options);
  if (!assets.ok())
    return assets.status();
  if (options.chat) {
    Conversation conversation(session, *assets, options, generate);
    if (!options.prompt)
      return chatFromStdin(conversation, out, log);
    absl::StatusOr<TurnResult> turn = conversation.turn(*options.prompt, out);
    if (!turn.ok())
      return turn.status();
    logTurn(*turn, log);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<int64_t>> ids =
      encodeFor(session, *assets->tokenizer, *options.prompt, true);
  if (!ids.ok())
    return ids.status();
  absl::StatusOr<TurnResult> turn =
      generateText(session, *assets, options, generate, *ids, out);
  if (!turn.ok())
    return turn.status();
  logTurn(*turn, log);
  return absl::OkStatus();
}

} // namespace moec::run
