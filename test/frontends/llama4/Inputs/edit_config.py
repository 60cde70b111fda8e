"""Writes a copy of a config.json with some fields replaced.

Usage: edit_config.py SRC DST KEY=JSON... where KEY may be dotted
(rope_parameters.rope_theta) and JSON is the new value's JSON text, written
verbatim so that values Python's json module would refuse (1e400) reach the
reader unchanged.
"""

import json
import sys


def main():
    src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(src) as f:
        config = json.load(f)
    raw = {}
    for i, edit in enumerate(edits):
        key, value = edit.split("=", 1)
        *parents, leaf = key.split(".")
        target = config
        for parent in parents:
            target = target[parent]
        marker = "@@RAW%d@@" % i
        target[leaf] = marker
        raw['"%s"' % marker] = value
    text = json.dumps(config, indent=2)
    for marker, value in raw.items():
        text = text.replace(marker, value)
    with open(dst, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
