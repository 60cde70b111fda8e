#!/usr/bin/env bash
# Installs a built moec tree into a temporary prefix and builds an outside
# program (examples/c-api-consumer) against the installed tree twice — with
# find_package(moec) and with pkg-config — then checks that each build
# generates the same tokens as the installed moec-run on an artifact the
# installed moec compiled, and that the static builds need no Abseil.
#   install-consumer.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
prefix=$work/prefix
rm -rf "$work" && mkdir -p "$work"

fail() { echo "install-consumer: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for file in bin/moec bin/moec-run include/moec/moec.h include/moec/version.h \
            lib/libmoec.a lib/libmoec.so lib/cmake/moec/moecConfig.cmake \
            lib/pkgconfig/moec.pc lib/emulator/libcuda.so.1; do
  [[ -e $prefix/$file ]] || fail "the install lacks $file"
done

# The installed compiler and runner, on a tiny golden checkpoint.
"$prefix/bin/moec" compile "$source/test/data/goldens/scout_like" \
  --target=cpu --precision=f32 --max-seq-len=64 -o "$work/scout.moec"
prompt=(1 17 42 5)
expected=$("$prefix/bin/moec-run" "$work/scout.moec" \
  --prompt-ids "$(IFS=,; echo "${prompt[*]}")" --max-new-tokens 6 |
  grep '^generated: ')
[[ $expected =~ ^generated:\ [0-9]+(,[0-9]+){5}$ ]] ||
  fail "moec-run printed '$expected'"

check_consumer() { # NAME BINARY
  local got
  got=$("$2" "$work/scout.moec" 6 "${prompt[@]}" 2> "$work/$1.err") ||
    fail "$1 failed: $(cat "$work/$1.err")"
  [[ $got == "$expected" ]] || fail "$1 printed '$got', moec-run '$expected'"
  grep -q "artifact by moec [0-9.]* for x86_64" "$work/$1.err" ||
    grep -q "artifact by moec [0-9.]* for aarch64" "$work/$1.err" ||
    fail "$1's metadata line: $(cat "$work/$1.err")"
  echo "$1: $got"
}
no_abseil() { # BINARY
  if ldd "$1" | grep -q absl; then
    fail "$1 depends on Abseil: $(ldd "$1" | grep absl | head -3)"
  fi
}

# 1. find_package(moec).
cmake -S "$source/examples/c-api-consumer" -B "$work/cmake" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/cmake.log"
cmake --build "$work/cmake" > "$work/cmake-build.log" ||
  fail "building with find_package failed: $(tail -20 "$work/cmake-build.log")"
check_consumer find_package "$work/cmake/moec-consumer"
no_abseil "$work/cmake/moec-consumer"
check_consumer find_package-shared "$work/cmake/moec-consumer-shared"

# 2. pkg-config, as a Makefile would.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[[ $(pkg-config --modversion moec) == "$("$prefix/bin/moec-run" --version |
  awk '{print $2}')" ]] || fail "moec.pc's version is not moec-run's"
cc -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags moec) \
  "$source/examples/c-api-consumer/main.c" -o "$work/pkg-consumer" \
  $(pkg-config --libs moec)
check_consumer pkg-config "$work/pkg-consumer"
no_abseil "$work/pkg-consumer"
cc -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags moec-shared) \
  "$source/examples/c-api-consumer/main.c" -o "$work/pkg-consumer-shared" \
  $(pkg-config --libs moec-shared) -Wl,-rpath,"$prefix/lib"
check_consumer pkg-config-shared "$work/pkg-consumer-shared"

# libmoec.so exports the C API and nothing else.
others=$(nm -D --defined-only "$prefix/lib/libmoec.so" |
  awk '{print $3}' | grep -v '^moec_' || true)
[[ -z $others ]] || fail "libmoec.so exports more than moec_*: $others"
echo "install-consumer: OK"
