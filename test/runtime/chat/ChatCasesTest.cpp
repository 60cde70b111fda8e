//===- ChatCasesTest.cpp - The tokenizer kit's Llama 4 chat cases ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Renders every conversation of test/data/tokenizer/chat.jsonl with the Llama 4
// chat template of the kit's tokenizer_config.json, as transformers'
// apply_chat_template does, and compares with the "rendered" text that
// Hugging Face's Jinja produced, byte for byte.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "runtime/File.h"
#include "runtime/chat/ChatTemplate.h"

#include "gtest/gtest.h"

#include <sstream>

namespace moec::runtime {
namespace {

using test::messageOf;

/// One line of chat.jsonl.
struct ChatCase {
  std::string id;
  JsonValue record;
};

std::string dataPath(std::string_view name) {
  return joinPath(MOEC_CHAT_TEST_DATA_DIR, name);
}

/// Reads chat.jsonl; an unreadable file gives no cases, which the
/// CaseCount test reports.
std::vector<ChatCase> readChatCases() {
  std::vector<ChatCase> cases;
  absl::StatusOr<std::string> text = readTextFile(dataPath("chat.jsonl"));
  if (!text.ok())
    return cases;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty())
      continue;
    absl::StatusOr<JsonValue> record = parseJson(line);
    const JsonValue *id = record.ok() ? record->find("id") : nullptr;
    if (!id || !id->isString())
      continue;
    cases.push_back({*id->asString(), std::move(*record)});
  }
  return cases;
}

TEST(ChatCases, CaseCount) {
  // The kit holds 18 conversations; fewer means the data did not load.
  EXPECT_EQ(readChatCases().size(), 18u)
      << "reading " << dataPath("chat.jsonl");
}

class ChatCaseTest : public ::testing::TestWithParam<ChatCase> {};

TEST_P(ChatCaseTest, RendersLikeHuggingFace) {
  const JsonValue &record = GetParam().record;
  absl::StatusOr<ChatTemplateConfig> config =
      loadChatTemplateConfig(MOEC_CHAT_TEST_DATA_DIR);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  absl::StatusOr<ChatTemplate> chatTemplate =
      ChatTemplate::parse(config->templateSource);
  ASSERT_TRUE(chatTemplate.ok()) << messageOf(chatTemplate.status());

  ChatRequest request;
  request.messages = *record.find("messages");
  request.tools = *record.find("tools");
  request.addGenerationPrompt = *record.find("add_generation_prompt")->asBool();
  request.extraVariables = *record.find("template_kwargs");
  RenderOptions options;
  options.now = TemplateDateTime{2024, 7, 26};
  absl::StatusOr<std::string> rendered =
      applyChatTemplate(*chatTemplate, request, config->specialTokens, options);
  ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
  EXPECT_EQ(*rendered, *record.find("rendered")->asString());
}

INSTANTIATE_TEST_SUITE_P(Llama4, ChatCaseTest,
                         ::testing::ValuesIn(readChatCases()),
                         [](const ::testing::TestParamInfo<ChatCase> &info) {
                           std::string name = info.param.id;
                           for (char &c : name)
                             if (!isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

/// The template renders the same whatever the date: strftime_now's value is
/// never printed.
TEST(ChatCases, LocalClockGivesTheSameText) {
  absl::StatusOr<ChatTemplateConfig> config =
      loadChatTemplateConfig(dataPath("tokenizer_config.json"));
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  absl::StatusOr<ChatTemplate> chatTemplate =
      ChatTemplate::parse(config->templateSource);
  ASSERT_TRUE(chatTemplate.ok()) << messageOf(chatTemplate.status());
  ChatRequest request;
  request.messages = test::json(R"([{"role": "user", "content": "Hi"}])");
  request.addGenerationPrompt = true;
  absl::StatusOr<std::string> rendered =
      applyChatTemplate(*chatTemplate, request, config->specialTokens);
  ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
  EXPECT_EQ(*rendered, "<|begin_of_text|><|header_start|>user<|header_end|>"
                       "\n\nHi<|eot|><|header_start|>assistant<|header_end|>"
                       "\n\n");
}

/// Tools and only a system message make the template raise its own error;
/// with no message at all it fails earlier, on messages[0], as Jinja does.
TEST(ChatCases, ToolsWithoutUserMessageRaise) {
  absl::StatusOr<ChatTemplateConfig> config =
      loadChatTemplateConfig(MOEC_CHAT_TEST_DATA_DIR);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  absl::StatusOr<ChatTemplate> chatTemplate =
      ChatTemplate::parse(config->templateSource);
  ASSERT_TRUE(chatTemplate.ok()) << messageOf(chatTemplate.status());
  ChatRequest request;
  request.messages = test::json(R"([{"role": "system", "content": "sys"}])");
  request.tools = test::json(R"([{"type": "function"}])");
  absl::StatusOr<std::string> rendered =
      applyChatTemplate(*chatTemplate, request, config->specialTokens);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(messageOf(rendered.status())
                .find("the template raised an exception: Cannot put tools in "
                      "the first user message when there's no first user "
                      "message!"),
            std::string::npos)
      << messageOf(rendered.status());

  request.messages = test::json("[]");
  rendered = applyChatTemplate(*chatTemplate, request, config->specialTokens);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(messageOf(rendered.status()),
            "chat template:20:19: list object has no element 0");
}

} // namespace
} // namespace moec::runtime
