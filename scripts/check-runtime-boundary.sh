#!/usr/bin/env bash
# The runtime must build without LLVM/MLIR: no file of it (or of its tools
# and tests) may include an mlir/ or llvm/ header.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](mlir|llvm|llvm-c)/' \
    runtime tools/moec-run tools/moec-bench tools/moec-tokenize tools/moec-serve \
    test/runtime bench/tokenizer 2>/dev/null); then
  echo "runtime boundary violated: MLIR/LLVM headers included from runtime code:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "runtime boundary ok: no mlir/ or llvm/ includes under runtime/, the runtime-only tools, test/runtime/"
