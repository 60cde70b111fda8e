//===- CpuArtifact.cpp - Writes a CPU artifact and its weights ------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/artifact/CpuArtifact.h"
#include "codegen/artifact/PackedWeights.h"
#include "runtime/ArtifactBuilder.h"
#include "runtime/Checkpoint.h"
#include "runtime/CpuFeatures.h"
#include "runtime/File.h"
#include "runtime/Sha256.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/Support/Path.h"
#include <dlfcn.h>

using namespace mlir;
using namespace mlir::moec;
namespace rt = ::moec::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static llvm::Error fromStatus(const absl::Status &status) {
  return makeError(std::string(status.message()));
}

/// The runtime dtype of an MLIR element type.
static std::optional<rt::DType> toDType(Type type) {
  if (type.isF32())
    return rt::DType::F32;
  if (type.isBF16())
    return rt::DType::BF16;
  if (type.isF16())
    return rt::DType::F16;
  if (type.isF64())
    return rt::DType::F64;
  if (isa<Float8E4M3FNType>(type))
    return rt::DType::F8E4M3;
  if (isa<Float8E5M2Type>(type))
    return rt::DType::F8E5M2;
  if (type.isInteger(64))
    return rt::DType::I64;
  if (type.isInteger(32))
    return rt::DType::I32;
  if (type.isInteger(8))
    return rt::DType::I8;
  return std::nullopt;
}

static rt::ModelConfig toModelConfig(const llama4::Llama4Config &c) {
  rt::ModelConfig m;
  m.vocabSize = c.vocabSize;
  m.hiddenSize = c.hiddenSize;
  m.intermediateSize = c.intermediateSize;
  m.intermediateSizeMlp = c.intermediateSizeMlp;
  m.numLayers = c.numLayers;
  m.numAttentionHeads = c.numHeads;
  m.numKeyValueHeads = c.numKvHeads;
  m.headDim = c.headDim;
  m.numLocalExperts = c.numExperts;
  m.numExpertsPerTok = c.topK;
  m.attentionChunkSize = c.attentionChunkSize;
  m.maxPositionEmbeddings = c.maxPositionEmbeddings;
  m.ropeTheta = c.ropeTheta;
  if (c.ropeScaling)
    m.ropeScaling = rt::Llama3RopeScaling{
        static_cast<float>(c.ropeScaling->factor),
        static_cast<float>(c.ropeScaling->lowFreqFactor),
        static_cast<float>(c.ropeScaling->highFreqFactor),
        static_cast<uint32_t>(c.ropeScaling->originalMaxPositionEmbeddings)};
  m.useQkNorm = c.useQkNorm;
  m.attnTemperatureTuning = c.attnTemperatureTuning;
  m.floorScale = c.floorScale;
  m.attnScale = c.attnScale;
  m.rmsNormEps = c.rmsNormEps;
  m.layerUsesRope = c.useRope;
  m.layerIsMoe = c.isMoe;
  m.bosTokenId = c.bosTokenId;
  m.padTokenId = c.padTokenId;
  for (int64_t id : c.eosTokenIds)
    m.eosTokenIds.push_back(static_cast<int32_t>(id));
  return m;
}

static int64_t getInt(DictionaryAttr dict, StringRef key) {
  auto attr = dict.getAs<IntegerAttr>(key);
  return attr ? attr.getInt() : -1;
}

/// The packed tensors `moec.cpu_abi` lists.
static llvm::Expected<std::vector<PackedTensor>> packedTensors(ArrayAttr list) {
  std::vector<PackedTensor> tensors;
  for (Attribute a : list) {
    auto entry = cast<DictionaryAttr>(a);
    auto type =
        cast<RankedTensorType>(entry.getAs<TypeAttr>("type").getValue());
    PackedTensor t;
    t.name = entry.getAs<StringAttr>("name").str();
    std::optional<rt::DType> dtype = toDType(type.getElementType());
    if (!dtype) {
      std::string element;
      llvm::raw_string_ostream os(element);
      os << type.getElementType();
      return makeError("weight '" + t.name + "' has element type " + element +
                       ", which the artifact cannot store");
    }
    t.dtype = *dtype;
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.offset = getInt(entry, "offset");
    t.bytes = getInt(entry, "bytes");
    tensors.push_back(std::move(t));
  }
  return tensors;
}

/// Checks a checkpoint tensor against the packed entry and returns its data.
static llvm::Expected<absl::Span<const uint8_t>>
readCheckpointTensor(const rt::Checkpoint &checkpoint, const PackedTensor &t) {
  absl::StatusOr<rt::CheckpointTensor> tensor = checkpoint.get(t.name);
  if (!tensor.ok())
    return fromStatus(tensor.status());
  if (tensor->info->dtype != t.dtype || tensor->info->shape != t.shape)
    return makeError("checkpoint tensor '" + t.name + "' is " +
                     std::string(rt::dtypeName(tensor->info->dtype)) +
                     " of another shape than the compiled model expects (" +
                     std::string(rt::dtypeName(t.dtype)) + ")");
  return tensor->data();
}

/// A rank-1 MLIR memref descriptor, what the compiled entries take.
struct ByteBufferDescriptor {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};

/// Runs `moec_cpu_pack(checkpoint, packed)` from `object` (written to a
/// temporary file for dlopen) over the checkpoint tensors `pack` lists.
static llvm::Error runPacking(const std::vector<uint8_t> &object,
                              DictionaryAttr pack,
                              const rt::Checkpoint &checkpoint,
                              std::vector<uint8_t> &packed) {
  auto inputList = pack.getAs<ArrayAttr>("inputs");
  llvm::Expected<std::vector<PackedTensor>> inputs = packedTensors(inputList);
  if (!inputs)
    return inputs.takeError();
  std::vector<uint8_t> source(getInt(pack, "input_size"));
  for (const PackedTensor &t : *inputs) {
    llvm::Expected<absl::Span<const uint8_t>> data =
        readCheckpointTensor(checkpoint, t);
    if (!data)
      return data.takeError();
    std::copy(data->begin(), data->end(), source.begin() + t.offset);
  }

  llvm::SmallString<128> path;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("moec-pack", "so", fd, path))
    return makeError("cannot create a temporary file for weight packing: " +
                     ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(reinterpret_cast<const char *>(object.data()), object.size());
    os.close();
    // Cleared after reporting, or the stream aborts without naming the file.
    if (os.has_error()) {
      std::string reason = os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(path);
      return makeError("cannot write the temporary weight-packing code '" +
                       path + "': " + reason);
    }
  }
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  llvm::sys::fs::remove(path);
  if (!handle)
    return makeError(llvm::Twine("cannot load the weight-packing code: ") +
                     dlerror());
  auto entry =
      reinterpret_cast<void (*)(void **)>(dlsym(handle, "moec_cpu_pack"));
  if (!entry) {
    dlclose(handle);
    return makeError("the compiled code has no moec_cpu_pack entry");
  }
  ByteBufferDescriptor in = {source.data(), source.data(), 0,
                             static_cast<int64_t>(source.size()), 1};
  ByteBufferDescriptor out = {packed.data(), packed.data(), 0,
                              static_cast<int64_t>(packed.size()), 1};
  void *args[] = {&in, &out};
  entry(args);
  dlclose(handle);
  return llvm::Error::success();
}

/// Returns the tree hash of the packed weights file as written (read back,
/// so that the digest covers exactly the bytes on disk, header included).
static llvm::Expected<rt::Sha256Digest> hashWrittenFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return makeError("cannot read back '" + path +
                     "': " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  return rt::treeSha256(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
}

std::string mlir::moec::packedWeightsPath(llvm::StringRef artifactPath) {
  llvm::SmallString<256> path(artifactPath);
  llvm::sys::path::replace_extension(path, "weights.safetensors");
  return path.str().str();
}

/// Per layer, the key and value cache entries of `moec.cpu_abi`.
static llvm::Expected<std::vector<rt::KvCacheLayer>>
kvCacheLayers(ArrayAttr caches, const llama4::Llama4Config &config) {
  if (caches.size() != 2 * static_cast<size_t>(config.numLayers))
    return makeError("the compiled model has " + llvm::Twine(caches.size()) +
                     " cache buffers, expected a key and a value cache for "
                     "each of " +
                     llvm::Twine(config.numLayers) + " layers");
  std::vector<rt::KvCacheLayer> layers;
  for (size_t l = 0; l < caches.size() / 2; ++l) {
    auto keys = cast<DictionaryAttr>(caches[2 * l]);
    auto values = cast<DictionaryAttr>(caches[2 * l + 1]);
    auto type = cast<RankedTensorType>(keys.getAs<TypeAttr>("type").getValue());
    if (type.getDimSize(1) != config.numKvHeads * config.headDim)
      return makeError("cache of layer " + llvm::Twine(l) +
                       " rows are not kv_heads x head_dim wide");
    rt::KvCacheLayer layer;
    layer.kind = rt::KvCacheKind::Full;
    layer.maxPositions = type.getDimSize(0);
    layer.kvHeads = config.numKvHeads;
    layer.headDim = config.headDim;
    layer.dtype = toDType(type.getElementType()).value_or(rt::DType::F32);
    layer.keysByteOffset = getInt(keys, "offset");
    layer.valuesByteOffset = getInt(values, "offset");
    layers.push_back(layer);
  }
  return layers;
}

/// `[base, per_token]` of a `moec.cpu_arena` entry.
static rt::Affine affineOf(DictionaryAttr dict, StringRef key) {
  ArrayRef<int64_t> v = dict.getAs<DenseI64ArrayAttr>(key).asArrayRef();
  return rt::Affine{static_cast<uint64_t>(v[0]), static_cast<uint64_t>(v[1])};
}

/// The arena of the step (`moec.cpu_arena`): buffer 0 is the whole arena,
/// which the step takes as its last argument; the planned temporaries follow,
/// live during the one step of each plan.
/// The checkpoint's tokenizer files that exist, copied into the artifact
/// (`storage` keeps their bytes alive until it is written). A checkpoint
/// without them compiles into an artifact that takes token ids only.
static llvm::Error addTextFiles(const std::string &checkpointDir,
                                std::vector<rt::TextFile> &files,
                                std::vector<std::string> &storage) {
  storage.reserve(std::size(rt::kArtifactTextFileNames));
  for (std::string_view name : rt::kArtifactTextFileNames) {
    std::string path = rt::joinPath(checkpointDir, name);
    if (!rt::pathExists(path))
      continue;
    absl::StatusOr<std::string> text =
        rt::readTextFile(path, rt::kMaxArtifactTextFileBytes);
    if (!text.ok())
      return fromStatus(text.status());
    storage.push_back(std::move(*text));
    files.push_back({std::string(name), absl::Span<const uint8_t>(
                                            reinterpret_cast<const uint8_t *>(
                                                storage.back().data()),
                                            storage.back().size())});
  }
  return llvm::Error::success();
}

static void addArena(DictionaryAttr arena, rt::BufferPlan &plan,
                     rt::PlanStep &step) {
  plan.alignment = arena.getAs<IntegerAttr>("alignment").getInt();
  plan.arenaSize = affineOf(arena, "size");
  std::vector<rt::Liveness> live = {{rt::PlanKind::Prefill, 0, 0},
                                    {rt::PlanKind::Decode, 0, 0}};
  plan.buffers.push_back({"arena", rt::Affine{0, 0}, plan.arenaSize, live});
  for (Attribute a : arena.getAs<ArrayAttr>("buffers")) {
    auto entry = cast<DictionaryAttr>(a);
    plan.buffers.push_back({entry.getAs<StringAttr>("name").str(),
                            affineOf(entry, "offset"), affineOf(entry, "size"),
                            live});
  }
  rt::Binding binding;
  binding.kind = rt::BindingKind::ArenaBuffer;
  binding.index = 0;
  step.args.push_back(binding);
}

llvm::Error mlir::moec::writeCpuArtifact(const CpuArtifactRequest &request) {
  DictionaryAttr abi = request.abi;
  auto weights = abi.getAs<ArrayAttr>("weights");
  auto caches = abi.getAs<ArrayAttr>("kv_caches");
  auto entry = abi.getAs<StringAttr>("entry");
  if (!weights || !caches || !entry)
    return makeError("internal error: the module has no complete moec.cpu_abi "
                     "(run moec-cpu-bind-runtime-abi)");
  llvm::Expected<std::vector<PackedTensor>> tensors = packedTensors(weights);
  if (!tensors)
    return tensors.takeError();
  uint64_t packedSize = getInt(abi, "packed_size");
  uint64_t alignment = getInt(abi, "alignment");

  std::string packedPath = packedWeightsPath(request.outputPath);
  std::string packedName = llvm::sys::path::filename(packedPath).str();
  absl::StatusOr<rt::Checkpoint> checkpoint =
      rt::Checkpoint::open(request.checkpointDir);
  if (!checkpoint.ok())
    return fromStatus(checkpoint.status());
  // The packed weights in memory: computed ones from the packing entry,
  // the others copied from the checkpoint.
  std::vector<uint8_t> packed(packedSize);
  auto pack = abi.getAs<DictionaryAttr>("pack");
  if (pack && !pack.empty())
    if (llvm::Error error =
            runPacking(request.packObject, pack, *checkpoint, packed))
      return error;
  for (auto [entry, tensor] : llvm::zip(weights, *tensors)) {
    if (cast<DictionaryAttr>(entry).get("computed"))
      continue;
    llvm::Expected<absl::Span<const uint8_t>> data =
        readCheckpointTensor(*checkpoint, tensor);
    if (!data)
      return data.takeError();
    std::copy(data->begin(), data->end(), packed.begin() + tensor.offset);
  }
  if (llvm::Error error = writePackedWeights(
          packedPath, *tensors, packedSize, alignment, [&](size_t i) {
            const PackedTensor &t = (*tensors)[i];
            return absl::MakeConstSpan(packed.data() + t.offset, t.bytes);
          }))
    return error;
  llvm::Expected<rt::Sha256Digest> packedSha256 = hashWrittenFile(packedPath);
  if (!packedSha256)
    return packedSha256.takeError();

  rt::ArtifactContents c;
  c.compilerVersion = request.compilerVersion;
  c.config = toModelConfig(*request.config);
  rt::Kernel kernel;
  kernel.name = "model";
  kernel.kind = rt::KernelKind::CpuSharedObject;
  kernel.target = request.arch;
  kernel.bytes = absl::MakeConstSpan(request.sharedObject);
  kernel.cpu = request.cpu;
  for (const std::string &feature : request.cpuFeatures)
    if (rt::isCheckableCpuFeature(feature))
      kernel.cpuFeatures.push_back(feature);
  c.kernels.push_back(kernel);
  rt::LaunchConfig launch;
  launch.kernelName = "moec_cpu_forward";
  c.launches.push_back(launch);
  // The entry's parameters, in order (codegen/cpu/BindRuntimeAbi.cpp).
  rt::PlanStep step;
  for (rt::BindingKind kind :
       {rt::BindingKind::PackedWeights, rt::BindingKind::KvCache,
        rt::BindingKind::InputTokenIds, rt::BindingKind::InputPositions,
        rt::BindingKind::OutputLogits}) {
    rt::Binding binding;
    binding.kind = kind;
    step.args.push_back(binding);
  }
  c.bufferPlan.maxTokens = request.maxTokens;
  c.bufferPlan.alignment = alignment;
  if (request.arena)
    addArena(request.arena, c.bufferPlan, step);
  c.prefill.steps.push_back(step);
  c.decode.steps.push_back(step);
  c.weights.packedFile = packedName;
  c.weights.packedSize = packedSize;
  c.weights.packedSha256 = *packedSha256;
  for (const PackedTensor &t : *tensors) {
    rt::WeightEntry w;
    w.name = t.name;
    w.dtype = t.dtype;
    w.shape = t.shape;
    w.byteOffset = t.offset;
    w.byteSize = t.bytes;
    c.weights.tensors.push_back(std::move(w));
  }
  llvm::Expected<std::vector<rt::KvCacheLayer>> layers =
      kvCacheLayers(caches, *request.config);
  if (!layers)
    return layers.takeError();
  c.kvCache = std::move(*layers);
  c.kvCacheBytes = getInt(abi, "kv_cache_bytes");
  std::vector<std::string> textBytes;
  if (llvm::Error error =
          addTextFiles(request.checkpointDir, c.textFiles, textBytes))
    return error;
  absl::Status written = rt::writeArtifact(c, request.outputPath);
  if (!written.ok())
    return fromStatus(written);
  return llvm::Error::success();
}
