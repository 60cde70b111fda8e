#!/usr/bin/python3
"""Flips single bits of a compiled artifact and of its packed weights and
runs moec-run on each damaged copy: every run must be refused with a clear
error (exit status 1..127, an "error:" line, no signal, no hang) or print
exactly the original tokens.

  bit_flips.py --moec-run EXE --artifact DIR/model.moec --workdir W
               [--artifact-flips 300] [--weights-flips 100] [--seed 1]
               [--timeout 20] [--jobs 2]

One bit at a time, on a copy; the other file is a symbolic link to the
original. Prints one line per failure and a summary.
"""
import argparse
import concurrent.futures
import os
import random
import subprocess
import sys

RUN_ARGS = ["--prompt-ids", "1,2,3", "--max-new-tokens", "4"]


def run(exe, artifact, timeout):
    try:
        p = subprocess.run([exe, artifact] + RUN_ARGS, capture_output=True,
                           text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout, p.stderr


def generated(stdout):
    return [l for l in stdout.splitlines() if l.startswith("generated:")]


def make_copy(args, index, target, offset, bit):
    """Writes the damaged pair into its own directory; returns the artifact."""
    src_dir = os.path.dirname(os.path.abspath(args.artifact))
    names = {"artifact": os.path.basename(args.artifact),
             "weights": os.path.basename(args.artifact)[:-len(".moec")] +
             ".weights.safetensors"}
    dst_dir = os.path.join(args.workdir, "flip%d" % index)
    os.makedirs(dst_dir, exist_ok=True)
    for kind, name in names.items():
        src, dst = os.path.join(src_dir, name), os.path.join(dst_dir, name)
        if os.path.lexists(dst):
            os.remove(dst)
        if kind != target:
            os.symlink(src, dst)
            continue
        data = bytearray(open(src, "rb").read())
        data[offset] ^= 1 << bit
        open(dst, "wb").write(data)
    return os.path.join(dst_dir, names["artifact"])


def check(args, expected, index, target, offset, bit):
    artifact = make_copy(args, index, target, offset, bit)
    code, stdout, stderr = run(args.moec_run, artifact, args.timeout)
    what = "%s byte %d bit %d" % (target, offset, bit)
    if code is None:
        return "FAIL %s: no answer within %ss (hang)" % (what, args.timeout)
    if code == 0:
        if generated(stdout) == expected:
            return "same"
        return "FAIL %s: exit 0 with other tokens %s" % (what, generated(stdout))
    if code < 0 or code >= 128:
        return "FAIL %s: killed by a signal (exit %d): %s" % (
            what, code, stderr.strip()[-300:])
    if "error:" not in stderr:
        return "FAIL %s: exit %d without an error line: %s" % (
            what, code, stderr.strip()[-300:])
    return "refused"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moec-run", required=True)
    parser.add_argument("--artifact", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--artifact-flips", type=int, default=300)
    parser.add_argument("--weights-flips", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    code, stdout, stderr = run(args.moec_run, args.artifact, args.timeout)
    expected = generated(stdout)
    if code != 0 or len(expected) != 1:
        sys.exit("the undamaged artifact does not run: %s" % stderr)
    print("original: " + expected[0])
    weights = args.artifact[:-len(".moec")] + ".weights.safetensors"
    sizes = {"artifact": os.path.getsize(args.artifact),
             "weights": os.path.getsize(weights)}
    rng = random.Random(args.seed)
    cases = [(t, rng.randrange(sizes[t]), rng.randrange(8))
             for t, n in (("artifact", args.artifact_flips),
                          ("weights", args.weights_flips)) for _ in range(n)]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(
            lambda ic: check(args, expected, ic[0], *ic[1]), enumerate(cases)))
    failures = [r for r in results if r.startswith("FAIL")]
    for f in failures:
        print(f)
    print("bit flips: %d runs, %d refused, %d same tokens, %d failures" % (
        len(results), results.count("refused"), results.count("same"),
        len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
