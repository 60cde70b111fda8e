"""Checks a `moec pack-moe-layer` file against its checkpoint, independently
of moec (pure Python: no numpy): the packed layout of docs/hopper-codegen.md
recomputed from the checkpoint's fused experts, bf16 rounded to nearest
even, FP8 row-wise scale = amax / 448 in f32 and e4m3 codes rounded to
nearest even with saturation. Every byte must match.

usage: check_packed_moe_layer.py CKPT_DIR LAYER PRECISION PACKED
"""

import json
import math
import struct
import sys


def read_safetensors(path):
    """{name: (dtype, shape, bytes)} of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensors[name] = (entry["dtype"], entry["shape"], data[begin:end])
    return tensors


def floats(dtype, raw):
    assert dtype == "F32", dtype
    return struct.unpack("<%df" % (len(raw) // 4), raw)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bf16_bits(x):
    (bits,) = struct.unpack("<I", struct.pack("<f", x))
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def e4m3_value(code):
    exponent, mantissa = (code >> 3) & 15, code & 7
    if exponent:
        magnitude = math.ldexp(1 + mantissa / 8, exponent - 7)
    else:
        magnitude = math.ldexp(mantissa / 8, -6)
    return -magnitude if code & 0x80 else magnitude


POSITIVE = [(e4m3_value(c), c) for c in range(0x7F)]  # 0x7F is NaN


def e4m3_code(x):
    """Nearest e4m3 code, ties to the even code, saturating at 448."""
    sign = 0x80 if math.copysign(1, x) < 0 else 0
    best = min(POSITIVE, key=lambda vc: (abs(vc[0] - abs(x)), vc[1] & 1))
    return best[1] | sign


def main():
    ckpt, layer, precision, packed_path = sys.argv[1:5]
    config = json.load(open(ckpt + "/config.json"))
    E, H = config["num_local_experts"], config["hidden_size"]
    I = config["intermediate_size"]
    src = read_safetensors(ckpt + "/model.safetensors")
    prefix = "model.layers.%s.feed_forward." % layer

    def get(name):
        dtype, shape, raw = src[prefix + name]
        return shape, floats(dtype, raw)

    _, router = get("router.weight")
    _, gate_up = get("experts.gate_up_proj")  # [E][H][2I]
    _, down = get("experts.down_proj")  # [E][I][H]
    _, sg = get("shared_expert.gate_proj.weight")  # [I][H]
    _, su = get("shared_expert.up_proj.weight")
    _, sd = get("shared_expert.down_proj.weight")  # [H][I]

    rows = {
        "router": [router[r * H:(r + 1) * H] for r in range(E)],
        "w13": [[gate_up[e * H * 2 * I + h * 2 * I + r] for h in range(H)]
                for e in range(E) for r in range(2 * I)],
        "w2": [[down[e * I * H + i * H + o] for i in range(I)]
               for e in range(E) for o in range(H)],
        "shared_w13": [sg[r * H:(r + 1) * H] for r in range(I)] +
                      [su[r * H:(r + 1) * H] for r in range(I)],
        "shared_w2": [sd[o * I:(o + 1) * I] for o in range(H)],
    }
    shapes = {"router": [E, H], "w13": [E, 2 * I, H], "w2": [E, H, I],
              "shared_w13": [2 * I, H], "shared_w2": [H, I]}
    packed = read_safetensors(packed_path)
    names = sorted(n for n in packed if not n.startswith("__moec_padding."))
    fp8 = precision == "fp8-rowwise"
    expected_names = sorted(list(shapes) + ([n + "_scale" for n in shapes
                                             if n != "router"] if fp8 else []))
    if names != expected_names:
        sys.exit("tensors %s, expected %s" % (names, expected_names))
    checked = 0
    for name, matrix in rows.items():
        dtype, shape, raw = packed[name]
        if shape != shapes[name]:
            sys.exit("%s: shape %s, expected %s" % (name, shape, shapes[name]))
        if not fp8 or name == "router":
            want = b"".join(struct.pack("<H", bf16_bits(x))
                            for row in matrix for x in row)
            if dtype != "BF16" or raw != want:
                sys.exit("%s: bf16 bytes differ" % name)
            checked += len(want) // 2
            continue
        scale_dtype, scale_shape, scale_raw = packed[name + "_scale"]
        scales = struct.unpack("<%df" % len(matrix), scale_raw)
        if dtype != "F8_E4M3" or scale_dtype != "F32" or \
                scale_shape != shapes[name][:-1]:
            sys.exit("%s: dtype %s, scale %s %s" % (name, dtype, scale_dtype,
                                                     scale_shape))
        for r, row in enumerate(matrix):
            amax = max(abs(x) for x in row)
            scale = f32(amax / 448) if amax > 0 else 1.0
            if scales[r] != scale:
                sys.exit("%s: row %d scale %r, expected %r" %
                         (name, r, scales[r], scale))
            codes = bytes(e4m3_code(f32(x / scale)) for x in row)
            got = raw[r * len(row):(r + 1) * len(row)]
            if got != codes:
                sys.exit("%s: row %d codes differ" % (name, r))
            # The dequantized row stays within half an e4m3 step (1/16).
            for x, c in zip(row, got):
                if abs(e4m3_value(c) * scale - x) > amax / 448 * 32 + 1e-30:
                    sys.exit("%s: row %d dequantizes far off" % (name, r))
            checked += len(row)
    print("packed %s layer %s matches the checkpoint: %d elements" %
          (precision, layer, checked))


main()
