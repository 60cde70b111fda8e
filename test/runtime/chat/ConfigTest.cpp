//===- ConfigTest.cpp - Reading chat templates from model folders ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "runtime/File.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace moec::runtime {
namespace {

using test::messageOf;
using ::testing::HasSubstr;

/// A fresh folder under the test's temporary directory.
class ConfigFolderTest : public ::testing::Test {
protected:
  void SetUp() override {
    const ::testing::TestInfo *info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    folder = joinPath(::testing::TempDir(), std::string("moec-chat-config-") +
                                                info->name() + "-" +
                                                std::to_string(getpid()));
    mkdir(folder.c_str(), 0755);
  }
  void TearDown() override {
    for (const char *name :
         {"tokenizer_config.json", "chat_template.jinja", "chat_template.json"})
      unlink(joinPath(folder, name).c_str());
    rmdir(folder.c_str());
  }
  void write(const char *name, std::string_view text) {
    std::ofstream(joinPath(folder, name), std::ios::binary) << text;
  }

  std::string folder;
};

TEST(ConfigKit, ReadsTheLlama4Config) {
  absl::StatusOr<ChatTemplateConfig> config =
      loadChatTemplateConfig(MOEC_CHAT_TEST_DATA_DIR);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  EXPECT_EQ(config->specialTokens.bosToken, "<|begin_of_text|>");
  EXPECT_EQ(config->specialTokens.eosToken, "<|eot|>");
  EXPECT_EQ(config->specialTokens.padToken, "<|finetune_right_pad|>");
  EXPECT_FALSE(config->specialTokens.unkToken.has_value());
  EXPECT_THAT(config->templateSource,
              ::testing::StartsWith("{{- bos_token }}"));
  EXPECT_THAT(config->templatePath, HasSubstr("tokenizer_config.json"));
  // The file itself gives the same.
  absl::StatusOr<ChatTemplateConfig> fromFile = loadChatTemplateConfig(
      joinPath(MOEC_CHAT_TEST_DATA_DIR, "tokenizer_config.json"));
  ASSERT_TRUE(fromFile.ok()) << messageOf(fromFile.status());
  EXPECT_EQ(fromFile->templateSource, config->templateSource);
}

TEST_F(ConfigFolderTest, AddedTokenObjectsAndNamedTemplates) {
  write("tokenizer_config.json", R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
    "eos_token": "</s>",
    "unk_token": null,
    "chat_template": [
      {"name": "default", "template": "default {{ bos_token }}"},
      {"name": "tool_use", "template": "tools"}
    ]})");
  absl::StatusOr<ChatTemplateConfig> config = loadChatTemplateConfig(folder);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  EXPECT_EQ(config->templateSource, "default {{ bos_token }}");
  EXPECT_EQ(config->specialTokens.bosToken, "<s>");
  EXPECT_EQ(config->specialTokens.eosToken, "</s>");
  EXPECT_FALSE(config->specialTokens.unkToken.has_value());
  absl::StatusOr<ChatTemplateConfig> toolUse =
      loadChatTemplateConfig(folder, "tool_use");
  ASSERT_TRUE(toolUse.ok()) << messageOf(toolUse.status());
  EXPECT_EQ(toolUse->templateSource, "tools");
  absl::StatusOr<ChatTemplateConfig> missing =
      loadChatTemplateConfig(folder, "rag");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(messageOf(missing.status()),
              HasSubstr("no chat template named 'rag' (it has 'default', "
                        "'tool_use')"));
}

TEST_F(ConfigFolderTest, JinjaFileTakesPrecedence) {
  write("tokenizer_config.json",
        R"({"chat_template": "from config", "eos_token": "E"})");
  write("chat_template.jinja", "from jinja file\n");
  absl::StatusOr<ChatTemplateConfig> config = loadChatTemplateConfig(folder);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  EXPECT_EQ(config->templateSource, "from jinja file\n");
  EXPECT_EQ(config->specialTokens.eosToken, "E");
  EXPECT_THAT(config->templatePath, HasSubstr("chat_template.jinja"));
}

TEST_F(ConfigFolderTest, ProcessorTemplateWhenConfigHasNone) {
  write("tokenizer_config.json", R"({"bos_token": "B"})");
  write("chat_template.json", R"({"chat_template": "processor"})");
  absl::StatusOr<ChatTemplateConfig> config = loadChatTemplateConfig(folder);
  ASSERT_TRUE(config.ok()) << messageOf(config.status());
  EXPECT_EQ(config->templateSource, "processor");
}

TEST_F(ConfigFolderTest, MissingTemplate) {
  write("tokenizer_config.json", R"({"bos_token": "B"})");
  absl::StatusOr<ChatTemplateConfig> config = loadChatTemplateConfig(folder);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(messageOf(config.status()), HasSubstr("no \"chat_template\""));
}

TEST_F(ConfigFolderTest, BadFiles) {
  EXPECT_EQ(loadChatTemplateConfig(folder).status().code(),
            absl::StatusCode::kNotFound);
  write("tokenizer_config.json", "{not json");
  EXPECT_THAT(messageOf(loadChatTemplateConfig(folder).status()),
              HasSubstr("tokenizer_config.json: invalid JSON"));
  write("tokenizer_config.json", R"({"bos_token": 5, "chat_template": "x"})");
  EXPECT_THAT(messageOf(loadChatTemplateConfig(folder).status()),
              HasSubstr("\"bos_token\" must be a string, null or an object "
                        "with a string \"content\""));
  write("tokenizer_config.json", R"({"chat_template": 5})");
  EXPECT_THAT(messageOf(loadChatTemplateConfig(folder).status()),
              HasSubstr("\"chat_template\" must be a string or a list"));
}

} // namespace
} // namespace moec::runtime

namespace moec::runtime {
namespace {

TEST(ConfigText, ParsesTheTextOfAConfig) {
  absl::StatusOr<ChatTemplateConfig> config = parseChatTemplateConfig(
      R"({"bos_token": {"content": "<s>"}, "chat_template": "{{ bos_token }}"})",
      "artifact: tokenizer_config.json");
  ASSERT_TRUE(config.ok()) << test::messageOf(config.status());
  EXPECT_EQ(config->specialTokens.bosToken, "<s>");
  EXPECT_EQ(config->templateSource, "{{ bos_token }}");
  EXPECT_EQ(config->templatePath, "artifact: tokenizer_config.json");
}

TEST(ConfigText, PrefersTheJinjaFile) {
  absl::StatusOr<ChatTemplateConfig> config = parseChatTemplateConfig(
      R"({"chat_template": "old"})", "cfg", std::string_view("new"));
  ASSERT_TRUE(config.ok()) << test::messageOf(config.status());
  EXPECT_EQ(config->templateSource, "new");
}

TEST(ConfigText, NamesTheFileInErrors) {
  absl::StatusOr<ChatTemplateConfig> config =
      parseChatTemplateConfig("{\"bos_token\": 3}", "art.moec: cfg");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(test::messageOf(config.status()),
              ::testing::HasSubstr("art.moec: cfg: \"bos_token\" must be"));
  config = parseChatTemplateConfig("{}", "art.moec: cfg");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(test::messageOf(config.status()),
              ::testing::HasSubstr("art.moec: cfg: no \"chat_template\""));
  config = parseChatTemplateConfig("[1", "art.moec: cfg");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(test::messageOf(config.status()),
              ::testing::HasSubstr("art.moec: cfg: invalid JSON"));
}

} // namespace
} // namespace moec::runtime
