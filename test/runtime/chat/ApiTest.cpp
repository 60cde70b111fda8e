//===- ApiTest.cpp - ChatTemplate, applyChatTemplate, strftime_now --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <regex>

namespace moec::runtime {
namespace {

using test::json;
using test::messageOf;
using test::renderTemplate;
using ::testing::HasSubstr;

TEST(StrftimeNow, FixedDate) {
  absl::StatusOr<std::string> rendered = renderTemplate(
      "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %j %H:%M:%S') }}|"
      "{{ strftime_now('') }}|{{ strftime_now('%Y-%m-%d') }}");
  ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
  // renderTemplate fixes 2024-07-26 09:30:05, a Friday, day 208 of 2024.
  EXPECT_EQ(*rendered, "26 Jul 2024|Friday 208 09:30:05||2024-07-26");
}

TEST(StrftimeNow, DatesAcrossYears) {
  absl::StatusOr<ChatTemplate> parsed =
      ChatTemplate::parse("{{ strftime_now('%a %d %b %Y %j') }}");
  ASSERT_TRUE(parsed.ok());
  const std::pair<TemplateDateTime, const char *> dates[] = {
      {{1970, 1, 1}, "Thu 01 Jan 1970 001"},
      {{2000, 2, 29}, "Tue 29 Feb 2000 060"},
      {{2023, 12, 31}, "Sun 31 Dec 2023 365"},
      {{1969, 12, 31}, "Wed 31 Dec 1969 365"},
  };
  for (const auto &[date, expected] : dates) {
    RenderOptions options;
    options.now = date;
    absl::StatusOr<std::string> rendered = parsed->render(json("{}"), options);
    ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
    EXPECT_EQ(*rendered, expected);
  }
}

TEST(StrftimeNow, LocalClock) {
  absl::StatusOr<ChatTemplate> parsed =
      ChatTemplate::parse("{{ strftime_now('%Y-%m-%d') }}");
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<std::string> rendered = parsed->render(json("{}"));
  ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
  EXPECT_TRUE(std::regex_match(*rendered, std::regex("\\d{4}-\\d\\d-\\d\\d")))
      << *rendered;
}

TEST(ChatTemplateApi, RenderTwiceAndCopy) {
  absl::StatusOr<ChatTemplate> parsed =
      ChatTemplate::parse("{% set ns = namespace(n=0) %}{% set ns.n = ns.n + "
                          "1 %}{{ ns.n }}{{ name }}");
  ASSERT_TRUE(parsed.ok());
  ChatTemplate copy = *parsed;
  // Renders do not share state: each starts from a fresh namespace.
  EXPECT_EQ(*parsed->render(json(R"({"name": "a"})")), "1a");
  EXPECT_EQ(*copy.render(json(R"({"name": "b"})")), "1b");
}

TEST(ChatTemplateApi, ContextKeepsKeyOrderForTojson) {
  // JsonValue keeps object members in source order; tojson must too.
  absl::StatusOr<std::string> rendered =
      renderTemplate("{{ v | tojson }}", R"({"v": {"z": 1, "a": 2, "m": 3}})");
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(*rendered, R"({"z": 1, "a": 2, "m": 3})");
}

TEST(ChatContext, HoldsHuggingFaceVariables) {
  ChatRequest request;
  request.messages = json(R"([{"role": "user", "content": "hi"}])");
  request.addGenerationPrompt = true;
  request.extraVariables = json(R"({"tools_in_user_message": false,
                                    "bos_token": "<override>"})");
  ChatSpecialTokens tokens;
  tokens.bosToken = "<s>";
  tokens.eosToken = "</s>";
  absl::StatusOr<JsonValue> context = makeChatContext(request, tokens);
  ASSERT_TRUE(context.ok()) << messageOf(context.status());
  std::vector<std::string> keys;
  for (const JsonMember &member : *context->asObject())
    keys.push_back(member.key);
  EXPECT_THAT(keys,
              ::testing::ElementsAre("messages", "tools", "documents",
                                     "add_generation_prompt", "bos_token",
                                     "eos_token", "tools_in_user_message"));
  EXPECT_TRUE(context->find("tools")->isNull());
  EXPECT_EQ(*context->find("bos_token")->asString(), "<override>");
  EXPECT_EQ(*context->find("add_generation_prompt")->asBool(), true);
}

TEST(ChatContext, RejectsBadShapes) {
  ChatRequest request;
  request.messages = json(R"({"role": "user"})");
  EXPECT_THAT(messageOf(makeChatContext(request, {}).status()),
              HasSubstr("chat messages must be a JSON array, got an object"));
  request.messages = json("[]");
  request.tools = json(R"("x")");
  EXPECT_THAT(messageOf(makeChatContext(request, {}).status()),
              HasSubstr("chat tools must be a JSON array or null"));
  request.tools = JsonValue();
  request.extraVariables = json("[1]");
  EXPECT_THAT(messageOf(makeChatContext(request, {}).status()),
              HasSubstr("extra chat template variables must be a JSON object "
                        "or null"));
}

TEST(ApplyChatTemplate, UsesSpecialTokensAndExtras) {
  absl::StatusOr<ChatTemplate> parsed = ChatTemplate::parse(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}: {{ m.content }}]"
      "{% endfor %}{% if add_generation_prompt %}[assistant:{% endif %}"
      "{{ eos_token is defined }}{{ pad_token is defined }}{{ mood }}"
      "{{ tools is none }}");
  ASSERT_TRUE(parsed.ok());
  ChatRequest request;
  request.messages = json(R"([{"role": "user", "content": "hi"}])");
  request.addGenerationPrompt = true;
  request.extraVariables = json(R"({"mood": "!"})");
  ChatSpecialTokens tokens;
  tokens.bosToken = "<s>";
  tokens.eosToken = "</s>";
  absl::StatusOr<std::string> rendered =
      applyChatTemplate(*parsed, request, tokens);
  ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
  EXPECT_EQ(*rendered, "<s>[user: hi][assistant:TrueFalse!True");
}

} // namespace
} // namespace moec::runtime
