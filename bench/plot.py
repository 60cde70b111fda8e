#!/usr/bin/env python3
"""Charts of benchmark results: moec-bench --json documents -> PNG files.

usage: plot.py RESULTS.json... -o OUTDIR [--charts roofline,ratio,throughput]

Every input is one document of the schema "moec-bench/1" (docs/tools.md,
"moec-bench --json"); bench/data/ holds the results bench/RESULTS.md
records in it. For each input FILE.json, plot.py writes to OUTDIR:

  FILE-roofline.png    achieved TFLOP/s over arithmetic intensity (FLOP per
                       byte) under the roofs min(peak, copy bandwidth x
                       intensity) measured in the same run ("ceilings");
                       needs flops, bytes and ms per result
  FILE-ratio.png       moec's speed over the baseline's per result, by
                       phase: baseline_ms / ms, or rate / baseline_rate
  FILE-throughput.png  the measured rate of each result (rate, rate_unit)

Without --charts every chart the document has data for is drawn (at least
one must be); a chart named in --charts must have its data. Exit status: 0
on success, 1 for bad input (with the file, result and field named), 2 on
usage errors.
"""

import argparse
import json
import math
import os
import sys

SCHEMA = "moec-bench/1"
CHARTS = ("roofline", "ratio", "throughput")
PHASE_COLORS = {"prefill": "tab:blue", "decode": "tab:orange"}


class InputError(Exception):
    """Bad input: the message names the file and the field."""


def number(result, field, where):
    """result[field] as a positive finite number, or an InputError."""
    if field not in result:
        raise InputError(f"{where}: missing field '{field}'")
    value = result[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise InputError(f"{where}: field '{field}' must be a positive "
                         f"number, got {json.dumps(value)}")
    return float(value)


def has(result, *fields):
    """Whether every field is present and not null."""
    return all(result.get(f) is not None for f in fields)


def load(path):
    """The checked document of `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON: {e}")
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object")
    if doc.get("schema") != SCHEMA:
        raise InputError(f"{path}: field 'schema' must be \"{SCHEMA}\", got "
                         f"{json.dumps(doc.get('schema'))}")
    for field, kind in (("command", str), ("results", list)):
        if not isinstance(doc.get(field), kind):
            raise InputError(f"{path}: missing field '{field}' "
                             f"({kind.__name__})")
    for i, result in enumerate(doc["results"]):
        if not isinstance(result, dict) or \
                not isinstance(result.get("label"), str):
            raise InputError(f"{path}: results[{i}]: missing field 'label'")
    return doc


def roofline_rows(doc, path):
    rows = [r for r in doc["results"] if has(r, "flops", "bytes", "ms")]
    if not rows:
        return None
    ceilings = doc.get("ceilings") or {}
    copy = number(ceilings, "copy_gbps", f"{path}: ceilings")
    peaks = ceilings.get("peak_tflops") or {}
    if not peaks:
        raise InputError(f"{path}: ceilings: missing field 'peak_tflops' "
                         "(the compute roof)")
    peaks = {k: number(peaks, k, f"{path}: ceilings.peak_tflops")
             for k in peaks}
    points = []
    for r in rows:
        where = f"{path}: results[{doc['results'].index(r)}]"
        flops, nbytes = number(r, "flops", where), number(r, "bytes", where)
        seconds = number(r, "ms", where) * 1e-3
        points.append((r["label"], flops / nbytes, flops / seconds / 1e12))
    return copy, peaks, points


def ratio_rows(doc, path):
    rows = []
    for i, r in enumerate(doc["results"]):
        where = f"{path}: results[{i}]"
        if has(r, "baseline_ms"):
            value = number(r, "baseline_ms", where) / number(r, "ms", where)
        elif has(r, "baseline_rate"):
            value = number(r, "rate", where) / \
                number(r, "baseline_rate", where)
        else:
            continue
        if not isinstance(r.get("baseline"), str):
            raise InputError(f"{where}: missing field 'baseline' (the name "
                             "of what moec is compared with)")
        rows.append((r["label"], r.get("phase"), r["baseline"], value))
    return rows or None


def throughput_rows(doc, path):
    rows = []
    for i, r in enumerate(doc["results"]):
        if not has(r, "rate"):
            continue
        where = f"{path}: results[{i}]"
        if not isinstance(r.get("rate_unit"), str):
            raise InputError(f"{where}: missing field 'rate_unit'")
        rows.append((r["label"], r.get("phase"), r["rate_unit"],
                     number(r, "rate", where)))
    return rows or None


def figure(plt, count):
    """A figure tall enough for `count` horizontal bars."""
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.32 * count))
    return fig, ax


def phase_legend(ax, phases):
    from matplotlib.patches import Patch
    handles = [Patch(color=PHASE_COLORS.get(p, "tab:gray"), label=p or "-")
               for p in sorted(phases, key=str)]
    if handles:
        ax.legend(handles=handles, title="phase", loc="lower right")


def draw_roofline(plt, data, title):
    copy, peaks, points = data
    fig, ax = plt.subplots(figsize=(9, 6))
    xs = [p[1] for p in points]
    lo, hi = min(xs) / 4, max(xs) * 4
    grid = [lo * (hi / lo) ** (i / 200) for i in range(201)]
    for name, peak in sorted(peaks.items()):
        ax.plot(grid, [min(peak, copy * x / 1e3) for x in grid],
                label=f"roof: {name} {peak:g} TFLOP/s, {copy:g} GB/s")
    for label, x, y in points:
        ax.plot([x], [y], "o", color="black")
        ax.annotate(label, (x, y), fontsize=7, xytext=(4, 4),
                    textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("achieved TFLOP/s")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def draw_ratio(plt, rows, title):
    fig, ax = figure(plt, len(rows))
    labels = [r[0] for r in rows]
    ax.barh(range(len(rows)), [r[3] for r in rows],
            color=[PHASE_COLORS.get(r[1], "tab:gray") for r in rows])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    baselines = ", ".join(sorted({r[2] for r in rows}))
    ax.set_xlabel(f"moec speed / {baselines} speed (> 1: moec faster)")
    ax.set_title(title)
    phase_legend(ax, {r[1] for r in rows})
    return fig


def draw_throughput(plt, rows, title):
    fig, ax = figure(plt, len(rows))
    ax.barh(range(len(rows)), [r[3] for r in rows],
            color=[PHASE_COLORS.get(r[1], "tab:gray") for r in rows])
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(" / ".join(sorted({r[2] for r in rows})))
    ax.set_title(title)
    phase_legend(ax, {r[1] for r in rows})
    return fig


EXTRACT = {"roofline": roofline_rows, "ratio": ratio_rows,
           "throughput": throughput_rows}
DRAW = {"roofline": draw_roofline, "ratio": draw_ratio,
        "throughput": draw_throughput}


def plot_file(plt, path, outdir, charts):
    """Writes the charts of one document; returns the files written."""
    doc = load(path)
    data = {c: EXTRACT[c](doc, path) for c in charts}
    missing = [c for c in charts if data[c] is None]
    if charts != CHARTS and missing:
        raise InputError(f"{path}: no data for the {missing[0]} chart "
                         "(see plot.py --help for the fields it needs)")
    drawn = [c for c in charts if data[c] is not None]
    if not drawn:
        raise InputError(f"{path}: no result has the fields of any chart "
                         "(flops+bytes+ms, baseline_ms or baseline_rate, "
                         "rate)")
    stem = os.path.splitext(os.path.basename(path))[0]
    title = doc.get("title") or f"{stem}: moec-bench {doc['command']}"
    written = []
    for chart in drawn:
        fig = DRAW[chart](plt, data[chart], f"{title} ({chart})")
        fig.tight_layout()
        out = os.path.join(outdir, f"{stem}-{chart}.png")
        # No timestamps in the PNG: the same data gives the same file.
        fig.savefig(out, dpi=110, metadata={"Software": None})
        plt.close(fig)
        written.append(out)
    return written


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="moec-bench --json documents -> PNG charts",
        epilog="Fields and charts: docs/tools.md and this file's docstring.")
    parser.add_argument("inputs", nargs="+", metavar="RESULTS.json")
    parser.add_argument("-o", "--outdir", required=True,
                        help="directory for the PNG files (created)")
    parser.add_argument("--charts", default=",".join(CHARTS),
                        help="comma-separated subset of "
                        f"{','.join(CHARTS)} (default: every chart the "
                        "data has)")
    args = parser.parse_args(argv)
    charts = tuple(c for c in CHARTS if c in args.charts.split(","))
    unknown = set(args.charts.split(",")) - set(CHARTS)
    if unknown:
        parser.error(f"--charts: unknown chart '{sorted(unknown)[0]}' "
                     f"(expected {', '.join(CHARTS)})")
    return args, charts


def main(argv):
    args, charts = parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    try:
        os.makedirs(args.outdir, exist_ok=True)
        for path in args.inputs:
            for out in plot_file(plt, path, args.outdir, charts):
                print(out)
    except InputError as e:
        print(f"plot.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
