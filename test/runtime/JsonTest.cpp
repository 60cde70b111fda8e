//===- JsonTest.cpp - Tests for the runtime JSON parser -------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests parseJson on valid documents (every value kind, escapes,
// UTF-8) and on each class of invalid input, checking the reported offsets.
//
//===----------------------------------------------------------------------===//

#include "runtime/Json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <string>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

/// Parses `text`, failing the test if it is rejected.
JsonValue parseOk(std::string_view text) {
  absl::StatusOr<JsonValue> value = parseJson(text);
  EXPECT_TRUE(value.ok()) << "input: " << text << "\n" << value.status();
  return value.ok() ? *value : JsonValue();
}

/// Parses `text`, expecting an error message containing `phrase`.
void expectError(std::string_view text, std::string_view phrase) {
  absl::StatusOr<JsonValue> value = parseJson(text);
  ASSERT_FALSE(value.ok()) << "accepted: " << text;
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(value.status().message()), HasSubstr(phrase))
      << "input: " << text;
}

TEST(JsonTest, Literals) {
  EXPECT_TRUE(parseOk("null").isNull());
  EXPECT_EQ(parseOk("true").asBool(), true);
  EXPECT_EQ(parseOk(" false\n").asBool(), false);
  EXPECT_EQ(parseOk("true").asInt(), std::nullopt);
}

TEST(JsonTest, IntegersStayExact) {
  EXPECT_EQ(parseOk("9007199254740993").asInt(), 9007199254740993);
  EXPECT_EQ(parseOk("9223372036854775807").asInt(), INT64_MAX);
  EXPECT_EQ(parseOk("-9223372036854775808").asInt(), INT64_MIN);
  EXPECT_EQ(parseOk("-0").asInt(), 0);
  EXPECT_EQ(parseOk("42").asDouble(), 42.0);
}

TEST(JsonTest, NonIntegersAreDoubles) {
  JsonValue fraction = parseOk("1.5");
  EXPECT_EQ(fraction.kind(), JsonKind::Double);
  EXPECT_EQ(fraction.asDouble(), 1.5);
  EXPECT_EQ(fraction.asInt(), std::nullopt);
  EXPECT_EQ(parseOk("1e3").kind(), JsonKind::Double);
  EXPECT_EQ(parseOk("1E-2").asDouble(), 0.01);
  EXPECT_EQ(parseOk("-2.5e+1").asDouble(), -25.0);
  // Integers past int64 become doubles rather than errors.
  JsonValue huge = parseOk("100000000000000000000");
  EXPECT_EQ(huge.kind(), JsonKind::Double);
  EXPECT_EQ(huge.asDouble(), 1e20);
  EXPECT_EQ(parseOk("1e-400").asDouble(), 0.0);
}

TEST(JsonTest, StringEscapes) {
  EXPECT_EQ(*parseOk(R"("a\"b\\c\/d\b\f\n\r\t")").asString(),
            "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(*parseOk(R"("\u0041\u00e9\u20AC")").asString(),
            "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(*parseOk(R"("\u0000")").asString(), std::string(1, '\0'));
}

TEST(JsonTest, SurrogatePairsBecomeUtf8) {
  // U+1F600 GRINNING FACE.
  EXPECT_EQ(*parseOk(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  // U+10FFFF, the largest code point.
  EXPECT_EQ(*parseOk(R"("\uDBFF\uDFFF")").asString(), "\xF4\x8F\xBF\xBF");
}

TEST(JsonTest, RawUtf8PassesThrough) {
  EXPECT_EQ(*parseOk("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").asString(),
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(JsonTest, ArraysAndObjects) {
  JsonValue value =
      parseOk(R"( {"b": [1, 2.5, "x", null], "a": {}, "c": []} )");
  const JsonValue::Object *members = value.asObject();
  ASSERT_NE(members, nullptr);
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].key, "b"); // Source order is kept.
  EXPECT_EQ((*members)[1].key, "a");
  const JsonValue *b = value.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b->asArray(), nullptr);
  ASSERT_EQ(b->asArray()->size(), 4u);
  EXPECT_EQ((*b->asArray())[0].asInt(), 1);
  EXPECT_EQ(*(*b->asArray())[2].asString(), "x");
  EXPECT_TRUE(value.find("a")->isObject());
  EXPECT_EQ(value.find("missing"), nullptr);
  EXPECT_EQ(b->find("b"), nullptr); // find on a non-object.
}

TEST(JsonTest, NestingUpToTheLimit) {
  std::string ok =
      std::string(kJsonMaxDepth, '[') + std::string(kJsonMaxDepth, ']');
  EXPECT_TRUE(parseJson(ok).ok());
  std::string tooDeep =
      std::string(kJsonMaxDepth + 1, '[') + std::string(kJsonMaxDepth + 1, ']');
  expectError(tooDeep, "nesting is deeper than the limit of 256");
  // Far deeper input must fail cleanly too, not exhaust the stack.
  expectError(std::string(100000, '['), "nesting is deeper");
}

TEST(JsonTest, RejectsEmptyAndTrailingInput) {
  expectError("", "expected a value");
  expectError("   ", "expected a value");
  expectError("1 2", "at byte 2 (line 1, column 3): expected end of input");
  expectError("{}x", "expected end of input after the JSON value, found 'x'");
  expectError("\xEF\xBB\xBF{}", "found byte 0xEF");
}

TEST(JsonTest, RejectsTrailingCommas) {
  expectError("[1,]", "at byte 3 (line 1, column 4): expected a value after "
                      "',', found ']'");
  expectError(R"({"a":1,})", "expected a string key after ','");
}

TEST(JsonTest, RejectsUnterminatedInput) {
  expectError("[1", "expected ',' or ']' after an array element, found end");
  expectError(R"({"a")", "expected ':' after an object key");
  expectError(R"({"a":1)", "expected ',' or '}' after an object member");
  expectError(R"("abc)", "at byte 0 (line 1, column 1): unterminated string");
  expectError("[", "expected a value");
}

TEST(JsonTest, RejectsMalformedNumbers) {
  expectError("01", "leading zeros");
  expectError("-", "expected a digit after '-'");
  expectError("1.", "expected a digit after the decimal point");
  expectError("1e", "expected a digit in the exponent");
  expectError(".5", "expected a value");
  expectError("+1", "expected a value");
  expectError("NaN", "expected a value");
  expectError("Infinity", "expected a value");
  expectError("1e400", "out of the range of a double");
}

TEST(JsonTest, RejectsNonJsonSyntax) {
  expectError("'a'", "expected a value");
  expectError("[1 /* c */]", "expected ',' or ']'");
  expectError("tru", "expected a value");
  expectError("{1:2}", "expected a string key or '}'");
}

TEST(JsonTest, RejectsBadStrings) {
  expectError("\"a\nb\"", "control character 0x0A must be escaped");
  expectError(R"("\x")", "invalid escape sequence: '\\' followed by 'x'");
  expectError(R"("\u12G4")", "expected 4 hex digits");
  expectError(R"("\ud800")", "high surrogate");
  expectError(R"("\ud800\u0041")", "not followed by a low surrogate");
  expectError(R"("\udc00")", "lone low surrogate");
}

TEST(JsonTest, RejectsInvalidUtf8) {
  expectError("\"\xFF\"", "invalid UTF-8 lead byte 0xFF");
  expectError("\"\xC0\x80\"", "invalid UTF-8 lead byte 0xC0");   // Overlong.
  expectError("\"\xE0\x80\x80\"", "invalid UTF-8 sequence");     // Overlong.
  expectError("\"\xED\xA0\x80\"", "invalid UTF-8 sequence");     // Surrogate.
  expectError("\"\xF4\x90\x80\x80\"", "invalid UTF-8 sequence"); // >10FFFF.
  expectError("\"\xE2\x82", "truncated UTF-8 sequence");
}

TEST(JsonTest, RejectsDuplicateKeys) {
  expectError(R"({"a": 1, "b": 2, "a": 3})",
              "at byte 17 (line 1, column 18): duplicate object key \"a\"");
  // Keys are compared after unescaping.
  expectError(R"({"a": 1, "\u0061": 2})", "duplicate object key \"a\"");
  EXPECT_TRUE(parseJson(R"({"a": {"a": 1}})").ok());
}

TEST(JsonTest, ReportsLineAndColumn) {
  expectError("{\n  \"a\": 1\n  \"b\": 2\n}",
              "at byte 13 (line 3, column 3): expected ',' or '}'");
}

TEST(JsonTest, KindNames) {
  EXPECT_EQ(jsonKindName(JsonKind::Object), "an object");
  EXPECT_EQ(jsonKindName(JsonKind::Int), "an integer");
}

} // namespace
} // namespace moec::runtime

namespace moec::runtime {
namespace {

TEST(JsonWriteTest, AppendsStringsThatParseBack) {
  std::string text = "quote \" backslash \\ \n\t\x01 café 🦙";
  std::string out;
  appendJsonString(out, text);
  EXPECT_EQ(out, "\"quote \\\" backslash \\\\ \\n\\t\\u0001 café 🦙\"");
  absl::StatusOr<JsonValue> parsed = parseJson(out);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed->asString(), text);
}

TEST(JsonWriteTest, ReplacesBytesThatAreNotUtf8) {
  std::string out;
  appendJsonString(out, std::string("a\xff"
                                    "b\xc3",
                                    4));
  EXPECT_EQ(out, "\"a\\ufffdb\\ufffd\"");
  std::string surrogate;
  appendJsonString(surrogate, "\xed\xa0\x80");
  EXPECT_EQ(surrogate, "\"\\ufffd\\ufffd\\ufffd\"");
}

} // namespace
} // namespace moec::runtime
