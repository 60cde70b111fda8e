#!/usr/bin/python3
"""Independent NumPy reference of the Llama 4 text model (Scout / Maverick).

Written only from /work/shared/reference/llama4-spec.md (sections 1-3, 6, 7) and the
"Numerics" notes of hopper-notes.md.  It is the numerical oracle of moec's CPU and GPU
tests.  Needs only NumPy (run it with /usr/bin/python3).

Precisions (`precision=`):
  f64          exact reference: every op in float64.  The RoPE inverse-frequency table and
               the angles pos*inv_freq are fp32 as the spec defines them (angle_dtype="f64"
               gives exact angles); cos/sin and everything after in f64.
  f32          every op in float32 (what HF eager fp32 does).
  bf16         HF bf16 emulation: weights rounded to bf16 (RNE), every op computed in fp32
               "opmath" and rounded to bf16, exactly where HF rounds: RMSNorm rounds before the
               weight multiply; RoPE in fp32 then round; qk-norm in fp32 then round; temperature
               scale in fp32 then round q; router sigmoid in fp32 rounded to bf16 before it
               multiplies the expert input; eager softmax result in bf16; matmuls accumulate in
               fp32 and round their outputs to bf16; logits stay bf16.  Not in the spec: HF's
               model.to(torch.bfloat16) also rounds the RoPE inv_freq buffer to bf16; with that
               (inv_freq_dtype="bf16", the default here) logits_bf16.npy of both goldens is
               reproduced bit for bit, with the fp32 table only 15-21% of the logits match.
  fp8-rowwise  W8A8: per-output-channel weight scales x dynamic per-token activation scales
               (scale = amax/448 in fp32, values divided in fp32 then RNE to e4m3 with
               saturation), fp32 accumulation, output = acc * s_x * s_w cast to the compute type.
  fp8-block    1x`block` activation blocks x `block`x`block` weight blocks (block=128): partial
               sums over each K block accumulated in fp32, scaled by s_x*s_w and added to an fp32
               accumulator (promotion every 128 of K, as DeepGEMM does on Hopper).
FP8 is applied to the op classes in `fp8_classes` (default: experts, shared, dense, attn);
router, norms, embedding and lm_head stay in the compute type (`compute=`, default bf16).

`fake_quant=` ("fp8-rowwise"/"fp8-block") with precision f64 gives the exact reference on the
same quantized model: weights of `fp8_classes` replaced by their dequantized values and the
activations entering those ops quantized and dequantized, all matmuls in f64.

Shapes: a single sequence; ids [S], positions [S] (absolute cache positions), logits [S, V].
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np

__all__ = [
    "round_bf16", "bf16_bits_to_f32", "f32_to_bf16_bits",
    "E4M3_MAX", "e4m3_values", "decode_e4m3", "encode_e4m3", "round_to_e4m3",
    "round_to_e4m3_f32",
    "quantize_e4m3", "quantize_act_rowwise", "quantize_act_block",
    "dequantize_act_block", "quantize_weight", "dequantize_weight",
    "fp8_linear_rowwise", "fp8_linear_block",
    "read_safetensors", "write_safetensors", "SafetensorsFile",
    "TextConfig", "parse_config", "load_checkpoint", "canonical_weight_name",
    "weight_op_class", "quantize_weights", "dequantized_weights",
    "rope_inv_freq", "temperature_scale",
    "KVCache", "Llama4Ref", "load_model", "random_weights", "make_random_checkpoint", "main",
]

OP_CLASSES = ("experts", "shared", "dense", "attn", "router", "lm_head")
DEFAULT_FP8_CLASSES = ("experts", "shared", "dense", "attn")
PRECISIONS = ("f64", "f32", "bf16", "fp8-rowwise", "fp8-block")


# --------------------------------------------------------------------------------------
# bfloat16
# --------------------------------------------------------------------------------------

def f32_to_bf16_bits(x):
    """float32 -> bf16 bit patterns (uint16), round to nearest even; NaN stays (quiet) NaN."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    b = x.view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    nan = np.isnan(x)
    if nan.any():
        r = np.where(nan, (b >> 16) | 0x40, r)
    return r.astype(np.uint16)


def bf16_bits_to_f32(u):
    u = np.asarray(u, dtype=np.uint16)
    return (u.astype(np.uint32) << 16).view(np.float32)


def round_bf16(x):
    """Round to bfloat16 (RNE), returned as float32 holding bf16 values.

    Float64 input is first rounded to float32 (as a torch op computing in fp32 opmath does)."""
    return bf16_bits_to_f32(f32_to_bf16_bits(np.asarray(x, dtype=np.float32)))


# --------------------------------------------------------------------------------------
# FP8 e4m3 (the "fn" variant: no infinities, NaN = S.1111.111, max 448)
# --------------------------------------------------------------------------------------

E4M3_MAX = 448.0


def e4m3_values():
    """float64 values of all 256 e4m3 codes (NaN at 0x7F and 0xFF)."""
    c = np.arange(256)
    sign = np.where(c >> 7, -1.0, 1.0)
    e = (c >> 3) & 0xF
    m = (c & 7).astype(np.float64)
    val = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1.0 + m / 8.0) * np.ldexp(1.0, e - 7))
    val = sign * val
    val[(e == 15) & ((c & 7) == 7)] = np.nan
    return val


_E4M3_TABLE = e4m3_values()
_E4M3_POS = _E4M3_TABLE[:127]          # codes 0x00..0x7E, increasing, 0 .. 448


def decode_e4m3(codes):
    return _E4M3_TABLE[np.asarray(codes, dtype=np.uint8)].astype(np.float32)


def encode_e4m3(values):
    """Exactly representable e4m3 values (e.g. the output of round_to_e4m3) -> uint8 codes."""
    v = np.asarray(values, dtype=np.float64)
    a = np.abs(v)
    idx = np.searchsorted(_E4M3_POS, np.where(np.isnan(a), 0.0, a))
    idx = np.minimum(idx, 126)
    ok = np.isnan(v) | (_E4M3_POS[idx] == a)
    if not ok.all():
        raise ValueError("encode_e4m3: value not representable in e4m3: %r"
                         % (v[~ok].ravel()[:4],))
    codes = idx.astype(np.uint8) | np.where(np.signbit(v), 0x80, 0).astype(np.uint8)
    codes = np.where(np.isnan(v), np.uint8(0x7F), codes)
    return codes.astype(np.uint8)


_E4M3_MIDS = (_E4M3_POS[:-1] + _E4M3_POS[1:]) / 2.0     # 126 midpoints, exact in f64


def round_to_e4m3(v):
    """Round to the nearest e4m3 value, ties to even, saturating to +-448 (inf -> 448,
    like cvt.rn.satfinite); NaN stays NaN.  Returns float64."""
    v = np.asarray(v, dtype=np.float64)
    a = np.abs(v)
    nan = np.isnan(a)
    a = np.where(nan, 0.0, a)
    i = np.searchsorted(_E4M3_MIDS, a, side="left")       # candidates: code i (ties: i, i+1)
    tie = (i < 126) & (_E4M3_MIDS[np.minimum(i, 125)] == a) & (i % 2 == 1)
    i = i + tie                                           # tie -> the even code
    out = np.copysign(_E4M3_POS[i], v)
    if nan.any():
        out = np.where(nan, np.nan, out)
    return out


def round_to_e4m3_f32(x):
    """round_to_e4m3 for float32 input (what the quantizers use), by bit manipulation:
    RNE of the f32 mantissa to 3 bits for |x| >= 2^-6, steps of 2^-9 below, then saturation.
    Returns float32; identical to round_to_e4m3 on float32 values."""
    x = np.asarray(x, np.float32)
    a = np.abs(x)
    b = a.view(np.uint32)
    with np.errstate(over="ignore", invalid="ignore"):
        rn = ((b + np.uint32(0x7FFFF) + ((b >> np.uint32(20)) & np.uint32(1)))
              & np.uint32(0xFFF00000)).view(np.float32)
        sub = np.round(a * np.float32(512)) / np.float32(512)
    r = np.minimum(np.where(a < np.float32(2.0 ** -6), sub, rn), np.float32(E4M3_MAX))
    r = np.copysign(r, x)
    return np.where(np.isnan(x), np.float32(np.nan), r).astype(np.float32)


def _amax_scale(amax):
    """scale = amax / 448 in fp32; an all-zero group gets scale 1."""
    amax = np.asarray(amax, dtype=np.float32)
    s = amax / np.float32(E4M3_MAX)
    return np.where(amax > 0, s, np.float32(1.0)).astype(np.float32)


def quantize_e4m3(x, scale):
    """e4m3 values of x/scale: the quotient is formed in fp32, then RNE + saturation."""
    with np.errstate(over="ignore"):
        q = np.asarray(x, dtype=np.float32) / np.asarray(scale, dtype=np.float32)
    return round_to_e4m3_f32(q)


def quantize_act_rowwise(x):
    """Dynamic per-token (per-row) activation quantization. x [T,K] -> (q [T,K] f32 e4m3
    values, s [T,1] f32), x ~= q * s."""
    x = np.asarray(x, dtype=np.float32)
    s = _amax_scale(np.max(np.abs(x), axis=-1, keepdims=True)) if x.shape[-1] else \
        np.ones(x.shape[:-1] + (1,), np.float32)
    return quantize_e4m3(x, s), s


def quantize_act_block(x, block=128):
    """1 x block activation quantization along K. x [T,K] -> (q [T,K], s [T, ceil(K/block)])."""
    x = np.asarray(x, dtype=np.float32)
    T, K = x.shape
    nkb = -(-K // block)
    xp = np.zeros((T, nkb * block), np.float32)
    xp[:, :K] = x
    xb = xp.reshape(T, nkb, block)
    s = _amax_scale(np.max(np.abs(xb), axis=-1))
    q = quantize_e4m3(xb, s[:, :, None]).reshape(T, nkb * block)[:, :K]
    return q, s


def dequantize_act_block(q, s, block=128):
    T, K = q.shape
    return np.asarray(q, np.float64) * np.repeat(np.asarray(s, np.float64), block, axis=1)[:, :K]


def _to_canonical(w, k_axis):
    """Move the reduction (input) axis last; the output axis is the other of the last two."""
    nd = w.ndim
    k = k_axis % nd
    if k == nd - 1:
        return w, False
    if k == nd - 2:
        return np.swapaxes(w, -1, -2), True
    raise ValueError("k_axis must be one of the last two axes")


def quantize_weight(w, scheme, k_axis=-1, block=(128, 128)):
    """Quantize a weight tensor whose last two axes are (out, in) or (in, out).

    k_axis: the input (reduction) axis: -1 for nn.Linear [out,in], -2 (or 1) for the fused
    expert tensors [E,in,out].  scheme "rowwise": one scale per output channel, scale shape =
    w.shape with the K axis set to 1.  scheme "block": (block_out, block_in) tiles, scale shape
    [..., ceil(d[-2]/b), ceil(d[-1]/b)] in the tensor's own axis order.
    Returns (q float32 e4m3 values, scale float32); w ~= dequantize_weight(q, scale, ...)."""
    scheme = scheme.replace("fp8-", "")
    w = np.asarray(w, dtype=np.float32)
    wc, swapped = _to_canonical(w, k_axis)
    if scheme == "rowwise":
        s = _amax_scale(np.max(np.abs(wc), axis=-1, keepdims=True))
        q = quantize_e4m3(wc, s)
    elif scheme == "block":
        bn, bk = block
        *lead, N, K = wc.shape
        nnb, nkb = -(-N // bn), -(-K // bk)
        wp = np.zeros(tuple(lead) + (nnb * bn, nkb * bk), np.float32)
        wp[..., :N, :K] = wc
        wb = wp.reshape(tuple(lead) + (nnb, bn, nkb, bk))
        s = _amax_scale(np.max(np.abs(wb), axis=(-3, -1)))
        q = quantize_e4m3(wb, s[..., :, None, :, None]).reshape(wp.shape)[..., :N, :K]
    else:
        raise ValueError("unknown scheme %r" % scheme)
    if swapped:
        q, s = np.swapaxes(q, -1, -2), np.swapaxes(s, -1, -2)
    return np.ascontiguousarray(q), np.ascontiguousarray(s)


def dequantize_weight(q, s, scheme, k_axis=-1, block=(128, 128)):
    """Inverse of quantize_weight, exact, float64."""
    scheme = scheme.replace("fp8-", "")
    q = np.asarray(q, np.float64)
    s = np.asarray(s, np.float64)
    if scheme == "rowwise":
        return q * s
    qc, swapped = _to_canonical(q, k_axis)
    sc = np.swapaxes(s, -1, -2) if swapped else s
    bn, bk = block
    N, K = qc.shape[-2:]
    full = np.repeat(np.repeat(sc, bn, axis=-2), bk, axis=-1)[..., :N, :K]
    out = qc * full
    return np.swapaxes(out, -1, -2) if swapped else out


def fp8_linear_rowwise(x, wq, sw):
    """y = x @ W^T with W [N,K] given as (wq [N,K] e4m3 values, sw [N,1]); x quantized per token.
    fp32 accumulation (e4m3 products are exact in fp32). Returns float32 [T,N]."""
    xq, sx = quantize_act_rowwise(x)
    acc = np.matmul(xq, np.asarray(wq, np.float32).T)
    return (acc * sx) * np.asarray(sw, np.float32).reshape(1, -1)


def fp8_linear_block(x, wq, sw, block=128, row_scales=False):
    """Block-scaled FP8 GEMM: x in 1 x block groups, W [N,K] in block x block tiles
    (sw [ceil(N/block), ceil(K/block)]; with row_scales, sw [N, ceil(K/block)] holds each
    row's block scale, as for a row range cut out of a larger block-quantized tensor). Each K
    block's partial sum (fp32) is multiplied by s_x[t,kb]*s_w[nb,kb] and added to an fp32
    accumulator. Returns float32 [T,N]."""
    xq, sx = quantize_act_block(x, block)
    wq = np.asarray(wq, np.float32)
    sw = np.asarray(sw, np.float32)
    T, K = xq.shape
    N = wq.shape[0]
    acc = np.zeros((T, N), np.float32)
    for kb in range(sx.shape[1]):
        ks = slice(kb * block, min(K, (kb + 1) * block))
        part = np.matmul(xq[:, ks], wq[:, ks].T)
        rows = sw[:, kb] if row_scales else np.repeat(sw[:, kb], block)[:N]
        scale = sx[:, kb:kb + 1] * rows[None, :]
        acc += part * scale
    return acc


# --------------------------------------------------------------------------------------
# safetensors (strict reader, writer)
# --------------------------------------------------------------------------------------

_ST_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1,
              "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def _no_dup_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("safetensors: duplicate key %r in header" % k)
        d[k] = v
    return d


class SafetensorsFile:
    """A safetensors file read and validated eagerly, tensors decoded on demand."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            buf = f.read()
        if len(buf) < 8:
            raise ValueError("%s: shorter than the 8-byte header length" % path)
        (n,) = struct.unpack("<Q", buf[:8])
        if n > len(buf) - 8:
            raise ValueError("%s: header length %d exceeds file" % (path, n))
        raw = buf[8:8 + n]
        if not raw.startswith(b"{"):
            raise ValueError("%s: header does not start with '{'" % path)
        try:
            header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dup_pairs)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError("%s: bad header: %s" % (path, e))
        if not isinstance(header, dict):
            raise ValueError("%s: header is not an object" % path)
        self.metadata = header.pop("__metadata__", None)
        data = memoryview(buf)[8 + n:]
        self._data = data
        spans = []
        self.entries = {}
        for name, ent in header.items():
            if not isinstance(ent, dict) or set(ent) != {"dtype", "shape", "data_offsets"}:
                raise ValueError("%s: tensor %r: bad entry %r" % (path, name, ent))
            dt, shape, offs = ent["dtype"], ent["shape"], ent["data_offsets"]
            if dt not in _ST_DTYPES:
                raise ValueError("%s: tensor %r: unknown dtype %r" % (path, name, dt))
            if (not isinstance(shape, list) or
                    not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                            for d in shape)):
                raise ValueError("%s: tensor %r: bad shape %r" % (path, name, shape))
            if (not isinstance(offs, list) or len(offs) != 2 or
                    not all(isinstance(o, int) and not isinstance(o, bool) for o in offs)):
                raise ValueError("%s: tensor %r: bad data_offsets %r" % (path, name, offs))
            b, e = offs
            if not 0 <= b <= e <= len(data):
                raise ValueError("%s: tensor %r: offsets %r outside data (%d bytes)"
                                 % (path, name, offs, len(data)))
            nbytes = int(np.prod(shape, dtype=np.int64)) * _ST_DTYPES[dt]
            if e - b != nbytes:
                raise ValueError("%s: tensor %r: %d bytes for %s%r (need %d)"
                                 % (path, name, e - b, dt, shape, nbytes))
            spans.append((b, e, name))
            self.entries[name] = (dt, tuple(shape), b, e)
        pos = 0
        for b, e, name in sorted(spans):
            if b != pos:
                raise ValueError("%s: tensor %r: data %s at byte %d (expected %d)"
                                 % (path, name, "overlaps" if b < pos else "gap", b, pos))
            pos = e
        if pos != len(data):
            raise ValueError("%s: %d trailing bytes after the last tensor"
                             % (path, len(data) - pos))

    def keys(self):
        return list(self.entries)

    def dtype(self, name):
        return self.entries[name][0]

    def get(self, name):
        """Decode a tensor: floats to float32 (float64 for F64), exactly."""
        dt, shape, b, e = self.entries[name]
        raw = self._data[b:e]
        if dt == "F32":
            a = np.frombuffer(raw, "<f4").astype(np.float32)
        elif dt == "F64":
            a = np.frombuffer(raw, "<f8").astype(np.float64)
        elif dt == "F16":
            a = np.frombuffer(raw, "<f2").astype(np.float32)
        elif dt == "BF16":
            a = bf16_bits_to_f32(np.frombuffer(raw, "<u2"))
        elif dt == "F8_E4M3":
            a = decode_e4m3(np.frombuffer(raw, np.uint8))
        elif dt in ("I64", "I32", "I16", "I8", "U8", "BOOL"):
            np_dt = {"I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
                     "BOOL": "?"}[dt]
            a = np.frombuffer(raw, np_dt).copy()
        else:  # pragma: no cover
            raise ValueError(dt)
        return a.reshape(shape)


def read_safetensors(path):
    f = SafetensorsFile(path)
    return {k: f.get(k) for k in f.keys()}


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: {name: array} (or {name: (array, dtype)}); dtype F32/F64/F16/BF16/F8_E4M3.
    BF16 rounds RNE; F8_E4M3 requires values exactly representable (use round_to_e4m3)."""
    header = {"__metadata__": metadata if metadata is not None else {"format": "pt"}}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name]
        a, dt = (t if isinstance(t, tuple) else (t, dtype))
        a = np.asarray(a)
        if dt == "F32":
            raw = np.ascontiguousarray(a, "<f4").tobytes()
        elif dt == "F64":
            raw = np.ascontiguousarray(a, "<f8").tobytes()
        elif dt == "F16":
            raw = np.ascontiguousarray(a, "<f2").tobytes()
        elif dt == "BF16":
            raw = f32_to_bf16_bits(a).astype("<u2").tobytes()
        elif dt == "F8_E4M3":
            raw = encode_e4m3(a).tobytes()
        else:
            raise ValueError("write_safetensors: unsupported dtype %r" % dt)
        header[name] = {"dtype": dt, "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for raw in blobs:
            f.write(raw)


# --------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------

class TextConfig:
    """Normalized Llama 4 text configuration (either config spelling parses to this)."""

    FIELDS = ("vocab_size", "hidden_size", "intermediate_size", "intermediate_size_mlp",
              "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
              "hidden_act", "rms_norm_eps", "rope_theta", "rope_scaling",
              "num_local_experts", "num_experts_per_tok", "moe_layers", "use_rope",
              "attention_chunk_size", "use_qk_norm", "attn_temperature_tuning",
              "floor_scale", "attn_scale", "tie_word_embeddings",
              "max_position_embeddings", "bos_token_id", "eos_token_id", "pad_token_id")

    def __init__(self, **kw):
        for f in self.FIELDS:
            setattr(self, f, kw.get(f))

    def as_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}

    def __eq__(self, other):
        return isinstance(other, TextConfig) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return "TextConfig(%s)" % ", ".join("%s=%r" % kv for kv in self.as_dict().items())

    @property
    def nope_layers(self):
        return [i for i, r in enumerate(self.use_rope) if not r]

    def to_json_dict(self, style="hf5"):
        """Serialize as transformers 5.x writes it ("hf5") or as the published hub files ("hub")."""
        L = self.num_hidden_layers
        d = {"architectures": ["Llama4ForCausalLM"], "model_type": "llama4_text",
             "attention_bias": False, "attention_dropout": 0.0}
        for f in ("vocab_size", "hidden_size", "intermediate_size", "intermediate_size_mlp",
                  "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                  "head_dim", "hidden_act", "rms_norm_eps", "num_local_experts",
                  "num_experts_per_tok", "attention_chunk_size", "use_qk_norm",
                  "floor_scale", "attn_scale", "tie_word_embeddings",
                  "max_position_embeddings", "bos_token_id", "eos_token_id", "pad_token_id"):
            d[f] = getattr(self, f)
        step = 1
        for s in range(1, L + 1):
            if list(range(s - 1, L, s)) == list(self.moe_layers):
                step = s
                break
        d["interleave_moe_layer_step"] = step
        derived_moe = list(range(step - 1, L, step)) == list(self.moe_layers)
        no_rope = [int(r) for r in self.use_rope]
        default_pattern = no_rope == [int((i + 1) % 4 != 0) for i in range(L)]
        if style == "hf5":
            rp = {"rope_theta": self.rope_theta, "rope_type": "default"}
            if self.rope_scaling:
                rp = dict(self.rope_scaling, rope_theta=self.rope_theta)
            d["rope_parameters"] = rp
            d["layer_types"] = ["chunked_attention" if r else "full_attention"
                                for r in self.use_rope]
            d["no_rope_layers"] = no_rope
            d["no_rope_layer_interval"] = 4
            d["moe_layers"] = list(self.moe_layers)
            d["attn_temperature_tuning"] = bool(self.attn_temperature_tuning)
            d["dtype"] = "float32"
        elif style == "hub":
            d["rope_scaling"] = dict(self.rope_scaling) if self.rope_scaling else None
            d["rope_theta"] = self.rope_theta
            d["no_rope_layers"] = [] if default_pattern else no_rope
            if not derived_moe:
                d["moe_layers"] = list(self.moe_layers)
            # legacy integer spelling of "true"
            d["attn_temperature_tuning"] = 4 if self.attn_temperature_tuning else False
            d["torch_dtype"] = "float32"
        else:
            raise ValueError("style must be 'hf5' or 'hub'")
        return d


def _rope_scaling_from(src):
    if not src:
        return None
    rtype = src.get("rope_type", src.get("type", "default"))
    if rtype == "default":
        return None
    if rtype != "llama3":
        raise NotImplementedError("rope type %r is not supported" % rtype)
    return {"rope_type": "llama3",
            "factor": float(src["factor"]),
            "low_freq_factor": float(src.get("low_freq_factor", 1.0)),
            "high_freq_factor": float(src.get("high_freq_factor", 4.0)),
            "original_max_position_embeddings": int(src["original_max_position_embeddings"])}


def parse_config(cfg):
    """config.json dict (hub spelling or transformers 5.x; text-only or multimodal)
    -> TextConfig."""
    if not isinstance(cfg, dict):
        raise ValueError("config is not a JSON object")
    if "text_config" in cfg:
        d = cfg["text_config"]
    elif cfg.get("model_type") == "llama4":
        raise ValueError("multimodal llama4 config without text_config")
    else:
        d = cfg
    g = d.get
    H = g("hidden_size", 5120)
    nh = g("num_attention_heads", 40)
    L = g("num_hidden_layers", 48)
    head_dim = g("head_dim", 128)
    if head_dim is None:
        head_dim = H // nh
    # RoPE: transformers 5.x rope_parameters (possibly per layer type) or hub rope_scaling.
    rp = g("rope_parameters")
    if isinstance(rp, dict) and ("chunked_attention" in rp or "full_attention" in rp):
        rp = rp.get("chunked_attention") or rp.get("full_attention")
    theta = None
    if isinstance(rp, dict) and "rope_theta" in rp:
        theta = float(rp["rope_theta"])
    if g("rope_theta") is not None:
        if theta is not None and float(g("rope_theta")) != theta:
            raise ValueError("rope_theta contradicts rope_parameters.rope_theta")
        theta = float(g("rope_theta"))
    if theta is None:
        theta = 500000.0
    scaling = _rope_scaling_from(rp if rp is not None else g("rope_scaling"))
    # Layer pattern.  no_rope_layers: 1 = uses RoPE; empty/absent => every 4th layer NoPE.
    nrl = g("no_rope_layers") or []
    if nrl and len(nrl) != L:
        raise ValueError("no_rope_layers has %d entries for %d layers" % (len(nrl), L))
    if g("layer_types"):
        lt = g("layer_types")
        if len(lt) != L or any(t not in ("chunked_attention", "full_attention") for t in lt):
            raise ValueError("bad layer_types %r" % (lt,))
        use_rope = [t == "chunked_attention" for t in lt]
        if nrl and [bool(x) for x in nrl] != use_rope:
            raise ValueError("layer_types contradict no_rope_layers")
    elif nrl:
        use_rope = [bool(x) for x in nrl]
    else:
        interval = g("no_rope_layer_interval", 4)
        use_rope = [(i + 1) % interval != 0 for i in range(L)]
    step = g("interleave_moe_layer_step", 1)
    moe = g("moe_layers")
    moe_layers = list(moe) if moe is not None else list(range(step - 1, L, step))
    E = g("num_local_experts", 16)
    k = g("num_experts_per_tok", 1)
    if not 1 <= k <= E:
        raise ValueError("num_experts_per_tok %r not in [1, %d]" % (k, E))
    if nh % g("num_key_value_heads", 8):
        raise ValueError("num_attention_heads not divisible by num_key_value_heads")
    tt = g("attn_temperature_tuning", True)
    act = g("hidden_act", "silu")
    if act not in ("silu", "gelu"):
        raise NotImplementedError("hidden_act %r" % act)
    return TextConfig(
        vocab_size=g("vocab_size", 202048), hidden_size=H,
        intermediate_size=g("intermediate_size", 8192),
        intermediate_size_mlp=g("intermediate_size_mlp", 16384),
        num_hidden_layers=L, num_attention_heads=nh,
        num_key_value_heads=g("num_key_value_heads", 8), head_dim=head_dim,
        hidden_act=act, rms_norm_eps=float(g("rms_norm_eps", 1e-5)),
        rope_theta=theta, rope_scaling=scaling, num_local_experts=E,
        num_experts_per_tok=k, moe_layers=moe_layers, use_rope=use_rope,
        attention_chunk_size=g("attention_chunk_size", 8192),
        use_qk_norm=bool(g("use_qk_norm", True)),
        attn_temperature_tuning=bool(tt),
        floor_scale=g("floor_scale", 8192), attn_scale=float(g("attn_scale", 0.1)),
        tie_word_embeddings=bool(g("tie_word_embeddings", False)),
        max_position_embeddings=g("max_position_embeddings", 262144),
        bos_token_id=g("bos_token_id"), eos_token_id=g("eos_token_id"),
        pad_token_id=g("pad_token_id"))


# --------------------------------------------------------------------------------------
# checkpoint loading
# --------------------------------------------------------------------------------------

def canonical_weight_name(name):
    """Map checkpoint names to text-only names (model.*, lm_head.weight); None = not text."""
    for pre, rep in (("language_model.model.", "model."),
                     ("model.language_model.", "model."),
                     ("language_model.lm_head.", "lm_head.")):
        if name.startswith(pre):
            return rep + name[len(pre):]
    if name.startswith(("vision_model.", "multi_modal_projector.", "model.vision_model.",
                        "model.multi_modal_projector.", "language_model.")):
        return None
    return name


def _dequant_loaded(w, scale, k_axis, block=128):
    """Dequantize an FP8 checkpoint tensor given its stored scale: per output channel
    (scale [.., out, 1] / [.., 1, out] with a 1 on the input axis, [.., out], or the fbgemm
    expert form [E, out, 1]) or block x block tiles ([.., nb, nb] in the tensor's own axis
    order)."""
    w = np.asarray(w, np.float64)
    s = np.asarray(scale, np.float64)
    wc, swapped = _to_canonical(w, k_axis)
    N, K = wc.shape[-2:]
    lead = wc.shape[:-2]
    nd = w.ndim
    out_axis = (nd - 1) if (k_axis % nd) == nd - 2 else (nd - 2)
    rowwise = ((s.ndim == nd and s.shape[k_axis] == 1 and s.shape[out_axis] == N) or
               (s.ndim == nd and s.shape[-1] == 1 and s.shape[-2] == N) or
               (s.ndim == nd - 1 and s.shape == lead + (N,)))
    if rowwise:
        if s.shape[:len(lead)] != lead and s.ndim >= len(lead):
            raise ValueError("scale shape %r does not fit tensor %r" % (s.shape, w.shape))
        out = wc * s.reshape(lead + (N, 1))
    else:
        if s.ndim != nd:
            raise ValueError("scale shape %r does not fit tensor %r" % (s.shape, w.shape))
        sc = np.swapaxes(s, -1, -2) if swapped else s
        bn = bk = block
        if sc.shape[:-2] != lead or -(-N // bn) != sc.shape[-2] or -(-K // bk) != sc.shape[-1]:
            raise ValueError("scale shape %r does not fit tensor %r" % (s.shape, w.shape))
        out = wc * np.repeat(np.repeat(sc, bn, axis=-2), bk, axis=-1)[..., :N, :K]
    return np.swapaxes(out, -1, -2) if swapped else out


def load_checkpoint(path):
    """Load a checkpoint directory: returns (TextConfig, {canonical name: float array}).

    Reads config.json, then model.safetensors.index.json (sharded) or every *.safetensors file.
    FP8 tensors with a `*_scale`/`weight_scale` companion are dequantized; per-expert unfused
    experts (experts.{e}.{gate,up,down}_proj.weight [out,in]) are fused to the HF layout."""
    with open(os.path.join(path, "config.json")) as f:
        cfg = parse_config(json.load(f))
    idx = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(idx):
        with open(idx) as f:
            wm = json.load(f)["weight_map"]
        files = sorted(set(wm.values()))
    else:
        files = sorted(x for x in os.listdir(path) if x.endswith(".safetensors"))
        wm = None
    if not files:
        raise ValueError("%s: no safetensors files" % path)
    raw = {}
    dtypes = {}
    for fn in files:
        st = SafetensorsFile(os.path.join(path, fn))
        for k in st.keys():
            if wm is not None and wm.get(k) != fn:
                raise ValueError("%s: %r found in %s but index maps it to %r"
                                 % (path, k, fn, wm.get(k)))
            c = canonical_weight_name(k)
            if c is None:
                continue
            if c in raw:
                raise ValueError("%s: duplicate tensor %r" % (path, c))
            raw[c] = st.get(k)
            dtypes[c] = st.dtype(k)
    if wm is not None:
        missing = [k for k in wm if canonical_weight_name(k) is not None and
                   canonical_weight_name(k) not in raw]
        if missing:
            raise ValueError("%s: index names tensors not in shards: %r" % (path, missing[:3]))
    # dequantize FP8 tensors that carry scales
    out = {}
    scale_names = set()
    for c, a in raw.items():
        if dtypes[c] != "F8_E4M3":
            continue
        base = c[:-len(".weight")] if c.endswith(".weight") else c
        for sn in (base + ".weight_scale", c + "_scale", base + ".weight_scale_inv"):
            if sn in raw:
                k_axis = -2 if c.endswith(("experts.gate_up_proj", "experts.down_proj")) else -1
                out[c] = _dequant_loaded(a, raw[sn], k_axis)
                scale_names.add(sn)
                break
    for c, a in raw.items():
        if c in scale_names or c in out:
            continue
        if c.endswith(("_scale", ".weight_scale", ".weight_scale_inv", ".input_scale")):
            continue
        out[c] = a
    # unfused per-expert layout -> fused HF layout
    for i in range(cfg.num_hidden_layers):
        p = "model.layers.%d.feed_forward.experts." % i
        if p + "0.gate_proj.weight" in out:
            E = cfg.num_local_experts
            gu, dn = [], []
            for e in range(E):
                g_ = out.pop(p + "%d.gate_proj.weight" % e)
                u_ = out.pop(p + "%d.up_proj.weight" % e)
                d_ = out.pop(p + "%d.down_proj.weight" % e)
                gu.append(np.concatenate([g_.T, u_.T], axis=-1))
                dn.append(d_.T)
            out[p + "gate_up_proj"] = np.stack(gu)
            out[p + "down_proj"] = np.stack(dn)
    if "lm_head.weight" not in out and cfg.tie_word_embeddings:
        out["lm_head.weight"] = out["model.embed_tokens.weight"]
    _check_weights(cfg, out)
    return cfg, out


def expected_shapes(cfg):
    H, V, D = cfg.hidden_size, cfg.vocab_size, cfg.head_dim
    nq, nkv, E = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.num_local_experts
    I, Im = cfg.intermediate_size, cfg.intermediate_size_mlp
    s = {"model.embed_tokens.weight": (V, H), "model.norm.weight": (H,),
         "lm_head.weight": (V, H)}
    for i in range(cfg.num_hidden_layers):
        p = "model.layers.%d." % i
        s[p + "input_layernorm.weight"] = (H,)
        s[p + "post_attention_layernorm.weight"] = (H,)
        s[p + "self_attn.q_proj.weight"] = (nq * D, H)
        s[p + "self_attn.k_proj.weight"] = (nkv * D, H)
        s[p + "self_attn.v_proj.weight"] = (nkv * D, H)
        s[p + "self_attn.o_proj.weight"] = (H, nq * D)
        f = p + "feed_forward."
        if i in cfg.moe_layers:
            s[f + "router.weight"] = (E, H)
            s[f + "experts.gate_up_proj"] = (E, H, 2 * I)
            s[f + "experts.down_proj"] = (E, I, H)
            s[f + "shared_expert.gate_proj.weight"] = (I, H)
            s[f + "shared_expert.up_proj.weight"] = (I, H)
            s[f + "shared_expert.down_proj.weight"] = (H, I)
        else:
            s[f + "gate_proj.weight"] = (Im, H)
            s[f + "up_proj.weight"] = (Im, H)
            s[f + "down_proj.weight"] = (H, Im)
    return s


def _check_weights(cfg, w):
    exp = expected_shapes(cfg)
    for k, shp in exp.items():
        if k not in w:
            raise ValueError("missing tensor %r" % k)
        if tuple(w[k].shape) != shp:
            raise ValueError("tensor %r has shape %r, expected %r" % (k, w[k].shape, shp))
    extra = sorted(set(w) - set(exp))
    if extra:
        raise ValueError("unexpected tensors: %r" % extra[:5])


def weight_op_class(cfg, name):
    """Op class of a (canonical) weight: experts/shared/dense/attn/router/lm_head, or None."""
    if name == "lm_head.weight":
        return "lm_head"
    if ".self_attn." in name and name.endswith("_proj.weight"):
        return "attn"
    if ".feed_forward.experts." in name:
        return "experts"
    if ".feed_forward.shared_expert." in name:
        return "shared"
    if ".feed_forward.router." in name:
        return "router"
    if ".feed_forward." in name and name.endswith(("gate_proj.weight", "up_proj.weight",
                                                   "down_proj.weight")):
        return "dense"
    return None


def _k_axis(name):
    return -2 if name.endswith(("experts.gate_up_proj", "experts.down_proj")) else -1


def quantize_weights(cfg, weights, scheme, classes=DEFAULT_FP8_CLASSES, block=128):
    """{name: (q, scale)} for every weight of the given op classes, in the checkpoint layout
    (nn.Linear [out,in]: rowwise scale [out,1], block scale [ceil(out/b), ceil(in/b)];
    experts [E,in,out]: rowwise scale [E,1,out], block scale [E, ceil(in/b), ceil(out/b)])."""
    out = {}
    for n, w in weights.items():
        if weight_op_class(cfg, n) in classes:
            out[n] = quantize_weight(w, scheme, _k_axis(n), (block, block))
    return out


def fused_block_quantized_weights(cfg, weights, classes=DEFAULT_FP8_CLASSES, block=128):
    """quantize_weights(..., "block", ...) with the projections moec fuses before quantizing
    (q|k|v, and gate|up of the shared expert and dense MLPs) block-quantized as one
    concatenated [sum N, K] tensor, as moec does for a checkpoint it quantizes itself. Each
    piece gets (q, per-row block scales [N, ceil(K/block)], "rows")."""
    out = quantize_weights(cfg, weights, "block", classes, block)
    groups = []
    for i in range(cfg.num_hidden_layers):
        p = "model.layers.%d." % i
        groups.append([p + "self_attn.%s_proj.weight" % n for n in "qkv"])
        f = p + "feed_forward."
        mlp = f + "shared_expert." if i in cfg.moe_layers else f
        groups.append([mlp + "gate_proj.weight", mlp + "up_proj.weight"])
    for names in groups:
        if not all(n in out for n in names):
            continue
        q, s = quantize_weight(np.concatenate([weights[n] for n in names], axis=0), "block",
                               -1, (block, block))
        rows = np.repeat(s, block, axis=0)[:q.shape[0]]
        start = 0
        for n in names:
            end = start + weights[n].shape[0]
            out[n] = (q[start:end], rows[start:end], "rows")
            start = end
    return out


def dequantized_weights(cfg, weights, scheme, classes=DEFAULT_FP8_CLASSES, block=128):
    """Copy of `weights` where the op-class weights are replaced by their FP8 round trip (f64)."""
    q = quantize_weights(cfg, weights, scheme, classes, block)
    out = dict(weights)
    for n, (qq, s) in q.items():
        out[n] = dequantize_weight(qq, s, scheme, _k_axis(n), (block, block))
    return out


# --------------------------------------------------------------------------------------
# model pieces
# --------------------------------------------------------------------------------------

def rope_inv_freq(cfg):
    """inv_freq [head_dim/2] as float32, incl. llama3 scaling, computed in fp32 like HF."""
    D = cfg.head_dim
    exps = np.arange(0, D, 2, dtype=np.int64).astype(np.float32) / np.float32(D)
    inv = (np.float32(1.0) / np.power(np.float32(cfg.rope_theta), exps)).astype(np.float32)
    sc = cfg.rope_scaling
    if sc:
        factor = sc["factor"]
        low, high = sc["low_freq_factor"], sc["high_freq_factor"]
        orig = sc["original_max_position_embeddings"]
        low_wl = orig / low
        high_wl = orig / high
        with np.errstate(divide="ignore", invalid="ignore"):
            wavelen = (np.float32(2 * math.pi) / inv).astype(np.float32)
            inv_l = np.where(wavelen > low_wl, inv / np.float32(factor), inv).astype(np.float32)
            smooth = ((np.float32(orig) / wavelen - np.float32(low)) /
                      np.float32(high - low)).astype(np.float32)
            smoothed = ((np.float32(1) - smooth) * inv_l / np.float32(factor) +
                        smooth * inv_l).astype(np.float32)
        medium = ~(wavelen < high_wl) & ~(wavelen > low_wl)
        inv = np.where(medium, smoothed, inv_l).astype(np.float32)
    return inv


def temperature_scale(cfg, positions, dtype=np.float32):
    """NoPE-layer query scale log1p(floor((pos+1)/floor_scale))*attn_scale + 1 (fp32 in HF)."""
    p = np.asarray(positions).astype(dtype)
    return (np.log1p(np.floor((p + dtype(1.0)) / dtype(cfg.floor_scale))) *
            dtype(cfg.attn_scale) + dtype(1.0)).astype(dtype)


class KVCache:
    """Per-layer keys/values ([Nkv, P, D]) plus the absolute positions of the cached slots."""

    def __init__(self, num_layers):
        self.k = [None] * num_layers
        self.v = [None] * num_layers
        self.positions = np.zeros(0, np.int64)

    def __len__(self):
        return len(self.positions)

    def append(self, li, k, v):
        if self.k[li] is None:
            self.k[li], self.v[li] = k, v
        else:
            self.k[li] = np.concatenate([self.k[li], k], axis=1)
            self.v[li] = np.concatenate([self.v[li], v], axis=1)
        return self.k[li], self.v[li]


class _Num:
    """Rounding policy of one compute type."""

    def __init__(self, kind):
        if kind not in ("f64", "f32", "bf16"):
            raise ValueError(kind)
        self.kind = kind
        self.op = np.float64 if kind == "f64" else np.float32     # opmath type

    def r(self, x):
        if self.kind == "f64":
            return np.asarray(x, np.float64)
        if self.kind == "f32":
            return np.asarray(x, np.float32)
        return round_bf16(x)

    def mm(self, a, b):
        return self.r(np.matmul(np.asarray(a, self.op), np.asarray(b, self.op)))

    def weight(self, w):
        return self.r(np.asarray(w, np.float64 if self.kind == "f64" else np.float32))


def _silu(x):
    with np.errstate(over="ignore"):
        return x / (x.dtype.type(1) + np.exp(-x))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x):
    return (0.5 * x.astype(np.float64) * (1.0 + _erf(x.astype(np.float64) / math.sqrt(2.0)))
            ).astype(x.dtype)


class Llama4Ref:
    """The reference model.

    Llama4Ref(cfg, weights, precision="f64", compute=None, fp8_classes=DEFAULT_FP8_CLASSES,
              block=128, fake_quant=None, inv_freq_dtype=None, angle_dtype="f32",
              quantized=None)
    forward(ids, positions=None, kv_cache=None) -> logits [S, V]
    generate(prompt_ids, max_new_tokens) -> generated ids (greedy, prefill + KV-cache decode)

    weights: {canonical name: array} as load_checkpoint returns (checkpoint layouts).
    compute: compute type of the fp8 precisions ("bf16" default, "f32", "f64").
    fp8_classes: op classes run in FP8 (subset of OP_CLASSES).
    fake_quant: with precision "f64": "fp8-rowwise"/"fp8-block" = exact f64 forward on the
        dequantized weights of fp8_classes with their input activations quantized+dequantized.
    quantized: {name: (q, scale)} in the checkpoint layout (as quantize_weights returns) to use
        instead of quantizing `weights` here - e.g. the compiler's own quantized weights.
    inv_freq_dtype: "f32" (spec) or "bf16" (HF after model.to(torch.bfloat16), which casts the
        inv_freq buffer too); default bf16 when the compute type is bf16, else f32.
    angle_dtype: "f32" (spec: freqs = fp32 product inv_freq*pos) or "f64".
    tokens_processed counts the tokens run through the layers (decode must add 1 per step).
    """

    def __init__(self, cfg, weights, precision="f64", compute=None,
                 fp8_classes=DEFAULT_FP8_CLASSES, block=128, fake_quant=None,
                 inv_freq_dtype=None, angle_dtype="f32", quantized=None):
        if precision not in PRECISIONS:
            raise ValueError("precision must be one of %r" % (PRECISIONS,))
        self.cfg = cfg
        self.precision = precision
        self.block = block
        self.fp8 = precision[4:] if precision.startswith("fp8-") else None
        if self.fp8:
            compute = compute or "bf16"
        else:
            if compute not in (None, precision):
                raise ValueError("compute= only applies to fp8 precisions")
            compute = precision
        self.classes = tuple(fp8_classes) if (self.fp8 or fake_quant) else ()
        for c in self.classes:
            if c not in OP_CLASSES:
                raise ValueError("unknown op class %r" % c)
        self.fake_quant = fake_quant.replace("fp8-", "") if fake_quant else None
        if self.fake_quant and precision != "f64":
            raise ValueError("fake_quant needs precision f64")
        self.N = _Num(compute)
        self.tokens_processed = 0
        qw = {}
        scheme = self.fp8 or self.fake_quant
        if scheme:
            qw = quantized if quantized is not None else \
                quantize_weights(cfg, weights, scheme, self.classes, block)
            bad = [n for n in qw if weight_op_class(cfg, n) not in self.classes]
            if bad:
                raise ValueError("quantized weights outside fp8_classes: %r" % bad[:3])
        fq_names = set()
        if self.fake_quant:
            weights = dict(weights)
            fq_names = set(qw)
            for n, (q, s) in qw.items():
                weights[n] = dequantize_weight(q, s, scheme, _k_axis(n), (block, block))
            qw = {}
        # HF computes inv_freq in fp32, but model.to(torch.bfloat16) also casts that buffer to
        # bf16 (the bf16 goldens are reproduced bit-exactly only with a bf16 inv_freq).
        if inv_freq_dtype is None:
            inv_freq_dtype = "bf16" if compute == "bf16" else "f32"
        if inv_freq_dtype not in ("f32", "bf16") or angle_dtype not in ("f32", "f64"):
            raise ValueError("inv_freq_dtype must be f32/bf16, angle_dtype f32/f64")
        self.inv_freq_dtype, self.angle_dtype = inv_freq_dtype, angle_dtype
        self.inv_freq = rope_inv_freq(cfg)
        if inv_freq_dtype == "bf16":
            self.inv_freq = round_bf16(self.inv_freq)
        # Linear weights in canonical [N, K] layout, keyed by short names.
        self.lin = {}       # name -> array in compute type, or ("q", wq, sw) for fp8
        self.cls = {}
        self.fq_keys = set()  # fake-quant ops: quantize+dequantize their input activations

        def put(key, name, transpose=False, index=None):
            self.cls[key] = weight_op_class(cfg, name)
            if name in fq_names:
                self.fq_keys.add(key)
            if name in qw:
                q, s = qw[name][:2]
                tag = "qrows" if len(qw[name]) > 2 else "q"
                if index is not None:
                    q, s = q[index], s[index]
                if transpose:
                    q, s = q.T, s.T
                self.lin[key] = (tag, np.ascontiguousarray(q), np.ascontiguousarray(s))
            else:
                w = weights[name]
                if index is not None:
                    w = w[index]
                if transpose:
                    w = w.T
                self.lin[key] = np.ascontiguousarray(self.N.weight(w))

        self.embed = self.N.weight(weights["model.embed_tokens.weight"])
        self.norm_w = self.N.weight(weights["model.norm.weight"])
        put("lm_head", "lm_head.weight")
        self.ln_in, self.ln_post = [], []
        for i in range(cfg.num_hidden_layers):
            p = "model.layers.%d." % i
            self.ln_in.append(self.N.weight(weights[p + "input_layernorm.weight"]))
            self.ln_post.append(self.N.weight(weights[p + "post_attention_layernorm.weight"]))
            for n in "qkvo":
                put("%d.%s" % (i, n), p + "self_attn.%s_proj.weight" % n)
            f = p + "feed_forward."
            if i in cfg.moe_layers:
                put("%d.router" % i, f + "router.weight")
                for n in ("gate", "up", "down"):
                    put("%d.shared.%s" % (i, n), f + "shared_expert.%s_proj.weight" % n)
                for e in range(cfg.num_local_experts):
                    put("%d.gate_up.%d" % (i, e), f + "experts.gate_up_proj", True, e)
                    put("%d.down.%d" % (i, e), f + "experts.down_proj", True, e)
            else:
                for n in ("gate", "up", "down"):
                    put("%d.dense.%s" % (i, n), f + "%s_proj.weight" % n)

    # ---- primitives -------------------------------------------------------------------

    def linear(self, x, key):
        """x [T,K] @ W[key]^T -> [T,N] in the compute type."""
        w = self.lin[key]
        N = self.N
        if isinstance(w, tuple):
            tag, wq, sw = w
            if self.fp8 == "rowwise":
                y = fp8_linear_rowwise(x, wq, sw)
            else:
                y = fp8_linear_block(x, wq, sw, self.block, row_scales=tag == "qrows")
            return N.r(y)
        if key in self.fq_keys:
            if self.fake_quant == "rowwise":
                q, s = quantize_act_rowwise(x)
                x = np.asarray(q, np.float64) * np.asarray(s, np.float64)
            else:
                q, s = quantize_act_block(x, self.block)
                x = dequantize_act_block(q, s, self.block)
        return N.mm(x, w.T)

    def _rms(self, x):
        """x * rsqrt(mean(x^2) + eps) in opmath (rsqrt rounded once, then the multiply)."""
        N = self.N
        xo = np.asarray(x, N.op)
        var = np.mean(xo * xo, axis=-1, keepdims=True)
        return xo * (N.op(1) / np.sqrt(var + N.op(self.cfg.rms_norm_eps)))

    def rmsnorm(self, x, w):
        N = self.N
        return N.r(N.r(self._rms(x)) * w)       # rounded to the compute type before the weight

    def qk_norm(self, x):
        return self.N.r(self._rms(x))           # RMS over head_dim, no weight

    def act(self, x):
        xo = np.asarray(x, self.N.op)
        return self.N.r(_silu(xo) if self.cfg.hidden_act == "silu" else _gelu(xo))

    def rope(self, t, positions):
        """t [S, heads, D]; interleaved pairs (2j, 2j+1) rotated by pos*inv_freq[j]."""
        N = self.N
        if self.angle_dtype == "f32":     # the spec: freqs = fp32 product inv_freq * position
            ang = (np.asarray(positions).astype(np.float32)[:, None] *
                   self.inv_freq[None, :]).astype(np.float64)
        else:
            ang = np.asarray(positions, np.float64)[:, None] * self.inv_freq.astype(np.float64)
        c, s = np.cos(ang), np.sin(ang)
        if N.kind != "f64":               # polar() in complex64
            c, s = c.astype(np.float32), s.astype(np.float32)
        c, s = c[:, None, :], s[:, None, :]
        to = np.asarray(t, N.op)
        a, b = to[..., 0::2], to[..., 1::2]
        out = np.empty_like(to)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return N.r(out)

    # ---- blocks -----------------------------------------------------------------------

    def attention(self, li, x, positions, cache):
        cfg, N = self.cfg, self.N
        S = x.shape[0]
        nq, nkv, D = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        G = nq // nkv
        q = self.linear(x, "%d.q" % li).reshape(S, nq, D)
        k = self.linear(x, "%d.k" % li).reshape(S, nkv, D)
        v = self.linear(x, "%d.v" % li).reshape(S, nkv, D)
        use_rope = cfg.use_rope[li]
        if use_rope:
            q = self.rope(q, positions)
            k = self.rope(k, positions)
            if cfg.use_qk_norm:
                q = self.qk_norm(q)
                k = self.qk_norm(k)
        elif cfg.attn_temperature_tuning:
            sc = temperature_scale(cfg, positions, N.op)
            q = N.r(np.asarray(q, N.op) * sc[:, None, None])
        K, V = cache.append(li, k.transpose(1, 0, 2), v.transpose(1, 0, 2))   # [nkv, P, D]
        kpos = cache.positions
        qg = q.transpose(1, 0, 2).reshape(nkv, G, S, D)       # q head h = g*G + j
        scores = N.mm(qg, K.transpose(0, 2, 1)[:, None])      # [nkv, G, S, P]
        scores = N.r(np.asarray(scores, N.op) * N.op(D ** -0.5))
        allowed = kpos[None, :] <= positions[:, None]
        C = cfg.attention_chunk_size
        if use_rope and C:
            allowed &= (kpos[None, :] // C) == (positions[:, None] // C)
        so = np.where(allowed, np.asarray(scores, N.op), N.op(-np.inf))
        m = np.max(so, axis=-1, keepdims=True)
        e = np.exp(so - m)
        p = N.r(e / np.sum(e, axis=-1, keepdims=True))
        o = N.mm(p, V[:, None])                               # [nkv, G, S, D]
        o = o.reshape(nq, S, D).transpose(1, 0, 2).reshape(S, nq * D)
        return self.linear(o, "%d.o" % li)

    def mlp(self, x, prefix):
        N = self.N
        g = self.linear(x, prefix + ".gate")
        u = self.linear(x, prefix + ".up")
        h = N.r(np.asarray(self.act(g), N.op) * np.asarray(u, N.op))
        return self.linear(h, prefix + ".down")

    def moe(self, li, x):
        cfg, N = self.cfg, self.N
        T, H = x.shape
        I = cfg.intermediate_size
        k = cfg.num_experts_per_tok
        logits = self.linear(x, "%d.router" % li)                  # [T, E]
        order = np.argsort(-np.asarray(logits, np.float64), axis=1, kind="stable")[:, :k]
        sel = np.take_along_axis(np.asarray(logits, N.op), order, axis=1)
        with np.errstate(over="ignore"):
            score = N.r(1.0 / (N.op(1) + np.exp(-sel)))            # sigmoid (opmath), rounded
        acc = np.zeros((T, H), N.op)
        for e in np.unique(order):
            rows, slot = np.nonzero(order == e)
            xin = N.r(np.asarray(x[rows], N.op) * np.asarray(score[rows, slot], N.op)[:, None])
            gu = self.linear(xin, "%d.gate_up.%d" % (li, e))      # gate first, then up
            gate, up = gu[:, :I], gu[:, I:]
            h = N.r(np.asarray(up, N.op) * np.asarray(self.act(gate), N.op))
            y = self.linear(h, "%d.down.%d" % (li, e))
            np.add.at(acc, rows, np.asarray(y, N.op))
        routed = N.r(acc)
        shared = self.mlp(x, "%d.shared" % li)
        return N.r(np.asarray(shared, N.op) + np.asarray(routed, N.op))

    # ---- public -----------------------------------------------------------------------

    def new_cache(self):
        return KVCache(self.cfg.num_hidden_layers)

    def forward(self, ids, positions=None, kv_cache=None):
        """Run S new tokens. positions default to [len(cache), len(cache)+S). Appends to
        kv_cache (a fresh one if None). Returns logits [S, V] in the compute type."""
        cfg, N = self.cfg, self.N
        ids = np.asarray(ids, np.int64).reshape(-1)
        cache = kv_cache if kv_cache is not None else self.new_cache()
        S = len(ids)
        if positions is None:
            positions = np.arange(len(cache), len(cache) + S, dtype=np.int64)
        positions = np.asarray(positions, np.int64).reshape(-1)
        if len(positions) != S:
            raise ValueError("ids and positions differ in length")
        if np.any(ids < 0) or np.any(ids >= cfg.vocab_size):
            raise ValueError("token id out of range")
        cache.positions = np.concatenate([cache.positions, positions])
        self.tokens_processed += S
        h = self.embed[ids]
        for li in range(cfg.num_hidden_layers):
            x = self.rmsnorm(h, self.ln_in[li])
            h = N.r(np.asarray(h, N.op) + np.asarray(self.attention(li, x, positions, cache), N.op))
            x = self.rmsnorm(h, self.ln_post[li])
            f = self.moe(li, x) if li in cfg.moe_layers else self.mlp(x, "%d.dense" % li)
            h = N.r(np.asarray(h, N.op) + np.asarray(f, N.op))
        h = self.rmsnorm(h, self.norm_w)
        return self.linear(h, "lm_head")

    def generate(self, prompt_ids, max_new_tokens, return_logits=False, stop_ids=()):
        """Greedy: one prefill of the prompt, then one single-token decode step per new token
        (argmax, lowest id on ties). Stops after max_new_tokens or after emitting a token in
        stop_ids. Returns the generated ids (and, with return_logits, float logits
        [len(prompt)+len(generated)-1, V]: every position that went through the model)."""
        cache = self.new_cache()
        logits = self.forward(prompt_ids, kv_cache=cache)
        rows = [logits]
        out = []
        for step in range(max_new_tokens):
            tok = int(np.argmax(rows[-1][-1]))
            out.append(tok)
            if tok in stop_ids:
                break
            if step + 1 < max_new_tokens:
                rows.append(self.forward([tok], kv_cache=cache))
        if return_logits:
            return out, np.concatenate(rows, axis=0)
        return out


def load_model(path, precision="f64", **kw):
    cfg, w = load_checkpoint(path)
    return Llama4Ref(cfg, w, precision=precision, **kw)


# --------------------------------------------------------------------------------------
# random checkpoints
# --------------------------------------------------------------------------------------

TINY_BASE = {
    "vocab_size": 128, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
    "head_dim": 16, "num_hidden_layers": 4, "intermediate_size": 32,
    "intermediate_size_mlp": 96, "hidden_act": "silu", "num_local_experts": 4,
    "num_experts_per_tok": 1, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
    "attention_chunk_size": 8, "floor_scale": 4, "attn_scale": 0.1,
    "attn_temperature_tuning": True, "max_position_embeddings": 256,
    "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
    "interleave_moe_layer_step": 1, "use_qk_norm": True,
    "rope_scaling": {"rope_type": "llama3", "factor": 16.0, "low_freq_factor": 1.0,
                     "high_freq_factor": 1.0, "original_max_position_embeddings": 64},
}


def random_weights(cfg, seed=0):
    """Weights like the goldens: matrices N(0, 1/fan_in) (fan_in = input features, for fused
    experts the middle axis; embedding/lm_head: hidden), norms 1 + 0.1 N(0,1). float32."""
    rng = np.random.default_rng(seed)
    w = {}
    for name, shp in sorted(expected_shapes(cfg).items()):
        if name.endswith("norm.weight"):
            a = 1.0 + 0.1 * rng.standard_normal(shp)
        else:
            if name == "model.embed_tokens.weight":
                fan_in = shp[1]
            elif len(shp) == 3:
                fan_in = shp[1]
            else:
                fan_in = shp[-1]
            a = rng.standard_normal(shp) / math.sqrt(fan_in)
        w[name] = a.astype(np.float32)
    return w


def make_random_checkpoint(dir, config_overrides=None, seed=0, dtype="F32",
                           config_style="hf5", multimodal=False, shards=1):
    """Write config.json + model.safetensors (or `shards` files + model.safetensors.index.json).

    config_overrides: keys of the HF text config applied over the tiny scout_like base
    (e.g. num_local_experts, attention_chunk_size, interleave_moe_layer_step, rope_scaling,
    use_qk_norm, no_rope_layers, moe_layers, num_hidden_layers ...).
    dtype: F32 / BF16 / F16 storage (or f32/bf16/f16).  config_style: "hf5" or "hub".
    multimodal: nest the text config in text_config and prefix tensors with "language_model."
    (plus two vision tensors the loader must skip).
    Returns (TextConfig, weights as stored, i.e. after dtype rounding, float32)."""
    dtype = {"f32": "F32", "float32": "F32", "bf16": "BF16", "bfloat16": "BF16",
             "f16": "F16", "float16": "F16"}.get(str(dtype).lower(), dtype)
    base = dict(TINY_BASE)
    base.update(config_overrides or {})
    cfg = parse_config(base)
    w = random_weights(cfg, seed)
    if dtype == "BF16":
        w = {k: round_bf16(v) for k, v in w.items()}
    elif dtype == "F16":
        w = {k: v.astype(np.float16).astype(np.float32) for k, v in w.items()}
    elif dtype != "F32":
        raise ValueError("dtype must be F32, BF16 or F16")
    text = cfg.to_json_dict(config_style)
    # The config names the storage type, as save_pretrained writes it.
    dtype_key = "dtype" if "dtype" in text else "torch_dtype"
    text[dtype_key] = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}[dtype]
    if multimodal:
        conf = {"architectures": ["Llama4ForConditionalGeneration"], "model_type": "llama4",
                "boi_token_index": 200080, "eoi_token_index": 200081,
                "image_token_index": 200092, "tie_word_embeddings": False,
                "text_config": text,
                "vision_config": {"model_type": "llama4_vision_model", "hidden_size": 8,
                                  "num_hidden_layers": 0}}
        stored = {}
        for k, v in w.items():
            stored["language_model." + k] = v
        rng = np.random.default_rng(seed + 1)
        stored["vision_model.class_embedding"] = rng.standard_normal(8).astype(np.float32)
        stored["multi_modal_projector.linear_1.weight"] = \
            rng.standard_normal((cfg.hidden_size, 8)).astype(np.float32)
    else:
        conf = text
        stored = dict(w)
    os.makedirs(dir, exist_ok=True)
    with open(os.path.join(dir, "config.json"), "w") as f:
        json.dump(conf, f, indent=2)
    names = sorted(stored)
    if shards <= 1:
        write_safetensors(os.path.join(dir, "model.safetensors"), stored, dtype)
    else:
        groups = [names[i::shards] for i in range(shards)]
        wm = {}
        total = 0
        for si, grp in enumerate(groups):
            fn = "model-%05d-of-%05d.safetensors" % (si + 1, shards)
            write_safetensors(os.path.join(dir, fn), {n: stored[n] for n in grp}, dtype)
            for n in grp:
                wm[n] = fn
                total += stored[n].size * {"F32": 4, "BF16": 2, "F16": 2}[dtype]
        with open(os.path.join(dir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": wm}, f, indent=2)
    return cfg, w


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description="Llama 4 NumPy reference: greedy generation")
    ap.add_argument("ckpt")
    ap.add_argument("--prompt-ids", required=True, help="comma-separated token ids")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--precision", default="f64", choices=PRECISIONS)
    ap.add_argument("--compute", default=None, choices=("f64", "f32", "bf16"),
                    help="compute type of the fp8 precisions (default bf16)")
    ap.add_argument("--fp8-classes", default=",".join(DEFAULT_FP8_CLASSES))
    ap.add_argument("--logits-out", default=None,
                    help="save float32 logits [prompt+new-1, vocab] of every position run")
    a = ap.parse_args(argv)
    ids = [int(t) for t in a.prompt_ids.split(",") if t.strip()]
    kw = {}
    if a.precision.startswith("fp8-"):
        kw = {"compute": a.compute, "fp8_classes": tuple(a.fp8_classes.split(","))}
    model = load_model(a.ckpt, a.precision, **kw)
    gen, logits = model.generate(ids, a.max_new_tokens, return_logits=True)
    if a.logits_out:
        np.save(a.logits_out, np.asarray(logits, np.float32))
    print(",".join(str(t) for t in gen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
