#!/usr/bin/python3
"""Writes damaged copies of a compiled artifact and its packed weights for the
moec-run error tests: corrupt_artifact.py MODE SRC_DIR DST_DIR.

  truncate      the .moec cut in half
  flip          60 bytes inside the .moec inverted
  drop-weights  the .moec without its packed weights file
  rename-tensor the first tensor renamed (last letter) in the packed weights header
  reshape       the first manifest tensor's shape changed (same byte size)
  truncate-weights  the packed weights cut short
"""
import json
import os
import shutil
import struct
import sys


def main():
    mode, src, dst = sys.argv[1:4]
    os.makedirs(dst, exist_ok=True)
    art = open(os.path.join(src, "model.moec"), "rb").read()
    weights = open(os.path.join(src, "model.weights.safetensors"), "rb").read()
    if mode == "truncate":
        art = art[:len(art) // 2]
    elif mode == "flip":
        art = bytearray(art)
        for i in range(200, 260):
            art[i] ^= 0xFF
    elif mode in ("rename-tensor", "reshape"):
        (n,) = struct.unpack("<Q", weights[:8])
        header = json.loads(weights[8:8 + n])
        name = next(k for k in header if not k.startswith("__"))
        if mode == "rename-tensor":
            header[name[:-1] + ("X" if name[-1] != "X" else "Y")] = header.pop(name)
        else:
            shape = header[name]["shape"]
            header[name]["shape"] = [shape[0] * shape[1]] + shape[2:]
        text = json.dumps(header, separators=(",", ":")).encode()
        assert len(text) <= n, "header grew"
        weights = weights[:8] + text + b" " * (n - len(text)) + weights[8 + n:]
    elif mode == "truncate-weights":
        weights = weights[:len(weights) - 100]
    elif mode != "drop-weights":
        sys.exit("unknown mode " + mode)
    open(os.path.join(dst, "model.moec"), "wb").write(art)
    if mode != "drop-weights":
        open(os.path.join(dst, "model.weights.safetensors"), "wb").write(weights)


if __name__ == "__main__":
    main()
