#!/usr/bin/env bash
# Installs a built moec tree into a temporary prefix and builds an outside
# program (examples/c-api-consumer) against the installed tree twice — with
# find_package(moec) and with pkg-config — then checks that each build
# generates the same tokens as the installed moec-run on an artifact the
# installed moec compiled, and that the static builds need no Abseil; then
# builds examples/emit-kernel-consumer with the installed moec_emit_kernel()
# and runs a FileCheck test through the installed lit configuration, and
# builds examples/compiler-consumer, which embeds the installed compiler.
# MOEC_LIT names lit (default: lit on PATH).
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

# 3. Emitted kernels: moec_emit_kernel() of the installed moecConfig.cmake
# emits a GEMM and a MoE layer with the installed moec; two translation
# units include the GEMM's header, the image is defined once, and the GEMM
# runs under the installed emulator.
if [[ -e /usr/local/cuda/include/cuda.h ]]; then
  kernels=$work/emit-kernel
  cmake -S "$source/examples/emit-kernel-consumer" -B "$kernels" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    > "$work/emit-kernel.log" ||
    fail "configuring the emit-kernel consumer failed: $(tail "$work/emit-kernel.log")"
  cmake --build "$kernels" >> "$work/emit-kernel.log" 2>&1 ||
    fail "building the emit-kernel consumer failed: $(tail -20 "$work/emit-kernel.log")"
  grep -qx "MOEC_EXECUTABLE:FILEPATH=$prefix/bin/moec" "$kernels/CMakeCache.txt" ||
    fail "the emit-kernel consumer did not use the installed moec"
  LD_LIBRARY_PATH=$prefix/lib/emulator MOEC_EMULATOR_PATH=$kernels/kernels \
    "$kernels/emit_kernel_consumer" > "$work/emit-kernel.out" 2>&1 ||
    fail "the emit-kernel consumer failed: $(tail "$work/emit-kernel.out")"
  definitions=$(nm "$kernels/emit_kernel_consumer" | grep -c ' consumer_gemm_image$')
  [[ $definitions == 1 ]] ||
    fail "consumer_gemm_image is defined $definitions times"
  echo "emit-kernel consumer: OK (one image, run under the emulator)"
fi

# 4. The installed lit configuration runs an outside FileCheck test against
# the installed moec-opt.
lit_cfg=$prefix/share/moec/lit/moec-lit.cfg.py
grep -q "$prefix/bin/moec-opt" "$lit_cfg" ||
  fail "$lit_cfg does not name the installed moec-opt"
mkdir -p "$work/lit-tests"
cp "$lit_cfg" "$work/lit-tests/lit.cfg.py"
cat > "$work/lit-tests/fold.mlir" <<'MLIR'
// RUN: moec-opt %s --canonicalize | FileCheck %s
// CHECK-LABEL: func.func @fold
// CHECK-NEXT: %[[C:.*]] = arith.constant 3 : i32
// CHECK-NEXT: return %[[C]]
func.func @fold() -> i32 {
  %a = arith.constant 1 : i32
  %b = arith.constant 2 : i32
  %c = arith.addi %a, %b : i32
  return %c : i32
}
MLIR
"${MOEC_LIT:-lit}" -q "$work/lit-tests" ||
  fail "lit with the installed configuration failed"
echo "lit template: OK"

# 5. A program embedding the compiler: find_package(moec COMPONENTS
# compiler), the frontend and the pipelines on the golden checkpoint.
cmake -S "$source/examples/compiler-consumer" -B "$work/compiler" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  > "$work/compiler.log" 2>&1 ||
  fail "configuring the compiler consumer failed: $(tail "$work/compiler.log")"
cmake --build "$work/compiler" >> "$work/compiler.log" 2>&1 ||
  fail "building the compiler consumer failed: $(tail -20 "$work/compiler.log")"
stages=$("$work/compiler/moec-compiler-consumer" \
  "$source/test/data/goldens/scout_like")
grep -q '^graph: .*moe=' <<< "$stages" && grep -q '^tiled: .*tile=' <<< "$stages" ||
  fail "the compiler consumer printed: $stages"
echo "compiler consumer: $(tr '\n' ';' <<< "$stages")"

# libmoec.so exports the C API and nothing else.
others=$(nm -D --defined-only "$prefix/lib/libmoec.so" |
  awk '{print $3}' | grep -v '^moec_' || true)
[[ -z $others ]] || fail "libmoec.so exports more than moec_*: $others"
echo "install-consumer: OK"
