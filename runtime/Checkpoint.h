//===- Checkpoint.h - Hugging Face checkpoint weight reader -----*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares Checkpoint, which opens the weights of a Hugging Face
// checkpoint directory: either a single `model.safetensors`, or a
// `model.safetensors.index.json` whose "weight_map" names a shard file for
// every tensor. Every shard is opened strictly (see Safetensors.h), and the
// index must agree with the shards exactly: each listed tensor is in the shard
// the index names, each stored tensor is listed, and no tensor is stored
// twice.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHECKPOINT_H
#define MOEC_RUNTIME_CHECKPOINT_H

#include "runtime/Safetensors.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moec::runtime {

/// One tensor of a checkpoint: its header entry and the file that holds it.
/// Both pointers stay valid as long as the Checkpoint does (also across moves
/// of the Checkpoint).
struct CheckpointTensor {
  const TensorInfo *info = nullptr;
  const SafetensorsFile *file = nullptr;

  /// Returns the tensor's bytes, memory-mapped from its file.
  absl::Span<const uint8_t> data() const { return file->data(*info); }
};

/// The validated weights of a checkpoint directory. Move-only.
class Checkpoint {
public:
  /// The weights file of an unsharded checkpoint.
  static constexpr std::string_view kSingleFileName = "model.safetensors";
  /// The index file of a sharded checkpoint.
  static constexpr std::string_view kIndexFileName =
      "model.safetensors.index.json";

  /// Opens the weights in `dir`. Exactly one of kSingleFileName and
  /// kIndexFileName must exist. Errors name the directory or the file and,
  /// where there is one, the tensor.
  static absl::StatusOr<Checkpoint> open(std::string dir);

  Checkpoint(Checkpoint &&other) noexcept = default;
  Checkpoint &operator=(Checkpoint &&other) noexcept = default;
  Checkpoint(const Checkpoint &) = delete;
  Checkpoint &operator=(const Checkpoint &) = delete;

  /// Returns the directory the checkpoint was opened from.
  const std::string &directory() const { return dir; }

  /// Returns true when the weights came from an index and shard files.
  bool isSharded() const { return sharded; }

  /// Returns the opened files: the single file, or the shards sorted by name
  /// (only shards the index refers to are opened).
  absl::Span<const SafetensorsFile> files() const { return shardFiles; }

  /// Returns the names of all tensors, sorted.
  const std::vector<std::string> &tensorNames() const { return names; }

  /// Returns the tensor called `name`, or nullopt when there is none.
  std::optional<CheckpointTensor> find(std::string_view name) const;

  /// Like find, but a missing tensor is a NotFound error naming it and the
  /// directory.
  absl::StatusOr<CheckpointTensor> get(std::string_view name) const;

private:
  /// Where a tensor lives: an index into shardFiles and into its tensors().
  struct Location {
    uint32_t file;
    uint32_t tensor;
  };

  Checkpoint() = default;
  absl::Status openSingleFile(const std::string &path);
  absl::Status openSharded(const std::string &indexPath);
  absl::Status locateTensors();
  absl::Status
  checkAgainstIndex(const std::vector<std::pair<std::string, std::string>> &map,
                    const std::string &indexPath) const;

  std::string dir;
  bool sharded = false;
  std::vector<SafetensorsFile> shardFiles;
  /// The file name (without directory) of each element of shardFiles.
  std::vector<std::string> shardNames;
  std::vector<std::string> names;
  absl::flat_hash_map<std::string, Location> locations;
};

/// Reads `dir`/config.json. Errors name the path (missing file, not a regular
/// file, unreadable).
absl::StatusOr<std::string> readCheckpointConfig(const std::string &dir);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_CHECKPOINT_H
