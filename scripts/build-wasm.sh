#!/usr/bin/env bash
# Rebuilds wasm/kernels.wasm from wasm/kernels.c (needs clang + lld with the
# wasm32 target: `apt-get install clang lld`). The built file is committed, so
# only people changing the kernels need this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/wasm/kernels.wasm}"
clang --target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding \
  -fno-builtin-memcpy -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base \
  -Wl,--initial-memory=16777216 -Wl,--max-memory=4294967296 -Wl,-z,stack-size=1048576 \
  -o "$out" "$root/wasm/kernels.c"
# The compiler that made the committed file: the rebuild test compares bytes only with the same one.
if [ -z "${1:-}" ]; then clang --version | head -1 > "$root/wasm/kernels.clang-version"; fi
