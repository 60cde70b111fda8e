#!/usr/bin/env python3
"""Renders every case of JinjaCasesTest.cpp with Python Jinja2, set up the way
Hugging Face transformers renders chat templates (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loop controls, tojson = json.dumps with
ensure_ascii=False, raise_exception, strftime_now), and checks that Jinja2 gives
the expected text written there. This keeps the C++ test's expectations honest.

Usage: crosscheck_jinja_cases.py path/to/JinjaCasesTest.cpp
"""
import json
import re
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

CASE_RE = re.compile(
    r'\{"(\w+)",\s*R"j\((.*?)\)j",\s*R"j\((.*?)\)j",\s*R"j\((.*?)\)j"\}', re.S)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker as far as rendering goes: the body of
    {% generation %} renders unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        call = nodes.CallBlock(self.call_method("_render"), [], [], body)
        return call.set_lineno(lineno)

    def _render(self, caller):
        return caller()


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    cases = CASE_RE.findall(source)
    if not cases:
        print("no cases found in", sys.argv[1])
        return 1
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols, GenerationTag])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    failures = 0
    for name, template, context, expected in cases:
        try:
            got = env.from_string(template).render(**json.loads(context))
        except Exception as error:  # report and go on with the other cases
            got = f"<{type(error).__name__}: {error}>"
        if got != expected:
            failures += 1
            print(f"MISMATCH {name}:\n  jinja2:   {got!r}\n  expected: {expected!r}")
    print(f"jinja2 {jinja2.__version__}: {len(cases) - failures} of {len(cases)} "
          "cases agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
