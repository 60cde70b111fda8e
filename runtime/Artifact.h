//===- Artifact.h - Verified loader for compiled moec artifacts -*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the in-memory form of a compiled artifact (a .moec file,
// schema in runtime/schema/artifact.fbs) and its loader.
//
// Loading checks, in order and before anything else is read: the file size,
// the "MOEC" file identifier, the size prefix against the file size, the schema
// version (read with explicit bounds checks so that a mismatch is reported even
// when the layout changed), the FlatBuffers verifier (with depth and table
// limits), enum values, and then every semantic rule: cross-references in range
// (plan steps' kernels, launches and bindings; liveness intervals; scale
// tensors), positive dimensions, weights inside the packed-weights data area,
// buffers inside the arena for every token count, KV-cache regions inside the
// KV-cache allocation and disjoint, unique names. Every error
// names the file and the offending field.
//
// The same plain structs are what ArtifactBuilder (runtime/ArtifactBuilder.h)
// serializes, and validateArtifact runs before writing too.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_ARTIFACT_H
#define MOEC_RUNTIME_ARTIFACT_H

#include "runtime/Safetensors.h"
#include "runtime/Sha256.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

/// The artifact schema version this runtime reads and writes.
constexpr uint32_t kArtifactSchemaVersion = 2;

/// rope_scaling with rope_type "llama3".
struct Llama3RopeScaling {
  float factor = 8.0f;
  float lowFreqFactor = 1.0f;
  float highFreqFactor = 4.0f;
  uint32_t originalMaxPositionEmbeddings = 8192;
};

/// The Llama 4 text configuration the runtime needs.
struct ModelConfig {
  uint32_t vocabSize = 0;
  uint32_t hiddenSize = 0;
  uint32_t intermediateSize = 0;
  uint32_t intermediateSizeMlp = 0;
  uint32_t numLayers = 0;
  uint32_t numAttentionHeads = 0;
  uint32_t numKeyValueHeads = 0;
  uint32_t headDim = 0;
  uint32_t numLocalExperts = 0;
  uint32_t numExpertsPerTok = 0;
  /// 0: no chunked attention.
  uint32_t attentionChunkSize = 0;
  uint32_t maxPositionEmbeddings = 0;
  float ropeTheta = 500000.0f;
  std::optional<Llama3RopeScaling> ropeScaling;
  bool useQkNorm = false;
  bool attnTemperatureTuning = false;
  float floorScale = 8192.0f;
  float attnScale = 0.1f;
  float rmsNormEps = 1e-5f;
  /// One entry per layer; false marks a NoPE layer.
  std::vector<bool> layerUsesRope;
  /// One entry per layer.
  std::vector<bool> layerIsMoe;
  /// -1: none.
  int32_t bosTokenId = -1;
  std::vector<int32_t> eosTokenIds;
  std::vector<int32_t> stopTokenIds;
  int32_t padTokenId = -1;
};

enum class KernelKind : uint8_t { CpuSharedObject, Ptx, Cubin };

/// Returns "cpu_shared_object", "ptx" or "cubin".
std::string_view kernelKindName(KernelKind kind);

/// One code object. `bytes` points into the loaded artifact (or, for the
/// builder, into memory the caller keeps alive until the artifact is built).
struct Kernel {
  std::string name;
  KernelKind kind = KernelKind::CpuSharedObject;
  /// "x86_64", "aarch64", "sm_90a", ...
  std::string target;
  absl::Span<const uint8_t> bytes;
  /// CPU shared objects: the LLVM CPU name the code was compiled for ("" when
  /// not recorded) and the instruction-set features (LLVM names) it may use.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
};

struct Dim3 {
  uint32_t x = 1, y = 1, z = 1;
};

struct LaunchConfig {
  /// Entry symbol inside the code object.
  std::string kernelName;
  Dim3 grid, block, cluster;
  uint32_t dynamicSharedMemoryBytes = 0;
  /// Non-zero: grid.x is multiplied by ceil(tokens / gridTokenTile).
  uint32_t gridTokenTile = 0;
};

/// What a kernel argument refers to (see BindingKind in artifact.fbs).
enum class BindingKind : uint8_t {
  ArenaBuffer,
  Weight,
  KvCacheKeys,
  KvCacheValues,
  InputTokenIds,
  InputPositions,
  OutputLogits,
  NumTokens,
  TmaDescriptor,
  Immediate,
  /// The packed weights' data area (plus byteOffset).
  PackedWeights,
  /// The whole KV-cache allocation (plus byteOffset).
  KvCache,
};

struct Binding {
  BindingKind kind = BindingKind::Immediate;
  /// Buffer, weight, layer or TMA descriptor index, by kind.
  uint32_t index = 0;
  uint64_t byteOffset = 0;
  int64_t value = 0;
};

enum class TmaSwizzle : uint8_t { None, Bytes32, Bytes64, Bytes128 };
enum class TmaInterleave : uint8_t { None, Bytes16, Bytes32 };
enum class TmaL2Promotion : uint8_t { None, Bytes64, Bytes128, Bytes256 };
enum class TmaOobFill : uint8_t { Zero, NanRequestZeroFma };

/// The arguments of one cuTensorMapEncodeTiled call.
struct TmaDescriptor {
  std::string tensorName;
  Binding tensor;
  DType dtype = DType::BF16;
  uint32_t rank = 0;
  std::vector<uint64_t> globalDims;
  /// Bytes; rank - 1 entries.
  std::vector<uint64_t> globalStrides;
  std::vector<uint32_t> boxDims;
  /// Empty: all 1.
  std::vector<uint32_t> elementStrides;
  TmaSwizzle swizzle = TmaSwizzle::None;
  TmaInterleave interleave = TmaInterleave::None;
  TmaL2Promotion l2Promotion = TmaL2Promotion::None;
  TmaOobFill oobFill = TmaOobFill::Zero;
};

struct PlanStep {
  uint32_t kernel = 0;
  uint32_t launch = 0;
  std::vector<Binding> args;
};

enum class PlanKind : uint8_t { Prefill, Decode };

struct ExecutionPlan {
  std::vector<PlanStep> steps;
};

/// base + perToken * T for a forward pass over T tokens.
struct Affine {
  uint64_t base = 0;
  uint64_t perToken = 0;
  /// Returns the value at `tokens`, or nullopt on overflow.
  std::optional<uint64_t> at(uint64_t tokens) const;
};

struct Liveness {
  PlanKind plan = PlanKind::Prefill;
  uint32_t firstStep = 0;
  /// Inclusive.
  uint32_t lastStep = 0;
};

struct BufferSpec {
  std::string name;
  Affine offset, size;
  std::vector<Liveness> live;
};

/// One arena holding every intermediate buffer.
struct BufferPlan {
  uint32_t maxTokens = 0;
  uint32_t alignment = 64;
  Affine arenaSize;
  std::vector<BufferSpec> buffers;
};

enum class WeightLayout : uint8_t {
  RowMajor,
  KMajor,
  ExpertKMajor,
  ExpertNMajor,
  Tiled,
};

enum class ScaleGranularity : uint8_t {
  PerTensor,
  PerChannel,
  PerToken,
  Block
};

struct WeightScale {
  /// Another manifest entry.
  std::string tensor;
  ScaleGranularity granularity = ScaleGranularity::PerTensor;
  /// Non-empty exactly for ScaleGranularity::Block.
  std::vector<int64_t> blockDims;
};

struct WeightEntry {
  std::string name;
  DType dtype = DType::BF16;
  std::vector<int64_t> shape;
  WeightLayout layout = WeightLayout::RowMajor;
  /// Relative to the packed weights file's data area.
  uint64_t byteOffset = 0;
  uint64_t byteSize = 0;
  std::optional<WeightScale> scale;
};

struct WeightManifest {
  /// The packed weights (a safetensors file), relative to the artifact.
  std::string packedFile;
  /// Size of its data area in bytes.
  uint64_t packedSize = 0;
  std::vector<WeightEntry> tensors;
  /// The tree hash (treeSha256) of the whole packed weights file.
  Sha256Digest packedSha256{};
};

enum class KvCacheKind : uint8_t { Full, Chunked };

struct KvCacheLayer {
  KvCacheKind kind = KvCacheKind::Full;
  uint32_t maxPositions = 0;
  uint32_t chunkWindow = 0;
  uint32_t kvHeads = 0;
  uint32_t headDim = 0;
  DType dtype = DType::BF16;
  /// Where this layer's keys and values lie in the KV-cache allocation; each
  /// region holds maxPositions * kvHeads * headDim elements of dtype.
  uint64_t keysByteOffset = 0;
  uint64_t valuesByteOffset = 0;

  /// Returns the size in bytes of the keys (or values) region, or nullopt on
  /// overflow.
  std::optional<uint64_t> regionBytes() const;
};

/// A checkpoint file carried in the artifact (tokenizer.json, ...). `bytes`
/// points into the loaded artifact (or, for the builder, into memory the
/// caller keeps alive until the artifact is built).
struct TextFile {
  std::string name;
  absl::Span<const uint8_t> bytes;
};

/// The checkpoint files an artifact may carry: what the tokenizer and the
/// chat template need (newer checkpoints keep the template in
/// chat_template.jinja).
inline constexpr std::string_view kArtifactTextFileNames[] = {
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "chat_template.jinja"};

/// The largest text file an artifact carries (Llama 4's tokenizer.json is
/// about 27 MB).
inline constexpr uint64_t kMaxArtifactTextFileBytes = uint64_t(256) << 20;

/// Everything an artifact holds.
struct ArtifactContents {
  uint32_t schemaVersion = kArtifactSchemaVersion;
  std::string compilerVersion;
  ModelConfig config;
  std::vector<Kernel> kernels;
  std::vector<LaunchConfig> launches;
  std::vector<TmaDescriptor> tmaDescriptors;
  ExecutionPlan prefill, decode;
  BufferPlan bufferPlan;
  WeightManifest weights;
  std::vector<KvCacheLayer> kvCache;
  /// Size of the one KV-cache allocation holding every layer's regions.
  uint64_t kvCacheBytes = 0;
  /// Checkpoint files for text in and out; empty: token ids only.
  std::vector<TextFile> textFiles;

  /// The text file named `name`, or null.
  const TextFile *textFile(std::string_view name) const;

  const ExecutionPlan &plan(PlanKind kind) const {
    return kind == PlanKind::Prefill ? prefill : decode;
  }
};

/// Checks every semantic rule of `contents` (cross-references, dimensions,
/// offsets, unique names). Errors are InvalidArgument "<where>: <field>: ...".
absl::Status validateArtifact(const ArtifactContents &contents,
                              std::string_view where);

/// A loaded, verified artifact. Move-only; kernel byte spans point into the
/// mapping and stay valid while the object lives (also across moves).
class Artifact {
public:
  /// The largest artifact accepted (FlatBuffers' own 2 GiB limit).
  static constexpr uint64_t kMaxBytes = (uint64_t(1) << 31) - 1;

  /// Maps, verifies and decodes the artifact at `path`.
  static absl::StatusOr<Artifact> load(std::string path);
  /// Same as load on a copy of `bytes`; `name` stands for the path in errors.
  static absl::StatusOr<Artifact>
  loadFromBuffer(std::string name, absl::Span<const uint8_t> bytes);

  Artifact(Artifact &&other) noexcept;
  Artifact &operator=(Artifact &&other) noexcept;
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;
  ~Artifact();

  const std::string &path() const { return filePath; }
  const ArtifactContents &contents() const { return decoded; }
  const ModelConfig &config() const { return decoded.config; }
  absl::Span<const Kernel> kernels() const { return decoded.kernels; }
  absl::Span<const LaunchConfig> launches() const { return decoded.launches; }
  const ExecutionPlan &plan(PlanKind kind) const { return decoded.plan(kind); }
  const BufferPlan &bufferPlan() const { return decoded.bufferPlan; }
  const WeightManifest &manifest() const { return decoded.weights; }
  absl::Span<const KvCacheLayer> kvCache() const { return decoded.kvCache; }
  uint64_t kvCacheBytes() const { return decoded.kvCacheBytes; }
  absl::Span<const TextFile> textFiles() const { return decoded.textFiles; }

private:
  Artifact() = default;
  void release();
  static absl::StatusOr<Artifact> decodeOwned(Artifact result);

  std::string filePath;
  const uint8_t *bytes = nullptr;
  uint64_t size = 0;
  bool mapped = false;
  ArtifactContents decoded;
};

/// Checks that the packed weights `weights` hold every manifest tensor of
/// `artifact` with the recorded dtype, shape, size and offset, and that the
/// data area has the recorded size. Errors name the tensor and both files.
absl::Status checkWeightsAgainstManifest(const Artifact &artifact,
                                         const SafetensorsFile &weights);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_ARTIFACT_H
