//===- ChatTemplate.cpp - Chat templates (a Jinja subset) -----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/ChatTemplate.h"

#include "runtime/chat/Error.h"
#include "runtime/chat/Interpreter.h"
#include "runtime/chat/Lexer.h"
#include "runtime/chat/Parser.h"

#include "runtime/StringUtil.h"

namespace moec::runtime {

ChatTemplate::ChatTemplate(std::shared_ptr<const jinja::TemplateAst> ast)
    : ast(std::move(ast)) {}

absl::StatusOr<ChatTemplate>
ChatTemplate::parse(std::string_view source,
                    const TemplateSyntaxOptions &syntax) {
  jinja::LexerOptions lexerOptions;
  lexerOptions.trimBlocks = syntax.trimBlocks;
  lexerOptions.lstripBlocks = syntax.lstripBlocks;
  MOEC_JINJA_ASSIGN_OR_RETURN(std::vector<jinja::Token> tokens,
                              jinja::tokenize(source, lexerOptions));
  MOEC_JINJA_ASSIGN_OR_RETURN(jinja::TemplateAst ast,
                              jinja::parseTemplate(std::move(tokens)));
  return ChatTemplate(
      std::make_shared<const jinja::TemplateAst>(std::move(ast)));
}

absl::StatusOr<std::string>
ChatTemplate::render(const JsonValue &context,
                     const RenderOptions &options) const {
  jinja::Interpreter interpreter(options);
  return interpreter.render(*ast, context);
}

absl::StatusOr<JsonValue> makeChatContext(const ChatRequest &request,
                                          const ChatSpecialTokens &tokens) {
  if (!request.messages.isArray())
    return absl::InvalidArgumentError(
        strCat("chat messages must be a JSON array, got ",
               jsonKindName(request.messages.kind())));
  if (!request.tools.isArray() && !request.tools.isNull())
    return absl::InvalidArgumentError(
        strCat("chat tools must be a JSON array or null, got ",
               jsonKindName(request.tools.kind())));
  if (!request.extraVariables.isObject() && !request.extraVariables.isNull())
    return absl::InvalidArgumentError(
        strCat("extra chat template variables must be a JSON object or "
               "null, got ",
               jsonKindName(request.extraVariables.kind())));
  JsonValue::Object context;
  // Later members replace earlier ones of the same name, so that extra
  // variables override the defaults as apply_chat_template's kwargs do.
  auto set = [&context](std::string name, JsonValue value) {
    for (JsonMember &member : context) {
      if (member.key == name) {
        member.value = std::move(value);
        return;
      }
    }
    context.push_back({std::move(name), std::move(value)});
  };
  set("messages", request.messages);
  set("tools", request.tools);
  set("documents", JsonValue());
  set("add_generation_prompt", JsonValue(request.addGenerationPrompt));
  const std::pair<const char *, const std::optional<std::string> *> special[] =
      {{"bos_token", &tokens.bosToken},  {"eos_token", &tokens.eosToken},
       {"unk_token", &tokens.unkToken},  {"sep_token", &tokens.sepToken},
       {"pad_token", &tokens.padToken},  {"cls_token", &tokens.clsToken},
       {"mask_token", &tokens.maskToken}};
  for (const auto &[name, value] : special)
    if (*value)
      set(name, JsonValue(**value));
  if (const JsonValue::Object *extra = request.extraVariables.asObject())
    for (const JsonMember &member : *extra)
      set(member.key, member.value);
  return JsonValue(std::move(context));
}

absl::StatusOr<std::string> applyChatTemplate(const ChatTemplate &chatTemplate,
                                              const ChatRequest &request,
                                              const ChatSpecialTokens &tokens,
                                              const RenderOptions &options) {
  MOEC_JINJA_ASSIGN_OR_RETURN(JsonValue context,
                              makeChatContext(request, tokens));
  return chatTemplate.render(context, options);
}

} // namespace moec::runtime
