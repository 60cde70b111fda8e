#!/usr/bin/env python3
"""Writes a corrupted copy of a checkpoint directory for negative tests.

usage: corrupt_safetensors.py SRC_DIR DST_DIR KIND
KIND: truncate | header-past-eof | overlap | out-of-range | unknown-dtype
"""
import json
import os
import shutil
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def write(path, header, body, header_len=None):
    text = json.dumps(header).encode()
    n = len(text) if header_len is None else header_len
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", n) + text + body)


def tensor_names(header):
    return sorted(k for k in header if k != "__metadata__")


def main():
    src, dst, kind = sys.argv[1:4]
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    shutil.copy(os.path.join(src, "config.json"), dst)
    path = os.path.join(dst, "model.safetensors")
    header, body = read(os.path.join(src, "model.safetensors"))
    names = tensor_names(header)
    if kind == "truncate":
        write(path, header, body[: len(body) // 2])
    elif kind == "header-past-eof":
        write(path, header, body, header_len=1 << 40)
    elif kind == "overlap":
        first, second = header[names[0]], header[names[1]]
        size = second["data_offsets"][1] - second["data_offsets"][0]
        second["data_offsets"] = [first["data_offsets"][0],
                                  first["data_offsets"][0] + size]
        write(path, header, body)
    elif kind == "out-of-range":
        entry = header[names[0]]
        size = entry["data_offsets"][1] - entry["data_offsets"][0]
        entry["data_offsets"] = [len(body), len(body) + size]
        write(path, header, body)
    elif kind == "unknown-dtype":
        header[names[0]]["dtype"] = "F12"
        write(path, header, body)
    else:
        sys.exit("unknown kind " + kind)
    print(names[0])


if __name__ == "__main__":
    main()
