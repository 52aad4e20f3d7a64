#!/usr/bin/env bash
# Sets up (apt packages), configures, builds and runs every test: GoogleTest unit tests,
# lit/FileCheck tests, end-to-end numerics and bad-input tests, all through CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

"$root/tools/build.sh"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
