"""Exits 1 naming the first argument that does not start with the PNG
signature."""
import sys

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            sys.exit(f"{path}: lacks the PNG signature")
