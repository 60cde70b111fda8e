//===- Safetensors.cpp - Strict memory-mapped safetensors reader ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements SafetensorsFile: mapping the file, decoding and
// validating the JSON header entry by entry, and checking that the tensors
// tile the data area exactly.
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"

#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"

#include "absl/strings/str_join.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <optional>
#include <sys/mman.h>
#include <tuple>
#include <utility>

namespace moec::runtime {

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

namespace {
/// The safetensors spelling and element size of one DType.
struct DTypeDesc {
  DType dtype;
  std::string_view name;
  size_t size;
};
} // namespace

/// Every supported dtype, in DType order.
static constexpr std::array<DTypeDesc, 12> kDTypes = {{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::F8E4M3, "F8_E4M3", 1},
    {DType::F8E5M2, "F8_E5M2", 1},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
}};

std::string_view dtypeName(DType dtype) {
  return kDTypes[static_cast<size_t>(dtype)].name;
}

size_t dtypeSize(DType dtype) {
  return kDTypes[static_cast<size_t>(dtype)].size;
}

absl::StatusOr<DType> parseDType(std::string_view name) {
  for (const DTypeDesc &desc : kDTypes)
    if (desc.name == name)
      return desc.dtype;
  std::string known;
  for (const DTypeDesc &desc : kDTypes)
    known += strCat(known.empty() ? "" : ", ", desc.name);
  return absl::InvalidArgumentError(strCat("unknown or unsupported dtype '",
                                           name, "' (supported: ", known, ")"));
}

int64_t TensorInfo::numElements() const {
  // Validation guarantees the product fits (it is at most byteSize), but
  // only once a zero dimension short-circuits it.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    return 0;
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

//===----------------------------------------------------------------------===//
// Header parsing
//===----------------------------------------------------------------------===//

/// Returns InvalidArgument "<path>: <message>".
static absl::Status fileError(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(strCat(path, ": ", message));
}

/// Returns InvalidArgument "<path>: tensor '<name>': <message>".
static absl::Status tensorError(std::string_view path, std::string_view name,
                                std::string_view message) {
  return absl::InvalidArgumentError(
      strCat(path, ": tensor '", name, "': ", message));
}

/// Formats a shape or offset pair as "[2, 3]".
template <typename T> static std::string formatList(const std::vector<T> &v) {
  return strCat("[", absl::StrJoin(v, ", "), "]");
}

/// Reads the little-endian header length and checks it against the limits
/// and the file size.
static absl::StatusOr<uint64_t> readHeaderLength(const uint8_t *bytes,
                                                 uint64_t fileSize,
                                                 std::string_view path) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = (length << 8) | bytes[i];
  if (length == 0)
    return fileError(path, "header length is 0; a safetensors header is a "
                           "non-empty JSON object");
  if (length > SafetensorsFile::kMaxHeaderBytes)
    return fileError(path,
                     strCat("header length ", length, " exceeds the limit of ",
                            SafetensorsFile::kMaxHeaderBytes,
                            " bytes (100 MiB); is this a "
                            "safetensors file?"));
  if (length > fileSize - 8)
    return fileError(path, strCat("header length ", length,
                                  " runs past the end of the file (the "
                                  "header would end at byte ",
                                  8 + length, " but the file is ", fileSize,
                                  " bytes); truncated file?"));
  return length;
}

/// Decodes "__metadata__": an object whose values are all strings.
static absl::StatusOr<std::map<std::string, std::string>>
parseMetadata(const JsonValue &value, std::string_view path) {
  const JsonValue::Object *members = value.asObject();
  if (!members)
    return fileError(path, strCat("__metadata__ must be an object "
                                  "mapping strings to strings, found ",
                                  jsonKindName(value.kind())));
  std::map<std::string, std::string> metadata;
  for (const JsonMember &member : *members) {
    const std::string *text = member.value.asString();
    if (!text)
      return fileError(path,
                       strCat("__metadata__ must map strings to "
                              "strings, but key '",
                              member.key, "' has ",
                              jsonKindName(member.value.kind()), " value"));
    metadata.emplace(member.key, *text);
  }
  return metadata;
}

/// Checks that a tensor entry is an object with exactly the fields dtype,
/// shape and data_offsets.
static absl::Status checkEntryFields(const JsonValue &entry,
                                     std::string_view path,
                                     std::string_view name) {
  static constexpr std::array<std::string_view, 3> kFields = {"dtype", "shape",
                                                              "data_offsets"};
  const JsonValue::Object *members = entry.asObject();
  if (!members)
    return tensorError(path, name,
                       strCat("entry must be an object with fields "
                              "dtype, shape and data_offsets, found ",
                              jsonKindName(entry.kind())));
  for (const JsonMember &member : *members)
    if (std::find(kFields.begin(), kFields.end(), member.key) == kFields.end())
      return tensorError(path, name,
                         strCat("unexpected field '", member.key,
                                "' (allowed: dtype, shape, "
                                "data_offsets)"));
  for (std::string_view field : kFields)
    if (!entry.find(field))
      return tensorError(path, name, strCat("missing field '", field, "'"));
  return absl::OkStatus();
}

/// Decodes a JSON array of integers; returns nullopt when `value` is not an
/// array or holds anything but integers.
static std::optional<std::vector<int64_t>> asIntList(const JsonValue &value) {
  const JsonValue::Array *elements = value.asArray();
  if (!elements)
    return std::nullopt;
  std::vector<int64_t> ints;
  for (const JsonValue &element : *elements) {
    std::optional<int64_t> i = element.asInt();
    if (!i)
      return std::nullopt;
    ints.push_back(*i);
  }
  return ints;
}

/// Returns the byte size of `shape` elements of `dtype`, or nullopt when it
/// does not fit in 64 bits.
static std::optional<uint64_t> shapeByteSize(const std::vector<int64_t> &shape,
                                             DType dtype) {
  // A zero dimension makes the tensor empty however large the others are.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    return 0;
  uint64_t size = dtypeSize(dtype);
  for (int64_t dim : shape)
    if (__builtin_mul_overflow(size, static_cast<uint64_t>(dim), &size))
      return std::nullopt;
  return size;
}

/// Decodes "dtype" and "shape" of one entry into `info`.
static absl::Status parseDTypeAndShape(const JsonValue &entry,
                                       std::string_view path,
                                       TensorInfo &info) {
  const std::string *dtypeText = entry.find("dtype")->asString();
  if (!dtypeText)
    return tensorError(path, info.name, "field 'dtype' must be a string");
  absl::StatusOr<DType> dtype = parseDType(*dtypeText);
  if (!dtype.ok())
    return tensorError(path, info.name, toStdView(dtype.status().message()));
  info.dtype = *dtype;
  std::optional<std::vector<int64_t>> shape = asIntList(*entry.find("shape"));
  if (!shape)
    return tensorError(path, info.name,
                       "field 'shape' must be an array of integers");
  for (int64_t dim : *shape)
    if (dim < 0)
      return tensorError(
          path, info.name,
          strCat("shape ", formatList(*shape), " has a negative dimension"));
  info.shape = *std::move(shape);
  return absl::OkStatus();
}

/// Decodes "data_offsets" of one entry into `info` and checks it against the
/// shape, the dtype and the data area size.
static absl::Status parseDataOffsets(const JsonValue &entry,
                                     std::string_view path,
                                     uint64_t dataAreaSize, TensorInfo &info) {
  std::optional<std::vector<int64_t>> offsets =
      asIntList(*entry.find("data_offsets"));
  if (!offsets || offsets->size() != 2 || (*offsets)[0] < 0 ||
      (*offsets)[1] < 0)
    return tensorError(path, info.name,
                       "field 'data_offsets' must be an array of two "
                       "non-negative integers [begin, end]");
  auto begin = static_cast<uint64_t>((*offsets)[0]);
  auto end = static_cast<uint64_t>((*offsets)[1]);
  std::string offsetsText = formatList(*offsets);
  if (begin > end)
    return tensorError(
        path, info.name,
        strCat("data_offsets ", offsetsText, " has begin > end"));
  std::optional<uint64_t> expected = shapeByteSize(info.shape, info.dtype);
  if (!expected)
    return tensorError(path, info.name,
                       strCat("shape ", formatList(info.shape), " with dtype ",
                              dtypeName(info.dtype),
                              " is too large: its byte size overflows "
                              "64 bits"));
  if (*expected != end - begin)
    return tensorError(path, info.name,
                       strCat("shape ", formatList(info.shape), " with dtype ",
                              dtypeName(info.dtype), " needs ", *expected,
                              " bytes but data_offsets ", offsetsText,
                              " cover ", end - begin, " bytes"));
  if (end > dataAreaSize)
    return tensorError(path, info.name,
                       strCat("data_offsets ", offsetsText,
                              " run past the end of the data area, "
                              "which is ",
                              dataAreaSize, " bytes"));
  info.byteOffset = begin;
  info.byteSize = end - begin;
  return absl::OkStatus();
}

/// Decodes and validates one tensor entry.
static absl::StatusOr<TensorInfo> parseTensorEntry(const JsonMember &member,
                                                   std::string_view path,
                                                   uint64_t dataAreaSize) {
  if (absl::Status status = checkEntryFields(member.value, path, member.key);
      !status.ok())
    return status;
  TensorInfo info;
  info.name = member.key;
  if (absl::Status status = parseDTypeAndShape(member.value, path, info);
      !status.ok())
    return status;
  if (absl::Status status =
          parseDataOffsets(member.value, path, dataAreaSize, info);
      !status.ok())
    return status;
  return info;
}

/// Describes a tensor's extent for error messages: "'w' [0, 16)".
static std::string describeExtent(const TensorInfo &info) {
  return strCat("'", info.name, "' (bytes [", info.byteOffset, ", ",
                info.byteOffset + info.byteSize, "))");
}

/// Sorts `tensors` into file order and checks that they cover the data area
/// exactly once: no overlaps, no holes, no trailing bytes.
static absl::Status checkLayout(std::vector<TensorInfo> &tensors,
                                uint64_t dataAreaSize, std::string_view path) {
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return std::tie(a.byteOffset, a.byteSize, a.name) <
                     std::tie(b.byteOffset, b.byteSize, b.name);
            });
  uint64_t covered = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo &info = tensors[i];
    if (i > 0 && info.byteOffset < covered)
      return fileError(path, strCat("tensors ", describeExtent(tensors[i - 1]),
                                    " and ", describeExtent(info), " overlap"));
    if (info.byteOffset > covered)
      return fileError(
          path, strCat("bytes [", covered, ", ", info.byteOffset,
                       ") of the data area belong to no tensor (a hole ",
                       i == 0 ? "before the first tensor " : "before tensor ",
                       describeExtent(info),
                       "); safetensors data must be contiguous"));
    covered = info.byteOffset + info.byteSize;
  }
  if (covered != dataAreaSize)
    return fileError(path, strCat("the data area is ", dataAreaSize,
                                  " bytes but the tensors cover only ", covered,
                                  "; bytes [", covered, ", ", dataAreaSize,
                                  ") belong to no tensor"));
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// SafetensorsFile
//===----------------------------------------------------------------------===//

SafetensorsFile::SafetensorsFile(SafetensorsFile &&other) noexcept {
  *this = std::move(other);
}

SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&other) noexcept {
  if (this == &other)
    return *this;
  unmap();
  filePath = std::move(other.filePath);
  mapped = std::exchange(other.mapped, nullptr);
  mappedSize = std::exchange(other.mappedSize, 0);
  dataStart = std::exchange(other.dataStart, 0);
  tensorInfos = std::move(other.tensorInfos);
  indexByName = std::move(other.indexByName);
  metadataMap = std::move(other.metadataMap);
  return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() {
  if (mapped)
    ::munmap(const_cast<uint8_t *>(mapped), mappedSize);
  mapped = nullptr;
  mappedSize = 0;
}

const TensorInfo *SafetensorsFile::find(std::string_view name) const {
  auto it = indexByName.find(toAbslView(name));
  return it == indexByName.end() ? nullptr : &tensorInfos[it->second];
}

absl::Span<const uint8_t>
SafetensorsFile::data(const TensorInfo &tensor) const {
  assert(&tensor >= tensorInfos.data() &&
         &tensor < tensorInfos.data() + tensorInfos.size() &&
         "tensor does not belong to this file");
  return {mapped + dataStart + tensor.byteOffset, tensor.byteSize};
}

/// Parses and validates the JSON header `json`, filling `tensors` (in file
/// order) and `metadata`.
static absl::Status parseHeader(std::string_view json, uint64_t dataAreaSize,
                                std::string_view path,
                                std::vector<TensorInfo> &tensors,
                                std::map<std::string, std::string> &metadata) {
  absl::StatusOr<JsonValue> header = parseJson(json);
  if (!header.ok())
    return fileError(path, strCat("the header (file bytes 8 to ",
                                  8 + json.size(), ") is not valid JSON: ",
                                  toStdView(header.status().message())));
  const JsonValue::Object *members = header->asObject();
  if (!members)
    return fileError(path, strCat("the header must be a JSON object, "
                                  "found ",
                                  jsonKindName(header->kind())));
  for (const JsonMember &member : *members) {
    if (member.key == "__metadata__") {
      absl::StatusOr<std::map<std::string, std::string>> parsed =
          parseMetadata(member.value, path);
      if (!parsed.ok())
        return parsed.status();
      metadata = *std::move(parsed);
      continue;
    }
    absl::StatusOr<TensorInfo> info =
        parseTensorEntry(member, path, dataAreaSize);
    if (!info.ok())
      return info.status();
    tensors.push_back(*std::move(info));
  }
  return checkLayout(tensors, dataAreaSize, path);
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::open(std::string path) {
  absl::StatusOr<OpenFile> file = openRegularFile(path);
  if (!file.ok())
    return file.status();
  if (file->size < 8)
    return fileError(path, strCat("file is ", file->size,
                                  " bytes, too short for a safetensors "
                                  "file (the header length alone is 8 "
                                  "bytes)"));
  void *address =
      ::mmap(nullptr, file->size, PROT_READ, MAP_PRIVATE, file->fd.get(), 0);
  if (address == MAP_FAILED)
    return makeFileError(errno, "memory-map", path);
  SafetensorsFile result;
  result.filePath = std::move(path);
  result.mapped = static_cast<const uint8_t *>(address);
  result.mappedSize = file->size;
  absl::StatusOr<uint64_t> headerLength =
      readHeaderLength(result.mapped, file->size, result.filePath);
  if (!headerLength.ok())
    return headerLength.status();
  result.dataStart = 8 + *headerLength;
  std::string_view json(reinterpret_cast<const char *>(result.mapped) + 8,
                        *headerLength);
  if (absl::Status status =
          parseHeader(json, file->size - result.dataStart, result.filePath,
                      result.tensorInfos, result.metadataMap);
      !status.ok())
    return status;
  for (size_t i = 0; i < result.tensorInfos.size(); ++i)
    result.indexByName.emplace(result.tensorInfos[i].name, i);
  return result;
}

} // namespace moec::runtime
