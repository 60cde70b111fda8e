#!/usr/bin/python3
"""Self-checks of the NumPy Llama 4 reference (test/reference/llama4_ref.py).

Run: /usr/bin/python3 test/reference/test_llama4_ref.py [-v] [name-filter ...]
Prints one line per check (with the measured numbers), then "N passed, N failed";
exits non-zero on any failure.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

sys.dont_write_bytecode = True          # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import llama4_ref as R  # noqa: E402

SRC = os.path.dirname(os.path.dirname(HERE))
GOLDENS = os.path.join(SRC, "test", "data", "goldens")
CONFIGS = os.path.join(SRC, "test", "data", "configs")
MODELS = ("scout_like", "maverick_like")

TESTS = []
NOTES = []
TMP = tempfile.mkdtemp(prefix="llama4_ref_test_")


def test(fn):
    TESTS.append(fn)
    return fn


def note(msg):
    NOTES.append(msg)
    print("    " + msg)


def rel(a, b):
    """max |a-b| over everything / max |b|."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


_cache = {}


def golden(name):
    if name not in _cache:
        d = os.path.join(GOLDENS, name)
        cfg, w = R.load_checkpoint(d)
        _cache[name] = dict(
            dir=d, cfg=cfg, w=w,
            ids=np.load(os.path.join(d, "input_ids.npy")),
            fp32=np.load(os.path.join(d, "logits_fp32.npy")),
            bf16=np.load(os.path.join(d, "logits_bf16.npy")),
            greedy=np.load(os.path.join(d, "greedy_ids.npy")))
    return _cache[name]


def hub_style_dir(name):
    """Temp checkpoint dir: config.hub-style.json as config.json + the same weights."""
    d = os.path.join(TMP, name + "-hub")
    if not os.path.isdir(d):
        os.makedirs(d)
        src = os.path.join(GOLDENS, name)
        shutil.copy(os.path.join(src, "config.hub-style.json"), os.path.join(d, "config.json"))
        os.symlink(os.path.join(src, "model.safetensors"), os.path.join(d, "model.safetensors"))
    return d


# ---------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------

@test
def config_spellings_agree():
    for name in MODELS:
        with open(os.path.join(GOLDENS, name, "config.json")) as f:
            a = R.parse_config(json.load(f))
        with open(os.path.join(GOLDENS, name, "config.hub-style.json")) as f:
            b = R.parse_config(json.load(f))
        assert a == b, (name, a, b)
        assert a.nope_layers == [3] and a.attn_temperature_tuning
        # round trip through both writers
        for style in ("hf5", "hub"):
            assert R.parse_config(a.to_json_dict(style)) == a, (name, style)
    s = golden("scout_like")["cfg"]
    assert s.moe_layers == [0, 1, 2, 3] and s.use_qk_norm and s.rope_scaling["factor"] == 16.0
    m = golden("maverick_like")["cfg"]
    assert m.moe_layers == [1, 3] and not m.use_qk_norm and m.rope_scaling is None


@test
def config_published_models():
    """Full-size configs in test/data/configs parse to the spec's §1 table."""
    nope = list(range(3, 48, 4))
    seen = 0
    for sub in sorted(os.listdir(CONFIGS)) if os.path.isdir(CONFIGS) else []:
        p = os.path.join(CONFIGS, sub, "config.json")
        if not os.path.exists(p):
            continue
        with open(p) as f:
            c = R.parse_config(json.load(f))
        seen += 1
        assert c.hidden_size == 5120 and c.num_hidden_layers == 48 and c.head_dim == 128, sub
        assert c.nope_layers == nope, (sub, c.nope_layers)
        assert c.attn_temperature_tuning and c.floor_scale == 8192
        assert c.attention_chunk_size == 8192
        assert c.rope_theta == 500000.0 and c.num_experts_per_tok == 1
        if sub.startswith("scout"):
            assert c.num_local_experts == 16 and c.moe_layers == list(range(48)) and c.use_qk_norm
            assert c.rope_scaling == {"rope_type": "llama3", "factor": 16.0,
                                      "low_freq_factor": 1.0, "high_freq_factor": 1.0,
                                      "original_max_position_embeddings": 8192}, sub
        else:
            assert c.num_local_experts == 128 and c.moe_layers == list(range(1, 48, 2))
            assert not c.use_qk_norm and c.rope_scaling is None and c.intermediate_size_mlp == 16384
    note("parsed %d published-model configs" % seen)
    # inconsistent spellings are rejected
    base = dict(R.TINY_BASE, no_rope_layers=[1, 1, 1, 0],
                layer_types=["chunked_attention"] * 4)
    try:
        R.parse_config(base)
        raise AssertionError("layer_types contradicting no_rope_layers accepted")
    except ValueError:
        pass


# ---------------------------------------------------------------------------------------
# goldens
# ---------------------------------------------------------------------------------------

@test
def golden_logits_f64_f32_both_spellings():
    for name in MODELS:
        g = golden(name)
        for spelling, d in (("config.json", g["dir"]), ("hub-style", hub_style_dir(name))):
            cfg, w = R.load_checkpoint(d)
            assert cfg == g["cfg"]
            for prec, bound in (("f64", 1e-6), ("f32", 1e-4)):
                logits = R.Llama4Ref(cfg, w, prec).forward(g["ids"])
                e = rel(logits, g["fp32"])
                note("%s %-11s %s: max|err|/max|golden| = %.3e (bound %g)"
                     % (name, spelling, prec, e, bound))
                assert e <= bound, e


@test
def golden_greedy_kv_decode():
    for name in MODELS:
        g = golden(name)
        prompt = g["ids"][:24]
        assert np.array_equal(g["greedy"][:24], prompt)
        for d in (g["dir"], hub_style_dir(name)):
            cfg, w = R.load_checkpoint(d)
            for prec in ("f64", "f32"):
                m = R.Llama4Ref(cfg, w, prec)
                gen = m.generate(prompt, 16)
                assert gen == list(g["greedy"][24:]), (name, prec, gen)
                # one prefill of 24 tokens + 15 single-token decode steps, nothing re-run
                assert m.tokens_processed == 24 + 15, m.tokens_processed
        gen = R.Llama4Ref(g["cfg"], g["w"], "bf16").generate(prompt, 16)
        note("%s greedy f64/f32 == greedy_ids; bf16 greedy agrees on %d/16 tokens"
             % (name, sum(int(a == b) for a, b in zip(gen, g["greedy"][24:]))))


@test
def golden_prefill_equals_decode():
    for name in MODELS:
        g = golden(name)
        ids = g["ids"]
        for prec, bound in (("f64", 1e-12), ("f32", 1e-5), ("bf16", None)):
            m = R.Llama4Ref(g["cfg"], g["w"], prec)
            full = m.forward(ids)
            cache = m.new_cache()
            n0 = m.tokens_processed
            steps = [m.forward(ids[i:i + 1], kv_cache=cache) for i in range(len(ids))]
            assert m.tokens_processed - n0 == len(ids)
            dec = np.concatenate(steps)
            cache = m.new_cache()           # prefill 24 then decode the rest
            mixed = np.concatenate([m.forward(ids[:24], kv_cache=cache)] +
                                   [m.forward(ids[i:i + 1], kv_cache=cache)
                                    for i in range(24, len(ids))])
            e1, e2 = rel(dec, full), rel(mixed, full)
            note("%s %s: token-by-token vs prefill %.2e, prefill24+decode vs prefill %.2e"
                 % (name, prec, e1, e2))
            if bound is not None:
                assert e1 <= bound and e2 <= bound, (e1, e2)
            assert len(cache) == len(ids)


@test
def golden_bf16_ballpark():
    for name in MODELS:
        g = golden(name)
        logits = R.Llama4Ref(g["cfg"], g["w"], "bf16").forward(g["ids"])
        e = rel(logits, g["bf16"])
        exact = float(np.mean(logits == g["bf16"]))
        alt = R.Llama4Ref(g["cfg"], g["w"], "bf16", inv_freq_dtype="f32").forward(g["ids"])
        note("%s bf16 vs logits_bf16: max rel %.3e, bit-identical %.1f%% "
             "(with an fp32 inv_freq: %.3e, %.1f%%); golden bf16 vs fp32: %.3e"
             % (name, e, 100 * exact, rel(alt, g["bf16"]),
                100 * float(np.mean(alt == g["bf16"])), rel(g["bf16"], g["fp32"])))
        assert np.array_equal(R.round_bf16(logits), logits)     # logits are bf16 values
        assert e < 0.35 and exact >= 0.5, (e, exact)


# ---------------------------------------------------------------------------------------
# RoPE / temperature formulas against the spec's statements
# ---------------------------------------------------------------------------------------

def _llama3_scalar(inv, factor, low, high, orig):
    wl = 2 * math.pi / inv
    if wl < orig / high:
        return inv
    if wl > orig / low:
        return inv / factor
    s = (orig / wl - low) / (high - low)
    return (1 - s) * inv / factor + s * inv


@test
def rope_frequencies():
    big = R.parse_config({"hidden_size": 5120, "num_attention_heads": 40, "head_dim": 128,
                          "rope_theta": 500000.0, "rope_scaling": {
                              "rope_type": "llama3", "factor": 16.0, "low_freq_factor": 1.0,
                              "high_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192}})
    base = R.rope_inv_freq(R.parse_config({"head_dim": 128, "rope_scaling": None}))
    inv = R.rope_inv_freq(big)
    assert np.array_equal(inv[:35], base[:35]) and np.array_equal(inv[35:], base[35:] / 16)
    old = R.parse_config({"head_dim": 128, "rope_scaling": {
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192}})
    inv = R.rope_inv_freq(old)
    assert np.array_equal(inv[:29], base[:29]) and np.array_equal(inv[35:], base[35:] / 8)
    mid = slice(29, 35)
    assert np.all(inv[mid] < base[mid]) and np.all(inv[mid] > base[mid] / 8)
    # tiny smooth_band config (spec §7.4): every frequency vs a scalar f64 evaluation
    sb = R.parse_config(dict(R.TINY_BASE, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 64}))
    inv = R.rope_inv_freq(sb)
    b16 = R.rope_inv_freq(R.parse_config(dict(R.TINY_BASE, rope_scaling=None)))
    want = np.array([_llama3_scalar(float(x), 8.0, 1.0, 4.0, 64) for x in b16])
    assert np.max(np.abs(inv / want - 1)) < 1e-6
    n_band = int(np.sum((inv != b16) & (inv != b16 / 8)))
    note("smooth_band tiny config: %d of %d frequencies in the interpolated band" % (n_band, 8))
    assert n_band >= 1


@test
def temperature_tuning_positions():
    c = golden("scout_like")["cfg"]                  # floor_scale 4
    s = R.temperature_scale(c, np.arange(12))
    assert np.all(s[:3] == 1.0) and abs(s[3] - (1 + 0.1 * math.log(2))) < 1e-7
    assert abs(s[11] - (1 + 0.1 * math.log(4))) < 1e-7
    big = R.parse_config({})                         # defaults: floor_scale 8192
    s = R.temperature_scale(big, np.array([0, 8190, 8191, 3 * 8192 - 1]))
    assert s[0] == 1.0 and s[1] == 1.0 and abs(s[2] - (1 + 0.1 * math.log(2))) < 1e-7
    assert abs(s[3] - (1 + 0.1 * math.log(4))) < 1e-7


# ---------------------------------------------------------------------------------------
# FP8
# ---------------------------------------------------------------------------------------

def _round_e4m3_arith(v):
    """Independent formulation: frexp exponent, quantum 2^(e-4) (>= 2^-9), np.round (RNE)."""
    v = np.asarray(v, np.float64)
    a = np.abs(v)
    with np.errstate(invalid="ignore", over="ignore"):
        _, e = np.frexp(np.where(np.isfinite(a), a, 1.0))
        q = np.ldexp(1.0, np.maximum(e - 4, -9))
        r = np.where(np.isfinite(a), np.round(a / q) * q, np.inf)
    return np.where(np.isnan(v), np.nan, np.copysign(np.minimum(r, 448.0), v))


@test
def fp8_e4m3_codes():
    codes = np.arange(256, dtype=np.uint8)
    vals = R.decode_e4m3(codes).astype(np.float64)
    nan = np.isnan(vals)
    assert list(np.nonzero(nan)[0]) == [0x7F, 0xFF]
    fin = vals[~nan]
    assert len(np.unique(fin)) == 253                       # +0 and -0 coincide
    assert fin.max() == 448.0 and fin.min() == -448.0
    assert np.min(np.abs(fin[fin != 0])) == 2.0 ** -9
    assert vals[0x08] == 2.0 ** -6 and vals[0x38] == 1.0 and vals[0x7E] == 448.0
    # round trip of all 256 codes
    assert np.array_equal(R.round_to_e4m3(fin), fin)
    enc = R.encode_e4m3(vals)
    assert np.array_equal(enc[~nan], codes[~nan]) and np.all(enc[nan] == 0x7F)
    assert np.array_equal(R.decode_e4m3(enc[~nan]), vals[~nan].astype(np.float32))
    assert np.signbit(vals[0x80]) and not np.signbit(vals[0x00])


@test
def fp8_rne_and_saturation():
    pos = np.unique(R.decode_e4m3(np.arange(0, 127, dtype=np.uint8)).astype(np.float64))
    assert len(pos) == 127
    mids = (pos[:-1] + pos[1:]) / 2
    got = R.round_to_e4m3(mids)
    codes = R.encode_e4m3(got)
    assert np.all(codes % 2 == 0)                          # every tie -> even mantissa
    assert np.all((got == pos[:-1]) | (got == pos[1:]))
    up = np.nextafter(mids, np.inf)
    dn = np.nextafter(mids, -np.inf)
    assert np.array_equal(R.round_to_e4m3(up), pos[1:])
    assert np.array_equal(R.round_to_e4m3(dn), pos[:-1])
    assert np.array_equal(R.round_to_e4m3(-mids), -got)
    t = R.round_to_e4m3([1.0625, 1.1875, 2.0 ** -10, 3 * 2.0 ** -10, 447.0, 448.0, 449.0,
                         464.0, 480.0, 500.0, 1e6, np.inf, -np.inf, -1e6])
    assert list(t) == [1.0, 1.25, 0.0, 2.0 ** -8, 448, 448, 448, 448, 448, 448, 448, 448,
                       -448, -448]
    assert np.isnan(R.round_to_e4m3(np.nan))
    rng = np.random.default_rng(0)
    x = rng.standard_normal(200000) * np.exp(rng.uniform(-14, 8, 200000))
    assert np.array_equal(R.round_to_e4m3(x), _round_e4m3_arith(x))
    # the float32 bit-manipulation path used by the quantizers agrees on float32 inputs
    x32 = np.concatenate([x.astype(np.float32), mids.astype(np.float32), up.astype(np.float32),
                          dn.astype(np.float32), -mids.astype(np.float32),
                          np.array([0, -0.0, np.inf, -np.inf, 3e38, -3e38, 1e-45, 2.0 ** -10,
                                    3 * 2.0 ** -10, 464, 465], np.float32)])
    f = R.round_to_e4m3_f32(x32)
    assert f.dtype == np.float32
    assert np.array_equal(f, R.round_to_e4m3(x32).astype(np.float32))
    assert np.array_equal(np.signbit(f), np.signbit(R.round_to_e4m3(x32)))
    assert np.isnan(R.round_to_e4m3_f32(np.float32(np.nan)))
    # quantize divides in fp32 and saturates
    q = R.quantize_e4m3(np.array([1000.0, -3.0, 0.5]), np.float32(1.0))
    assert list(q) == [448.0, -3.0, 0.5]


@test
def fp8_scales_and_shapes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 300)).astype(np.float32)
    x[2] = 0.0
    q, s = R.quantize_act_rowwise(x)
    assert q.shape == (5, 300) and s.shape == (5, 1) and s.dtype == np.float32
    assert s[2, 0] == 1.0 and np.all(q[2] == 0)
    for t in (0, 1, 3, 4):
        assert s[t, 0] == np.float32(np.abs(x[t]).max()) / np.float32(448)
        assert np.abs(q[t]).max() == 448.0
    err = np.abs(q.astype(np.float64) * s - x)
    assert np.all(err <= np.abs(x) * 2.0 ** -4 + s * 2.0 ** -10 + 1e-12)
    qb, sb = R.quantize_act_block(x, 128)
    assert qb.shape == (5, 300) and sb.shape == (5, 3)
    for kb in range(3):
        blk = x[:, kb * 128:(kb + 1) * 128]
        nz = np.abs(blk).max(1) > 0
        assert np.all(np.abs(qb[nz, kb * 128:(kb + 1) * 128]).max(1) == 448.0)
    xd = R.dequantize_act_block(qb, sb, 128)
    assert np.all(np.abs(xd - x) <= np.abs(x) * 2.0 ** -4 + np.repeat(sb, 128, 1)[:, :300]
                  * 2.0 ** -10 + 1e-12)
    # weights: nn.Linear [out,in] and fused experts [E,in,out]
    w = rng.standard_normal((300, 200)).astype(np.float32)
    qw, sw = R.quantize_weight(w, "block", -1, (128, 128))
    assert qw.shape == (300, 200) and sw.shape == (3, 2)
    qr, sr = R.quantize_weight(w, "rowwise", -1)
    assert sr.shape == (300, 1)
    we = rng.standard_normal((4, 200, 300)).astype(np.float32)     # [E, in, out]
    qe, se = R.quantize_weight(we, "block", -2, (128, 128))
    assert qe.shape == (4, 200, 300) and se.shape == (4, 2, 3)
    qe2, se2 = R.quantize_weight(we, "rowwise", -2)
    assert se2.shape == (4, 1, 300)
    # the same numbers whatever the layout
    qt, st = R.quantize_weight(np.ascontiguousarray(we[1].T), "block", -1, (128, 128))
    assert np.array_equal(qt, qe[1].T) and np.array_equal(st, se[1].T)
    qt, st = R.quantize_weight(np.ascontiguousarray(we[1].T), "rowwise", -1)
    assert np.array_equal(qt, qe2[1].T) and np.array_equal(st, se2[1].T)
    for (qq, ss, sch, ka, ww) in ((qw, sw, "block", -1, w), (qr, sr, "rowwise", -1, w),
                                  (qe, se, "block", -2, we), (qe2, se2, "rowwise", -2, we)):
        d = R.dequantize_weight(qq, ss, sch, ka, (128, 128))
        assert d.shape == ww.shape
        assert np.all(np.abs(d - ww) <= np.abs(ww) * 2.0 ** -4 + 2.0 ** -10 * np.abs(ww).max())
    # GEMMs vs f64 products of the dequantized operands
    xx = rng.standard_normal((7, 200)).astype(np.float32)
    yq = R.fp8_linear_rowwise(xx, qr, sr)
    xq, xs = R.quantize_act_rowwise(xx)
    ref = (xq.astype(np.float64) * xs) @ (qr.astype(np.float64) * sr).T
    e_row = rel(yq, ref)
    yb = R.fp8_linear_block(xx, qw, sw, 128)
    xq, xs = R.quantize_act_block(xx, 128)
    ref = R.dequantize_act_block(xq, xs, 128) @ R.dequantize_weight(qw, sw, "block").T
    e_blk = rel(yb, ref)
    note("fp8 GEMM (K=200) vs f64 on dequantized operands: rowwise %.2e, block %.2e"
         % (e_row, e_blk))
    assert e_row < 1e-6 and e_blk < 1e-6


FP8_OV = dict(hidden_size=256, head_dim=32, num_attention_heads=8, num_key_value_heads=2,
              intermediate_size=192, intermediate_size_mlp=320, num_local_experts=16,
              vocab_size=256, interleave_moe_layer_step=2)


@test
def fp8_forward_vs_f64_on_dequantized():
    """16 experts, hidden 256 (two K blocks), expert width 192 (a partial block), dense MLP
    width 320 (layers 0,2), fp8 on experts+shared+dense+attn.

    Bounds: (1) every fp8 GEMM of the forward vs the f64 product of the dequantized weight
    and the quantized-dequantized SAME input: max rel err 1e-5 (fp32 accumulation);
    (2) end to end, compute f64, vs the f64 forward with dequantized weights and fake-quantized
    activations: median position 1e-6, max 2e-3 (a fp32-vs-f64 accumulation difference can
    flip an activation rounding that sits on an e4m3 tie; such flips then cascade)."""
    d = os.path.join(TMP, "fp8-16e")
    cfg, w = R.make_random_checkpoint(d, FP8_OV, seed=7)
    cfg, w = R.load_checkpoint(d)
    ids = np.random.default_rng(1).integers(0, cfg.vocab_size, 32)
    plain = R.Llama4Ref(cfg, w, "f64").forward(ids)
    for scheme in ("fp8-rowwise", "fp8-block"):
        fq = R.Llama4Ref(cfg, w, "f64", fake_quant=scheme)
        ref = fq.forward(ids)
        # (1) per-op, same inputs
        m = R.Llama4Ref(cfg, w, scheme, compute="f32")
        deq = R.dequantized_weights(cfg, w, scheme)
        worst = 0.0
        nops = 0
        orig = m.linear

        def traced(x, key, orig=orig):
            nonlocal worst, nops
            y = orig(x, key)
            if isinstance(m.lin[key], tuple):
                if scheme == "fp8-rowwise":
                    q, s = R.quantize_act_rowwise(x)
                    xd = q.astype(np.float64) * s
                else:
                    q, s = R.quantize_act_block(x, 128)
                    xd = R.dequantize_act_block(q, s, 128)
                wd = fq.lin[key]
                yr = xd @ wd.T
                if np.abs(yr).max() > 0:
                    worst = max(worst, rel(y, yr))
                nops += 1
            return y
        m.linear = traced
        m.forward(ids)
        note("%s: %d fp8 GEMMs, worst per-op rel err vs f64 on dequantized %.2e (bound 1e-5)"
             % (scheme, nops, worst))
        assert nops > 0 and worst <= 1e-5, worst
        # sanity: the dequantized weights really are the fake-quant model's weights
        assert np.array_equal(fq.lin["1.gate_up.0"],
                              deq["model.layers.1.feed_forward.experts.gate_up_proj"][0].T)
        # (2) end to end
        out = {}
        for comp in ("f64", "f32", "bf16"):
            y = R.Llama4Ref(cfg, w, scheme, compute=comp).forward(ids)
            per = np.abs(np.asarray(y, np.float64) - ref).max(1) / np.abs(ref).max()
            out[comp] = (per.max(), float(np.median(per)))
        note("%s end-to-end vs f64 fake-quant: compute f64 max %.2e median %.2e; f32 max "
             "%.2e median %.2e; bf16 max %.2e median %.2e; quantization effect (fake-quant "
             "vs plain f64) %.2e" % ((scheme,) + out["f64"] + out["f32"] + out["bf16"] +
                                     (rel(ref, plain),)))
        assert out["f64"][0] <= 2e-3 and out["f64"][1] <= 1e-6, out["f64"]


@test
def fp8_class_selection():
    """Only the selected op classes are quantized; with no class the model equals f32."""
    d = os.path.join(TMP, "fp8-16e")
    if not os.path.exists(os.path.join(d, "config.json")):
        R.make_random_checkpoint(d, FP8_OV, seed=7)
    cfg, w = R.load_checkpoint(d)
    ids = np.arange(12) * 7 % cfg.vocab_size
    m = R.Llama4Ref(cfg, w, "fp8-rowwise", compute="f32", fp8_classes=("experts",))
    kinds = {k: isinstance(v, tuple) for k, v in m.lin.items()}
    assert all(kinds[k] == (".gate_up." in k or ".down." in k) for k in kinds)
    m0 = R.Llama4Ref(cfg, w, "fp8-block", compute="f32", fp8_classes=())
    assert np.array_equal(m0.forward(ids), R.Llama4Ref(cfg, w, "f32").forward(ids))
    qw = R.quantize_weights(cfg, w, "fp8-block", ("attn", "dense"))
    assert all(R.weight_op_class(cfg, n) in ("attn", "dense") for n in qw)
    assert len(qw) == 4 * 4 + 2 * 3
    # externally supplied quantized weights are used as given
    for scheme in ("fp8-rowwise", "fp8-block"):
        qw = R.quantize_weights(cfg, w, scheme)
        a = R.Llama4Ref(cfg, w, scheme, compute="f32").forward(ids)
        b = R.Llama4Ref(cfg, w, scheme, compute="f32", quantized=qw).forward(ids)
        assert np.array_equal(a, b)
        fa = R.Llama4Ref(cfg, w, "f64", fake_quant=scheme).forward(ids)
        fb = R.Llama4Ref(cfg, w, "f64", fake_quant=scheme, quantized=qw).forward(ids)
        assert np.array_equal(fa, fb)
        n = "model.layers.1.feed_forward.experts.down_proj"
        q2 = dict(qw)
        q2[n] = (np.zeros_like(qw[n][0]), qw[n][1])
        c = R.Llama4Ref(cfg, w, scheme, compute="f32", quantized=q2).forward(ids)
        assert not np.array_equal(a, c)


# ---------------------------------------------------------------------------------------
# random models: many experts, many chunks, layouts
# ---------------------------------------------------------------------------------------

@test
def many_experts_many_chunks_decode_equals_prefill():
    d = os.path.join(TMP, "mav128")
    ov = dict(num_local_experts=128, interleave_moe_layer_step=2, use_qk_norm=False,
              rope_scaling=None, attention_chunk_size=8)
    cfg, w = R.make_random_checkpoint(d, ov, seed=3, config_style="hub")
    cfg, w = R.load_checkpoint(d)
    assert cfg.moe_layers == [1, 3] and cfg.num_local_experts == 128
    ids = np.random.default_rng(5).integers(0, cfg.vocab_size, 88)      # 11 chunks of 8
    m = R.Llama4Ref(cfg, w, "f64")
    full = m.forward(ids)
    cache = m.new_cache()
    dec = np.concatenate([m.forward(ids[:5], kv_cache=cache)] +
                         [m.forward(ids[i:i + 1], kv_cache=cache) for i in range(5, 88)])
    e = rel(dec, full)
    note("128 experts, 88 tokens / chunk 8: decode vs prefill %.2e" % e)
    assert e <= 1e-12
    gen = m.generate(ids[:70], 12)
    assert len(gen) == 12
    # the router really spreads tokens over many experts
    h = m.embed[ids]
    logits = m.linear(m.rmsnorm(h, m.ln_post[1]), "1.router")
    experts = set(np.argmax(logits, 1).tolist())
    assert len(experts) > 20, len(experts)
    # scout-like 16 experts with qk-norm and llama3 scaling, also 88 tokens, f32 and bf16
    d2 = os.path.join(TMP, "scout16")
    cfg2, w2 = R.make_random_checkpoint(d2, dict(num_local_experts=16), seed=4)
    for prec, bound in (("f64", 1e-12), ("f32", 1e-5)):
        m2 = R.Llama4Ref(cfg2, w2, prec)
        full = m2.forward(ids)
        cache = m2.new_cache()
        dec = np.concatenate([m2.forward(ids[i:i + 1], kv_cache=cache) for i in range(88)])
        e = rel(dec, full)
        note("16 experts scout-like 88 tokens %s: decode vs prefill %.2e" % (prec, e))
        assert e <= bound


@test
def chunk_locality():
    """All layers RoPE: logits at p depend only on tokens in [8*floor(p/8), p]."""
    d = os.path.join(TMP, "allrope")
    cfg, w = R.make_random_checkpoint(d, dict(no_rope_layers=[1, 1, 1, 1]), seed=11)
    assert cfg.nope_layers == []
    m = R.Llama4Ref(cfg, w, "f64")
    rng = np.random.default_rng(2)
    ids = rng.integers(0, cfg.vocab_size, 84)
    full = m.forward(ids)
    ids2 = ids.copy()
    ids2[:64] = rng.integers(0, cfg.vocab_size, 64)       # change chunks 0..7
    full2 = m.forward(ids2)
    assert np.array_equal(full[64:], full2[64:])          # chunk-local: bit identical
    assert rel(full[:64], full2[:64]) > 1e-3
    # the last chunk run alone at its absolute positions
    alone = m.forward(ids[80:], positions=np.arange(80, 84))
    assert rel(alone, full[80:]) < 1e-12
    # decode at p attends to [8*floor(p/8), p]: a cache holding only this chunk suffices
    cache = m.new_cache()
    m.forward(ids[72:79], positions=np.arange(72, 79), kv_cache=cache)
    step = m.forward(ids[79:80], positions=[79], kv_cache=cache)
    assert rel(step, full[79:80]) < 1e-12
    # with a NoPE layer (default pattern) distant tokens do matter, and the temperature
    # scale uses absolute positions: shifting positions changes the NoPE-layer output
    d = os.path.join(TMP, "nope")
    cfg, w = R.make_random_checkpoint(d, dict(no_rope_layers=[0, 0, 0, 0]), seed=12)
    m = R.Llama4Ref(cfg, w, "f64")
    a = m.forward(ids[:6])
    b = m.forward(ids[:6], positions=np.arange(100, 106))
    assert rel(a, b) > 1e-4
    m_nt = R.Llama4Ref(R.parse_config(dict(R.TINY_BASE, no_rope_layers=[0, 0, 0, 0],
                                           attn_temperature_tuning=False)), w, "f64")
    a = m_nt.forward(ids[:6])
    b = m_nt.forward(ids[:6], positions=np.arange(100, 106))
    assert rel(a, b) < 1e-12         # NoPE without tuning is position-free


@test
def checkpoint_layouts_agree():
    """hf5 / hub config, text-only / multimodal naming, single / sharded, F32 / BF16 / F16."""
    ov = dict(num_local_experts=16, interleave_moe_layer_step=2)
    ids = np.arange(20) * 5 % 128
    ref_cfg, ref_w = R.make_random_checkpoint(os.path.join(TMP, "lay0"), ov, seed=21)
    ref = R.Llama4Ref(ref_cfg, ref_w, "f64").forward(ids)
    variants = [dict(config_style="hub"), dict(multimodal=True),
                dict(shards=3), dict(multimodal=True, shards=2, config_style="hub")]
    for i, kw in enumerate(variants):
        d = os.path.join(TMP, "lay%d" % (i + 1))
        R.make_random_checkpoint(d, ov, seed=21, **kw)
        cfg, w = R.load_checkpoint(d)
        assert cfg == ref_cfg, kw
        assert sorted(w) == sorted(ref_w) and all(np.array_equal(w[k], ref_w[k]) for k in w)
        assert np.array_equal(R.Llama4Ref(cfg, w, "f64").forward(ids), ref), kw
        if kw.get("shards"):
            assert os.path.exists(os.path.join(d, "model.safetensors.index.json"))
        if kw.get("multimodal"):
            with open(os.path.join(d, "config.json")) as f:
                assert "text_config" in json.load(f)
    for dt in ("BF16", "F16"):
        d = os.path.join(TMP, "lay-" + dt)
        cfg, stored = R.make_random_checkpoint(d, ov, seed=21, dtype=dt)
        cfg, w = R.load_checkpoint(d)
        for k in w:
            want = R.round_bf16(ref_w[k]) if dt == "BF16" else \
                ref_w[k].astype(np.float16).astype(np.float32)
            assert np.array_equal(w[k], want), (dt, k)
        st = R.SafetensorsFile(os.path.join(d, "model.safetensors"))
        assert {st.dtype(k) for k in st.keys()} == {dt}


@test
def safetensors_strictness():
    d = os.path.join(TMP, "st")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "a.safetensors")
    vals = R.decode_e4m3(np.arange(0, 127, dtype=np.uint8))
    R.write_safetensors(p, {"a": (np.arange(6, dtype=np.float32).reshape(2, 3), "F32"),
                            "b": (np.array([1.5, -2.25, 3e38], np.float32), "BF16"),
                            "c": (vals, "F8_E4M3"), "d": (np.array([0.1, 65504.0]), "F16")})
    t = R.read_safetensors(p)
    assert np.array_equal(t["a"], np.arange(6).reshape(2, 3))
    assert np.array_equal(t["b"], R.round_bf16(np.array([1.5, -2.25, 3e38], np.float32)))
    assert np.array_equal(t["c"], vals)
    assert t["d"][1] == 65504.0 and t["d"][0] == np.float32(np.float16(0.1))
    raw = open(p, "rb").read()
    (n,) = np.frombuffer(raw[:8], "<u8")
    hdr = json.loads(raw[8:8 + int(n)])

    def bad(data, what):
        q = os.path.join(d, "bad.safetensors")
        with open(q, "wb") as f:
            f.write(data)
        try:
            R.SafetensorsFile(q)
        except ValueError:
            return
        raise AssertionError("accepted a file with " + what)

    def with_header(h):
        hb = json.dumps(h).encode()
        return np.uint64(len(hb)).tobytes() + hb + raw[8 + int(n):]

    bad(raw[:-1], "truncated data")
    bad(raw + b"\0", "trailing bytes")
    bad(raw[:4], "short header")
    h = json.loads(json.dumps(hdr))
    h["a"]["dtype"] = "F4"
    bad(with_header(h), "unknown dtype")
    h = json.loads(json.dumps(hdr))
    h["a"]["shape"] = [3, 3]
    bad(with_header(h), "shape/size mismatch")
    h = json.loads(json.dumps(hdr))
    h["b"]["data_offsets"] = h["a"]["data_offsets"]
    bad(with_header(h), "overlap")
    bad(np.uint64(10 ** 9).tobytes() + raw[8:], "header length past the end")


@test
def fp8_checkpoint_dequantizes_on_load():
    """An FP8 checkpoint (F8_E4M3 + scales: row-wise with fbgemm-style fused experts or
    per-expert unfused experts; 128x128 block scales) loads to exactly the dequantized
    weights."""
    src = os.path.join(TMP, "fp8-16e")
    if not os.path.exists(os.path.join(src, "config.json")):
        R.make_random_checkpoint(src, FP8_OV, seed=7)
    cfg, w = R.load_checkpoint(src)
    for scheme, unfused in (("rowwise", False), ("rowwise", True), ("block", False)):
        want = R.dequantized_weights(cfg, w, scheme, ("experts", "attn"))
        q = R.quantize_weights(cfg, w, scheme, ("experts", "attn"))
        d = os.path.join(TMP, "fp8ckpt-%s-%d" % (scheme, unfused))
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(src, "config.json"), d)
        t = {}
        for n, a in w.items():
            if n in q and n.endswith(("gate_up_proj", "down_proj")) and unfused:
                qq, ss = q[n]
                base = n.rsplit(".", 1)[0]
                for e in range(qq.shape[0]):
                    if n.endswith("gate_up_proj"):
                        I = qq.shape[2] // 2
                        parts = (("gate_proj", slice(0, I)), ("up_proj", slice(I, 2 * I)))
                    else:
                        parts = (("down_proj", slice(None)),)
                    for pn, sl in parts:
                        t["%s.%d.%s.weight" % (base, e, pn)] = (qq[e][:, sl].T.copy(), "F8_E4M3")
                        t["%s.%d.%s.weight_scale" % (base, e, pn)] = \
                            (ss[e][:, sl].T.copy(), "F32")
            elif n in q:
                qq, ss = q[n]
                t[n] = (qq, "F8_E4M3")
                suffix = ".weight_scale" if scheme == "rowwise" else ".weight_scale_inv"
                t[(n[:-len(".weight")] + suffix) if n.endswith(".weight")
                  else n + "_scale"] = (ss, "F32")
            else:
                t[n] = (a, "F32")
        R.write_safetensors(os.path.join(d, "model.safetensors"), t)
        cfg2, w2 = R.load_checkpoint(d)
        assert sorted(w2) == sorted(want)
        for n in want:
            assert np.array_equal(np.asarray(w2[n], np.float64),
                                  np.asarray(want[n], np.float64)), (unfused, n)


@test
def other_config_variants_run():
    """top-2 routing, gelu, no chunking, GQA group 1; decode == prefill."""
    ids = np.arange(30) * 11 % 128
    for i, ov in enumerate((dict(num_experts_per_tok=2), dict(hidden_act="gelu"),
                            dict(attention_chunk_size=None),
                            dict(num_key_value_heads=4, use_qk_norm=False))):
        d = os.path.join(TMP, "var%d" % i)
        cfg, w = R.make_random_checkpoint(d, ov, seed=30 + i)
        cfg, w = R.load_checkpoint(d)
        m = R.Llama4Ref(cfg, w, "f64")
        full = m.forward(ids)
        cache = m.new_cache()
        dec = np.concatenate([m.forward(ids[j:j + 1], kv_cache=cache) for j in range(30)])
        assert rel(dec, full) < 1e-12, ov
        assert np.all(np.isfinite(R.Llama4Ref(cfg, w, "bf16").forward(ids)))


@test
def cli_generates_golden():
    g = golden("scout_like")
    out = os.path.join(TMP, "cli_logits.npy")
    prompt = ",".join(str(int(t)) for t in g["ids"][:24])
    r = subprocess.run([sys.executable, os.path.join(HERE, "llama4_ref.py"), g["dir"],
                        "--prompt-ids", prompt, "--max-new-tokens", "16", "--precision", "f32",
                        "--logits-out", out], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    gen = [int(t) for t in r.stdout.strip().split(",")]
    assert gen == list(g["greedy"][24:]), gen
    lg = np.load(out)
    assert lg.shape == (24 + 15, 128)
    assert rel(lg[:24], g["fp32"][:24]) < 1e-4
    r = subprocess.run([sys.executable, os.path.join(HERE, "llama4_ref.py"), g["dir"],
                        "--prompt-ids", prompt, "--max-new-tokens", "4",
                        "--precision", "fp8-block"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and len(r.stdout.strip().split(",")) == 4, r.stderr


# ---------------------------------------------------------------------------------------

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    t0 = time.time()
    passed = failed = 0
    try:
        for fn in TESTS:
            if args and not any(a in fn.__name__ for a in args):
                continue
            t = time.time()
            try:
                fn()
                passed += 1
                print("PASS %s (%.1fs)" % (fn.__name__, time.time() - t))
            except Exception:
                failed += 1
                print("FAIL %s (%.1fs)" % (fn.__name__, time.time() - t))
                traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("total %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
