#!/usr/bin/env bash
# Sets up (apt packages), configures, builds and runs every test: GoogleTest unit tests,
# lit/FileCheck tests, end-to-end numerics and bad-input tests, all through CTest.
#
# Usage: tools/run-tests.sh [--sanitize LIST] [ctest arguments...]
#   --sanitize address,undefined  builds into build-asan (ASan + UBSan, UB is fatal, plus the
#                                 libFuzzer targets) and runs the whole suite there, with each
#                                 fuzz target fuzzed for ~30 s, except the e2e suite's second
#                                 and third runs for GPU targets (labels opencl, cuda: the same
#                                 compiler code, plus uninstrumented drivers, at 2x the time)
#   --sanitize thread             builds into build-tsan and runs the threading tests (label
#                                 "threading") under ThreadSanitizer
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

sanitize=""
if [ "${1:-}" = "--sanitize" ]; then
  sanitize="${2:?--sanitize needs a list, e.g. address,undefined or thread}"
  shift 2
fi

if [ -z "$sanitize" ]; then
  "$root/tools/build.sh"
  cd "$build"
  exec ctest --output-on-failure -j"$(nproc)" "$@"
fi

targets=()
ctest_args=()
case "$sanitize" in
  address,undefined|undefined,address)
    build="$root/build-asan"
    ctest_args=(-LE "^(opencl|cuda)$")
    ;;
  thread)
    build="$root/build-tsan"
    # Only what the threading tests need; the LLVM/MLIR libraries are not instrumented, so
    # the rest of the suite would mostly test them against TSan's view of the world.
    targets=(threading_tests strata_targets_tests)
    ctest_args=(-L threading)
    ;;
  *) echo "run-tests: --sanitize takes address,undefined or thread, not '$sanitize'" >&2; exit 2 ;;
esac
source "$root/tools/sanitizers/env.sh"
STRATA_BUILD_DIR="$build" STRATA_SANITIZE="$sanitize" "$root/tools/build.sh" "${targets[@]}"
cd "$build"
exec ctest --output-on-failure -j"$(nproc)" "${ctest_args[@]}" "$@"
