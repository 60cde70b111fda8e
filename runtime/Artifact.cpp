//===- Artifact.cpp - Verified loader for compiled moec artifacts ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements Artifact: mapping the file, the structural checks
// (size, identifier, schema version, FlatBuffers verifier), decoding the
// FlatBuffer into the plain structs of Artifact.h, and the semantic checks
// of validateArtifact.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"

#include "runtime/File.h"
#include "runtime/Integrity.h"
#include "runtime/StringUtil.h"
#include "runtime/schema/artifact_generated.h"

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <sys/mman.h>
#include <utility>

namespace moec::runtime {

std::string_view kernelKindName(KernelKind kind) {
  switch (kind) {
  case KernelKind::CpuSharedObject:
    return "cpu_shared_object";
  case KernelKind::Ptx:
    return "ptx";
  case KernelKind::Cubin:
    return "cubin";
  }
  return "unknown";
}

std::optional<uint64_t> Affine::at(uint64_t tokens) const {
  uint64_t product = 0, sum = 0;
  if (__builtin_mul_overflow(perToken, tokens, &product) ||
      __builtin_add_overflow(base, product, &sum))
    return std::nullopt;
  return sum;
}

std::optional<uint64_t> KvCacheLayer::regionBytes() const {
  uint64_t bytes = dtypeSize(dtype);
  for (uint64_t factor :
       {uint64_t(maxPositions), uint64_t(kvHeads), uint64_t(headDim)})
    if (__builtin_mul_overflow(bytes, factor, &bytes))
      return std::nullopt;
  return bytes;
}

/// Returns InvalidArgument "<where>: <message>".
static absl::Status artifactError(std::string_view where,
                                  std::string_view message) {
  return absl::InvalidArgumentError(strCat(where, ": ", message));
}

//===----------------------------------------------------------------------===//
// Structural checks
//===----------------------------------------------------------------------===//

/// Reads a little-endian unsigned integer of `n` bytes at `offset`; the
/// caller has checked the bounds.
static uint64_t readLE(const uint8_t *bytes, uint64_t offset, int n) {
  uint64_t value = 0;
  for (int i = n - 1; i >= 0; --i)
    value = (value << 8) | bytes[offset + i];
  return value;
}

/// Reads Artifact.schema_version (field 0 of the root table) with explicit
/// bounds checks, before the verifier runs, so that a version mismatch is
/// reported as such even when the rest of the layout changed. Returns
/// nullopt when the bytes do not even hold a root table with that field; 0
/// when the field is absent.
static std::optional<uint32_t> peekSchemaVersion(const uint8_t *bytes,
                                                 uint64_t size) {
  if (size < 8)
    return std::nullopt;
  uint64_t table = readLE(bytes, 0, 4);
  if (table + 4 > size)
    return std::nullopt;
  int64_t vtableDelta = int32_t(uint32_t(readLE(bytes, table, 4)));
  int64_t vtable = int64_t(table) - vtableDelta;
  if (vtable < 0 || uint64_t(vtable) + 4 > size)
    return std::nullopt;
  if (uint64_t(vtable) + 6 > size)
    return std::nullopt;
  if (readLE(bytes, vtable, 2) < 6)
    return 0;
  uint64_t fieldOffset = readLE(bytes, vtable + 4, 2);
  if (fieldOffset == 0)
    return 0;
  if (table + fieldOffset + 4 > size)
    return std::nullopt;
  return uint32_t(readLE(bytes, table + fieldOffset, 4));
}

/// Checks the size, the identifier, the schema version and the FlatBuffers
/// structure of the bytes of an artifact: a size-prefixed FlatBuffer (4-byte
/// length, root offset, "MOEC" identifier at bytes 8-11).
static absl::Status checkStructure(const uint8_t *bytes, uint64_t size,
                                   std::string_view where) {
  if (size < 16)
    return artifactError(
        where, strCat("file is ", size,
                      " bytes, too short for a moec artifact (truncated?)"));
  if (size > Artifact::kMaxBytes)
    return artifactError(where, strCat("file is ", size,
                                       " bytes, over the 2 GiB limit of "
                                       "an artifact"));
  if (!flatbuffers::BufferHasIdentifier(bytes, fb::ArtifactIdentifier(),
                                        /*size_prefixed=*/true))
    return artifactError(where, "not a moec artifact (the file identifier "
                                "at bytes 8-11 is not \"MOEC\")");
  uint64_t recorded = readLE(bytes, 0, 4);
  if (recorded != size - 4)
    return artifactError(
        where, strCat("the artifact records ", recorded,
                      " bytes after its 4-byte size prefix but the file "
                      "holds ",
                      size - 4, " (truncated or extended file?)"));
  std::optional<uint32_t> version = peekSchemaVersion(bytes + 4, size - 4);
  if (!version)
    return artifactError(where, "malformed artifact: the root table lies "
                                "outside the file (truncated?)");
  if (*version != kArtifactSchemaVersion)
    return artifactError(
        where, strCat("schema_version is ", *version,
                      " but this runtime reads schema version ",
                      kArtifactSchemaVersion,
                      "; recompile the model with a moec whose runtime "
                      "matches (or use the runtime of the moec that "
                      "produced it)"));
  // Nothing but the schema version is read before the digest matches.
  if (absl::Status s =
          checkArtifactSha256(absl::MakeConstSpan(bytes, size), where);
      !s.ok())
    return s;
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 1u << 22;
  options.check_alignment = true;
  flatbuffers::Verifier verifier(bytes, size_t(size), options);
  if (!fb::VerifySizePrefixedArtifactBuffer(verifier))
    return artifactError(where, "malformed artifact: the FlatBuffers "
                                "verifier rejected it (truncated or "
                                "corrupted file, or a missing required "
                                "table)");
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Decoding (after the verifier has accepted the buffer)
//===----------------------------------------------------------------------===//

namespace {
/// Decodes verified FlatBuffers tables into the plain structs. The verifier
/// does not check enum values, so each one is range-checked here; the first
/// failure is kept in `status`.
class Decoder {
public:
  explicit Decoder(std::string_view where) : where(where) {}

  absl::Status status = absl::OkStatus();

  /// Converts the raw enum value `raw` of `field` to E, whose last value is
  /// `last`; records an error when it is out of range.
  template <typename E, typename Raw>
  E enumValue(Raw raw, E last, const std::string &field) {
    if (static_cast<uint64_t>(raw) > static_cast<uint64_t>(last)) {
      if (status.ok())
        status = artifactError(
            where, strCat(field, ": enum value ", static_cast<uint64_t>(raw),
                          " is out of range (the largest known is ",
                          static_cast<uint64_t>(last),
                          "); was the artifact written by a newer moec?"));
      return last;
    }
    return static_cast<E>(raw);
  }

  DType dtype(fb::DType raw, const std::string &field) {
    return enumValue(raw, DType::Bool, field);
  }

  Binding binding(const fb::Binding *b, const std::string &field) {
    Binding result;
    if (!b)
      return result;
    result.kind = enumValue(b->kind(), BindingKind::KvCache, field + ".kind");
    result.index = b->index();
    result.byteOffset = b->byte_offset();
    result.value = b->value();
    return result;
  }

  void config(const fb::ModelConfig &c, ModelConfig &out);
  void kernel(const fb::Kernel &k, const std::string &field, Kernel &out);
  void launch(const fb::LaunchConfig &l, LaunchConfig &out);
  void tma(const fb::TmaDescriptor &t, const std::string &field,
           TmaDescriptor &out);
  void plan(const fb::ExecutionPlan &p, const std::string &field,
            ExecutionPlan &out);
  void bufferPlan(const fb::BufferPlan &p, BufferPlan &out);
  void weight(const fb::Weight &w, const std::string &field, WeightEntry &out);
  void kvLayer(const fb::KvCacheLayer &l, const std::string &field,
               KvCacheLayer &out);

private:
  std::string_view where;
};
} // namespace

static std::string str(const flatbuffers::String *s) {
  return s ? s->str() : std::string();
}

static_assert(FLATBUFFERS_LITTLEENDIAN, "vec copies little-endian scalars");

/// Copies a vector of scalars. The verifier checks only the 4-byte alignment
/// of a vector, so the elements of a corrupted [long] may be misaligned: they
/// are copied with memcpy rather than loaded in place.
template <typename T, typename U>
static std::vector<T> vec(const flatbuffers::Vector<U> *v) {
  if (!v || v->size() == 0)
    return {};
  std::vector<U> raw(v->size());
  std::memcpy(raw.data(), v->Data(), raw.size() * sizeof(U));
  return std::vector<T>(raw.begin(), raw.end());
}

static Dim3 dim3(const fb::Dim3 *d) {
  if (!d)
    return Dim3();
  return Dim3{d->x(), d->y(), d->z()};
}

static Affine affine(const fb::Affine *a) {
  if (!a)
    return Affine();
  return Affine{a->base(), a->per_token()};
}

void Decoder::config(const fb::ModelConfig &c, ModelConfig &out) {
  out.vocabSize = c.vocab_size();
  out.hiddenSize = c.hidden_size();
  out.intermediateSize = c.intermediate_size();
  out.intermediateSizeMlp = c.intermediate_size_mlp();
  out.numLayers = c.num_layers();
  out.numAttentionHeads = c.num_attention_heads();
  out.numKeyValueHeads = c.num_key_value_heads();
  out.headDim = c.head_dim();
  out.numLocalExperts = c.num_local_experts();
  out.numExpertsPerTok = c.num_experts_per_tok();
  out.attentionChunkSize = c.attention_chunk_size();
  out.maxPositionEmbeddings = c.max_position_embeddings();
  out.ropeTheta = c.rope_theta();
  if (const fb::Llama3RopeScaling *s = c.rope_scaling())
    out.ropeScaling = Llama3RopeScaling{s->factor(), s->low_freq_factor(),
                                        s->high_freq_factor(),
                                        s->original_max_position_embeddings()};
  out.useQkNorm = c.use_qk_norm();
  out.attnTemperatureTuning = c.attn_temperature_tuning();
  out.floorScale = c.floor_scale();
  out.attnScale = c.attn_scale();
  out.rmsNormEps = c.rms_norm_eps();
  out.layerUsesRope = vec<bool>(c.layer_uses_rope());
  out.layerIsMoe = vec<bool>(c.layer_is_moe());
  out.bosTokenId = c.bos_token_id();
  out.eosTokenIds = vec<int32_t>(c.eos_token_ids());
  out.stopTokenIds = vec<int32_t>(c.stop_token_ids());
  out.padTokenId = c.pad_token_id();
}

void Decoder::kernel(const fb::Kernel &k, const std::string &field,
                     Kernel &out) {
  out.name = str(k.name());
  out.kind = enumValue(k.kind(), KernelKind::Cubin, field + ".kind");
  out.target = str(k.target());
  out.bytes = absl::Span<const uint8_t>(k.bytes()->data(), k.bytes()->size());
  out.cpu = str(k.cpu());
  if (k.cpu_features())
    for (const flatbuffers::String *feature : *k.cpu_features())
      out.cpuFeatures.push_back(str(feature));
}

void Decoder::launch(const fb::LaunchConfig &l, LaunchConfig &out) {
  out.kernelName = str(l.kernel_name());
  out.grid = dim3(l.grid());
  out.block = dim3(l.block());
  out.cluster = dim3(l.cluster());
  out.dynamicSharedMemoryBytes = l.dynamic_shared_memory_bytes();
  out.gridTokenTile = l.grid_token_tile();
}

void Decoder::tma(const fb::TmaDescriptor &t, const std::string &field,
                  TmaDescriptor &out) {
  out.tensorName = str(t.tensor_name());
  out.tensor = binding(t.tensor(), field + ".tensor");
  out.dtype = dtype(t.dtype(), field + ".dtype");
  out.rank = t.rank();
  out.globalDims = vec<uint64_t>(t.global_dims());
  out.globalStrides = vec<uint64_t>(t.global_strides());
  out.boxDims = vec<uint32_t>(t.box_dims());
  out.elementStrides = vec<uint32_t>(t.element_strides());
  out.swizzle =
      enumValue(t.swizzle(), TmaSwizzle::Bytes128, field + ".swizzle");
  out.interleave =
      enumValue(t.interleave(), TmaInterleave::Bytes32, field + ".interleave");
  out.l2Promotion = enumValue(t.l2_promotion(), TmaL2Promotion::Bytes256,
                              field + ".l2_promotion");
  out.oobFill = enumValue(t.oob_fill(), TmaOobFill::NanRequestZeroFma,
                          field + ".oob_fill");
}

void Decoder::plan(const fb::ExecutionPlan &p, const std::string &field,
                   ExecutionPlan &out) {
  if (!p.steps())
    return;
  for (uint32_t i = 0; i < p.steps()->size(); ++i) {
    const fb::PlanStep *s = p.steps()->Get(i);
    PlanStep step;
    step.kernel = s->kernel();
    step.launch = s->launch();
    if (s->args())
      for (uint32_t a = 0; a < s->args()->size(); ++a)
        step.args.push_back(binding(
            s->args()->Get(a), strCat(field, ".steps[", i, "].args[", a, "]")));
    out.steps.push_back(std::move(step));
  }
}

void Decoder::bufferPlan(const fb::BufferPlan &p, BufferPlan &out) {
  out.maxTokens = p.max_tokens();
  out.alignment = p.alignment();
  out.arenaSize = affine(p.arena_size());
  if (!p.buffers())
    return;
  for (uint32_t i = 0; i < p.buffers()->size(); ++i) {
    const fb::Buffer *b = p.buffers()->Get(i);
    BufferSpec spec;
    spec.name = str(b->name());
    spec.offset = affine(b->offset());
    spec.size = affine(b->size());
    if (b->live())
      for (const fb::Liveness *l : *b->live())
        spec.live.push_back(Liveness{
            enumValue(l->plan(), PlanKind::Decode,
                      strCat("buffer_plan.buffers[", i, "].live.plan")),
            l->first_step(), l->last_step()});
    out.buffers.push_back(std::move(spec));
  }
}

void Decoder::weight(const fb::Weight &w, const std::string &field,
                     WeightEntry &out) {
  out.name = str(w.name());
  out.dtype = dtype(w.dtype(), field + ".dtype");
  out.shape = vec<int64_t>(w.shape());
  out.layout = enumValue(w.layout(), WeightLayout::Tiled, field + ".layout");
  out.byteOffset = w.byte_offset();
  out.byteSize = w.byte_size();
  if (const fb::WeightScale *s = w.scale())
    out.scale = WeightScale{str(s->tensor()),
                            enumValue(s->granularity(), ScaleGranularity::Block,
                                      field + ".scale.granularity"),
                            vec<int64_t>(s->block_dims())};
}

void Decoder::kvLayer(const fb::KvCacheLayer &l, const std::string &field,
                      KvCacheLayer &out) {
  out.kind = enumValue(l.kind(), KvCacheKind::Chunked, field + ".kind");
  out.maxPositions = l.max_positions();
  out.chunkWindow = l.chunk_window();
  out.kvHeads = l.kv_heads();
  out.headDim = l.head_dim();
  out.dtype = dtype(l.dtype(), field + ".dtype");
  out.keysByteOffset = l.keys_byte_offset();
  out.valuesByteOffset = l.values_byte_offset();
}

/// Decodes the verified root table `root` into `out`.
static absl::Status decodeArtifact(const fb::Artifact &root,
                                   std::string_view where,
                                   ArtifactContents &out) {
  Decoder d(where);
  out.schemaVersion = root.schema_version();
  out.compilerVersion = str(root.compiler_version());
  d.config(*root.config(), out.config);
  if (root.kernels())
    for (uint32_t i = 0; i < root.kernels()->size(); ++i)
      d.kernel(*root.kernels()->Get(i), strCat("kernels[", i, "]"),
               out.kernels.emplace_back());
  if (root.launches())
    for (const fb::LaunchConfig *l : *root.launches())
      d.launch(*l, out.launches.emplace_back());
  if (root.tma_descriptors())
    for (uint32_t i = 0; i < root.tma_descriptors()->size(); ++i)
      d.tma(*root.tma_descriptors()->Get(i), strCat("tma_descriptors[", i, "]"),
            out.tmaDescriptors.emplace_back());
  d.plan(*root.prefill(), "prefill", out.prefill);
  d.plan(*root.decode(), "decode", out.decode);
  d.bufferPlan(*root.buffer_plan(), out.bufferPlan);
  out.weights.packedFile = str(root.weights()->packed_file());
  out.weights.packedSize = root.weights()->packed_size();
  const flatbuffers::Array<uint8_t, 32> *digest =
      root.weights()->packed_sha256()->bytes();
  std::copy(digest->begin(), digest->end(), out.weights.packedSha256.begin());
  if (const auto *tensors = root.weights()->tensors())
    for (uint32_t i = 0; i < tensors->size(); ++i)
      d.weight(*tensors->Get(i), strCat("weights.tensors[", i, "]"),
               out.weights.tensors.emplace_back());
  if (root.kv_cache())
    for (uint32_t i = 0; i < root.kv_cache()->size(); ++i)
      d.kvLayer(*root.kv_cache()->Get(i), strCat("kv_cache[", i, "]"),
                out.kvCache.emplace_back());
  out.kvCacheBytes = root.kv_cache_bytes();
  if (root.text_files())
    for (const fb::TextFile *f : *root.text_files())
      out.textFiles.push_back(
          {str(f->name()),
           absl::Span<const uint8_t>(f->bytes()->data(), f->bytes()->size())});
  return d.status;
}

const TextFile *ArtifactContents::textFile(std::string_view name) const {
  for (const TextFile &f : textFiles)
    if (f.name == name)
      return &f;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Artifact
//===----------------------------------------------------------------------===//

Artifact::Artifact(Artifact &&other) noexcept { *this = std::move(other); }

Artifact &Artifact::operator=(Artifact &&other) noexcept {
  if (this == &other)
    return *this;
  release();
  filePath = std::move(other.filePath);
  bytes = std::exchange(other.bytes, nullptr);
  size = std::exchange(other.size, 0);
  mapped = std::exchange(other.mapped, false);
  decoded = std::move(other.decoded);
  return *this;
}

Artifact::~Artifact() { release(); }

void Artifact::release() {
  if (bytes && mapped)
    ::munmap(const_cast<uint8_t *>(bytes), size);
  else
    delete[] bytes;
  bytes = nullptr;
  size = 0;
}

absl::StatusOr<Artifact> Artifact::decodeOwned(Artifact result) {
  if (absl::Status s =
          checkStructure(result.bytes, result.size, result.filePath);
      !s.ok())
    return s;
  const fb::Artifact *root = fb::GetSizePrefixedArtifact(result.bytes);
  if (absl::Status s = decodeArtifact(*root, result.filePath, result.decoded);
      !s.ok())
    return s;
  if (absl::Status s = validateArtifact(result.decoded, result.filePath);
      !s.ok())
    return s;
  return result;
}

absl::StatusOr<Artifact> Artifact::load(std::string path) {
  absl::StatusOr<OpenFile> file = openRegularFile(path);
  if (!file.ok())
    return file.status();
  if (file->size < 16 || file->size > kMaxBytes)
    return checkStructure(nullptr, file->size, path);
  void *address =
      ::mmap(nullptr, file->size, PROT_READ, MAP_PRIVATE, file->fd.get(), 0);
  if (address == MAP_FAILED)
    return makeFileError(errno, "memory-map", path);
  Artifact result;
  result.filePath = std::move(path);
  result.bytes = static_cast<const uint8_t *>(address);
  result.size = file->size;
  result.mapped = true;
  return decodeOwned(std::move(result));
}

absl::StatusOr<Artifact>
Artifact::loadFromBuffer(std::string name, absl::Span<const uint8_t> bytes) {
  if (bytes.size() < 16 || bytes.size() > kMaxBytes)
    return checkStructure(nullptr, bytes.size(), name);
  uint8_t *copy = new uint8_t[bytes.size()];
  std::memcpy(copy, bytes.data(), bytes.size());
  Artifact result;
  result.filePath = std::move(name);
  result.bytes = copy;
  result.size = bytes.size();
  return decodeOwned(std::move(result));
}

//===----------------------------------------------------------------------===//
// Packed weights
//===----------------------------------------------------------------------===//

/// Formats a shape as "[2, 3]".
static std::string formatShape(absl::Span<const int64_t> shape) {
  std::string result = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    result += strCat(i ? ", " : "", shape[i]);
  return result + "]";
}

absl::Status checkWeightsAgainstManifest(const Artifact &artifact,
                                         const SafetensorsFile &weights) {
  const WeightManifest &m = artifact.manifest();
  std::string where =
      strCat(weights.path(), " (packed weights of ", artifact.path(), ")");
  uint64_t dataSize = weights.fileSize() - weights.dataAreaOffset();
  if (dataSize != m.packedSize)
    return artifactError(where, strCat("data area is ", dataSize,
                                       " bytes but the manifest records ",
                                       m.packedSize));
  for (const WeightEntry &w : m.tensors) {
    const TensorInfo *t = weights.find(w.name);
    if (!t)
      return artifactError(
          where, strCat("tensor '", w.name, "' of the manifest is missing"));
    if (t->dtype != w.dtype)
      return artifactError(
          where, strCat("tensor '", w.name, "': dtype is ", dtypeName(t->dtype),
                        " but the manifest records ", dtypeName(w.dtype)));
    if (t->shape != w.shape)
      return artifactError(where, strCat("tensor '", w.name, "': shape is ",
                                         formatShape(t->shape),
                                         " but the manifest records ",
                                         formatShape(w.shape)));
    if (t->byteOffset != w.byteOffset || t->byteSize != w.byteSize)
      return artifactError(where, strCat("tensor '", w.name, "': bytes [",
                                         t->byteOffset, ", +", t->byteSize,
                                         ") but the manifest records [",
                                         w.byteOffset, ", +", w.byteSize, ")"));
  }
  return absl::OkStatus();
}

} // namespace moec::runtime
