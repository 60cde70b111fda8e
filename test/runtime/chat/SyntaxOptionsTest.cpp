//===- SyntaxOptionsTest.cpp - trim_blocks and lstrip_blocks off ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Hugging Face turns both options on (the default of TemplateSyntaxOptions);
// these check each one on its own. The expected texts are what Python
// Jinja 3.1 renders with the same settings.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

namespace moec::runtime {
namespace {

using test::messageOf;

struct OptionsCase {
  bool trimBlocks;
  bool lstripBlocks;
  const char *source;
  const char *expected;
};

const OptionsCase kCases[] = {
    {false, false, "  {% if true %}\n  x\n  {% endif %}\nend",
     "  \n  x\n  \nend"},
    {false, false, "a\n  {# c #}\nb", "a\n  \nb"},
    {false, false, "{% raw %}\n  r\n  {% endraw %}\nz", "\n  r\n  \nz"},
    {true, false, "  {% if true %}\n  x\n  {% endif %}\nend", "    x\n  end"},
    {true, false, "a\n  {# c #}\nb", "a\n  b"},
    {true, false, "{% raw %}\n  r\n  {% endraw %}\nz", "\n  r\n  z"},
    {false, true, "  {% if true %}\n  x\n  {% endif %}\nend", "\n  x\n\nend"},
    {false, true, "a\n  {# c #}\nb", "a\n\nb"},
    {false, true, "{% raw %}\n  r\n  {% endraw %}\nz", "\n  r\n\nz"},
};

TEST(SyntaxOptions, EachOptionAlone) {
  for (const OptionsCase &optionsCase : kCases) {
    TemplateSyntaxOptions syntax;
    syntax.trimBlocks = optionsCase.trimBlocks;
    syntax.lstripBlocks = optionsCase.lstripBlocks;
    absl::StatusOr<std::string> rendered =
        test::renderTemplate(optionsCase.source, "{}", syntax);
    ASSERT_TRUE(rendered.ok()) << messageOf(rendered.status());
    EXPECT_EQ(*rendered, optionsCase.expected)
        << "trim_blocks=" << optionsCase.trimBlocks
        << " lstrip_blocks=" << optionsCase.lstripBlocks
        << " template: " << optionsCase.source;
  }
}

} // namespace
} // namespace moec::runtime
