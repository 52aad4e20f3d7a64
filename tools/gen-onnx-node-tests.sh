#!/usr/bin/env bash
# Writes ONNX's backend node tests as a pinned pip onnx generates them (every opset
# up to that release's; Debian's libonnx-testdata stops at ONNX 1.12, opset 17)
# into DIR, in the layout `strata onnx-test DIR` reads (DIR/test_*/model.onnx and
# test_data_set_N/{input,output}_K.pb). The pinned onnx and numpy are installed
# into a virtual environment next to DIR (python3 -m venv: Debian's python3-venv).
# Does nothing when DIR already holds the tests of these versions.
# Usage: tools/gen-onnx-node-tests.sh [DIR]   (default: build/onnx-node-tests)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"
out="${1:-$build/onnx-node-tests}"
pins="onnx==1.23.0 numpy==2.4.6"

if [ -f "$out/.generated-by" ] && [ "$(cat "$out/.generated-by")" = "$pins" ]; then
  exit 0
fi
venv="$(dirname "$out")/onnx-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# shellcheck disable=SC2086 # the pins are separate words
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
rm -rf "$out"
"$venv/bin/python" "$root/tools/gen_onnx_node_tests.py" "$out"
echo "$pins" > "$out/.generated-by"
