#!/usr/bin/env bash
# Configures (once) and builds Strata into build/ with Ninja, clang-19 + lld and ccache.
# Usage: tools/build.sh [ninja targets...]
# STRATA_BUILD_DIR picks another folder; STRATA_SANITIZE (e.g. address,undefined) configures a
# sanitizer build there (tools/run-tests.sh --sanitize sets both).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

"$root/tools/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DLLVM_USE_LINKER=lld \
    ${STRATA_SANITIZE:+-DSTRATA_SANITIZE=$STRATA_SANITIZE} >/dev/null
fi
ninja -C "$build" "$@"
