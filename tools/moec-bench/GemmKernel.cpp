//===- GemmKernel.cpp - running emitted GEMM kernels ------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-bench/GemmKernel.h"
#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace moec;
using namespace moec::bench;
using moec::runtime::JsonValue;

int64_t GemmDescription::scaleAFloats(int64_t rows) const {
  if (precision == "fp8-rowwise")
    return rows;
  return precision == "fp8-block" ? rows * kBlocks() : 0;
}

int64_t GemmDescription::scaleBFloats() const {
  if (precision == "fp8-rowwise")
    return weightSets() * n;
  return precision == "fp8-block" ? weightSets() * nBlocks() * kBlocks() : 0;
}

//===----------------------------------------------------------------------===//
// Description
//===----------------------------------------------------------------------===//

namespace {
absl::Status fieldError(const std::string &path, std::string_view field,
                        std::string_view problem) {
  return absl::InvalidArgumentError(
      runtime::strCat(path, ": field '", field, "' ", problem));
}

absl::StatusOr<int64_t> intField(const JsonValue &root, const std::string &path,
                                 std::string_view field) {
  const JsonValue *value = root.find(field);
  if (!value || !value->asInt())
    return fieldError(path, field, "is missing or not an integer");
  if (*value->asInt() <= 0)
    return fieldError(path, field, "must be positive");
  return *value->asInt();
}

absl::StatusOr<std::string> stringField(const JsonValue &root,
                                        const std::string &path,
                                        std::string_view field) {
  const JsonValue *value = root.find(field);
  if (!value || !value->asString())
    return fieldError(path, field, "is missing or not a string");
  return *value->asString();
}

absl::Status readTile(const JsonValue &root, const std::string &path,
                      GemmDescription &desc) {
  const JsonValue *tile = root.find("tile");
  const JsonValue::Array *sizes = tile ? tile->asArray() : nullptr;
  if (!sizes || sizes->size() != 3)
    return fieldError(path, "tile", "must be [M, N, K]");
  int64_t *fields[] = {&desc.tileM, &desc.tileN, &desc.tileK};
  for (int i = 0; i < 3; ++i) {
    std::optional<int64_t> size = (*sizes)[i].asInt();
    if (!size || *size <= 0)
      return fieldError(path, "tile", "must hold positive integers");
    *fields[i] = *size;
  }
  return absl::OkStatus();
}
} // namespace

absl::StatusOr<JsonValue> bench::readJsonFile(const std::string &path) {
  absl::StatusOr<std::string> text = runtime::readTextFile(path);
  if (!text.ok())
    return text.status();
  absl::StatusOr<JsonValue> root = runtime::parseJson(*text);
  if (!root.ok())
    return absl::InvalidArgumentError(
        runtime::strCat(path, ": ", root.status().message()));
  return root;
}

absl::StatusOr<double>
bench::medianEventMs(const runtime::CudaDevice &device,
                     const runtime::CudaStream &stream, int warmups, int reps,
                     const std::function<absl::Status(int)> &enqueue) {
  absl::StatusOr<runtime::CudaEvent> start = device.createEvent();
  absl::StatusOr<runtime::CudaEvent> stop = device.createEvent();
  if (!start.ok() || !stop.ok())
    return !start.ok() ? start.status() : stop.status();
  std::vector<double> times;
  for (int run = -warmups; run < reps; ++run) {
    if (absl::Status s = start->record(&stream); !s.ok())
      return s;
    if (absl::Status s = enqueue(run); !s.ok())
      return s;
    if (absl::Status s = stop->record(&stream); !s.ok())
      return s;
    if (absl::Status s = stop->synchronize(); !s.ok())
      return s;
    absl::StatusOr<float> ms = runtime::CudaEvent::elapsedMs(*start, *stop);
    if (!ms.ok())
      return ms.status();
    if (run >= 0)
      times.push_back(*ms);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

absl::StatusOr<GemmDescription>
bench::loadGemmDescription(const std::string &path) {
  absl::StatusOr<JsonValue> root = readJsonFile(path);
  if (!root.ok())
    return root.status();
  return parseGemmDescription(*root, path);
}

absl::StatusOr<GemmDescription>
bench::parseGemmDescription(const JsonValue &json, const std::string &path) {
  const JsonValue *root = &json;
  GemmDescription desc;
  absl::StatusOr<std::string> kind = stringField(*root, path, "kind");
  if (!kind.ok())
    return kind.status();
  if (*kind != "gemm" && *kind != "grouped_gemm")
    return fieldError(path, "kind",
                      runtime::strCat("is '", *kind,
                                      "', moec-bench runs 'gemm' and "
                                      "'grouped_gemm'"));
  if (*kind == "grouped_gemm") {
    absl::StatusOr<int64_t> experts = intField(*root, path, "experts");
    if (!experts.ok())
      return experts.status();
    desc.experts = *experts;
  }
  for (auto [field, out] : {std::pair{"name", &desc.name},
                            std::pair{"precision", &desc.precision}}) {
    absl::StatusOr<std::string> value = stringField(*root, path, field);
    if (!value.ok())
      return value.status();
    *out = *value;
  }
  if (desc.precision != "bf16" && desc.precision != "fp8-rowwise" &&
      desc.precision != "fp8-block")
    return fieldError(path, "precision",
                      "is not bf16, fp8-rowwise or "
                      "fp8-block");
  const JsonValue *m = root->find("m");
  if (m && !m->isNull()) {
    if (!m->asInt() || *m->asInt() <= 0)
      return fieldError(path, "m", "must be null or a positive integer");
    desc.m = *m->asInt();
  }
  for (auto [field, out] : {std::pair{"n", &desc.n}, std::pair{"k", &desc.k},
                            std::pair{"threads", &desc.threads},
                            std::pair{"smem_bytes", &desc.smemBytes}}) {
    absl::StatusOr<int64_t> value = intField(*root, path, field);
    if (!value.ok())
      return value.status();
    *out = *value;
  }
  if (absl::Status status = readTile(*root, path, desc); !status.ok())
    return status;
  if (const JsonValue *activation = root->find("activation")) {
    if (!activation->asString() || (*activation->asString() != "none" &&
                                    *activation->asString() != "silu" &&
                                    *activation->asString() != "swiglu"))
      return fieldError(path, "activation", "is not none, silu or swiglu");
    desc.activation = *activation->asString();
  }
  if (const JsonValue *rowAmax = root->find("row_amax")) {
    if (!rowAmax->asBool())
      return fieldError(path, "row_amax", "is not a boolean");
    desc.rowAmax = *rowAmax->asBool();
  }
  return desc;
}

//===----------------------------------------------------------------------===//
// Operands and reference
//===----------------------------------------------------------------------===//

namespace {
/// xorshift64*: fast enough for a gigabyte of operands.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
  }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) / 0x1p53;
  }

private:
  uint64_t state;
};

uint16_t toBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

double bf16Bytes(const uint8_t *bytes) {
  uint16_t half;
  std::memcpy(&half, bytes, 2);
  uint32_t bits = static_cast<uint32_t>(half) << 16;
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

double fromE4m3(uint8_t code) {
  int exponent = (code >> 3) & 15, mantissa = code & 7;
  double magnitude = exponent ? std::ldexp(1.0 + mantissa / 8.0, exponent - 7)
                              : std::ldexp(mantissa / 8.0, -6);
  return (code & 0x80) ? -magnitude : magnitude;
}

/// Random operand bytes: FP8 codes with exponents 5..8 (|x| in [1/4, 4)),
/// or bf16 values in [-2, 2).
void fillOperand(std::vector<uint8_t> &bytes, bool fp8, Random &random) {
  if (fp8) {
    for (uint8_t &byte : bytes) {
      uint64_t bits = random.next() >> 32;
      byte = static_cast<uint8_t>(
          ((bits & 1) << 7) | ((5 + (bits >> 1) % 4) << 3) | ((bits >> 8) & 7));
    }
    return;
  }
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint16_t half = toBf16(static_cast<float>(random.uniform(-2.0, 2.0)));
    std::memcpy(&bytes[i], &half, 2);
  }
}
} // namespace

GemmOperands bench::makeGemmOperands(const GemmDescription &desc, int64_t m,
                                     uint64_t seed) {
  Random random(seed);
  GemmOperands operands;
  operands.m = m;
  operands.a.resize(static_cast<size_t>(m * desc.k * desc.elementBytes()));
  operands.b.resize(static_cast<size_t>(desc.weightSets() * desc.n * desc.k *
                                        desc.elementBytes()));
  fillOperand(operands.a, desc.fp8(), random);
  fillOperand(operands.b, desc.fp8(), random);
  operands.scaleA.resize(desc.scaleAFloats(m));
  operands.scaleB.resize(desc.scaleBFloats());
  for (std::vector<float> *scales : {&operands.scaleA, &operands.scaleB})
    for (float &scale : *scales)
      scale = static_cast<float>(random.uniform(0.5, 2.0));
  return operands;
}

GemmOperands bench::makeGroupedOperands(const GemmDescription &desc,
                                        const std::vector<int64_t> &counts,
                                        uint64_t seed) {
  std::vector<int32_t> offsets = {0};
  std::vector<int32_t> rowExpert;
  int64_t tokens = 0;
  for (size_t e = 0; e < counts.size(); ++e) {
    int64_t padded = (counts[e] + desc.tileM - 1) / desc.tileM * desc.tileM;
    rowExpert.insert(rowExpert.end(), counts[e], static_cast<int32_t>(e));
    rowExpert.insert(rowExpert.end(), padded - counts[e], -1);
    offsets.push_back(static_cast<int32_t>(offsets.back() + padded));
    tokens += counts[e];
  }
  // At least one row so that A and C can be allocated and mapped.
  int64_t rows = std::max<int64_t>(offsets.back(), 1);
  GemmOperands operands = makeGemmOperands(desc, rows, seed);
  operands.tokens = tokens;
  operands.offsets = std::move(offsets);
  rowExpert.resize(static_cast<size_t>(rows), -1);
  // Padding rows are zero, as the routing kernel writes them.
  size_t rowBytes = static_cast<size_t>(desc.k * desc.elementBytes());
  for (int64_t row = 0; row < rows; ++row)
    if (rowExpert[row] < 0)
      std::fill_n(operands.a.begin() + row * rowBytes, rowBytes, 0);
  operands.rowExpert = std::move(rowExpert);
  return operands;
}

/// Row `row` of A times weight row `bRow` in float64, with the FP8 scales
/// (block scales per 128-wide K block, as the kernel promotes them).
static double scaledDot(const GemmDescription &desc,
                        const GemmOperands &operands, int64_t row,
                        int64_t bRow) {
  // A grouped row multiplies its expert's weights (padding rows are zero:
  // any expert gives 0).
  int64_t expert =
      desc.grouped() ? std::max<int32_t>(operands.rowExpert[row], 0) : 0;
  const uint8_t *a = operands.a.data() + row * desc.k * desc.elementBytes();
  const uint8_t *b = operands.b.data() +
                     (expert * desc.n + bRow) * desc.k * desc.elementBytes();
  double sum = 0.0;
  if (!desc.fp8()) {
    for (int64_t k = 0; k < desc.k; ++k)
      sum += bf16Bytes(a + 2 * k) * bf16Bytes(b + 2 * k);
    return sum;
  }
  if (desc.precision == "fp8-rowwise") {
    for (int64_t k = 0; k < desc.k; ++k)
      sum += fromE4m3(a[k]) * fromE4m3(b[k]);
    return sum * operands.scaleA[row] * operands.scaleB[expert * desc.n + bRow];
  }
  int64_t kBlocks = desc.kBlocks();
  for (int64_t kb = 0; kb < kBlocks; ++kb) {
    double block = 0.0;
    for (int64_t k = kb * 128; k < std::min(desc.k, kb * 128 + 128); ++k)
      block += fromE4m3(a[k]) * fromE4m3(b[k]);
    sum +=
        block * operands.scaleA[row * kBlocks + kb] *
        operands.scaleB[(expert * desc.nBlocks() + bRow / 128) * kBlocks + kb];
  }
  return sum;
}

double bench::bf16BytesToDouble(const uint8_t *bytes) {
  return bf16Bytes(bytes);
}

static double silu(double x) { return x / (1.0 + std::exp(-x)); }

double bench::referenceElement(const GemmDescription &desc,
                               const GemmOperands &operands, int64_t row,
                               int64_t col) {
  double value = scaledDot(desc, operands, row, col);
  if (desc.activation == "silu")
    return silu(value);
  if (desc.swiglu())
    return silu(value) * scaledDot(desc, operands, row, desc.outputN() + col);
  return value;
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

absl::StatusOr<std::string>
bench::readKernelImage(const std::string &descriptionPath) {
  std::string stem = descriptionPath;
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".json")
    stem.resize(stem.size() - 5);
  std::string imagePath = stem + ".cubin";
  if (!runtime::isRegularFile(imagePath))
    imagePath = stem + ".ptx";
  absl::StatusOr<std::string> image = runtime::readTextFile(imagePath);
  if (!image.ok())
    return absl::NotFoundError(runtime::strCat("no kernel image beside ",
                                               descriptionPath, ": ",
                                               image.status().message()));
  return image;
}

absl::StatusOr<GemmKernel>
GemmKernel::load(const runtime::CudaDevice &device, const GemmDescription &desc,
                 const std::string &descriptionPath) {
  absl::StatusOr<std::string> image = readKernelImage(descriptionPath);
  if (!image.ok())
    return image.status();
  absl::StatusOr<runtime::CudaModule> module = device.loadModule(
      absl::Span<const uint8_t>(
          reinterpret_cast<const uint8_t *>(image->data()), image->size()),
      descriptionPath);
  if (!module.ok())
    return module.status();
  return fromModule(
      device, desc,
      std::make_shared<const runtime::CudaModule>(std::move(*module)));
}

absl::StatusOr<GemmKernel>
GemmKernel::fromModule(const runtime::CudaDevice &device,
                       const GemmDescription &desc,
                       std::shared_ptr<const runtime::CudaModule> module) {
  absl::StatusOr<runtime::CudaFunction> function = module->function(desc.name);
  if (!function.ok())
    return function.status();
  if (absl::Status status = device.setMaxDynamicSharedMemory(
          *function, static_cast<uint32_t>(desc.smemBytes));
      !status.ok())
    return status;
  return GemmKernel(device, desc, std::move(module), std::move(*function));
}

absl::Status GemmKernel::launch(int64_t m, cuda::CUdeviceptr a,
                                cuda::CUdeviceptr b, cuda::CUdeviceptr scaleA,
                                cuda::CUdeviceptr scaleB, cuda::CUdeviceptr c,
                                const runtime::CudaStream *stream,
                                cuda::CUdeviceptr offsets,
                                cuda::CUdeviceptr rowAmax) const {
  if (m <= 0 || (desc.m && m != *desc.m))
    return absl::InvalidArgumentError(runtime::strCat(
        desc.name, ": cannot run M = ", m,
        desc.m ? runtime::strCat(" (compiled for M = ", *desc.m, ")") : ""));
  if (desc.rowAmax != (rowAmax != 0))
    return absl::InvalidArgumentError(runtime::strCat(
        desc.name, desc.rowAmax ? ": the kernel needs a row_amax buffer"
                                : ": the kernel takes no row_amax buffer"));
  if (desc.grouped() != (offsets != 0))
    return absl::InvalidArgumentError(runtime::strCat(
        desc.name, desc.grouped() ? ": a grouped GEMM needs expert offsets"
                                  : ": a dense GEMM takes no offsets"));
  // [rows, K] row-major (A, dense B) or [E, N, K] (grouped B), read in
  // boxes of tileK x boxRows 128-byte swizzled rows.
  auto operandMap = [&](cuda::CUdeviceptr base, int64_t rows, int64_t boxRows,
                        int64_t sets, uint32_t rank) {
    runtime::TensorMapSpec spec;
    spec.dataType = desc.fp8() ? runtime::TensorMapDataType::UInt8
                               : runtime::TensorMapDataType::BFloat16;
    uint64_t rowBytes = static_cast<uint64_t>(desc.k * desc.elementBytes());
    spec.rank = rank;
    spec.globalDims = {static_cast<uint64_t>(desc.k),
                       static_cast<uint64_t>(rows),
                       static_cast<uint64_t>(sets)};
    spec.globalStrides = {rowBytes, rowBytes * static_cast<uint64_t>(rows)};
    spec.boxDims = {static_cast<uint32_t>(desc.tileK),
                    static_cast<uint32_t>(boxRows), 1};
    spec.swizzle = runtime::TensorMapSwizzle::Bytes128;
    spec.l2Promotion = runtime::TensorMapL2Promotion::Bytes256;
    spec.oobFill = runtime::TensorMapOobFill::Zero;
    return device->encodeTiledTensorMap(spec, base);
  };
  absl::StatusOr<cuda::CUtensorMap> mapA = operandMap(a, m, desc.tileM, 1, 2);
  if (!mapA.ok())
    return mapA.status();
  absl::StatusOr<cuda::CUtensorMap> mapB = operandMap(
      b, desc.n, desc.bBoxRows(), desc.weightSets(), desc.grouped() ? 3 : 2);
  if (!mapB.ok())
    return mapB.status();
  int64_t tiles = ((m + desc.tileM - 1) / desc.tileM) *
                  ((desc.outputN() + desc.bBoxRows() - 1) / desc.bBoxRows());
  runtime::LaunchDims dims;
  // Grouped: the tile count is on the device; one CTA per SM.
  dims.grid[0] = static_cast<uint32_t>(
      desc.grouped() ? device->smCount()
                     : std::min<int64_t>(tiles, device->smCount()));
  dims.block[0] = static_cast<uint32_t>(desc.threads);
  dims.dynamicSharedBytes = static_cast<uint32_t>(desc.smemBytes);
  int32_t rows = static_cast<int32_t>(m);
  void *last = desc.grouped() ? static_cast<void *>(&offsets)
                              : static_cast<void *>(&rows);
  void *params[] = {&*mapA, &*mapB, &c, &scaleA, &scaleB, last, &rowAmax};
  return device->launch(function, dims, params, stream);
}
