//===- PackMoeLayerCommand.cpp - `moec pack-moe-layer` ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads one MoE layer of a Llama 4 checkpoint (any form the frontend reads:
// fused `experts.gate_up_proj [E, H, 2I]` / `down_proj [E, I, H]`, plain or
// fbgemm_fp8; unfused compressed-tensors `experts.{e}.{gate,up,down}_proj`)
// through the runtime's checkpoint reader, dequantizes it to f32 one matrix
// at a time, and writes the emitted layer's operands:
//
//   router      bf16 [E][H]
//   w13         W [E][2I][H]  gate rows [0, I), up rows [I, 2I)
//   w2          W [E][H][I]
//   shared_w13  W [2I][H]
//   shared_w2   W [H][I]
//
// W is bf16, or e4m3 with f32 row scales `<name>_scale` ([E][2I], [E][H],
// [2I], [H]) quantized as the compiler's moe.quantize lowering does:
// scale = amax(|row|) / 448 (1 for an all-zero row), q = e4m3(x / scale)
// rounded to nearest even and saturated (the emulator's bit-exact PTX cvt).
//
//===----------------------------------------------------------------------===//

#include "tools/moec/PackMoeLayerCommand.h"
#include "codegen/artifact/PackedWeights.h"
#include "frontends/llama4/Llama4Config.h"
#include "runtime/Checkpoint.h"
#include "runtime/emulator/semantics/Fp8.h"
#include "tools/moec/OutputFile.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;
using namespace mlir::moec;
namespace rt = ::moec::runtime;
using llama4::Llama4Config;
using llama4::ScalingSpec;

namespace {

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
  return 1;
}

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// "[4, 64, 64]".
std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
                    ", ") +
         "]";
}

/// One element of `bytes` (a tensor of `dtype`) as f32.
float elementAt(absl::Span<const uint8_t> bytes, rt::DType dtype,
                int64_t index) {
  const uint8_t *at = bytes.data() + index * rt::dtypeSize(dtype);
  uint16_t half;
  switch (dtype) {
  case rt::DType::F32: {
    float value;
    std::memcpy(&value, at, 4);
    return value;
  }
  case rt::DType::BF16:
    std::memcpy(&half, at, 2);
    return ::moec::emu::bf16ToFloat(half);
  case rt::DType::F16:
    std::memcpy(&half, at, 2);
    return ::moec::emu::f16ToFloat(half);
  default: // F8E4M3, checked by the caller.
    return ::moec::emu::e4m3ToFloat(*at);
  }
}

/// A strided element of a checkpoint tensor: (row, col) of a 2-D view.
struct Strided {
  absl::Span<const uint8_t> bytes;
  rt::DType dtype = rt::DType::F32;
  int64_t offset = 0, rowStride = 0, colStride = 0;
  float at(int64_t row, int64_t col) const {
    return elementAt(bytes, dtype, offset + row * rowStride + col * colStride);
  }
};

/// A [rows][cols] matrix of the packed layout, read from the checkpoint and
/// dequantized: value = data(r, c) * scale(r / blockRows, c / blockCols).
struct MatrixView {
  Strided data;
  std::optional<Strided> scale;
  int64_t blockRows = 1, blockCols = 1;
  float at(int64_t row, int64_t col) const {
    float value = data.at(row, col);
    return scale ? value * scale->at(row / blockRows, col / blockCols) : value;
  }
};

/// The checkpoint tensors of one layer, checked as they are looked up.
class LayerReader {
public:
  LayerReader(const rt::Checkpoint &checkpoint, const Llama4Config &config,
              int64_t layer)
      : checkpoint(checkpoint), config(config),
        prefix((config.tensorPrefix() + "model.layers." + llvm::Twine(layer) +
                ".feed_forward.")
                   .str()) {}

  /// `module`.weight [out][in] of a linear module, FP8 ones dequantized.
  llvm::Expected<MatrixView> linear(llvm::StringRef module, int64_t out,
                                    int64_t in);
  /// Expert e's gate|up as [2I][H] and down as [H][I].
  llvm::Expected<std::pair<std::vector<MatrixView>, std::vector<MatrixView>>>
  expert(int64_t e);

private:
  llvm::Expected<Strided> tensor(const std::string &name,
                                 llvm::ArrayRef<int64_t> shape, bool allowFp8);
  llvm::Expected<std::pair<std::vector<MatrixView>, std::vector<MatrixView>>>
  fusedExpert(int64_t e);

  const rt::Checkpoint &checkpoint;
  const Llama4Config &config;
  std::string prefix;
};

llvm::Expected<Strided> LayerReader::tensor(const std::string &name,
                                            llvm::ArrayRef<int64_t> shape,
                                            bool allowFp8) {
  std::optional<rt::CheckpointTensor> found = checkpoint.find(name);
  if (!found)
    return error(checkpoint.directory() + ": no tensor '" + name + "'");
  const rt::TensorInfo &info = *found->info;
  if (llvm::ArrayRef<int64_t>(info.shape) != shape)
    return error(name + ": expected shape " + formatShape(shape) + ", found " +
                 formatShape(info.shape));
  bool ok = info.dtype == rt::DType::F32 || info.dtype == rt::DType::BF16 ||
            info.dtype == rt::DType::F16 ||
            (allowFp8 && info.dtype == rt::DType::F8E4M3);
  if (!ok)
    return error(name + ": unsupported dtype " +
                 std::string(rt::dtypeName(info.dtype)) +
                 (allowFp8 ? " (expected F32, BF16, F16 or F8_E4M3)"
                           : " (expected F32, BF16 or F16)"));
  return Strided{found->data(), info.dtype};
}

llvm::Expected<MatrixView> LayerReader::linear(llvm::StringRef module,
                                               int64_t out, int64_t in) {
  std::string name = (prefix + module + ".weight").str();
  bool fp8 = config.quantization.quantizesLinear((prefix + module).str());
  llvm::Expected<Strided> data = tensor(name, {out, in}, fp8);
  if (!data)
    return data.takeError();
  data->rowStride = in;
  data->colStride = 1;
  MatrixView view{*data};
  if (!fp8 || data->dtype != rt::DType::F8E4M3)
    return view;
  const ScalingSpec &spec = config.quantization.weightScaling;
  bool block = spec.kind == ScalingSpec::Kind::Block;
  int64_t scaleRows = block ? llvm::divideCeil(out, spec.blockRows) : out;
  int64_t scaleCols = block ? llvm::divideCeil(in, spec.blockCols) : 1;
  llvm::Expected<Strided> scale =
      tensor(name + "_scale", {scaleRows, scaleCols}, false);
  if (!scale)
    return scale.takeError();
  scale->rowStride = scaleCols;
  scale->colStride = block ? 1 : 0;
  view.scale = *scale;
  view.blockRows = block ? spec.blockRows : 1;
  view.blockCols = block ? spec.blockCols : 1;
  return view;
}

llvm::Expected<std::pair<std::vector<MatrixView>, std::vector<MatrixView>>>
LayerReader::fusedExpert(int64_t e) {
  int64_t E = config.numExperts, H = config.hiddenSize,
          I = config.intermediateSize;
  std::string experts = prefix + "experts";
  bool fp8 = config.quantization.quantizesFusedExperts(experts);
  // gate_up_proj [E][H][2I] read as [2I][H]; down_proj [E][I][H] as [H][I].
  llvm::Expected<Strided> gateUp =
      tensor(experts + ".gate_up_proj", {E, H, 2 * I}, fp8);
  if (!gateUp)
    return gateUp.takeError();
  llvm::Expected<Strided> down = tensor(experts + ".down_proj", {E, I, H}, fp8);
  if (!down)
    return down.takeError();
  *gateUp = {gateUp->bytes, gateUp->dtype, e * H * 2 * I, 1, 2 * I};
  *down = {down->bytes, down->dtype, e * I * H, 1, H};
  MatrixView w13{*gateUp}, w2{*down};
  if (fp8 && gateUp->dtype == rt::DType::F8E4M3) {
    // fbgemm_fp8: gate_up_proj_scale [E][1][2I], down_proj_scale [E][H][1],
    // one scale per output channel (a row of the packed layout).
    llvm::Expected<Strided> s13 =
        tensor(experts + ".gate_up_proj_scale", {E, 1, 2 * I}, false);
    if (!s13)
      return s13.takeError();
    w13.scale = Strided{s13->bytes, s13->dtype, e * 2 * I, 1, 0};
  }
  if (fp8 && down->dtype == rt::DType::F8E4M3) {
    llvm::Expected<Strided> s2 =
        tensor(experts + ".down_proj_scale", {E, H, 1}, false);
    if (!s2)
      return s2.takeError();
    w2.scale = Strided{s2->bytes, s2->dtype, e * H, 1, 0};
  }
  return std::make_pair(std::vector<MatrixView>{w13},
                        std::vector<MatrixView>{w2});
}

llvm::Expected<std::pair<std::vector<MatrixView>, std::vector<MatrixView>>>
LayerReader::expert(int64_t e) {
  if (!config.quantization.hasUnfusedExperts())
    return fusedExpert(e);
  int64_t H = config.hiddenSize, I = config.intermediateSize;
  std::string module = "experts." + std::to_string(e) + ".";
  llvm::Expected<MatrixView> gate = linear(module + "gate_proj", I, H);
  if (!gate)
    return gate.takeError();
  llvm::Expected<MatrixView> up = linear(module + "up_proj", I, H);
  if (!up)
    return up.takeError();
  llvm::Expected<MatrixView> down = linear(module + "down_proj", H, I);
  if (!down)
    return down.takeError();
  return std::make_pair(std::vector<MatrixView>{*gate, *up},
                        std::vector<MatrixView>{*down});
}

/// The packed tensors in memory, appended to row by row.
class Packer {
public:
  Packer(bool fp8) : fp8(fp8) {}

  /// Starts tensor `name` of `shape`; FP8 weights get `name`_scale too.
  void begin(const std::string &name, std::vector<int64_t> shape, bool weight);
  /// Appends the rows of `parts` (each [rows][cols]) to the open tensor.
  void append(llvm::ArrayRef<MatrixView> parts, int64_t rows, int64_t cols);
  llvm::Error write(llvm::StringRef path);

private:
  struct Tensor {
    std::string name;
    rt::DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  bool fp8;
  bool quantized = false;
  std::vector<Tensor> tensors;
  std::vector<float> row;
};

void Packer::begin(const std::string &name, std::vector<int64_t> shape,
                   bool weight) {
  quantized = fp8 && weight;
  tensors.push_back(
      {name, quantized ? rt::DType::F8E4M3 : rt::DType::BF16, shape, {}});
  if (quantized) {
    shape.pop_back();
    tensors.push_back({name + "_scale", rt::DType::F32, shape, {}});
  }
}

void Packer::append(llvm::ArrayRef<MatrixView> parts, int64_t rows,
                    int64_t cols) {
  Tensor &data = tensors[tensors.size() - (quantized ? 2 : 1)];
  row.resize(cols);
  for (const MatrixView &part : parts)
    for (int64_t r = 0; r < rows; ++r) {
      float amax = 0.0f;
      for (int64_t c = 0; c < cols; ++c) {
        row[c] = part.at(r, c);
        amax = std::max(amax, std::fabs(row[c]));
      }
      if (!quantized) {
        for (float value : row) {
          uint16_t bits = ::moec::emu::floatToBf16(value);
          data.bytes.push_back(bits & 0xFF);
          data.bytes.push_back(bits >> 8);
        }
        continue;
      }
      float scale = amax > 0.0f ? amax / 448.0f : 1.0f;
      for (float value : row)
        data.bytes.push_back(::moec::emu::floatToE4m3(
            value / scale, /*satfinite=*/true, /*relu=*/false));
      std::vector<uint8_t> &scales = tensors.back().bytes;
      const auto *bits = reinterpret_cast<const uint8_t *>(&scale);
      scales.insert(scales.end(), bits, bits + 4);
    }
}

llvm::Error Packer::write(llvm::StringRef path) {
  // Each tensor 64-byte aligned in the file, so a mapping of it can be
  // copied to the device as it is.
  std::vector<PackedTensor> packed;
  uint64_t offset = 0;
  for (const Tensor &tensor : tensors) {
    offset = llvm::alignTo(offset, 64);
    packed.push_back(
        {tensor.name, tensor.dtype, tensor.shape, offset, tensor.bytes.size()});
    offset += tensor.bytes.size();
  }
  return writePackedWeights(
      path, packed, offset, 64,
      [&](size_t i) -> llvm::Expected<absl::Span<const uint8_t>> {
        return absl::MakeConstSpan(tensors[i].bytes);
      });
}

/// Checks the request against the config; the layer must hold experts.
llvm::Error checkLayer(const Llama4Config &config, int64_t layer,
                       llvm::StringRef dir) {
  int64_t layers = config.numLayers;
  if (layer < 0 || layer >= layers)
    return error("--layer=" + llvm::Twine(layer) + ": " + dir + " has " +
                 llvm::Twine(layers) + " layers (0 to " +
                 llvm::Twine(layers - 1) + ")");
  if (config.isMoe[layer])
    return llvm::Error::success();
  std::vector<std::string> moe;
  for (int64_t i = 0; i < layers; ++i)
    if (config.isMoe[i])
      moe.push_back(std::to_string(i));
  return error(
      "--layer=" + llvm::Twine(layer) + ": layer " + llvm::Twine(layer) +
      " has a dense MLP, no experts (MoE layers: " +
      (moe.empty() ? std::string("none") : llvm::join(moe, ", ")) + ")");
}

/// Reads the layer and writes the packed file.
llvm::Error pack(const PackMoeLayerRequest &request) {
  llvm::SmallString<256> configPath(request.input);
  llvm::sys::path::append(configPath, "config.json");
  llvm::Expected<Llama4Config> config = llama4::readLlama4Config(configPath);
  if (!config)
    return config.takeError();
  if (llvm::Error err = checkLayer(*config, *request.layer, request.input))
    return err;
  absl::StatusOr<rt::Checkpoint> checkpoint =
      rt::Checkpoint::open(request.input);
  if (!checkpoint.ok())
    return error(std::string(checkpoint.status().message()));
  int64_t E = config->numExperts, H = config->hiddenSize,
          I = config->intermediateSize;
  LayerReader reader(*checkpoint, *config, *request.layer);
  Packer packer(request.precision == "fp8-rowwise");
  // The router stays bf16 in both precisions (its GEMV is tiny).
  llvm::Expected<MatrixView> router = reader.linear("router", E, H);
  if (!router)
    return router.takeError();
  packer.begin("router", {E, H}, /*weight=*/false);
  packer.append({*router}, E, H);
  std::vector<std::vector<MatrixView>> w13, w2;
  for (int64_t e = 0; e < E; ++e) {
    auto expert = reader.expert(e);
    if (!expert)
      return expert.takeError();
    w13.push_back(expert->first);
    w2.push_back(expert->second);
  }
  packer.begin("w13", {E, 2 * I, H}, true);
  for (int64_t e = 0; e < E; ++e)
    packer.append(w13[e], w13[e].size() == 1 ? 2 * I : I, H);
  packer.begin("w2", {E, H, I}, true);
  for (int64_t e = 0; e < E; ++e)
    packer.append(w2[e], H, I);
  llvm::Expected<MatrixView> gate =
      reader.linear("shared_expert.gate_proj", I, H);
  if (!gate)
    return gate.takeError();
  llvm::Expected<MatrixView> up = reader.linear("shared_expert.up_proj", I, H);
  if (!up)
    return up.takeError();
  llvm::Expected<MatrixView> down =
      reader.linear("shared_expert.down_proj", H, I);
  if (!down)
    return down.takeError();
  packer.begin("shared_w13", {2 * I, H}, true);
  packer.append({*gate, *up}, I, H);
  packer.begin("shared_w2", {H, I}, true);
  packer.append({*down}, H, I);
  return packer.write(request.output);
}

/// `moec pack-moe-layer --list FILE`: name, dtype, shape per tensor.
int list(llvm::StringRef path) {
  absl::StatusOr<rt::SafetensorsFile> file =
      rt::SafetensorsFile::open(path.str());
  if (!file.ok())
    return fail(std::string(file.status().message()));
  for (const rt::TensorInfo &tensor : file->tensors()) {
    if (llvm::StringRef(tensor.name).starts_with("__moec_padding."))
      continue;
    llvm::outs() << tensor.name << " " << rt::dtypeName(tensor.dtype) << " "
                 << formatShape(tensor.shape) << "\n";
  }
  return 0;
}

} // namespace

int mlir::moec::runPackMoeLayerCommand(const PackMoeLayerRequest &request) {
  if (request.list)
    return list(request.input);
  if (request.precision != "fp8-rowwise" && request.precision != "bf16")
    return fail("--precision: expected fp8-rowwise or bf16 (the moe-layer "
                "kernel's weight formats), got '" +
                request.precision + "'");
  if (request.output.empty())
    return fail("-o OUT.safetensors is required");
  if (!request.layer)
    return fail("--layer=N is required: the MoE layer to pack");
  if (!llvm::sys::fs::is_directory(request.input))
    return fail("checkpoint directory '" + request.input + "' does not exist");
  if (int status =
          checkOutputsBeforeWork(request.input, {{request.output, "-o"}}))
    return status;
  if (llvm::Error err = pack(request))
    return fail(llvm::toString(std::move(err)));
  return 0;
}
