#!/usr/bin/env bash
# Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Encoding throughput, one thread: moec's tokenizer (MoecTokenizerBench)
# against Hugging Face's tokenizers (its official Node binding, the Rust
# library, pinned to the version that made the test kit) on the same corpora
# and the same tokenizer.json. Prints MB/s of each and the ratio.
#
# usage: bench/tokenizer/run.sh [BUILD_DIR] [MIN_SECONDS]
# (compare_hf.py checks that both give the same ids on ~30,000 texts.)
#   BUILD_DIR    where MoecTokenizerBench was built (default: build)
#   MIN_SECONDS  minimum timed seconds per run (default: 5)
# Environment: HF_TOKENIZERS_DIR, where `npm install tokenizers@0.23.2` is
# (or will be) done (default: /tmp/hf-tok); MEGABYTES, corpus size (10).
#
# Corpora from test/data/tokenizer/vectors.jsonl (make_corpus.py): "kit"
# has every vector, so 92% of its bytes are the ten 10,000-character worst
# cases (10,000 spaces, one letter repeated, a run of 日本語, ...); "text"
# leaves those out (prose, code, 35 scripts, emoji, numbers, whitespace);
# both in 64 KB documents. "text-4k" is "text" in 4 KB documents (HF's
# speed depends on the document size, moec's hardly).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$repo/build}"
min_seconds="${2:-5}"
hf_dir="${HF_TOKENIZERS_DIR:-/tmp/hf-tok}"
megabytes="${MEGABYTES:-10}"
data="$repo/test/data/tokenizer"
bench="$build/bin/MoecTokenizerBench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ ! -x "$bench" ]]; then
  echo "run.sh: $bench is missing; build it: ninja -C $build MoecTokenizerBench" >&2
  exit 1
fi
if [[ ! -d "$hf_dir/node_modules/tokenizers" ]]; then
  echo "run.sh: installing Hugging Face tokenizers 0.23.2 (npm) into $hf_dir" >&2
  mkdir -p "$hf_dir"
  (cd "$hf_dir" && npm install --no-audit --no-fund tokenizers@0.23.2 >&2)
fi

# One thread for Hugging Face too: encode() runs on libuv's pool, and the
# Rust library would otherwise use Rayon for batches.
export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false UV_THREADPOOL_SIZE=1
export NODE_PATH="$hf_dir/node_modules"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "# tokenizer: $data/tokenizer.json; moec commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
for corpus in kit text text-4k; do
  args=()
  [[ "$corpus" == text* ]] && args=(--without long)
  document_bytes=65536
  [[ "$corpus" == *-4k ]] && document_bytes=4096
  DOCUMENT_BYTES=$document_bytes python3 "$repo/bench/tokenizer/make_corpus.py" \
    "$data/vectors.jsonl" "$work/$corpus.jsonl" "$megabytes" "${args[@]}" \
    >/dev/null
  moec="$("$bench" "$data" "$work/$corpus.jsonl" "$min_seconds")"
  hf="$(node "$repo/bench/tokenizer/hf_bench.js" "$data/tokenizer.json" \
    "$work/$corpus.jsonl" "$min_seconds")"
  echo "## corpus '$corpus'"
  echo "$moec"
  echo "$hf"
  python3 - "$moec" "$hf" <<'PY'
import re, sys
moec, hf = sys.argv[1], sys.argv[2]
rate = lambda line: float(re.search(r"([0-9.]+) MB/s", line).group(1))
tokens = lambda line: re.search(r"([0-9]+) tokens per pass", line).group(1)
if tokens(moec) != tokens(hf):
    print("WARNING: the token counts differ (%s vs %s)" % (tokens(moec), tokens(hf)))
print("ratio moec/hf: %.1fx" % (rate(moec) / rate(hf)))
PY
done
