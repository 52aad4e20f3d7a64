#!/usr/bin/env bash
# Runs `strata onnx-test` on a suite of ONNX node tests for ctest: prints the last
# line (N passed, M failed, K skipped) and fails, listing the failures, unless
# nothing failed. The full table goes to REPORT.
# Usage: run-node-tests.sh STRATA REPORT [DIR...] [--target T]   (no DIR: Debian's libonnx-testdata)
set -uo pipefail
strata="$1" report="$2"
shift 2
"$strata" onnx-test "$@" > "$report"
tail -n 1 "$report"
if ! tail -n 1 "$report" | grep -q ' 0 failed'; then
  grep FAIL "$report"
  exit 1
fi
