#!/usr/bin/env python3
"""Fills the @NAME@ variables of a configure_file-style template.

usage: instantiate-lit-cfg.py TEMPLATE OUTPUT NAME=VALUE...
Every @NAME@ of TEMPLATE must be given and every NAME must occur, as
CMake's configure_file(@ONLY) would need.
"""

import re
import sys


def main(argv):
    template, output, *pairs = argv[1:]
    values = dict(pair.split("=", 1) for pair in pairs)
    text = open(template, encoding="utf-8").read()
    wanted = set(re.findall(r"@([A-Z_]+)@", text))
    if wanted != set(values):
        sys.exit(f"instantiate-lit-cfg.py: template needs {sorted(wanted)}, "
                 f"got {sorted(values)}")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    open(output, "w", encoding="utf-8").write(text)


if __name__ == "__main__":
    main(sys.argv)
