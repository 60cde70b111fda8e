#!/usr/bin/env python3
# Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Differential test of moec-tokenize against Hugging Face's tokenizers.

usage: compare_hf.py MOEC_TOKENIZE TOKENIZER_DIR [--random N] [--seed S]
                     [--every-code-point] [--input FILE.jsonl]

Writes test texts, has both tokenizers answer them (hf_encode.js, needing
NODE_PATH with `tokenizers`; run.sh shows how to install it) and compares
the five fields of every answer. Texts: N random strings mixing special-token
text, contractions, whitespace runs, many scripts and random code points;
with --every-code-point, every scalar value above U+007F in contexts that
show its regex classes (48 per line); with --input, the lines of a file.
Exits 1 on any difference and prints the first ones.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

FIELDS = ["ids", "ids_with_bos", "ids_specials_as_text", "decoded",
          "decoded_skip_special"]
SPECIALS = ["<|eot|>", "<|begin_of_text|>", "<|header_start|>", "<|eot|",
            "<|eot|>>", "<<|eot|>", "<|image|>", "<|patch|>",
            "<|reserved_special_token_5|>", "<|fake|>"]
WORDS = ["hello", "world", "I'm", "don't", "THEY'RE", "we've", "it'll",
         "'s", "'S", "'\u017f", "  ", "\n\n", "\r\n", "    x", "1234567",
         "3.14159", "http://example.com/a/b", "def f(x):\n\treturn x"]
POOLS = [" \t\n\r\u00a0\u2028\u2029\u0085\u180e\u200b\ufeff\u3000\u2003"
         "\u000b\u000c", "abcxyzABCXYZ", "0189\u0660\u0967\u216b\u2460\u00b2",
         "'\u2019\"!?.,;:-_/\\()[]{}<>|@#$%^&*+=~`",
         "\u00e9\u00df\u0131\u0130\u01c5\u01c8", "\u65e5\u672c\uac00\u3072",
         "\u041f\u0440\u03b5\u05e2\u0627\u0939\u0e44",
         "\U0001f600\U0001f44d\U0001f3fd\u200d\U0001f1fa\U0001f1f8",
         "\u0301\u0308\u200c\ufe0f", "\ue000\U000f0000\u0000\u007f\ufffd"]


def random_code_point(rng):
    while True:
        r = rng.random()
        if r < 0.3:
            cp = rng.randint(0x20, 0x7E)
        elif r < 0.7:
            cp = rng.randint(0x80, 0x2FFF)
        elif r < 0.9:
            cp = rng.randint(0x3000, 0xFFFF)
        else:
            cp = rng.randint(0x10000, 0x3FFFF)
        if not 0xD800 <= cp < 0xE000:
            return chr(cp)


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        r = rng.random()
        if r < 0.15:
            parts.append(rng.choice(SPECIALS))
        elif r < 0.4:
            parts.append(rng.choice(WORDS))
        elif r < 0.7:
            pool = rng.choice(POOLS)
            parts.append("".join(rng.choice(pool)
                                 for _ in range(rng.randint(1, 8))))
        else:
            parts.append("".join(random_code_point(rng)
                                 for _ in range(rng.randint(1, 8))))
    return "".join(parts)


def every_code_point():
    line = []
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        line.append(" " + c + "a" + c + "1" + c + "A'S" + c + "\n")
        if len(line) == 48 or cp == 0x10FFFF:
            yield "U+%04X" % cp, "".join(line)
            line = []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("moec_tokenize")
    parser.add_argument("tokenizer_dir")
    parser.add_argument("--random", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--every-code-point", action="store_true")
    parser.add_argument("--input")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts = [("random-%d" % i, random_text(rng)) for i in range(args.random)]
    if args.every_code_point:
        texts += list(every_code_point())
    if args.input:
        with open(args.input, encoding="utf-8") as f:
            for n, line in enumerate(f.read().split("\n")):
                if line:
                    texts.append((("input-%d" % n), json.loads(line)["text"]))
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as work:
        inputs = os.path.join(work, "in.jsonl")
        with open(inputs, "w", encoding="utf-8") as f:
            for name, text in texts:
                f.write(json.dumps({"id": name, "text": text},
                                   ensure_ascii=False) + "\n")
        hf_out = os.path.join(work, "hf.jsonl")
        subprocess.run(["node", os.path.join(here, "hf_encode.js"),
                        os.path.join(args.tokenizer_dir, "tokenizer.json"),
                        inputs, hf_out], check=True)
        with open(inputs, "rb") as f:
            moec = subprocess.run([args.moec_tokenize, args.tokenizer_dir,
                                   "--jsonl"], stdin=f, stdout=subprocess.PIPE,
                                  check=True).stdout.decode("utf-8")
        with open(hf_out, encoding="utf-8") as f:
            hf = [json.loads(l) for l in f.read().split("\n") if l]
    moec = [json.loads(l) for l in moec.split("\n") if l]
    problems = 0
    for (name, text), a, b in zip(texts, hf, moec):
        for field in FIELDS:
            if a[field] != b[field]:
                problems += 1
                if problems <= 10:
                    print("DIFF %s %s %r\n  hf   %s\n  moec %s" %
                          (name, field, text, a[field], b[field]))
    print("%d texts, %d answers from HF, %d from moec, %d differences" %
          (len(texts), len(hf), len(moec), problems))
    sys.exit(1 if problems or len(hf) != len(moec) else 0)


if __name__ == "__main__":
    main()
