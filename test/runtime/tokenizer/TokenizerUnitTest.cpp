//===- TokenizerUnitTest.cpp - Tokenizer parts on small tokenizers --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file checks what the Llama 4 kit does not exercise, on small byte-
// level tokenizers: BPE merge order and ignore_merges, both merge formats,
// ByteLevel's GPT-2 regex and prefix space, every Split behavior, added
// tokens with lstrip/rstrip/single_word, HF's id assignment for added
// tokens, a template with a suffix, and the UTF-8 and regex helpers. The
// expected ids were produced by Hugging Face's tokenizers 0.23.2 (the Node
// binding) from the same tokenizer.json documents.
//
//===----------------------------------------------------------------------===//

#include "TokenizerTestUtil.h"

#include "runtime/StringUtil.h"

#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/UnicodeAdditions.h"
#include "runtime/tokenizer/Utf8.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace moec::runtime::test {
namespace {

/// "Ġ", the byte-level spelling of a space.
const std::string kG = "\xC4\xA0";

/// One input and what HF makes of it.
struct Expected {
  std::string text;
  std::vector<int64_t> ids;
  /// decode(ids, skip_special_tokens=true); decode without skipping gives
  /// `text` unless `decoded` is set.
  std::string decodedSkip;
  std::string decoded = "";
};

Tokenizer loadTiny(const TinyTokenizerSpec &spec) {
  absl::StatusOr<Tokenizer> tokenizer =
      Tokenizer::fromJson(tinyTokenizerJson(spec));
  if (!tokenizer.ok()) {
    ADD_FAILURE() << tokenizer.status();
    std::abort();
  }
  return *std::move(tokenizer);
}

void expectAll(const Tokenizer &tokenizer, const std::vector<Expected> &cases) {
  for (const Expected &c : cases) {
    absl::StatusOr<std::vector<int64_t>> ids = tokenizer.encode(c.text, false);
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, c.ids) << "'" << c.text << "'";
    std::string decoded = c.decoded.empty() ? c.text : c.decoded;
    EXPECT_EQ(tokenizer.decode(c.ids, false), decoded) << "'" << c.text << "'";
    EXPECT_EQ(tokenizer.decode(c.ids, true), c.decodedSkip)
        << "'" << c.text << "'";
  }
}

/// The merges of the BPE cases: "hello" is in the vocabulary, but no merge
/// makes it, so ignore_merges decides between [hello] and [hell, o].
TinyTokenizerSpec helloSpec() {
  TinyTokenizerSpec spec;
  spec.extraTokens = {"he",     "ll", "hell",     "lo", "hello",
                      kG + "w", "or", kG + "wor", "ld"};
  spec.merges = {"h e",     "l l", "he ll",     "l o",
                 kG + " w", "o r", kG + "w or", "l d"};
  return spec;
}

TEST(TokenizerUnitTest, BpeMergesByRank) {
  for (bool legacy : {false, true}) {
    TinyTokenizerSpec spec = helloSpec();
    spec.legacyMerges = legacy;
    expectAll(loadTiny(spec),
              {{"hello world", {258, 111, 263, 264}, "hello world"},
               {"hello", {258, 111}, "hello"},
               {"hell o", {258, 32, 111}, "hell o"},
               {"  hello\n\nworld  ",
                {32, 32, 258, 111, 10, 10, 119, 262, 264, 32, 32},
                "  hello\n\nworld  "},
               {"lol wor", {259, 108, 263}, "lol wor"}});
  }
}

TEST(TokenizerUnitTest, IgnoreMergesTakesWholeWords) {
  TinyTokenizerSpec spec = helloSpec();
  spec.ignoreMerges = true;
  expectAll(loadTiny(spec), {{"hello world", {260, 263, 264}, "hello world"},
                             {"hello", {260}, "hello"},
                             {"hell o", {258, 32, 111}, "hell o"}});
}

TEST(TokenizerUnitTest, ByteLevelPrefixSpace) {
  TinyTokenizerSpec spec = helloSpec();
  spec.preTokenizer =
      R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})";
  expectAll(loadTiny(spec), {{"hello world",
                              {32, 258, 111, 263, 264},
                              " hello world",
                              " hello world"},
                             {" hello", {32, 258, 111}, " hello"},
                             {"hello", {32, 258, 111}, " hello", " hello"}});
}

TinyTokenizerSpec addedSpec() {
  TinyTokenizerSpec spec = helloSpec();
  // The file's ids (1000...) are not what HF uses: it numbers added tokens
  // from the vocabulary's size (265), and "hello" keeps its vocabulary id.
  spec.addedTokens = R"([
    {"id":1000,"content":"<s>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
    {"id":1001,"content":"<mask>","single_word":false,"lstrip":true,"rstrip":false,"normalized":false,"special":true},
    {"id":1002,"content":"<eos>","single_word":false,"lstrip":false,"rstrip":true,"normalized":false,"special":true},
    {"id":1003,"content":"cat","single_word":true,"lstrip":false,"rstrip":false,"normalized":true,"special":false},
    {"id":1004,"content":"<s>xy","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
    {"id":1005,"content":"dog","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":false},
    {"id":1006,"content":"hello","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}])";
  return spec;
}

TEST(TokenizerUnitTest, AddedTokenIdsAsHuggingFaceAssignsThem) {
  Tokenizer tokenizer = loadTiny(addedSpec());
  std::vector<std::optional<int64_t>> ids;
  for (std::string_view content :
       {"<s>", "<mask>", "<eos>", "cat", "<s>xy", "dog", "hello"})
    ids.push_back(tokenizer.tokenId(content));
  EXPECT_THAT(ids, ::testing::ElementsAre(265, 266, 267, 268, 269, 270, 260));
  EXPECT_EQ(tokenizer.vocabSize(), 271);
  EXPECT_TRUE(tokenizer.isSpecialToken(260));
  EXPECT_FALSE(tokenizer.isSpecialToken(268));
}

TEST(TokenizerUnitTest, AddedTokenFlags) {
  expectAll(loadTiny(addedSpec()),
            {{"a <s>b", {97, 32, 265, 98}, "a b"},
             {"a   <mask> b", {97, 266, 32, 98}, "a b", "a<mask> b"},
             {"<mask>x", {266, 120}, "x"},
             {"x<eos>   y", {120, 267, 121}, "xy", "x<eos>y"},
             {"cat concat cat_ cat. (cat)",
              {268, 32,  99, 111, 110, 99, 97, 116, 32,  99,
               97,  116, 95, 32,  268, 46, 32, 40,  268, 41},
              "cat concat cat_ cat. (cat)"},
             {"<s>xyz <s>x", {269, 122, 32, 265, 120}, "z x"},
             {"hotdog dog", {104, 111, 116, 270, 32, 270}, "hotdog dog"},
             {"say hello!", {115, 97, 121, 32, 260, 33}, "say !"},
             {"<eos>\n<mask>", {267, 266}, "", "<eos><mask>"},
             {"\xC3\xA9"
              "c cat",
              {195, 169, 99, 32, 268},
              "\xC3\xA9"
              "c cat"}});
}

TEST(TokenizerUnitTest, SpecialParsingOffKeepsOtherAddedTokens) {
  // Like HF's encode_special_tokens: special tokens become text, added
  // tokens that are not special are still cut out.
  Tokenizer tokenizer = loadTiny(addedSpec());
  absl::StatusOr<std::vector<int64_t>> ids =
      tokenizer.encode("<s>dog", false, /*parseSpecialTokens=*/false);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ::testing::ElementsAre('<', 's', '>', 270));
}

/// A tokenizer whose merges join a space with its neighbors, so that the
/// ids show where a Split put the piece boundaries.
TinyTokenizerSpec splitSpec(std::string_view behavior, bool invert,
                            std::string_view pattern = R"({"String":" "})") {
  TinyTokenizerSpec spec;
  spec.extraTokens = {"a" + kG, kG + "b", kG + kG, kG + "c",
                      "c" + kG, "b" + kG, kG + "a"};
  spec.merges = {kG + " " + kG, "a " + kG, kG + " b", kG + " c",
                 "c " + kG,     "b " + kG, kG + " a"};
  spec.preTokenizer = strCat(
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":)",
      pattern, R"(,"behavior":")", behavior, R"(","invert":)",
      invert ? "true" : "false",
      R"(},{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]})");
  return spec;
}

struct SplitCase {
  std::string behavior;
  bool invert;
  std::vector<int64_t> spaced;  // "a  b c "
  std::vector<int64_t> leading; // " a b"
};

TEST(TokenizerUnitTest, SplitBehaviors) {
  const std::vector<SplitCase> cases = {
      {"Removed", false, {97, 98, 99}, {97, 98}},
      {"Removed", true, {32, 32, 32, 32}, {32, 32}},
      {"Isolated", false, {97, 32, 32, 98, 32, 99, 32}, {32, 97, 32, 98}},
      {"Isolated", true, {97, 32, 32, 98, 32, 99, 32}, {32, 97, 32, 98}},
      {"MergedWithPrevious", false, {256, 32, 261, 260}, {32, 256, 98}},
      {"MergedWithPrevious", true, {97, 32, 257, 259, 32}, {262, 257}},
      {"MergedWithNext", false, {97, 32, 257, 259, 32}, {262, 257}},
      {"MergedWithNext", true, {256, 32, 261, 260}, {32, 256, 98}},
      {"Contiguous", false, {97, 258, 98, 32, 99, 32}, {32, 97, 32, 98}},
      {"Contiguous", true, {97, 258, 98, 32, 99, 32}, {32, 97, 32, 98}},
  };
  for (const SplitCase &c : cases) {
    SCOPED_TRACE(c.behavior + (c.invert ? " inverted" : ""));
    Tokenizer tokenizer = loadTiny(splitSpec(c.behavior, c.invert));
    EXPECT_EQ(tokenizer.encode("a  b c ", false).value(), c.spaced);
    EXPECT_EQ(tokenizer.encode(" a b", false).value(), c.leading);
    // Without a match the whole text is one piece; inverted Removed drops
    // it.
    std::vector<int64_t> plain = {97, 98, 99};
    if (c.behavior == "Removed" && c.invert)
      plain.clear();
    EXPECT_EQ(tokenizer.encode("abc", false).value(), plain);
  }
  Tokenizer regex =
      loadTiny(splitSpec("MergedWithNext", false, R"({"Regex":"\\s+"})"));
  EXPECT_THAT(regex.encode("a  b c ", false).value(),
              ::testing::ElementsAre(97, 258, 98, 259, 32));
}

TEST(TokenizerUnitTest, TemplateWithPrefixAndSuffix) {
  TinyTokenizerSpec spec = helloSpec();
  spec.addedTokens = R"([
    {"id":265,"content":"<s>","special":true},
    {"id":266,"content":"</s>","special":true}])";
  spec.postProcessor = R"({"type":"TemplateProcessing",
    "single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}],
    "pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[265],"tokens":["<s>"]},"</s>":{"id":"</s>","ids":[266],"tokens":["</s>"]}}})";
  Tokenizer tokenizer = loadTiny(spec);
  EXPECT_THAT(tokenizer.encode("hello", true).value(),
              ::testing::ElementsAre(265, 258, 111, 266));
  EXPECT_THAT(tokenizer.encode("hello", false).value(),
              ::testing::ElementsAre(258, 111));
  EXPECT_THAT(tokenizer.encode("", true).value(),
              ::testing::ElementsAre(265, 266));
}

TEST(TokenizerUnitTest, DecodeDropsUnknownIds) {
  Tokenizer tokenizer = loadTiny(helloSpec());
  EXPECT_EQ(tokenizer.decode({104, -1, 105, 5000}, false), "hi");
}

TEST(TokenizerUnitTest, InvalidBytesDecodeAsReplacementCharacters) {
  Tokenizer tokenizer = loadTiny(helloSpec());
  // 0xE2 0x82 starts a three-byte character that never completes; 0xFF is
  // never valid. Rust's from_utf8_lossy gives one U+FFFD per maximal
  // invalid subpart.
  std::vector<int64_t> ids = {'a', 0xE2, 0x82, 'b', 0xFF, 0xE2, 0x82};
  std::string expected = "a\xEF\xBF\xBD"
                         "b\xEF\xBF\xBD\xEF\xBF\xBD";
  EXPECT_EQ(tokenizer.decode(ids, false), expected);
  StreamingDecoder decoder(tokenizer, false);
  std::vector<std::string> chunks;
  for (int64_t id : ids)
    chunks.push_back(decoder.feed(id));
  chunks.push_back(decoder.finish());
  EXPECT_THAT(chunks,
              ::testing::ElementsAre("a", "", "",
                                     "\xEF\xBF\xBD"
                                     "b",
                                     "\xEF\xBF\xBD", "", "", "\xEF\xBF\xBD"));
}

TEST(TokenizerUnitTest, StreamingHoldsSplitCharacters) {
  Tokenizer tokenizer = loadTiny(helloSpec());
  // "€" is E2 82 AC, fed one byte token at a time; then "hello".
  StreamingDecoder decoder(tokenizer, false);
  EXPECT_EQ(decoder.feed(0xE2), "");
  EXPECT_EQ(decoder.feed(0x82), "");
  EXPECT_EQ(decoder.feed(0xAC), "\xE2\x82\xAC");
  EXPECT_EQ(decoder.feed(260), "hello");
  EXPECT_EQ(decoder.finish(), "");
}

/// Returns whether `pattern` matches all of `text`.
bool matchesWhole(std::string_view pattern, std::string_view text) {
  absl::StatusOr<tokenizer::Regex> regex = tokenizer::Regex::compile(pattern);
  EXPECT_TRUE(regex.ok()) << regex.status();
  if (!regex.ok())
    return false;
  tokenizer::RegexMatcher matcher;
  std::vector<tokenizer::RegexSpan> spans;
  EXPECT_TRUE(regex->findMatches(text, matcher, spans).ok());
  return spans.size() == 1 && spans[0].isMatch;
}

TEST(TokenizerUnitTest, PatternsFollowOniguruma) {
  using tokenizer::translatePattern;
  std::string ws = R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A})"
                   R"(\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
  EXPECT_EQ(translatePattern(R"(\s+(?!\S))", true),
            "[" + ws + "]+(?![^" + ws + "])");
  // Escaped backslashes, quoted text, literal ']' and scripts stay as they
  // are.
  EXPECT_EQ(translatePattern(R"(\\s\Q\s\E[]\s]\p{Greek})", true),
            R"(\\s\Q\s\E[])" + ws + R"(]\p{Greek})");
  // Categories gain what Unicode 16.0 added (CJK Extension H for Lo and L).
  std::string letters = translatePattern(R"([^\s\p{L}])", true);
  EXPECT_EQ(letters.rfind("[^" + ws + R"(\p{L}\x{)", 0), 0u) << letters;
  EXPECT_NE(letters.find(R"(\x{31350}-\x{323AF})"), std::string::npos);
  EXPECT_EQ(translatePattern(R"(\pN)", true).rfind(R"([\p{N}\x{)", 0), 0u);
  // U+180E is not White_Space (PCRE2's own \s would match it); U+0085 is.
  EXPECT_FALSE(matchesWhole(R"(\s)", "\xE1\xA0\x8E"));
  EXPECT_TRUE(matchesWhole(R"(\s)", "\xC2\x85"));
  // U+2ECA7 (Unicode 15.1) and U+137F6 (16.0) are letters, as in HF's
  // Oniguruma; U+10940 (17.0) is not yet.
  EXPECT_TRUE(matchesWhole(R"(\p{Lo})", "\xF0\xAE\xB2\xA7"));
  EXPECT_TRUE(matchesWhole(R"([\p{L}])", "\xF0\x93\x9F\xB6"));
  EXPECT_FALSE(matchesWhole(R"(\P{L})", "\xF0\x93\x9F\xB6"));
  EXPECT_FALSE(matchesWhole(R"(\p{L})", "\xF0\x90\xA5\x80"));
  // Without them, the categories stay as PCRE2 has them.
  EXPECT_EQ(translatePattern(R"([^\s\p{L}]\p{N})", false),
            "[^" + ws + R"(\p{L}]\p{N})");
  EXPECT_TRUE(tokenizer::containsUnicodeAdditions("ab \xF0\xAE\xB2\xA7"));
  EXPECT_FALSE(tokenizer::containsUnicodeAdditions(
      "ab \xE4\xB8\x80 \xD0\x96 \xF0\x9F\x98\x80"));
}

TEST(TokenizerUnitTest, EmptyMatchesIterateAsOniguruma) {
  absl::StatusOr<tokenizer::Regex> regex = tokenizer::Regex::compile("a*");
  ASSERT_TRUE(regex.ok()) << regex.status();
  tokenizer::RegexMatcher matcher;
  std::vector<tokenizer::RegexSpan> spans;
  ASSERT_TRUE(regex->findMatches("baa", matcher, spans).ok());
  std::vector<std::tuple<size_t, size_t, bool>> got;
  for (const tokenizer::RegexSpan &span : spans)
    got.emplace_back(span.begin, span.end, span.isMatch);
  // An empty match at 0, then "b" between matches, then "aa"; no empty
  // match right after "aa".
  EXPECT_THAT(got, ::testing::ElementsAre(std::make_tuple(0, 0, true),
                                          std::make_tuple(0, 1, false),
                                          std::make_tuple(1, 3, true)));
}

TEST(TokenizerUnitTest, Utf8Helpers) {
  using tokenizer::appendUtf8Lossy;
  using tokenizer::findInvalidUtf8;
  EXPECT_EQ(findInvalidUtf8("plain ascii text, long enough"), 29u);
  EXPECT_EQ(findInvalidUtf8("\xF0\x9F\x98\x80 ok"), 7u);
  EXPECT_EQ(findInvalidUtf8("ab\xED\xA0\x80"), 2u);    // a surrogate
  EXPECT_EQ(findInvalidUtf8("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(findInvalidUtf8("x\xF4\x90\x80\x80"), 1u); // above U+10FFFF
  std::string out;
  // An incomplete sequence waits unless it is at the end.
  EXPECT_EQ(appendUtf8Lossy("ok\xF0\x9F\x98", false, out), 2u);
  EXPECT_EQ(out, "ok");
  out.clear();
  EXPECT_EQ(appendUtf8Lossy("ok\xF0\x9F\x98", true, out), 5u);
  EXPECT_EQ(out, "ok\xEF\xBF\xBD");
  out.clear();
  // E0 80: 0x80 cannot follow E0, so E0 alone is the maximal subpart.
  appendUtf8Lossy("\xE0\x80z", true, out);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBDz");
}

} // namespace
} // namespace moec::runtime::test
