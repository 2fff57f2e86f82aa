#!/usr/bin/env bash
# Builds the WASI test modules into $1 with clang-14 for wasm32-wasi (Debian: clang-14 lld-14 wasi-libc
# libclang-rt-14-dev-wasm32). Without the toolchain it writes MISSING-TOOLCHAIN instead, so the tests that need the
# modules fail with that explanation.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
mkdir -p "$out"
rm -f "$out/MISSING-TOOLCHAIN"
if ! command -v clang-14 >/dev/null || [ ! -f /usr/lib/wasm32-wasi/crt1-reactor.o ] || [ ! -x /usr/bin/wasm-ld-14 ]; then
  echo "the WASI test modules need clang-14, lld-14, wasi-libc and libclang-rt-14-dev-wasm32 (apt-get install them)" > "$out/MISSING-TOOLCHAIN"
  echo "warning: $(cat "$out/MISSING-TOOLCHAIN")" >&2
  exit 0
fi
cc=(clang-14 --target=wasm32-wasi --sysroot=/usr -fuse-ld=/usr/bin/wasm-ld-14 -O2 -g0 -Wl,--strip-debug -mexec-model=reactor -Wall -Werror -Wno-unused-parameter)
for module in echo negate behave; do
  "${cc[@]}" -o "$out/$module.wasi.wasm" "$here/$module.c" "$here/itk_wasm_shim.c"
done
"${cc[@]}" -o "$out/plain.wasi.wasm" "$here/plain.c" -Wl,--export=answer
