#!/bin/sh
# Runs strata_bench on one thread against its peers (see bench/strata_bench.cpp).
#   bench/run.sh [BUILD_DIR] [strata_bench options...]
# BUILD_DIR defaults to ./build; build it first: ninja -C BUILD_DIR strata_bench
# OpenBLAS: this environment sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which make OpenBLAS
# run a slower kernel; they are unset for the benchmark only. ONNX Runtime is timed by
# bench/ort_time.py (pip install onnxruntime numpy); without it the cls and reduction cases have
# no peer.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
[ $# -gt 0 ] && shift
bench=$build/bench/strata_bench
if [ ! -x "$bench" ]; then
  echo "run.sh: $bench not found; build it: ninja -C $build strata_bench" >&2
  exit 1
fi
ort_args=""
model=$here/../test/models/ppocr_cls_mobilenetv3.onnx
if python3 -c 'import onnxruntime, numpy' 2>/dev/null; then
  ort_ms=$(OMP_NUM_THREADS=1 python3 "$here/ort_time.py" "$model" x=1,3,48,192 --threads 1) &&
    ort_args="--ort-ms $ort_ms"
  # The reduction cases: each model's input shape is in its name (NAME_AxB.onnx).
  for m in "$here"/models/*.onnx; do
    name=$(basename "$m" .onnx)
    dims=$(echo "${name##*_}" | tr x ,)
    ms=$(OMP_NUM_THREADS=1 python3 "$here/ort_time.py" "$m" "x=$dims" --threads 1 --runs 100) &&
      ort_args="$ort_args --ort $name=$ms"
  done
else
  echo "note: onnxruntime/numpy not installed (pip install onnxruntime numpy); cls and the reductions run without their peer" >&2
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE STRATA_NUM_THREADS=1 OMP_NUM_THREADS=1 \
  OPENBLAS_NUM_THREADS=1 "$bench" $ort_args "$@"
