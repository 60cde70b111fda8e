#!/usr/bin/env python3
# Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Checks moec-tokenize against the Llama 4 tokenizer test kit.

usage: check_moec_tokenize.py MOEC_TOKENIZE DATA_DIR

Runs `moec-tokenize DATA_DIR --jsonl` over every line of DATA_DIR/vectors.jsonl
and compares each answer's ids, ids_with_bos, ids_specials_as_text, decoded and
decoded_skip_special with the kit's (Hugging Face's) values, does the same for
the conversations of chat.jsonl (rendered, ids); then checks the
plain mode on one text, error lines for bad input, and the usage errors.
Exits non-zero on any difference.
"""

import json
import os
import subprocess
import sys

FIELDS = ["ids", "ids_with_bos", "ids_specials_as_text", "decoded",
          "decoded_skip_special"]


def json_lines(text):
    """Parses JSON lines; only '\n' ends a line (str.splitlines would also
    split at U+2028 and U+0085, which JSON strings may hold as they are)."""
    return [json.loads(line) for line in text.split("\n") if line]


def run(tool, args, stdin):
    return subprocess.run([tool] + args, input=stdin.encode("utf-8"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)


def check_vectors(tool, data_dir):
    """Returns the list of problems with the --jsonl answers."""
    with open(os.path.join(data_dir, "vectors.jsonl"), encoding="utf-8") as f:
        text = f.read()
    vectors = json_lines(text)
    result = run(tool, [data_dir, "--jsonl"], text)
    problems = []
    if result.returncode != 0:
        problems.append("exit status %d: %s" %
                        (result.returncode, result.stderr.decode()))
    answers = json_lines(result.stdout.decode("utf-8"))
    if len(answers) != len(vectors):
        problems.append("%d answers for %d vectors" %
                        (len(answers), len(vectors)))
    for vector, answer in zip(vectors, answers):
        if answer.get("id") != vector["id"]:
            problems.append("answer id %r for vector %r" %
                            (answer.get("id"), vector["id"]))
        for field in FIELDS:
            if answer.get(field) != vector[field]:
                problems.append("%s: %s differs" % (vector["id"], field))
    print("%d vectors compared, %d problems" % (len(vectors), len(problems)))
    return problems


def check_chat(tool, data_dir):
    """Renders every conversation of chat.jsonl (the kit's rendering and ids
    come from Hugging Face's Jinja and tokenizers) and bad chat lines."""
    with open(os.path.join(data_dir, "chat.jsonl"), encoding="utf-8") as f:
        text = f.read()
    cases = json_lines(text)
    result = run(tool, [data_dir, "--jsonl"], text)
    problems = []
    if result.returncode != 0:
        problems.append("chat: exit status %d: %s" %
                        (result.returncode, result.stderr.decode()))
    answers = json_lines(result.stdout.decode("utf-8"))
    if len(answers) != len(cases):
        problems.append("chat: %d answers for %d cases" %
                        (len(answers), len(cases)))
    for case, answer in zip(cases, answers):
        for field in ["rendered", "ids"]:
            if answer.get(field) != case[field]:
                problems.append("%s: %s differs" % (case["id"], field))
    bad = ('{"messages": 3}\n'
           '{"messages": [], "add_generation_prompt": "yes"}\n'
           '{"messages": [{"role": "user", "content": "hi"}], '
           '"template_kwargs": [1]}\n')
    result = run(tool, [data_dir, "--jsonl"], bad)
    lines = json_lines(result.stdout.decode())
    for line, phrase in zip(lines, ['"messages" must be an array',
                                    '"add_generation_prompt" must be true or '
                                    'false',
                                    '"template_kwargs" must be an object']):
        if phrase not in line.get("error", ""):
            problems.append("bad chat line: %r lacks %r" % (line, phrase))
    if result.returncode != 1 or len(lines) != 3:
        problems.append("bad chat lines: exit %d, %d lines" %
                        (result.returncode, len(lines)))
    print("%d conversations compared, %d problems" % (len(cases),
                                                      len(problems)))
    return problems


def check_plain(tool, data_dir):
    problems = []
    text = "Hello <|eot|> world"
    expected = {
        (): [13225, 220, 200008, 2375],
        ("--add-special-tokens",): [200000, 13225, 220, 200008, 2375],
    }
    for args, ids in expected.items():
        result = run(tool, [data_dir] + list(args), text)
        got = result.stdout.decode().strip()
        if result.returncode != 0 or got != ",".join(map(str, ids)):
            problems.append("plain mode %s: %r" % (list(args), got))
    result = run(tool, [data_dir, "--specials-as-text"], "<|eot|>")
    if result.stdout.decode().strip() == "200008":
        problems.append("--specials-as-text still parsed <|eot|>")
    return problems


def check_errors(tool, data_dir):
    problems = []
    bad = '{"text": 5}\nnot json\n[1]\n{"id": "k"}\n{"text": "ok"}\n'
    result = run(tool, [data_dir, "--jsonl"], bad)
    lines = json_lines(result.stdout.decode())
    expected = ['line 1: "text" must be a string, found an integer',
                "line 2: invalid JSON at byte 0",
                "line 3: expected a JSON object, found an array",
                'line 4: missing "text"']
    if result.returncode != 1 or len(lines) != 5:
        problems.append("bad input: exit %d, %d lines" %
                        (result.returncode, len(lines)))
    else:
        for line, phrase in zip(lines, expected):
            if phrase not in line.get("error", ""):
                problems.append("bad input: %r lacks %r" % (line, phrase))
        if "ids" not in lines[4]:
            problems.append("a good line after bad ones was not answered")
    for args, phrase in [(["--bogus", data_dir], "unknown option '--bogus'"),
                         ([], "missing TOKENIZER argument")]:
        result = run(tool, args, "")
        if result.returncode != 2 or phrase not in result.stderr.decode():
            problems.append("usage %s: exit %d, %r" %
                            (args, result.returncode, result.stderr.decode()))
    result = run(tool, ["/nonexistent-dir"], "")
    if result.returncode != 1 or "cannot" not in result.stderr.decode():
        problems.append("missing tokenizer: exit %d" % result.returncode)
    return problems


def main():
    tool, data_dir = sys.argv[1], sys.argv[2]
    problems = (check_vectors(tool, data_dir) + check_chat(tool, data_dir) +
                check_plain(tool, data_dir) + check_errors(tool, data_dir))
    for problem in problems[:50]:
        print("FAIL:", problem)
    if problems:
        sys.exit(1)
    print("moec-tokenize matches the kit")


if __name__ == "__main__":
    main()
