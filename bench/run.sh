#!/bin/sh
# Strata against its peers in one command: the FMA peak, sgemm vs OpenBLAS, conv layers vs oneDNN,
# the test/models models and the reductions vs ONNX Runtime, at 1 and 2 threads, as ratios with
# the ISA and thread count on every line and a summary table at the end (see
# bench/strata_bench.cpp). A full run takes about 2 minutes on 2 cores; --quick about 1.
#   bench/run.sh [BUILD_DIR] [--quick] [--threads 1,2] [--only sgemm,conv,models,...]
# BUILD_DIR defaults to $STRATA_BUILD_DIR or ./build. This script builds nothing; build first:
#   tools/build.sh strata_bench        (or: ninja -C BUILD_DIR strata_bench)
# ONNX Runtime runs through bench/ort_time.py with $PYTHON, else python3, which needs onnxruntime
# and numpy (pip install onnxruntime numpy); without them the models and reductions have no peer.
# Threads are set per case inside strata_bench, so the thread variables of the environment are
# unset; so are OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which make OpenBLAS run a slower kernel.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${STRATA_BUILD_DIR:-$here/../build}
case "${1:-}" in
  ""|-*) ;;
  *) build=$1; shift ;;
esac
bench=$build/bench/strata_bench
if [ ! -x "$bench" ]; then
  echo "run.sh: $bench not found; build it first: tools/build.sh strata_bench" \
    "(or ninja -C $build strata_bench)" >&2
  exit 1
fi
py=${PYTHON:-python3}
if "$py" -c 'import onnxruntime, numpy' 2>/dev/null; then
  set -- --python "$(command -v "$py")" "$@"
else
  echo "note: $py has no onnxruntime/numpy (pip install onnxruntime numpy, or set PYTHON to a" \
    "Python that has them); the models and reductions run without their peer" >&2
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS \
  -u STRATA_NUM_THREADS "$bench" "$@"
