#!/usr/bin/python3
"""End-to-end checks of the CPU target: `moec compile --target=cpu` + `moec-run`.

Two modes, both compile a checkpoint, run the artifact through moec-run (prefill logits dumped
with --dump-logits, greedy continuation produced by KV-cache decode) and compare:

  golden CKPT        against Hugging Face goldens (input_ids.npy, logits_fp32.npy,
                     greedy_ids.npy: the first 24 ids are the prompt).
  reference          against test/reference/llama4_ref.py on a random checkpoint written here
                     (config overrides as JSON), for what the goldens do not cover.

Bounds are max |ours - ref| over all positions and vocab, relative to max |ref|.
Exit status 0 when every check holds; each failure is printed with its numbers.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import llama4_ref as ref  # noqa: E402


# moec's --fp8-classes names -> the reference's op classes.
FP8_CLASS_NAMES = {"attention": "attn", "dense_mlp": "dense", "shared_expert": "shared",
                   "routed_expert": "experts"}


def run(cmd):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd),
                                                     proc.stdout, proc.stderr))
    return proc.stdout, time.monotonic() - start


def compile_model(args, ckpt, precision, out_dir, extra=()):
    artifact = os.path.join(out_dir, "model.moec")
    _, seconds = run([args.moec, "compile", ckpt, "--target=cpu", "--precision=" + precision,
                      "-o", artifact] + list(extra))
    print("compiled %s (%s) in %.2f s" % (os.path.basename(ckpt.rstrip("/")), precision, seconds))
    return artifact


def run_artifact(args, artifact, prompt, new_tokens, logits_path=None):
    """Returns (generated ids, prefill logits or None)."""
    cmd = [args.moec_run, artifact, "--prompt-ids", ",".join(str(int(t)) for t in prompt),
           "--max-new-tokens", str(new_tokens)]
    if logits_path:
        cmd += ["--dump-logits", logits_path]
    out, _ = run(cmd)
    generated = None
    for line in out.splitlines():
        if line.startswith("generated:"):
            text = line.split(":", 1)[1].strip()
            generated = [int(t) for t in text.split(",") if t.strip()]
    if generated is None:
        sys.exit("moec-run printed no 'generated:' line:\n" + out)
    logits = np.load(logits_path) if logits_path else None
    return generated, logits


class Checks:
    def __init__(self):
        self.failed = 0

    def error_bound(self, what, ours, want, bound):
        err = float(np.abs(ours.astype(np.float64) - want).max() / np.abs(want).max())
        ok = ours.shape == want.shape and err <= bound
        print("%s %s: max|err|/max|ref| = %.3g (bound %.3g)" % ("ok  " if ok else "FAIL", what,
                                                                  err, bound))
        self.failed += not ok
        return err

    def equal(self, what, ours, want):
        ok = list(ours) == list(want)
        print("%s %s: %s%s" % ("ok  " if ok else "FAIL", what, list(ours),
                               "" if ok else " != %s" % list(want)))
        self.failed += not ok


def golden(args, checks):
    ckpt = args.ckpt
    ids = np.load(os.path.join(ckpt, "input_ids.npy"))
    want_logits = np.load(os.path.join(ckpt, "logits_fp32.npy"))
    greedy = np.load(os.path.join(ckpt, "greedy_ids.npy"))
    prompt_len = args.prompt_len
    artifact = compile_model(args, ckpt, args.precision, args.workdir)
    logits_path = os.path.join(args.workdir, "prefill.npy")
    _, logits = run_artifact(args, artifact, ids, 0, logits_path)
    checks.error_bound("prefill logits vs transformers fp32", logits, want_logits, args.bound)
    generated, _ = run_artifact(args, artifact, greedy[:prompt_len], len(greedy) - prompt_len)
    checks.equal("greedy continuation (KV-cache decode)", generated, greedy[prompt_len:])


def reference(args, checks):
    overrides = json.loads(args.config)
    if args.ckpt:
        # A given checkpoint (e.g. FP8 compressed-tensors): the reference reads it
        # the way transformers does (FP8 weights times their scales).
        ckpt = args.ckpt
        cfg, weights = ref.load_checkpoint(ckpt)
    else:
        ckpt = os.path.join(args.workdir, "ckpt")
        os.makedirs(ckpt, exist_ok=True)
        cfg, weights = ref.make_random_checkpoint(ckpt, overrides, seed=args.seed,
                                                  dtype=args.storage, shards=args.shards,
                                                  multimodal=args.multimodal,
                                                  config_style=args.config_style)
    rng = np.random.default_rng(args.seed + 1)
    prompt = rng.integers(3, cfg.vocab_size, size=args.prompt_len)
    extra = ["--max-seq-len=%d" % (args.prompt_len + args.new_tokens)]
    if args.fp8_classes:
        extra.append("--fp8-classes=" + args.fp8_classes)
    if args.compute:
        extra.append("--compute=" + args.compute)
    artifact = compile_model(args, ckpt, args.precision, args.workdir, extra)

    fp8 = args.precision.startswith("fp8-")
    kw = {}
    if fp8:
        # The compiler quantizes the weights as the compute type holds them; the reference
        # gets the same quantized weights.
        kw["compute"] = args.compute or "bf16"
        if kw["compute"] == "bf16":
            weights = {k: ref.round_bf16(v) for k, v in weights.items()}
        if args.fp8_classes:
            kw["fp8_classes"] = tuple(FP8_CLASS_NAMES[c]
                                      for c in args.fp8_classes.split(","))
    if args.precision == "fp8-block":
        # moec block-quantizes the projections it fused (q|k|v, gate|up) as one tensor.
        kw["quantized"] = ref.fused_block_quantized_weights(
            cfg, weights, kw.get("fp8_classes", ref.DEFAULT_FP8_CLASSES))
    model = ref.Llama4Ref(cfg, weights, precision=args.ref_precision or args.precision, **kw)
    want_logits = np.asarray(model.forward(prompt, np.arange(len(prompt))), np.float64)
    bound = args.bound
    if args.noise_factor:
        # Rounding to bf16 moves logits by itself: measure how far the reference moves when
        # the same (quantized) model is computed in f32, and allow a multiple of that.
        hi_kw = dict(kw, compute="f32") if fp8 else {}
        hi = ref.Llama4Ref(cfg, weights, precision="f32" if not fp8 else args.precision,
                           **hi_kw)
        want_hi = np.asarray(hi.forward(prompt, np.arange(len(prompt))), np.float64)
        noise = float(np.abs(want_logits - want_hi).max() / np.abs(want_logits).max())
        bound = max(bound, args.noise_factor * noise)
        print("info reference %s vs f32 compute: %.3g, bound %.3g x that" %
              (model.precision, noise, args.noise_factor))
    logits_path = os.path.join(args.workdir, "prefill.npy")
    generated, logits = run_artifact(args, artifact, prompt, args.new_tokens, logits_path)
    checks.error_bound("prefill logits vs reference %s" % model.precision, logits, want_logits,
                       bound)
    if args.new_tokens:
        model = ref.Llama4Ref(cfg, weights, precision=args.ref_precision or args.precision, **kw)
        # moec-run stops after an eos token (the config's eos_token_id), as does this.
        eos = overrides.get("eos_token_id", ref.TINY_BASE["eos_token_id"])
        want = model.generate(list(prompt), args.new_tokens, stop_ids=(eos,))
        if args.exact_greedy:
            checks.equal("greedy continuation (KV-cache decode)", generated, want)
        else:
            agree = np.mean(np.array(generated) == np.array(want))
            print("info greedy agreement with the reference: %.2f" % agree)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("golden", "reference"))
    ap.add_argument("--ckpt", help="golden checkpoint directory; in reference mode a "
                    "checkpoint to use instead of a random one")
    ap.add_argument("--moec", required=True)
    ap.add_argument("--moec-run", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--precision", default="f32")
    ap.add_argument("--ref-precision", help="reference precision (default: --precision)")
    ap.add_argument("--bound", type=float, default=1e-4)
    ap.add_argument("--noise-factor", type=float, default=0.0,
                    help="also allow this multiple of the reference's own bf16 rounding "
                         "effect (reference mode)")
    ap.add_argument("--prompt-len", type=int, default=24)
    ap.add_argument("--new-tokens", type=int, default=8)
    ap.add_argument("--config", default="{}", help="JSON config overrides (reference mode)")
    ap.add_argument("--storage", default="F32", help="checkpoint dtype (reference mode)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shards", type=int, default=1, help="checkpoint files (reference mode)")
    ap.add_argument("--multimodal", action="store_true",
                    help="write a multimodal checkpoint (reference mode)")
    ap.add_argument("--config-style", default="hf5", choices=("hf5", "hub"))
    ap.add_argument("--fp8-classes", help="moec --fp8-classes (reference mode)")
    ap.add_argument("--compute", help="compute type of an fp8 precision (f32 or bf16)")
    ap.add_argument("--exact-greedy", action="store_true",
                    help="require the greedy continuation to equal the reference's")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    checks = Checks()
    if args.mode == "golden":
        golden(args, checks)
    else:
        reference(args, checks)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
