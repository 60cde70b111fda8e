//===- Checkpoint.cpp - Hugging Face checkpoint weight reader -------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements Checkpoint: choosing between the single-file and the
// sharded layout, decoding the index, opening the shards and cross-checking
// the index against what the shards hold.
//
//===----------------------------------------------------------------------===//

#include "runtime/Checkpoint.h"

#include "runtime/File.h"
#include "runtime/Json.h"
#include "runtime/StringUtil.h"

#include "absl/container/flat_hash_set.h"

#include <algorithm>
#include <set>

namespace moec::runtime {

/// The decoded "weight_map" of an index: (tensor name, shard file name) pairs
/// in the order the index lists them.
using WeightMap = std::vector<std::pair<std::string, std::string>>;

/// Returns InvalidArgument "<path>: <message>".
static absl::Status pathError(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(strCat(path, ": ", message));
}

/// Checks that a shard file name from the index stays inside the checkpoint
/// directory.
static absl::Status checkShardName(std::string_view shard,
                                   std::string_view tensor,
                                   std::string_view indexPath) {
  if (isPlainFileName(shard))
    return absl::OkStatus();
  return pathError(indexPath,
                   strCat("tensor '", tensor, "' maps to shard file '", shard,
                          "', which is not a plain file name (it is "
                          "empty or contains '/', '\\\\', '..' or a NUL "
                          "byte); shards must be files in the "
                          "checkpoint directory"));
}

/// Decodes and checks the "weight_map" (and the shape of "metadata") of an
/// index file.
static absl::StatusOr<WeightMap> parseWeightMap(const JsonValue &index,
                                                std::string_view indexPath) {
  if (!index.isObject())
    return pathError(indexPath, strCat("the index must be a JSON "
                                       "object, found ",
                                       jsonKindName(index.kind())));
  const JsonValue *metadata = index.find("metadata");
  if (metadata && !metadata->isObject())
    return pathError(indexPath, strCat("\"metadata\" must be an object, "
                                       "found ",
                                       jsonKindName(metadata->kind())));
  const JsonValue *weightMap = index.find("weight_map");
  if (!weightMap)
    return pathError(indexPath, "missing \"weight_map\"");
  const JsonValue::Object *members = weightMap->asObject();
  if (!members || members->empty())
    return pathError(indexPath, "\"weight_map\" must be a non-empty object "
                                "mapping tensor names to shard file names");
  WeightMap entries;
  for (const JsonMember &member : *members) {
    const std::string *shard = member.value.asString();
    if (!shard)
      return pathError(indexPath, strCat("tensor '", member.key,
                                         "': the shard file name must be a "
                                         "string, found ",
                                         jsonKindName(member.value.kind())));
    if (absl::Status status = checkShardName(*shard, member.key, indexPath);
        !status.ok())
      return status;
    entries.emplace_back(member.key, *shard);
  }
  return entries;
}

absl::StatusOr<Checkpoint> Checkpoint::open(std::string dir) {
  if (!isDirectory(dir))
    return absl::NotFoundError(strCat("checkpoint directory '", dir,
                                      "' does not exist or is not a "
                                      "directory"));
  std::string singlePath = joinPath(dir, kSingleFileName);
  std::string indexPath = joinPath(dir, kIndexFileName);
  bool hasSingle = pathExists(singlePath), hasIndex = pathExists(indexPath);
  if (hasSingle && hasIndex)
    return absl::InvalidArgumentError(
        strCat("checkpoint directory '", dir, "' has both ", kSingleFileName,
               " and ", kIndexFileName,
               "; it is unclear which holds the weights (remove the "
               "stale one)"));
  if (!hasSingle && !hasIndex)
    return absl::NotFoundError(
        strCat("checkpoint directory '", dir, "' has neither ", kSingleFileName,
               " nor ", kIndexFileName, "; is this a safetensors checkpoint?"));
  Checkpoint result;
  result.dir = std::move(dir);
  absl::Status status = hasIndex ? result.openSharded(indexPath)
                                 : result.openSingleFile(singlePath);
  if (!status.ok())
    return status;
  return result;
}

absl::Status Checkpoint::openSingleFile(const std::string &path) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  if (!file.ok())
    return file.status();
  shardFiles.push_back(*std::move(file));
  shardNames.emplace_back(kSingleFileName);
  return locateTensors();
}

absl::Status Checkpoint::openSharded(const std::string &indexPath) {
  absl::StatusOr<std::string> text = readTextFile(indexPath, kMaxJsonFileBytes);
  if (!text.ok())
    return text.status();
  absl::StatusOr<JsonValue> index = parseJson(*text);
  if (!index.ok())
    return pathError(indexPath, toStdView(index.status().message()));
  absl::StatusOr<WeightMap> weightMap = parseWeightMap(*index, indexPath);
  if (!weightMap.ok())
    return weightMap.status();
  std::set<std::string> uniqueShards;
  for (const auto &[tensor, shard] : *weightMap)
    uniqueShards.insert(shard);
  for (const std::string &shard : uniqueShards) {
    absl::StatusOr<SafetensorsFile> file =
        SafetensorsFile::open(joinPath(dir, shard));
    if (!file.ok())
      return file.status();
    shardFiles.push_back(*std::move(file));
    shardNames.push_back(shard);
  }
  sharded = true;
  if (absl::Status status = locateTensors(); !status.ok())
    return status;
  return checkAgainstIndex(*weightMap, indexPath);
}

absl::Status Checkpoint::locateTensors() {
  for (size_t f = 0; f < shardFiles.size(); ++f) {
    absl::Span<const TensorInfo> tensors = shardFiles[f].tensors();
    for (size_t t = 0; t < tensors.size(); ++t) {
      Location location{static_cast<uint32_t>(f), static_cast<uint32_t>(t)};
      auto [it, inserted] = locations.try_emplace(tensors[t].name, location);
      if (inserted)
        continue;
      return absl::InvalidArgumentError(
          strCat("checkpoint '", dir, "': tensor '", tensors[t].name,
                 "' is stored in two shards, '", shardNames[it->second.file],
                 "' and '", shardNames[f], "'"));
    }
  }
  names.reserve(locations.size());
  for (const auto &[name, location] : locations)
    names.push_back(name);
  std::sort(names.begin(), names.end());
  return absl::OkStatus();
}

absl::Status Checkpoint::checkAgainstIndex(const WeightMap &weightMap,
                                           const std::string &indexPath) const {
  for (const auto &[tensor, shard] : weightMap) {
    auto it = locations.find(tensor);
    if (it == locations.end())
      return pathError(
          indexPath, strCat("the index lists tensor '", tensor, "' in shard '",
                            shard, "', but that shard has no such tensor"));
    if (shardNames[it->second.file] != shard)
      return pathError(indexPath, strCat("the index lists tensor '", tensor,
                                         "' in shard '", shard,
                                         "', but it is stored in shard '",
                                         shardNames[it->second.file], "'"));
  }
  if (locations.size() == weightMap.size())
    return absl::OkStatus();
  absl::flat_hash_set<std::string> listed;
  for (const auto &[tensor, shard] : weightMap)
    listed.insert(tensor);
  for (size_t f = 0; f < shardFiles.size(); ++f)
    for (const TensorInfo &info : shardFiles[f].tensors())
      if (!listed.contains(info.name))
        return pathError(indexPath,
                         strCat("tensor '", info.name, "' is stored in shard '",
                                shardNames[f],
                                "' but the index does not list it"));
  return absl::OkStatus();
}

std::optional<CheckpointTensor> Checkpoint::find(std::string_view name) const {
  auto it = locations.find(toAbslView(name));
  if (it == locations.end())
    return std::nullopt;
  const SafetensorsFile &file = shardFiles[it->second.file];
  return CheckpointTensor{&file.tensors()[it->second.tensor], &file};
}

absl::StatusOr<CheckpointTensor> Checkpoint::get(std::string_view name) const {
  if (std::optional<CheckpointTensor> tensor = find(name))
    return *tensor;
  return absl::NotFoundError(
      strCat("checkpoint '", dir, "' has no tensor named '", name, "'"));
}

absl::StatusOr<std::string> readCheckpointConfig(const std::string &dir) {
  return readTextFile(joinPath(dir, "config.json"), kMaxJsonFileBytes);
}

} // namespace moec::runtime
