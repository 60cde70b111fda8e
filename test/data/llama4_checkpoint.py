#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes variants of a tiny Llama 4 safetensors checkpoint for frontend tests.

Reads SRC/model.safetensors (a golden checkpoint), applies the requested edits
and writes DST/model.safetensors (or shards + model.safetensors.index.json)
plus DST/config.json (copied from --config, else from SRC). Needs only NumPy.

Edits, applied in this order:
  --bf16                    store every float32 tensor as bfloat16
  --fp8 compressed-tensors  routed experts -> per-expert FP8 [out, in] linear
                            weights + weight_scale [out, 1] (dtype --scale-dtype)
  --fp8 fbgemm              fused routed experts -> FP8 + gate_up_proj_scale
                            [E, 1, 2I] and down_proj_scale [E, H, 1] (F32)
  --prefix P                prefix every tensor name (multimodal: language_model.)
  --vision                  add a few vision-tower / projector tensors
  --drop NAME               remove a tensor
  --shape NAME=AxB          replace a tensor by a zero tensor of another shape
  --dtype NAME=F16          store one tensor as float16
  --add NAME=AxB            add an extra float32 tensor
  --shards N                split into N shard files with an index
"""

import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np

NUMPY_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64,
                "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """Returns {name: (dtype, shape, bytes)} in file order."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in sorted(header.items(),
                              key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = entry["data_offsets"]
        tensors[name] = (entry["dtype"], list(entry["shape"]), data[begin:end])
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def as_f32(entry):
    dtype, shape, blob = entry
    if dtype == "BF16":
        bits = np.frombuffer(blob, np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    return np.frombuffer(blob, NUMPY_DTYPES[dtype]).astype(np.float32) \
        .reshape(shape)


def to_bf16(array):
    bits = np.ascontiguousarray(array, np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return ("BF16", list(array.shape), rounded.astype(np.uint16).tobytes())


def to_e4m3(array):
    """Rounds float32 values in [-448, 448] to float8 e4m3fn bit patterns."""
    a = np.clip(np.abs(array.astype(np.float64)), 0, 448)
    sign = (array < 0).astype(np.uint8) << 7
    exp = np.floor(np.log2(np.maximum(a, 2.0 ** -9)))
    exp = np.maximum(exp, -6)
    mant = np.round(a / 2.0 ** exp * 8).astype(np.int64)  # 8..16, or <8 sub
    carry = mant >= 16
    exp = np.where(carry, exp + 1, exp)
    mant = np.where(carry, 8, mant)
    normal = mant >= 8
    biased = np.where(normal, exp + 7, 0).astype(np.int64)
    mant = np.where(normal, mant - 8, mant)
    bits = sign | (biased << 3).astype(np.uint8) | mant.astype(np.uint8)
    return bits.astype(np.uint8)


def quantize_rows(matrix):
    """Per-row FP8 of an [out, in] matrix: (fp8 bytes, scale [out, 1])."""
    amax = np.maximum(np.abs(matrix).max(axis=1, keepdims=True), 1e-12)
    scale = (amax / 448.0).astype(np.float32)
    return to_e4m3(matrix / scale).tobytes(), scale


def encode(array, dtype):
    if dtype == "BF16":
        return to_bf16(array)
    return (dtype, list(array.shape),
            np.ascontiguousarray(array, NUMPY_DTYPES[dtype]).tobytes())


def fp8_compressed_tensors(tensors, scale_dtype):
    out = {}
    for name, entry in tensors.items():
        if name.endswith("experts.gate_up_proj"):
            stem = name[: -len("gate_up_proj")]
            gate_up = as_f32(entry)                      # [E, H, 2I]
            inter = gate_up.shape[2] // 2
            for e in range(gate_up.shape[0]):
                for proj, half in (("gate_proj", gate_up[e, :, :inter]),
                                   ("up_proj", gate_up[e, :, inter:])):
                    data, scale = quantize_rows(half.T)   # [I, H]
                    key = f"{stem}{e}.{proj}.weight"
                    out[key] = ("F8_E4M3", list(half.T.shape), data)
                    out[key + "_scale"] = encode(scale, scale_dtype)
        elif name.endswith("experts.down_proj"):
            stem = name[: -len("down_proj")]
            down = as_f32(entry)                         # [E, I, H]
            for e in range(down.shape[0]):
                data, scale = quantize_rows(down[e].T)   # [H, I]
                key = f"{stem}{e}.down_proj.weight"
                out[key] = ("F8_E4M3", list(down[e].T.shape), data)
                out[key + "_scale"] = encode(scale, scale_dtype)
        else:
            out[name] = entry
    return out


def fp8_fbgemm(tensors):
    out = {}
    for name, entry in tensors.items():
        if not (name.endswith("experts.gate_up_proj")
                or name.endswith("experts.down_proj")):
            out[name] = entry
            continue
        weights = as_f32(entry)                          # [E, in, out]
        # Per output channel: one scale per (expert, out column).
        amax = np.maximum(np.abs(weights).max(axis=1, keepdims=True), 1e-12)
        scale = (amax / 448.0).astype(np.float32)        # [E, 1, out]
        out[name] = ("F8_E4M3", list(weights.shape),
                     to_e4m3(weights / scale).tobytes())
        if name.endswith("down_proj"):
            scale = scale.transpose(0, 2, 1)             # [E, H, 1]
        out[name + "_scale"] = encode(scale, "F32")
    return out


def parse_shape(text):
    return [int(d) for d in text.split("x")] if text else []


def apply_edits(tensors, args):
    if args.bf16:
        tensors = {n: to_bf16(as_f32(e)) if e[0] == "F32" else e
                   for n, e in tensors.items()}
    if args.fp8 == "compressed-tensors":
        tensors = fp8_compressed_tensors(tensors, args.scale_dtype)
    elif args.fp8 == "fbgemm":
        tensors = fp8_fbgemm(tensors)
    if args.prefix:
        tensors = {args.prefix + n: e for n, e in tensors.items()}
    if args.vision:
        for name, shape in (("vision_model.class_embedding", [8]),
                            ("vision_model.patch_embedding.linear.weight",
                             [8, 12]),
                            ("multi_modal_projector.linear_1.weight",
                             [64, 8])):
            tensors[name] = encode(np.ones(shape, np.float32), "F32")
    for name in args.drop:
        del tensors[name]
    for spec in args.shape:
        name, shape = spec.split("=")
        dtype = tensors[name][0]
        tensors[name] = encode(np.zeros(parse_shape(shape), np.float32), dtype)
    for spec in args.dtype:
        name, dtype = spec.split("=")
        tensors[name] = encode(as_f32(tensors[name]), dtype)
    for spec in args.add:
        name, shape = spec.split("=")
        tensors[name] = encode(np.zeros(parse_shape(shape), np.float32), "F32")
    return tensors


def write_checkpoint(dst, tensors, shards):
    if shards <= 1:
        write_safetensors(os.path.join(dst, "model.safetensors"), tensors)
        return
    names = list(tensors)
    weight_map = {}
    for i in range(shards):
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[i::shards]}
        write_safetensors(os.path.join(dst, file), part)
        weight_map.update({n: file for n in part})
    with open(os.path.join(dst, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--config")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--fp8", choices=["compressed-tensors", "fbgemm"])
    parser.add_argument("--scale-dtype", default="F32", choices=["F32", "BF16"])
    parser.add_argument("--prefix", default="")
    parser.add_argument("--vision", action="store_true")
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--shape", action="append", default=[])
    parser.add_argument("--dtype", action="append", default=[])
    parser.add_argument("--add", action="append", default=[])
    parser.add_argument("--shards", type=int, default=1)
    args = parser.parse_args()

    tensors = read_safetensors(os.path.join(args.src, "model.safetensors"))
    tensors = apply_edits(tensors, args)
    if os.path.exists(args.dst):
        shutil.rmtree(args.dst)
    os.makedirs(args.dst)
    write_checkpoint(args.dst, tensors, args.shards)
    shutil.copyfile(args.config or os.path.join(args.src, "config.json"),
                    os.path.join(args.dst, "config.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
