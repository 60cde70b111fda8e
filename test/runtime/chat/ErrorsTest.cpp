//===- ErrorsTest.cpp - Errors name the problem and where it is -----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every error of a template says what is wrong and where, as
// "chat template:LINE:COLUMN: message" (columns count code points). Syntax
// errors, unknown filters, tests and statements fail when the template is
// parsed; runtime errors when it is rendered.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <string>

namespace moec::runtime {
namespace {

using test::messageOf;
using test::renderTemplate;
using ::testing::HasSubstr;
using ::testing::StartsWith;

/// Parses `source` and returns the parse error (or OK).
absl::Status parseError(std::string_view source) {
  return ChatTemplate::parse(source).status();
}

struct ErrorCase {
  const char *name;
  const char *source;
  absl::StatusCode code;
  const char *message; // the whole message
};

const ErrorCase kParseErrors[] = {
    {"unterminated_expression", "Hello {{ name",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:7: unterminated expression: '{{' is never closed by "
     "'}}'"},
    {"unterminated_statement", "x\n{% if x", absl::StatusCode::kInvalidArgument,
     "chat template:2:1: unterminated statement: '{%' is never closed by "
     "'%}'"},
    {"unterminated_comment", "a\n  {# note", absl::StatusCode::kInvalidArgument,
     "chat template:2:3: unterminated comment: '{#' is never closed by '#}'"},
    {"unterminated_string", "{{ 'abc }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:4: unterminated string literal"},
    {"unterminated_raw", "{% raw %}x", absl::StatusCode::kInvalidArgument,
     "chat template:1:1: unterminated raw block: '{% raw %}' is never closed "
     "by '{% endraw %}'"},
    {"unclosed_if", "{% if x %}\nabc", absl::StatusCode::kInvalidArgument,
     "chat template:2:4: unexpected end of template: the 'if' opened at 1:4 "
     "is never closed (expected 'elif' or 'else' or 'endif')"},
    {"unclosed_for", "{% for m in messages %}{{ m }}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:31: unexpected end of template: the 'for' opened at "
     "1:4 is never closed (expected 'endfor' or 'else')"},
    {"mismatched_end", "{% if x %}{% endfor %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:14: unexpected 'endfor': the innermost open block is "
     "the 'if' at 1:4, which expects 'elif' or 'else' or 'endif'"},
    {"end_without_block", "{% endif %}", absl::StatusCode::kInvalidArgument,
     "chat template:1:4: unexpected 'endif': no block is open"},
    {"unknown_filter", "{{ x | frobnicate }}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:8: unknown filter 'frobnicate'"},
    {"unsupported_filter", "{{ x | wordwrap(20) }}",
     absl::StatusCode::kUnimplemented,
     "chat template:1:8: the filter 'wordwrap' is not supported by this Jinja "
     "subset"},
    {"unknown_test", "{% set y = x is frob %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:17: unknown test 'frob'"},
    {"unknown_filter_in_loop_in_if",
     "{% if x %}{% for y in x %}{{ y | nope }}{% endfor %}{% endif %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:34: unknown filter 'nope'"},
    {"unknown_filter_in_macro_in_if",
     "{% if x %}{% macro m() %}{{ 1 | nope }}{% endmacro %}{% endif %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:33: unknown filter 'nope'"},
    {"unknown_statement", "ok\n  {% frobnicate x %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:2:6: unknown statement 'frobnicate'"},
    {"unsupported_statement", "{% include 'other.jinja' %}",
     absl::StatusCode::kUnimplemented,
     "chat template:1:4: the '{% include %}' statement is not supported by "
     "this Jinja subset"},
    {"empty_statement", "{% %}", absl::StatusCode::kInvalidArgument,
     "chat template:1:4: expected a statement name after '{%', got '%}'"},
    {"missing_operand", "{{ 1 + }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:8: expected an expression, got '}}'"},
    {"unbalanced_bracket", "{{ (1 }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:7: unexpected '}', expected ')'"},
    {"stray_closing_bracket", "{{ 1) }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:5: unexpected ')'"},
    {"bad_character", "{{ a $ b }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:6: unexpected character '$'"},
    {"junk_after_expression", "{{ a b }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:6: expected '}}', got 'b'"},
    {"assign_to_literal", "{% set 1 = 2 %}", absl::StatusCode::kInvalidArgument,
     "chat template:1:8: cannot assign to a number"},
    {"for_without_in", "{% for x of xs %}{% endfor %}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:10: expected 'in', got 'of'"},
    {"break_outside_loop", "{% break %}", absl::StatusCode::kInvalidArgument,
     "chat template:1:4: 'break' outside of a for loop"},
    {"recursive_loop", "{% for x in xs recursive %}{% endfor %}",
     absl::StatusCode::kUnimplemented,
     "chat template:1:16: recursive for loops are not supported by this Jinja "
     "subset"},
    {"star_args", "{{ f(*xs) }}", absl::StatusCode::kUnimplemented,
     "chat template:1:6: '*args' and '**kwargs' in calls are not supported "
     "by this Jinja subset"},
    {"columns_count_code_points", "é€😀 {{ x|bogus }}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:10: unknown filter 'bogus'"},
    {"bad_escape", "{{ '\\x4' }}", absl::StatusCode::kInvalidArgument,
     "chat template:1:5: truncated \\x escape in a string literal"},
    {"integer_too_large", "{{ 99999999999999999999 }}",
     absl::StatusCode::kInvalidArgument,
     "chat template:1:4: integer literal '99999999999999999999' is too large "
     "(the limit is 2**63 - 1)"},
};

class ParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, ReportsProblemAndPosition) {
  const ErrorCase &errorCase = GetParam();
  absl::Status status = parseError(errorCase.source);
  EXPECT_EQ(status.code(), errorCase.code) << messageOf(status);
  EXPECT_EQ(messageOf(status), errorCase.message);
}

INSTANTIATE_TEST_SUITE_P(Syntax, ParseErrorTest,
                         ::testing::ValuesIn(kParseErrors),
                         [](const ::testing::TestParamInfo<ErrorCase> &info) {
                           return std::string(info.param.name);
                         });

TEST(ParseErrors, InvalidUtf8) {
  absl::Status status = parseError("ok\n  \xff{{ x }}");
  EXPECT_EQ(messageOf(status),
            "chat template:2:3: the template is not valid UTF-8");
}

TEST(ParseErrors, DeepNesting) {
  std::string source =
      "{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}";
  absl::Status status = parseError(source);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(messageOf(status),
              HasSubstr("the template nests deeper than 100 levels"));
}

TEST(ParseErrors, DeepNotChain) {
  std::string source = "{{ ";
  for (int i = 0; i < 5000; ++i)
    source += "not ";
  source += "x }}";
  EXPECT_THAT(messageOf(parseError(source)),
              HasSubstr("the template nests deeper than 100 levels"));
}

struct RenderErrorCase {
  const char *name;
  const char *source;
  const char *context;
  const char *message;
};

const RenderErrorCase kRenderErrors[] = {
    {"raise_exception", "line one\n  {{ raise_exception('No way: ' ~ n) }}",
     R"({"n": 3})",
     "chat template:2:6: the template raised an exception: No way: 3"},
    {"attribute_of_undefined", "{{ missing.attr }}", "{}",
     "chat template:1:12: 'missing' is undefined"},
    {"attribute_of_missing_attribute", "{{ m.a.b }}", R"({"m": {}})",
     "chat template:1:8: 'dict object' has no attribute 'a'"},
    {"subscript_of_undefined", "{{ m.a[0] }}", R"({"m": {}})",
     "chat template:1:7: 'dict object' has no attribute 'a'"},
    {"call_of_undefined", "{{ foo(1) }}", "{}",
     "chat template:1:4: 'foo' is undefined"},
    {"call_of_non_callable", "{{ s() }}", R"({"s": "x"})",
     "chat template:1:4: 'str' object is not callable"},
    {"type_error", "{{ 'a' + 1 }}", "{}",
     "chat template:1:8: unsupported operand type(s) for +: 'str' and 'int'"},
    {"arithmetic_on_undefined", "{{ n + 1 }}", "{}",
     "chat template:1:6: 'n' is undefined"},
    {"comparison_of_undefined", "{% if n > 1 %}{% endif %}", "{}",
     "chat template:1:9: 'n' is undefined"},
    {"division_by_zero", "{{ 1 // 0 }}", "{}",
     "chat template:1:6: integer division or modulo by zero"},
    {"integer_overflow", "{{ 9223372036854775807 + 1 }}", "{}",
     "chat template:1:24: integer overflow in '+' (the interpreter's "
     "integers are 64-bit)"},
    {"not_iterable", "{% for x in n %}{% endfor %}", R"({"n": 5})",
     "chat template:1:13: 'int' object is not iterable"},
    {"iterate_none", "{% for x in n %}{% endfor %}", R"({"n": null})",
     "chat template:1:13: 'NoneType' object is not iterable"},
    {"unpack_mismatch", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", "{}",
     "chat template:1:8: cannot unpack 3 value(s) into 2 names"},
    {"tojson_of_undefined", "{{ nothing | tojson }}", "{}",
     "chat template:1:14: filter 'tojson': Object of type Undefined is not "
     "JSON serializable"},
    {"filter_bad_keyword", "{{ x | trim(width=2) }}", R"({"x": "a"})",
     "chat template:1:8: filter 'trim': unexpected keyword argument 'width'"},
    {"filter_too_many_arguments", "{{ x | upper(1) }}", R"({"x": "a"})",
     "chat template:1:8: filter 'upper': takes at most 0 argument(s) (1 "
     "given)"},
    {"length_of_number", "{{ 5 | length }}", "{}",
     "chat template:1:8: filter 'length': object of type 'int' has no len()"},
    {"items_of_list", "{{ [1] | items }}", "{}",
     "chat template:1:10: filter 'items': Can only get item pairs from a "
     "mapping."},
    {"set_attribute_of_dict", "{% set d = {} %}{% set d.x = 1 %}", "{}",
     "chat template:1:24: cannot assign attribute 'x' on 'd', which is not a "
     "namespace()"},
    {"mutating_method", "{% set xs = [] %}{{ xs.append(1) }}", "{}",
     "chat template:1:24: access to attribute 'append' of 'list' object is "
     "unsafe (templates cannot modify values)"},
    {"range_too_big", "{{ range(1000000) | length }}", "{}",
     "chat template:1:4: range(): a range of 1000000 items is too big (the "
     "limit is 100000)"},
    {"macro_recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "{}",
     "chat template:1:19: macro 'f': calls nest deeper than 64 levels"},
    {"method_bad_argument", "{{ 'a'.split(1) }}", "{}",
     "chat template:1:8: str.split(): expected a string or None, got 'int'"},
    {"unknown_filter_that_runs",
     "{% if true %}\n  {{ s | from_json }}{% endif %}", R"({"s": "{}"})",
     "chat template:2:10: unknown filter 'from_json'"},
    {"unknown_test_that_runs", "{{ 1 if x is frob }}", "{}",
     "chat template:1:14: unknown test 'frob'"},
    {"undefined_test_argument", "{{ 3 is divisibleby(0) }}", "{}",
     "chat template:1:9: test 'divisibleby': integer division or modulo by "
     "zero"},
};

class RenderErrorTest : public ::testing::TestWithParam<RenderErrorCase> {};

TEST_P(RenderErrorTest, ReportsProblemAndPosition) {
  const RenderErrorCase &errorCase = GetParam();
  absl::StatusOr<std::string> rendered =
      renderTemplate(errorCase.source, errorCase.context);
  ASSERT_FALSE(rendered.ok()) << "rendered: " << *rendered;
  EXPECT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(messageOf(rendered.status()), errorCase.message);
}

INSTANTIATE_TEST_SUITE_P(
    Runtime, RenderErrorTest, ::testing::ValuesIn(kRenderErrors),
    [](const ::testing::TestParamInfo<RenderErrorCase> &info) {
      return std::string(info.param.name);
    });

TEST(RenderErrors, ContextMustBeAnObject) {
  absl::StatusOr<ChatTemplate> parsed = ChatTemplate::parse("x");
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<std::string> rendered = parsed->render(test::json("[1]"));
  ASSERT_FALSE(rendered.ok());
  EXPECT_THAT(messageOf(rendered.status()),
              StartsWith("the chat template context must be a JSON object"));
}

TEST(RenderErrors, ErrorInsideMacroNamesTheMacroBodyLine) {
  absl::StatusOr<std::string> rendered =
      renderTemplate("{% macro f(x) %}\n  {{ x.a.b }}\n{% endmacro %}\n"
                     "{{ f({}) }}");
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(messageOf(rendered.status()),
            "chat template:2:10: 'dict object' has no attribute 'a'");
}

} // namespace
} // namespace moec::runtime
