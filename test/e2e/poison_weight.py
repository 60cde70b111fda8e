"""Sets one row of a float32 tensor of a safetensors file to NaN, in place.

Usage: poison_weight.py FILE TENSOR ROW
"""

import json
import struct
import sys


def main():
    path, name, row = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "r+b") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        entry = header[name]
        assert entry["dtype"] == "F32", entry["dtype"]
        width = 1
        for dim in entry["shape"][1:]:
            width *= dim
        begin = 8 + length + entry["data_offsets"][0] + row * width * 4
        f.seek(begin)
        f.write(struct.pack("<f", float("nan")) * width)


if __name__ == "__main__":
    main()
