//===- TestUtil.cpp - Helpers of the chat-template tests ------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

namespace moec::runtime::test {

JsonValue json(std::string_view text) {
  absl::StatusOr<JsonValue> value = parseJson(text);
  EXPECT_TRUE(value.ok()) << messageOf(value.status()) << "\n" << text;
  return value.ok() ? *value : JsonValue();
}

absl::StatusOr<std::string>
renderTemplate(std::string_view source, std::string_view contextJson,
               const TemplateSyntaxOptions &syntax) {
  absl::StatusOr<ChatTemplate> parsed = ChatTemplate::parse(source, syntax);
  if (!parsed.ok())
    return parsed.status();
  RenderOptions options;
  options.now = TemplateDateTime{2024, 7, 26, 9, 30, 5};
  return parsed->render(json(contextJson), options);
}

std::string messageOf(const absl::Status &status) {
  return std::string(status.message().data(), status.message().size());
}

} // namespace moec::runtime::test
