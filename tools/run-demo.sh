#!/usr/bin/env bash
# The main job on the bundled example model: set up, build, compile the PaddleOCR
# direction classifier ahead of time into a static library, link a small C program
# against it, run it (output + latency), and check the result against Strata's
# reference interpreter and ONNX Runtime's stored output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"
models="$root/test/models"
out="$build/demo"

"$root/tools/build.sh" strata
mkdir -p "$out"
strata="$build/tools/strata/strata"

echo "== strata compile (AOT, target host)"
"$strata" compile "$models/ppocr_cls_mobilenetv3.onnx" --input-shape x=1,3,48,192 \
  --name cls -o "$out/cls" --time

echo "== link a C program against cls.a (only -lpthread -lm)"
cc -O2 -I"$out" "$root/examples/aot/main.c" "$out/cls.a" -lpthread -lm -o "$out/cls_demo"

echo "== run"
"$out/cls_demo" "$models/ref/cls_1x3x48x192.input.bin" "$out/cls_output.bin" 50

echo "== check against the reference interpreter and ONNX Runtime's output"
"$strata" check "$models/ppocr_cls_mobilenetv3.onnx" --input-shape x=1,3,48,192 \
  --input x="$models/ref/cls_1x3x48x192.input.bin" \
  --actual "$out/cls_output.bin" --expected "$models/ref/cls_1x3x48x192.output0.bin" \
  --tolerance 1e-4
