//===- ArtifactTest.cpp - Tests for the artifact builder and loader -------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests ArtifactBuilder and Artifact: a round trip of every field,
// one malformed artifact per verification rule (each error must name the
// file and the field), every truncation and many byte corruptions of a
// valid artifact (load or fail, never crash), and the packed-weights check.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"
#include "runtime/ArtifactBuilder.h"
#include "runtime/Integrity.h"
#include "runtime/StringUtil.h"

#include "TestUtil.h"
#include "TinyArtifact.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <functional>
#include <initializer_list>

namespace moec::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testutil::SafetensorsBuilder;
using testutil::TempDir;
using testutil::tinyArtifactContents;
using testutil::writeFile;

absl::Span<const uint8_t> spanOf(const std::string &bytes) {
  return {reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()};
}

class ArtifactTest : public ::testing::Test {
protected:
  /// Serializes `contents` without validation and loads the bytes from a
  /// file.
  absl::StatusOr<Artifact> roundTrip(const ArtifactContents &contents) {
    absl::StatusOr<std::string> bytes =
        serializeArtifact(contents, ArtifactValidation::Skip);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    writeFile(path, bytes.value_or(""));
    return Artifact::load(path);
  }

  /// Expects loading `bytes` to fail with InvalidArgument naming the file
  /// and containing every phrase.
  void expectLoadError(std::string_view bytes,
                       std::initializer_list<std::string_view> phrases) {
    writeFile(path, bytes);
    absl::StatusOr<Artifact> artifact = Artifact::load(path);
    ASSERT_FALSE(artifact.ok()) << "accepted a malformed artifact";
    EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(artifact.status().message());
    EXPECT_THAT(message, HasSubstr(path));
    for (std::string_view phrase : phrases)
      EXPECT_THAT(message, HasSubstr(std::string(phrase)));
  }

  /// Applies `edit` to the tiny artifact and expects the loader (and the
  /// validating serializer) to reject it with every phrase.
  void expectInvalid(const std::function<void(ArtifactContents &)> &edit,
                     std::initializer_list<std::string_view> phrases) {
    ArtifactContents contents = tinyArtifactContents();
    edit(contents);
    absl::StatusOr<std::string> bytes =
        serializeArtifact(contents, ArtifactValidation::Skip);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    expectLoadError(*bytes, phrases);
    EXPECT_FALSE(serializeArtifact(contents).ok())
        << "the builder wrote an artifact the loader rejects";
  }

  TempDir dir;
  std::string path = dir.file("model.moec");
};

TEST_F(ArtifactTest, RoundTripsEveryField) {
  ArtifactContents in = tinyArtifactContents();
  ASSERT_TRUE(writeArtifact(in, path).ok());
  absl::StatusOr<Artifact> loaded = Artifact::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  Artifact artifact = *std::move(loaded);
  const ModelConfig &m = artifact.config();
  EXPECT_EQ(artifact.contents().schemaVersion, kArtifactSchemaVersion);
  EXPECT_EQ(artifact.contents().compilerVersion, "moec 0.1.0 (test)");
  EXPECT_EQ(m.vocabSize, 8u);
  EXPECT_EQ(m.numKeyValueHeads, 1u);
  EXPECT_EQ(m.attentionChunkSize, 16u);
  ASSERT_TRUE(m.ropeScaling.has_value());
  EXPECT_EQ(m.ropeScaling->originalMaxPositionEmbeddings, 8192u);
  EXPECT_TRUE(m.attnTemperatureTuning);
  EXPECT_THAT(m.layerUsesRope, ElementsAre(true, false));
  EXPECT_THAT(m.layerIsMoe, ElementsAre(false, true));
  EXPECT_THAT(m.stopTokenIds, ElementsAre(6, 7));
  EXPECT_EQ(m.padTokenId, -1);
  ASSERT_EQ(artifact.kernels().size(), 1u);
  EXPECT_EQ(artifact.kernels()[0].target, "x86_64");
  EXPECT_THAT(artifact.kernels()[0].bytes,
              ElementsAre(0x7f, 'E', 'L', 'F', 2, 1, 1, 0));
  ASSERT_EQ(artifact.launches().size(), 2u);
  EXPECT_EQ(artifact.launches()[1].block.x, 128u);
  EXPECT_EQ(artifact.launches()[1].dynamicSharedMemoryBytes, 1024u);
  EXPECT_EQ(artifact.launches()[1].gridTokenTile, 64u);
  const TmaDescriptor &t = artifact.contents().tmaDescriptors.at(0);
  EXPECT_EQ(t.swizzle, TmaSwizzle::Bytes128);
  EXPECT_THAT(t.globalStrides, ElementsAre(4u));
  EXPECT_EQ(artifact.plan(PlanKind::Decode).steps.size(), 3u);
  EXPECT_EQ(artifact.plan(PlanKind::Prefill).steps[1].args[6].value, -5);
  EXPECT_EQ(artifact.bufferPlan().buffers[1].live[1].lastStep, 2u);
  EXPECT_EQ(*artifact.bufferPlan().arenaSize.at(32), 128u + 192u * 32u);
  const WeightEntry &w = artifact.manifest().tensors[1];
  EXPECT_EQ(w.layout, WeightLayout::KMajor);
  ASSERT_TRUE(w.scale.has_value());
  EXPECT_EQ(w.scale->tensor, "w_scale");
  EXPECT_EQ(w.scale->granularity, ScaleGranularity::PerChannel);
  EXPECT_EQ(artifact.kvCache()[0].kind, KvCacheKind::Chunked);
  EXPECT_EQ(artifact.kvCache()[1].maxPositions, 64u);
  EXPECT_EQ(artifact.kvCache()[1].keysByteOffset, 128u);
  EXPECT_EQ(artifact.kvCache()[1].valuesByteOffset, 384u);
  EXPECT_EQ(artifact.kvCacheBytes(), 640u);
  const Binding &packed = artifact.plan(PlanKind::Decode).steps[2].args[1];
  EXPECT_EQ(packed.kind, BindingKind::PackedWeights);
  EXPECT_EQ(packed.byteOffset, 96u);
  EXPECT_EQ(artifact.plan(PlanKind::Decode).steps[2].args[2].kind,
            BindingKind::KvCache);
}

TEST_F(ArtifactTest, LoadFromBufferMatchesLoad) {
  absl::StatusOr<std::string> bytes = serializeArtifact(tinyArtifactContents());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Artifact> artifact =
      Artifact::loadFromBuffer("memory", spanOf(*bytes));
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  bytes->assign(bytes->size(), '\0'); // the artifact keeps its own copy
  EXPECT_EQ(artifact->kernels()[0].bytes[1], 'E');
  EXPECT_EQ(artifact->path(), "memory");
}

TEST_F(ArtifactTest, EveryTruncationIsAnError) {
  absl::StatusOr<std::string> bytes = serializeArtifact(tinyArtifactContents());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  for (size_t length = 0; length < bytes->size(); ++length) {
    absl::StatusOr<Artifact> artifact =
        Artifact::loadFromBuffer("cut", spanOf(bytes->substr(0, length)));
    ASSERT_FALSE(artifact.ok()) << "accepted a prefix of " << length;
    EXPECT_THAT(std::string(artifact.status().message()), HasSubstr("cut: "));
  }
  expectLoadError(bytes->substr(0, 5), {"5 bytes, too short", "truncated"});
  expectLoadError(bytes->substr(0, bytes->size() - 2),
                  {"the artifact records", "truncated"});
}

TEST_F(ArtifactTest, CorruptedBytesLoadOrFailCleanly) {
  absl::StatusOr<std::string> bytes = serializeArtifact(tinyArtifactContents());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  int accepted = 0, rejected = 0;
  for (size_t pos = 0; pos < bytes->size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xff, 0x7f, 0x10}) {
      std::string corrupt = *bytes;
      corrupt[pos] = char(uint8_t(corrupt[pos]) ^ mask);
      // Resealed, so that the flip reaches the checks behind the SHA-256
      // (Sha256Test covers the digest itself).
      (void)sealArtifact(absl::MakeSpan(
          reinterpret_cast<uint8_t *>(corrupt.data()), corrupt.size()));
      absl::StatusOr<Artifact> artifact =
          Artifact::loadFromBuffer("flip", spanOf(corrupt));
      if (artifact.ok()) {
        ++accepted;
        continue;
      }
      ++rejected;
      EXPECT_EQ(artifact.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0); // flips inside kernel bytes or floats are benign
}

TEST_F(ArtifactTest, RejectsWrongIdentifier) {
  std::string bytes = *serializeArtifact(tinyArtifactContents());
  bytes[8] = 'X';
  expectLoadError(bytes, {"not a moec artifact", "\"MOEC\""});
}

TEST_F(ArtifactTest, RejectsWrongSchemaVersion) {
  ArtifactContents contents = tinyArtifactContents();
  contents.schemaVersion = kArtifactSchemaVersion + 41;
  expectLoadError(
      *serializeArtifact(contents, ArtifactValidation::Skip),
      {strCat("schema_version is ", kArtifactSchemaVersion + 41),
       strCat("this runtime reads schema version ", kArtifactSchemaVersion),
       "recompile the model with a moec"});
}

TEST_F(ArtifactTest, RejectsMissingFileAndDirectory) {
  absl::StatusOr<Artifact> missing = Artifact::load(dir.file("none.moec"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Artifact::load(dir.path()).ok());
}

TEST_F(ArtifactTest, RoundTripsTheCpuAndItsFeatures) {
  ArtifactContents in = tinyArtifactContents();
  in.kernels[0].cpu = "x86-64-v3";
  in.kernels[0].cpuFeatures = {"avx2", "fma"};
  ASSERT_TRUE(writeArtifact(in, path).ok());
  absl::StatusOr<Artifact> loaded = Artifact::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->kernels()[0].cpu, "x86-64-v3");
  EXPECT_THAT(loaded->kernels()[0].cpuFeatures, ElementsAre("avx2", "fma"));
}

TEST_F(ArtifactTest, RejectsBadCpuFields) {
  expectInvalid(
      [](ArtifactContents &c) { c.kernels[0].cpuFeatures = {"avx"}; },
      {"kernels[0].cpu_features", "features without the CPU they belong to"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.kernels[0].cpu = "znver4";
        c.kernels[0].cpuFeatures = {""};
      },
      {"kernels[0].cpu_features", "an empty name"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.kernels[0].kind = KernelKind::Ptx;
        c.kernels[0].cpu = "znver4";
      },
      {"kernels[0].cpu", "only CPU shared objects name a CPU"});
}

TEST_F(ArtifactTest, RejectsOutOfRangeKernelIndex) {
  expectInvalid(
      [](ArtifactContents &c) { c.decode.steps[2].kernel = 3; },
      {"decode.steps[2].kernel", "index 3 is out of range", "1 kernels"});
}

TEST_F(ArtifactTest, RejectsOutOfRangeLaunchIndex) {
  expectInvalid([](ArtifactContents &c) { c.prefill.steps[0].launch = 2; },
                {"prefill.steps[0].launch", "index 2"});
}

TEST_F(ArtifactTest, RejectsOutOfRangeBindings) {
  expectInvalid(
      [](ArtifactContents &c) { c.prefill.steps[1].args[4].index = 3; },
      {"prefill.steps[1].args[4].index", "3 arena buffers"});
  expectInvalid(
      [](ArtifactContents &c) { c.prefill.steps[1].args[2].index = 2; },
      {"args[2].index", "2 KV-cache layers"});
  expectInvalid(
      [](ArtifactContents &c) { c.tmaDescriptors[0].tensor.index = 9; },
      {"tma_descriptors[0].tensor.index", "weight manifest"});
}

TEST_F(ArtifactTest, RejectsBufferPastTheArena) {
  expectInvalid(
      [](ArtifactContents &c) { c.bufferPlan.buffers[2].size.perToken = 128; },
      {"buffer_plan.buffers[2]", "run past the arena", "at 1 tokens"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.bufferPlan.arenaSize = {320, 160};
      },
      {"buffer_plan.buffers[2]", "at 32 tokens"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.bufferPlan.buffers[0].offset.base = ~uint64_t(0) - 63;
      },
      {"buffer_plan.buffers[0]", "overflows"});
}

TEST_F(ArtifactTest, RejectsBadLivenessAndAlignment) {
  expectInvalid(
      [](ArtifactContents &c) { c.bufferPlan.buffers[1].live[1].lastStep = 3; },
      {"buffer_plan.buffers[1].live[1]", "decode plan's 3 steps"});
  expectInvalid(
      [](ArtifactContents &c) { c.bufferPlan.buffers[1].offset.base = 8; },
      {"buffers[1].offset", "alignment 64"});
}

TEST_F(ArtifactTest, RejectsDuplicateManifestName) {
  expectInvalid(
      [](ArtifactContents &c) { c.weights.tensors[3].name = "w_scale"; },
      {"weights.tensors[3].name", "'w_scale' is also the name of tensors[2]"});
}

TEST_F(ArtifactTest, CarriesTextFiles) {
  ArtifactContents c = tinyArtifactContents();
  std::string tokenizer = "{\"model\": {\"type\": \"BPE\"}}";
  std::string config = "{\"chat_template\": \"{{ bos_token }}\"}";
  c.textFiles.push_back({"tokenizer.json", spanOf(tokenizer)});
  c.textFiles.push_back({"tokenizer_config.json", spanOf(config)});
  absl::StatusOr<std::string> bytes = serializeArtifact(c);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  writeFile(path, *bytes);
  absl::StatusOr<Artifact> artifact = Artifact::load(path);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  ASSERT_EQ(artifact->textFiles().size(), 2u);
  const TextFile *loaded = artifact->contents().textFile("tokenizer.json");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(std::string(loaded->bytes.begin(), loaded->bytes.end()), tokenizer);
  EXPECT_EQ(artifact->contents().textFile("special_tokens_map.json"), nullptr);
}

TEST_F(ArtifactTest, RejectsBadTextFiles) {
  static const std::string kBytes = "{}";
  expectInvalid(
      [](ArtifactContents &c) {
        c.textFiles.push_back({"../tokenizer.json", spanOf(kBytes)});
      },
      {"text_files[0].name", "'../tokenizer.json' is not a file an artifact "
                             "carries"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.textFiles.push_back({"tokenizer.json", spanOf(kBytes)});
        c.textFiles.push_back({"tokenizer.json", spanOf(kBytes)});
      },
      {"text_files[1].name", "'tokenizer.json' appears twice"});
}

TEST_F(ArtifactTest, RejectsBadWeightEntries) {
  expectInvalid(
      [](ArtifactContents &c) { c.weights.tensors[3].byteOffset = 100; },
      {"weights.tensors[3].byte_offset", "'norm'",
       "runs past the packed weights (112 bytes)"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.weights.tensors[0].shape = {8, 0};
      },
      {"weights.tensors[0].shape", "dimension 0 of 'embed'"});
  expectInvalid([](ArtifactContents &c) { c.weights.tensors[0].byteSize = 63; },
                {"weights.tensors[0].byte_size", "shape x dtype (64 bytes)"});
  expectInvalid(
      [](ArtifactContents &c) { c.weights.tensors[1].scale->tensor = "nope"; },
      {"weights.tensors[1].scale.tensor", "'nope' is not in the weight "
                                          "manifest"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.weights.tensors[1].scale->granularity = ScaleGranularity::Block;
      },
      {"scale.block_dims", "block granularity"});
}

TEST_F(ArtifactTest, RejectsPackedFileThatIsNotAPlainFileName) {
  for (const char *name : {"../weights.safetensors", "/etc/passwd",
                           "sub/w.safetensors", "a\\b", ".."})
    expectInvalid([&](ArtifactContents &c) { c.weights.packedFile = name; },
                  {"weights.packed_file", "is not a plain file name",
                   "must be a file beside the artifact"});
}

TEST_F(ArtifactTest, WriteRefusesDevicesAndMissingFolders) {
  // Renaming over a device would replace it; a missing folder is an error.
  ASSERT_TRUE(writeArtifact(tinyArtifactContents(), path).ok());
  EXPECT_FALSE(
      writeArtifact(tinyArtifactContents(), dir.file("missing/model.moec"))
          .ok());
  absl::Status status = writeArtifact(tinyArtifactContents(), "/dev/full");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("'/dev/full': not a regular file"));
}

TEST_F(ArtifactTest, RejectsBadConfigAndDims) {
  expectInvalid([](ArtifactContents &c) { c.config.layerIsMoe.pop_back(); },
                {"config.layer_is_moe", "expected num_layers 2"});
  expectInvalid([](ArtifactContents &c) { c.config.numKeyValueHeads = 0; },
                {"config", "must all be positive"});
  expectInvalid([](ArtifactContents &c) { c.config.stopTokenIds.push_back(8); },
                {"config.stop_token_ids", "8 is outside the vocabulary"});
  expectInvalid([](ArtifactContents &c) { c.launches[1].grid.y = 0; },
                {"launches[1]", "must be positive"});
  expectInvalid([](ArtifactContents &c) { c.tmaDescriptors[0].boxDims = {4}; },
                {"tma_descriptors[0]", "rank entries"});
  expectInvalid([](ArtifactContents &c) { c.kvCache[0].chunkWindow = 0; },
                {"kv_cache[0].chunk_window"});
  expectInvalid([](ArtifactContents &c) { c.kvCache.push_back(c.kvCache[0]); },
                {"kv_cache", "has 3 layers, expected num_layers 2"});
  expectInvalid([](ArtifactContents &c) { c.kernels[0].bytes = {}; },
                {"kernels[0]", "non-empty"});
}

TEST_F(ArtifactTest, RejectsKvCacheRegionsOutsideTheAllocation) {
  expectInvalid([](ArtifactContents &c) { c.kvCacheBytes = 639; },
                {"kv_cache[1].values_byte_offset", "bytes [384, +256)",
                 "run past the KV cache (kv_cache_bytes 639)"});
  expectInvalid(
      [](ArtifactContents &c) { c.kvCache[0].keysByteOffset = ~uint64_t(0); },
      {"kv_cache[0].keys_byte_offset", "run past the KV cache"});
  expectInvalid([](ArtifactContents &c) { c.kvCache[1].maxPositions = ~0u; },
                {"kv_cache[1].keys_byte_offset", "run past the KV cache"});
  expectInvalid(
      [](ArtifactContents &c) {
        c.kvCache[1].maxPositions = ~0u;
        c.kvCache[1].kvHeads = ~0u;
        c.kvCache[1].headDim = ~0u;
      },
      {"kv_cache[1]", "max_positions x kv_heads x head_dim x dtype size "
                      "overflows"});
}

TEST_F(ArtifactTest, RejectsOverlappingKvCacheRegions) {
  expectInvalid([](ArtifactContents &c) { c.kvCache[1].keysByteOffset = 100; },
                {"kv_cache[1].keys_byte_offset", "bytes [100, 356)",
                 "overlap those of kv_cache[0].values_byte_offset [64, 128)"});
  expectInvalid([](ArtifactContents &c) { c.kvCache[0].valuesByteOffset = 0; },
                {"overlap those of kv_cache[0].keys_byte_offset [0, 64)"});
}

TEST_F(ArtifactTest, AcceptsEmptyKvCacheRegions) {
  // A layer whose cache holds no positions needs no bytes, wherever it lies.
  ArtifactContents contents = tinyArtifactContents();
  contents.kvCache[0].maxPositions = 0;
  contents.kvCache[0].valuesByteOffset = 0;
  absl::StatusOr<std::string> bytes = serializeArtifact(contents);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
}

TEST_F(ArtifactTest, RejectsBindingOffsetsPastTheirRegion) {
  expectInvalid(
      [](ArtifactContents &c) { c.decode.steps[2].args[1].byteOffset = 113; },
      {"decode.steps[2].args[1].byte_offset",
       "113 runs past the packed weights (112 bytes)"});
  expectInvalid(
      [](ArtifactContents &c) { c.decode.steps[2].args[2].byteOffset = 640; },
      {"decode.steps[2].args[2].byte_offset",
       "640 is not inside the KV cache (kv_cache_bytes 640)"});
  expectInvalid(
      [](ArtifactContents &c) { c.prefill.steps[0].args[1].byteOffset = 65; },
      {"prefill.steps[0].args[1].byte_offset",
       "65 runs past weight 'embed' (64 bytes)"});
  expectInvalid(
      [](ArtifactContents &c) { c.prefill.steps[1].args[3].byteOffset = 257; },
      {"prefill.steps[1].args[3].byte_offset",
       "runs past the values of KV-cache layer 1 (256 bytes)"});
}

TEST_F(ArtifactTest, RejectsUnknownEnumValue) {
  ArtifactContents contents = tinyArtifactContents();
  contents.weights.tensors[0].layout = static_cast<WeightLayout>(200);
  expectLoadError(*serializeArtifact(contents, ArtifactValidation::Skip),
                  {"weights.tensors[0].layout",
                   "enum value 200 is out of range", "newer moec"});
  contents = tinyArtifactContents();
  contents.decode.steps[2].args[2].kind =
      static_cast<BindingKind>(static_cast<int>(BindingKind::KvCache) + 1);
  expectLoadError(*serializeArtifact(contents, ArtifactValidation::Skip),
                  {"decode.steps[2].args[2].kind", "enum value 12",
                   "the largest known is 11"});
}

//===----------------------------------------------------------------------===//
// checkWeightsAgainstManifest
//===----------------------------------------------------------------------===//

class ManifestTest : public ArtifactTest {
protected:
  /// The packed weights matching tinyArtifactContents.
  SafetensorsBuilder packedWeights() {
    SafetensorsBuilder b;
    b.add("embed", "BF16", {8, 4}, std::string(64, '\1'));
    b.add("w", "F8_E4M3", {4, 4}, std::string(16, '\2'));
    b.add("w_scale", "F32", {4}, std::string(16, '\3'));
    b.add("norm", "F32", {4}, std::string(16, '\4'));
    return b;
  }

  absl::Status check(const SafetensorsBuilder &weights) {
    EXPECT_TRUE(writeArtifact(tinyArtifactContents(), path).ok());
    absl::StatusOr<Artifact> artifact = Artifact::load(path);
    EXPECT_TRUE(artifact.ok()) << artifact.status();
    std::string weightsPath = dir.file("tiny.weights.safetensors");
    writeFile(weightsPath, weights.bytes());
    absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(weightsPath);
    EXPECT_TRUE(file.ok()) << file.status();
    if (!artifact.ok() || !file.ok())
      return absl::InternalError("setup failed");
    return checkWeightsAgainstManifest(*artifact, *file);
  }

  void expectMismatch(const SafetensorsBuilder &weights,
                      std::initializer_list<std::string_view> phrases) {
    absl::Status status = check(weights);
    ASSERT_FALSE(status.ok());
    std::string message(status.message());
    EXPECT_THAT(message, HasSubstr("tiny.weights.safetensors"));
    EXPECT_THAT(message, HasSubstr(path));
    for (std::string_view phrase : phrases)
      EXPECT_THAT(message, HasSubstr(std::string(phrase)));
  }
};

TEST_F(ManifestTest, AcceptsMatchingWeights) {
  absl::Status status = check(packedWeights());
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(ManifestTest, RejectsMissingTensor) {
  SafetensorsBuilder b;
  b.add("embed", "BF16", {8, 4}, std::string(64, '\1'));
  b.add("w", "F8_E4M3", {4, 4}, std::string(16, '\2'));
  b.add("w_scale", "F32", {4}, std::string(16, '\3'));
  b.add("other", "F32", {4}, std::string(16, '\4'));
  expectMismatch(b, {"tensor 'norm' of the manifest is missing"});
}

TEST_F(ManifestTest, RejectsWrongShape) {
  SafetensorsBuilder b;
  b.add("embed", "BF16", {4, 8}, std::string(64, '\1'));
  b.add("w", "F8_E4M3", {4, 4}, std::string(16, '\2'));
  b.add("w_scale", "F32", {4}, std::string(16, '\3'));
  b.add("norm", "F32", {4}, std::string(16, '\4'));
  expectMismatch(
      b, {"tensor 'embed': shape is [4, 8]", "the manifest records [8, 4]"});
}

TEST_F(ManifestTest, RejectsWrongDtype) {
  SafetensorsBuilder b;
  b.add("embed", "BF16", {8, 4}, std::string(64, '\1'));
  b.add("w", "I8", {4, 4}, std::string(16, '\2'));
  b.add("w_scale", "F32", {4}, std::string(16, '\3'));
  b.add("norm", "F32", {4}, std::string(16, '\4'));
  expectMismatch(b,
                 {"tensor 'w': dtype is I8", "the manifest records F8_E4M3"});
}

TEST_F(ManifestTest, RejectsWrongDataAreaSize) {
  SafetensorsBuilder b = packedWeights();
  b.add("extra", "U8", {8}, std::string(8, '\5'));
  expectMismatch(b, {"data area is 120 bytes", "the manifest records 112"});
}

} // namespace
} // namespace moec::runtime
