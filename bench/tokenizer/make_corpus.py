#!/usr/bin/env python3
# Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the tokenizer benchmark's corpus.

usage: make_corpus.py VECTORS.jsonl OUT.jsonl [MEGABYTES] [--without CATEGORY]

Joins the "text" of every test vector (prose, code, 35 scripts, emoji,
whitespace runs, special-token text, ...) in file order into documents of
about 64 KB ($DOCUMENT_BYTES if set) separated by blank lines, and repeats
that until the corpus holds MEGABYTES (default 10) of UTF-8. Each output
line is one document as a JSON string, for MoecTokenizerBench and
hf_bench.js alike.

By bytes, 92% of the vectors are the "long" category: ten 10,000-character
strings (one letter repeated, 10,000 spaces, a run of 日本語, ...), most of
them a single BPE piece, the worst case for BPE. --without long leaves them
out, for a corpus of ordinary text.
"""

import json
import os
import sys

DOCUMENT_BYTES = int(os.environ.get("DOCUMENT_BYTES", 64 * 1024))


def main():
    args = sys.argv[1:]
    without = set()
    while "--without" in args:
        at = args.index("--without")
        without.add(args[at + 1])
        del args[at:at + 2]
    vectors, out = args[0], args[1]
    target = float(args[2] if len(args) > 2 else 10) * 1e6
    with open(vectors, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f.read().split("\n") if line]
    texts = [v["text"] for v in lines if v["category"] not in without]
    documents, current, size, total = [], [], 0, 0
    while total < target:
        for text in texts:
            current.append(text)
            size += len(text.encode("utf-8")) + 2
            if size >= DOCUMENT_BYTES:
                documents.append("\n\n".join(current))
                total += size
                current, size = [], 0
    with open(out, "w", encoding="utf-8") as f:
        for document in documents:
            f.write(json.dumps(document, ensure_ascii=False) + "\n")
    print("corpus: %d documents, %.1f MB" % (len(documents), total / 1e6))


if __name__ == "__main__":
    main()
