//===- ChatTemplate.h - Chat templates (a Jinja subset) ---------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the runtime's chat templates: the Jinja templates that
// Hugging Face models ship (tokenizer_config.json's "chat_template") to turn a
// conversation into the prompt text the model was trained on.
//
// ChatTemplate interprets the subset of Jinja that real chat templates use,
// with Hugging Face's settings: trim_blocks and lstrip_blocks on, `tojson`
// as Python's json.dumps(ensure_ascii=False) (no HTML escaping, key order
// kept), and the globals raise_exception() and strftime_now(). The output is
// meant to be byte-identical to what transformers' apply_chat_template
// renders. Anything outside the subset is reported, with the template line
// and column, when the template is parsed or when the construct runs.
//
// Typical use:
//   auto config = loadChatTemplateConfig("/models/llama4");
//   auto tmpl = ChatTemplate::parse(config->templateSource);
//   ChatRequest request{messages, JsonValue(), /*addGenerationPrompt=*/true};
//   auto prompt = applyChatTemplate(*tmpl, request, config->specialTokens);
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_CHATTEMPLATE_H
#define MOEC_RUNTIME_CHAT_CHATTEMPLATE_H

#include "runtime/Json.h"

#include "absl/status/statusor.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace moec::runtime {

namespace jinja {
struct TemplateAst;
} // namespace jinja

/// A calendar date and time (no time zone), for a fixed strftime_now().
struct TemplateDateTime {
  int year = 1970;
  int month = 1; // 1-12
  int day = 1;   // 1-31
  int hour = 0;
  int minute = 0;
  int second = 0;
};

/// Settings of one render.
struct RenderOptions {
  /// The moment strftime_now() formats; the local clock when unset. Tests
  /// and reproducible prompts fix it.
  std::optional<TemplateDateTime> now;
};

/// Jinja environment settings that change how a template is tokenized.
/// Hugging Face renders chat templates with both on; the defaults match.
struct TemplateSyntaxOptions {
  /// Remove the first newline after a block tag (`%}`) or comment.
  bool trimBlocks = true;
  /// Remove spaces and tabs before a block tag or comment alone on a line.
  bool lstripBlocks = true;
};

/// A parsed chat template. Cheap to copy (the syntax tree is shared and
/// immutable); render() may be called from several threads at once.
class ChatTemplate {
public:
  /// Parses `source`. Syntax errors, unknown filters and tests, and
  /// statements outside the subset fail here with InvalidArgument (or
  /// Unimplemented for Jinja features the subset lacks) and a message such
  /// as "chat template:12:7: unknown filter 'frobnicate'".
  static absl::StatusOr<ChatTemplate>
  parse(std::string_view source, const TemplateSyntaxOptions &syntax = {});

  /// Renders the template. `context` must be an object; its members become
  /// the template's variables (for chat: messages, tools,
  /// add_generation_prompt, bos_token, ...; see applyChatTemplate). Errors
  /// name the template line and column; raise_exception("...") in the
  /// template gives InvalidArgument with "the template raised an exception:
  /// ..." and the template's message.
  absl::StatusOr<std::string> render(const JsonValue &context,
                                     const RenderOptions &options = {}) const;

private:
  explicit ChatTemplate(std::shared_ptr<const jinja::TemplateAst> ast);

  std::shared_ptr<const jinja::TemplateAst> ast;
};

/// The special tokens of a tokenizer, which templates see as the variables
/// bos_token, eos_token, ... (only those that are set).
struct ChatSpecialTokens {
  std::optional<std::string> bosToken;
  std::optional<std::string> eosToken;
  std::optional<std::string> unkToken;
  std::optional<std::string> sepToken;
  std::optional<std::string> padToken;
  std::optional<std::string> clsToken;
  std::optional<std::string> maskToken;
};

/// A conversation to render, as transformers' apply_chat_template takes it.
struct ChatRequest {
  /// An array of message objects ({"role": ..., "content": ...}, ...).
  JsonValue messages;
  /// An array of tool schemas, or null for none.
  JsonValue tools;
  /// Whether to end with the header of an assistant turn.
  bool addGenerationPrompt = false;
  /// An object of further template variables (apply_chat_template's
  /// keyword arguments, e.g. {"tools_in_user_message": false}), or null.
  /// They override the variables above of the same name.
  JsonValue extraVariables;
};

/// Returns the variables apply_chat_template passes to the template:
/// messages, tools, documents (null), add_generation_prompt, the special
/// tokens that are set, then `request.extraVariables`.
absl::StatusOr<JsonValue> makeChatContext(const ChatRequest &request,
                                          const ChatSpecialTokens &tokens);

/// Renders `request` with `chatTemplate`: render(makeChatContext(...)).
absl::StatusOr<std::string>
applyChatTemplate(const ChatTemplate &chatTemplate, const ChatRequest &request,
                  const ChatSpecialTokens &tokens,
                  const RenderOptions &options = {});

/// A chat template and the special tokens it is used with, as a model folder
/// stores them.
struct ChatTemplateConfig {
  std::string templateSource;
  ChatSpecialTokens specialTokens;
  /// The file the template was read from (for messages).
  std::string templatePath;
};

/// Reads a chat template and its special tokens. `path` is either a
/// tokenizer_config.json file or a model folder holding one; in a folder a
/// chat_template.jinja file (newer transformers) takes precedence over the
/// config's "chat_template", and a processor's chat_template.json is used
/// when the config has none. Where "chat_template" is a list of named
/// templates, `templateName` picks one. Special tokens may be strings or
/// {"content": ...} objects.
absl::StatusOr<ChatTemplateConfig>
loadChatTemplateConfig(const std::string &path,
                       std::string_view templateName = "default");

/// Same as loadChatTemplateConfig on the text of a tokenizer_config.json
/// (`name` stands for its path in messages) and, when given, of a
/// chat_template.jinja, which takes precedence: for files carried in an
/// artifact.
absl::StatusOr<ChatTemplateConfig>
parseChatTemplateConfig(std::string_view configJson, const std::string &name,
                        std::optional<std::string_view> jinjaSource = {},
                        std::string_view templateName = "default");

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CHAT_CHATTEMPLATE_H
