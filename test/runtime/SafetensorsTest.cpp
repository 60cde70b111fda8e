//===- SafetensorsTest.cpp - Tests for the strict safetensors reader ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests SafetensorsFile on files written by the tests: a valid file
// with every dtype, and one malformed file per validation rule, checking that
// each error names the file, the tensor and the problem.
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"
#include "runtime/StringUtil.h"

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>
#include <initializer_list>

namespace moec::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testutil::bytesOf;
using testutil::SafetensorsBuilder;
using testutil::safetensorsBytes;
using testutil::TempDir;
using testutil::writeFile;

class SafetensorsTest : public ::testing::Test {
protected:
  /// Writes `bytes` to a file and opens it.
  absl::StatusOr<SafetensorsFile> openBytes(std::string_view bytes) {
    writeFile(path, bytes);
    return SafetensorsFile::open(path);
  }

  /// Expects opening `bytes` to fail with a message that names the file and
  /// contains every phrase in `phrases`.
  void expectError(std::string_view bytes,
                   std::initializer_list<std::string_view> phrases) {
    absl::StatusOr<SafetensorsFile> file = openBytes(bytes);
    ASSERT_FALSE(file.ok()) << "accepted a malformed file";
    EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(file.status().message());
    EXPECT_THAT(message, HasSubstr(path));
    for (std::string_view phrase : phrases)
      EXPECT_THAT(message, HasSubstr(std::string(phrase)));
  }

  /// Expects a file with header `header` and data `data` to be rejected.
  void expectHeaderError(std::string_view header, std::string_view data,
                         std::initializer_list<std::string_view> phrases) {
    expectError(safetensorsBytes(header, data), phrases);
  }

  TempDir dir;
  std::string path = dir.file("model.safetensors");
};

TEST_F(SafetensorsTest, ReadsEveryDType) {
  std::vector<float> f32 = {1.0f, -2.5f, 3.0f, 0.0f, 5.5f, 6.0f};
  std::vector<uint16_t> bf16 = {0x3F80, 0xC000, 0x0000, 0x7F80};
  std::vector<int64_t> i64 = {INT64_MIN, 7};
  std::string builder =
      SafetensorsBuilder()
          .metadata("format", "pt")
          .add("w.f32", "F32", {2, 3}, bytesOf(f32))
          .add("w.bf16", "BF16", {4}, bytesOf(bf16))
          .add("w.i64", "I64", {2}, bytesOf(i64))
          .add("w.fp8", "F8_E4M3", {2, 2}, "\x01\x02\x03\x04")
          .add("w.u8", "U8", {3}, "abc")
          .add("w.bool", "BOOL", {2}, std::string("\x01\x00", 2))
          .add("scalar", "I8", {}, "\x7f")
          .add("empty", "F16", {0, 4}, "")
          .add("w.f64", "F64", {1}, bytesOf(std::vector<double>{0.5}))
          .bytes();
  absl::StatusOr<SafetensorsFile> file = openBytes(builder);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->tensors().size(), 9u);
  EXPECT_THAT(
      file->metadata(),
      ElementsAre(std::pair<const std::string, std::string>("format", "pt")));
  const TensorInfo *w = file->find("w.f32");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::F32);
  EXPECT_THAT(w->shape, ElementsAre(2, 3));
  EXPECT_EQ(w->numElements(), 6);
  EXPECT_EQ(w->byteSize, 24u);
  absl::Span<const uint8_t> bytes = file->data(*w);
  ASSERT_EQ(bytes.size(), 24u);
  EXPECT_EQ(std::memcmp(bytes.data(), f32.data(), 24), 0);
  const TensorInfo *b = file->find("w.bf16");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, DType::BF16);
  EXPECT_EQ(std::memcmp(file->data(*b).data(), bf16.data(), 8), 0);
  const TensorInfo *i = file->find("w.i64");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(std::memcmp(file->data(*i).data(), i64.data(), 16), 0);
  EXPECT_EQ(file->find("w.fp8")->dtype, DType::F8E4M3);
  EXPECT_EQ(file->find("w.bool")->dtype, DType::Bool);
  const TensorInfo *u8 = file->find("w.u8");
  EXPECT_EQ(
      std::string(reinterpret_cast<const char *>(file->data(*u8).data()), 3),
      "abc");
  const TensorInfo *scalar = file->find("scalar");
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->numElements(), 1);
  EXPECT_EQ(file->data(*scalar)[0], 0x7f);
  const TensorInfo *empty = file->find("empty");
  EXPECT_EQ(empty->numElements(), 0);
  EXPECT_TRUE(file->data(*empty).empty());
  EXPECT_EQ(file->find("missing"), nullptr);
}

TEST_F(SafetensorsTest, TensorsAreInFileOrder) {
  std::string header =
      R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
      R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})";
  absl::StatusOr<SafetensorsFile> file =
      openBytes(safetensorsBytes(header, "wxyz"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(file->tensors()[1].byteOffset, 2u);
  EXPECT_EQ(file->dataAreaOffset(), 8 + header.size());
  EXPECT_EQ(file->fileSize(), 8 + header.size() + 4);
  EXPECT_TRUE(file->metadata().empty());
}

TEST_F(SafetensorsTest, MovedFileKeepsItsMapping) {
  absl::StatusOr<SafetensorsFile> file =
      openBytes(SafetensorsBuilder().add("t", "U8", {3}, "xyz").bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  SafetensorsFile moved = *std::move(file);
  SafetensorsFile assigned = std::move(moved);
  const TensorInfo *t = assigned.find("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(assigned.data(*t)[2], 'z');
}

TEST_F(SafetensorsTest, AcceptsAnEmptyHeaderObject) {
  absl::StatusOr<SafetensorsFile> file = openBytes(safetensorsBytes("{}", ""));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->tensors().empty());
}

TEST_F(SafetensorsTest, MissingFile) {
  absl::StatusOr<SafetensorsFile> file =
      SafetensorsFile::open(dir.file("nope.safetensors"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("nope.safetensors"));
}

TEST_F(SafetensorsTest, DirectoryIsNotAFile) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(dir.path());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("not a regular file"));
}

TEST_F(SafetensorsTest, TruncatedFile) {
  expectError("", {"file is 0 bytes, too short"});
  expectError(std::string("\x05\x00\x00\x00\x00", 5),
              {"file is 5 bytes, too short"});
}

TEST_F(SafetensorsTest, HeaderLengthZero) {
  expectError(safetensorsBytes("", "abcd"), {"header length is 0"});
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  expectError(
      strCat(testutil::littleEndian64(1000), "{}"),
      {"header length 1000 runs past the end of the file", "file is 10 bytes"});
}

TEST_F(SafetensorsTest, HeaderLengthOverLimit) {
  expectError(strCat(testutil::littleEndian64(uint64_t(1) << 40), "{}"),
              {"exceeds the limit of 104857600 bytes"});
  expectError(strCat(testutil::littleEndian64(UINT64_MAX), "{}"),
              {"exceeds the limit"});
}

TEST_F(SafetensorsTest, InvalidJson) {
  expectHeaderError(R"({"t": {"dtype": "U8",)", "",
                    {"is not valid JSON", "invalid JSON at byte 21"});
  expectHeaderError("{\"t\": 1}\x01", "", {"is not valid JSON"});
}

TEST_F(SafetensorsTest, HeaderNotAnObject) {
  expectHeaderError("[1, 2]", "",
                    {"header must be a JSON object, found an "
                     "array"});
}

TEST_F(SafetensorsTest, DuplicateTensorName) {
  expectHeaderError(R"({"dup":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                    R"("dup":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                    "ab", {"duplicate object key \"dup\""});
}

TEST_F(SafetensorsTest, UnknownDType) {
  expectHeaderError(
      R"({"layer.w":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}})", "a",
      {"tensor 'layer.w'", "unknown or unsupported dtype 'F7'", "F8_E4M3"});
  expectHeaderError(
      R"({"layer.w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", "abcd",
      {"tensor 'layer.w'", "unknown or unsupported dtype 'f32'"});
}

TEST_F(SafetensorsTest, EntryNotAnObject) {
  expectHeaderError(
      R"({"layer.w": [1]})", "",
      {"tensor 'layer.w'", "entry must be an object", "found an array"});
}

TEST_F(SafetensorsTest, MissingField) {
  expectHeaderError(R"({"layer.w":{"dtype":"U8","data_offsets":[0,1]}})", "a",
                    {"tensor 'layer.w'", "missing field 'shape'"});
  expectHeaderError(R"({"layer.w":{"dtype":"U8","shape":[1]}})", "a",
                    {"tensor 'layer.w'", "missing field 'data_offsets'"});
  expectHeaderError(R"({"layer.w":{"shape":[1],"data_offsets":[0,1]}})", "a",
                    {"tensor 'layer.w'", "missing field 'dtype'"});
}

TEST_F(SafetensorsTest, ExtraField) {
  expectHeaderError(R"({"layer.w":{"dtype":"U8","shape":[1],)"
                    R"("data_offsets":[0,1],"stride":[1]}})",
                    "a", {"tensor 'layer.w'", "unexpected field 'stride'"});
}

TEST_F(SafetensorsTest, WrongFieldTypes) {
  expectHeaderError(
      R"({"layer.w":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", "a",
      {"tensor 'layer.w'", "field 'dtype' must be a string"});
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":"1","data_offsets":[0,1]}})", "a",
      {"tensor 'layer.w'", "field 'shape' must be an array of integers"});
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})", "a",
      {"tensor 'layer.w'", "field 'shape' must be an array of integers"});
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", "a",
      {"tensor 'layer.w'", "'data_offsets' must be an array of two"});
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", "a",
      {"tensor 'layer.w'", "'data_offsets' must be an array of two "
                           "non-negative integers"});
}

TEST_F(SafetensorsTest, NegativeDimension) {
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[2,-1],"data_offsets":[0,0]}})", "",
      {"tensor 'layer.w'", "shape [2, -1] has a negative dimension"});
}

TEST_F(SafetensorsTest, BeginAfterEnd) {
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}})", "abc",
      {"tensor 'layer.w'", "data_offsets [2, 1] has begin > end"});
}

TEST_F(SafetensorsTest, SizeMismatch) {
  expectHeaderError(
      R"({"layer.w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})",
      std::string(20, 'x'),
      {"tensor 'layer.w'", "shape [2, 3] with dtype F32 needs 24 bytes",
       "data_offsets [0, 20] cover 20 bytes"});
}

TEST_F(SafetensorsTest, ByteSizeOverflow) {
  expectHeaderError(R"({"layer.w":{"dtype":"F32","shape":[4294967296,)"
                    R"(4294967296],"data_offsets":[0,0]}})",
                    "", {"tensor 'layer.w'", "overflows 64 bits"});
  // 2^62 * 4 bytes overflows even though the element count does not.
  expectHeaderError(
      R"({"layer.w":{"dtype":"F32","shape":[4611686018427387904],)"
      R"("data_offsets":[0,0]}})",
      "", {"tensor 'layer.w'", "overflows 64 bits"});
}

TEST_F(SafetensorsTest, ZeroDimensionWinsOverHugeOnes) {
  absl::StatusOr<SafetensorsFile> file = openBytes(
      safetensorsBytes(R"({"e":{"dtype":"F32","shape":[4611686018427387904,)"
                       R"(4611686018427387904,0],"data_offsets":[0,0]}})",
                       ""));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->find("e")->numElements(), 0);
}

TEST_F(SafetensorsTest, OffsetsPastEndOfDataArea) {
  expectHeaderError(
      R"({"layer.w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})", "abcd",
      {"tensor 'layer.w'", "data_offsets [0, 8] run past the end of the data "
                           "area, which is 4 bytes"});
}

TEST_F(SafetensorsTest, OverlappingTensors) {
  expectHeaderError(
      R"({"first":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
      R"("second":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
      "abcdef",
      {"tensors 'first' (bytes [0, 4)) and 'second' (bytes [2, 6)) overlap"});
  // Identical extents overlap too.
  expectHeaderError(
      R"({"first":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
      R"("second":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})",
      "ab", {"'first'", "'second'", "overlap"});
}

TEST_F(SafetensorsTest, HolesAreRejected) {
  expectHeaderError(
      R"({"first":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
      R"("second":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})",
      "abcdef",
      {"bytes [2, 4) of the data area belong to no tensor",
       "before tensor 'second'", "contiguous"});
  expectHeaderError(
      R"({"only":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", "abc",
      {"bytes [0, 1)", "before the first tensor 'only'"});
}

TEST_F(SafetensorsTest, TrailingBytesAreRejected) {
  expectHeaderError(
      R"({"only":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "abcd",
      {"the data area is 4 bytes but the tensors cover only 2",
       "bytes [2, 4) belong to no tensor"});
}

TEST_F(SafetensorsTest, BadMetadata) {
  expectHeaderError(R"({"__metadata__": ["pt"]})", "",
                    {"__metadata__ must be an object mapping strings to "
                     "strings, found an array"});
  expectHeaderError(R"({"__metadata__": {"format": "pt", "version": 2}})", "",
                    {"__metadata__ must map strings to strings",
                     "key 'version' has an integer value"});
}

TEST(DTypeTest, NamesSizesAndParsing) {
  EXPECT_EQ(dtypeName(DType::F8E4M3), "F8_E4M3");
  EXPECT_EQ(dtypeName(DType::Bool), "BOOL");
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::F8E5M2), 1u);
  for (std::string_view name :
       {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "I64", "I32", "I16",
        "I8", "U8", "BOOL"}) {
    absl::StatusOr<DType> dtype = parseDType(name);
    ASSERT_TRUE(dtype.ok()) << name;
    EXPECT_EQ(dtypeName(*dtype), name);
  }
  absl::StatusOr<DType> bad = parseDType("F8_E4M3FN");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown or unsupported dtype 'F8_E4M3FN'"));
}

} // namespace
} // namespace moec::runtime
