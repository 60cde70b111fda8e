#!/usr/bin/env bash
# Installs moec's build and test dependencies from Debian packages.
# Idempotent: packages already present are left alone, apt runs only when
# something is missing. The CUDA toolkit is optional and never installed here.
# clang and its compiler-rt are only for the bounded libFuzzer run of the
# runtime's file readers in scripts/test.sh.
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libabsl-dev libflatbuffers-dev flatbuffers-compiler
  libgtest-dev python3-numpy libpcre2-dev libcpp-httplib-dev curl
  python3-matplotlib
  clang libclang-rt-14-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
