#!/bin/sh
# Prepares the GPU check here, where Strata is built, so that a machine with an NVIDIA GPU needs
# neither LLVM nor a Strata build: every e2e case, the sgemm sizes and the OCR models compiled
# ahead of time into shared libraries (PTX inside), the inputs and reference outputs, and the
# runner bench/gpu/device_check.c with the Strata runtime linked in. One archive comes out:
#   bench/gpu/prepare.sh [BUILD_DIR] [--arch sm80|sm90] [--quick] [--target T]
# writes BUILD_DIR/gpu-check.tar.gz (about 5 minutes on 2 cores). On the GPU machine, one command:
#   tar xzf gpu-check.tar.gz && sh gpu-check/run.sh
# which prints the e2e results, sgemm vs cuBLAS (GFLOP/s, ratio, % of the FP32 FMA peak it
# measures; at 4096 also 28 gpu_matmul tilings, to pick the default from) and the models'
# GPU latency against the same models on that machine's CPU (each also with its tiled kernels
# double-buffered: NAME_db).
#   --arch    the SM the PTX is for (default sm90: H100/H200; sm80 also runs there, through the
#             driver's PTX compiler)
#   --quick   sgemm at 1024 and 2048 only (no sweep of tilings at 4096), the models cls and rec
#             only
#   --target  another GPU target instead of cuda-ARCH (opencl: the whole check runs here on PoCL,
#             which checks the check; its timings mean nothing)
# The machine running this needs cc and ar; Strata must be built (tools/build.sh).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${STRATA_BUILD_DIR:-$root/build}
arch=sm90
quick=
target=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --target) target=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "prepare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
case "$arch" in sm80|sm90) ;; *) echo "prepare.sh: --arch must be sm80 or sm90, not '$arch'" >&2; exit 2 ;; esac
target=${target:-cuda-$arch}
build=$(cd "$build" && pwd)
strata=$build/tools/strata/strata
e2e=$build/test/e2e/e2e_tests
for f in "$strata" "$e2e"; do
  [ -x "$f" ] || { echo "prepare.sh: $f not found; build Strata first (tools/build.sh)" >&2; exit 1; }
done
out=$build/gpu-check
rm -rf "$out" "$out.tar.gz"
mkdir -p "$out/e2e"
models=$root/test/models

# A shared library of the model's objects alone (device_check carries the runtime).
shared() { # NAME: NAME.a -> NAME.so
  mkdir -p "$out/objects.$1"
  (cd "$out/objects.$1" && ar x "$out/$1.a" && rm -f strata_rt_*.o)
  cc -shared -o "$out/$1.so" "$out/objects.$1"/*.o
  rm -rf "$out/objects.$1" "$out/$1.h"
}

# The real models are checked by the models step (against ONNX Runtime's outputs) instead.
echo "prepare: e2e cases for $target (two processes, a few minutes)"
for shard in 0 1; do
  STRATA_E2E_EXPORT=$out/e2e STRATA_E2E_TARGET=$target GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$shard \
    "$e2e" --gtest_brief=1 --gtest_filter='-*RealModelTest*' > "$out/e2e/export$shard.log" 2>&1 &
done
wait
cases=$(wc -l < "$out/e2e/manifest.tsv")
echo "prepare: $cases e2e cases exported"

echo "prepare: sgemm"
sizes="1024 2048 4096"
[ -n "$quick" ] && sizes="1024 2048"
: > "$out/sgemm.tsv"
for n in $sizes; do
  cat > "$out/sgemm_$n.json" <<EOF
{"opset": 17, "inputs": [{"name": "a", "shape": [$n, $n], "dtype": "float32"}, {"name": "b", "shape": [$n, $n], "dtype": "float32"}], "nodes": [{"op": "MatMul", "inputs": ["a", "b"], "outputs": ["y"], "attrs": {}}], "outputs": ["y"]}
EOF
  "$strata" compile "$out/sgemm_$n.json" --target "$target" --name "sgemm_$n" -o "$out/sgemm_$n" 2>&1 | grep -v '^strata: wrote' || true
  "$strata" compile "$out/sgemm_$n.json" --target "$target" --emit schedules | tail -1 | cut -f2 \
    > "$out/sgemm_$n.schedule"
  # Keep one archive's runtime objects for device_check.
  if [ ! -d "$out/runtime" ]; then
    mkdir -p "$out/runtime"
    (cd "$out/runtime" && ar x "$out/sgemm_$n.a" && rm -f "sgemm_$n.o")
  fi
  shared "sgemm_$n"
  rm -f "$out/sgemm_$n.a" "$out/sgemm_$n.json"
  printf 'sgemm_%s\tsgemm_%s.so\t%s\n' "$n" "$n" "$n" >> "$out/sgemm.tsv"
done

# gpu_matmul's tilings at 4096 against cuBLAS in the same run, so that one run on a GPU says
# which default to keep: TILE_M TILE_N REG_M REG_N TILE_K DOUBLE_BUFFER WARP_N A_K_MAJOR
# VECTOR_LOADS each. The eight from the 13th change which work-items' shared-memory reads share
# banks (warp_n, a_k_major); the last eight load the tiles 16 bytes at a time (vector_loads;
# design doc, "Not yet": counted, not measured).
: > "$out/sgemm_sweep.tsv"
if [ -z "$quick" ]; then
  echo "prepare: sgemm 4096 tilings"
  n=4096
  printf '{"opset": 17, "inputs": [{"name": "a", "shape": [%s, %s], "dtype": "float32"}, {"name": "b", "shape": [%s, %s], "dtype": "float32"}], "nodes": [{"op": "MatMul", "inputs": ["a", "b"], "outputs": ["y"], "attrs": {}}], "outputs": ["y"]}\n' \
    $n $n $n $n > "$out/sweep.json"
  "$strata" tune "$out/sweep.json" --target "$target" --simulate --trials 1 -o "$out/sweep.jsonl" > /dev/null 2>&1
  for v in "64 64 4 4 16 0 16 0 0" "64 64 4 4 16 1 16 0 0" "64 64 4 4 8 1 16 0 0" "64 64 4 4 32 1 16 0 0" \
           "128 64 8 4 16 0 16 0 0" "128 64 8 4 16 1 16 0 0" "128 64 8 4 8 1 16 0 0" "64 128 4 8 16 1 16 0 0" \
           "128 128 8 8 8 0 16 0 0" "128 128 8 8 8 1 16 0 0" "128 128 8 8 16 1 16 0 0" "128 128 8 4 8 1 32 0 0" \
           "64 64 4 4 16 1 16 1 0" "64 64 4 4 16 1 8 1 0" "128 64 8 4 16 1 16 1 0" "128 64 8 4 16 1 8 1 0" \
           "128 128 8 8 8 1 4 1 0" "128 128 8 8 8 1 8 1 0" "128 128 8 8 16 1 4 1 0" "128 128 8 4 8 1 8 1 0" \
           "64 64 4 4 16 0 16 0 1" "64 64 4 4 16 1 8 1 1" "128 64 8 4 16 1 16 0 1" "128 64 8 4 16 1 8 1 1" \
           "128 128 8 8 8 0 16 0 1" "128 128 8 8 8 1 8 1 1" "128 128 8 8 16 1 4 1 1" "128 128 8 4 8 1 8 1 1"; do
    set -- $v
    tag="m$1n$2r$3x$4k$5d$6w$7a$8v$9"
    sed "s/\"knobs\":{[^}]*}/\"knobs\":{\"a_k_major\":$8,\"double_buffer\":$6,\"reg_m\":$3,\"reg_n\":$4,\"tile_k\":$5,\"tile_m\":$1,\"tile_n\":$2,\"vector_loads\":$9,\"warp_n\":$7}/" \
      "$out/sweep.jsonl" > "$out/$tag.jsonl"
    "$strata" compile "$out/sweep.json" --target "$target" --tuning-log "$out/$tag.jsonl" --name "$tag" -o "$out/$tag" 2>&1 \
      | grep -v '^strata: wrote' || true
    printf '  %s: %s\n' "$tag" "$("$strata" compile "$out/sweep.json" --target "$target" --tuning-log "$out/$tag.jsonl" --emit schedules | tail -1 | cut -f2,7)"
    shared "$tag"
    rm -f "$out/$tag.a" "$out/$tag.jsonl"
    printf '%s\t%s.so\t%s\n' "$tag" "$tag" "$n" >> "$out/sgemm_sweep.tsv"
  done
  rm -f "$out/sweep.json" "$out/sweep.jsonl"
fi

echo "prepare: models (the GPU and, for comparison, that machine's CPU with AVX2)"
: > "$out/models.tsv"
list="cls:ppocr_cls_mobilenetv3.onnx:1,3,48,192:cls_1x3x48x192 det:ppocr_v4_det.onnx:1,3,320,320:det_textlines_1x3x320x320 rec:ppocr_v4_rec.onnx:1,3,48,320:rec_1x3x48x320"
[ -n "$quick" ] && list="cls:ppocr_cls_mobilenetv3.onnx:1,3,48,192:cls_1x3x48x192 rec:ppocr_v4_rec.onnx:1,3,48,320:rec_1x3x48x320"
for entry in $list; do
  IFS=: read -r name file shape ref <<EOF
$entry
EOF
  for side in gpu cpu; do
    t=$target
    [ "$side" = cpu ] && t=x86-64-avx2
    "$strata" compile "$models/$file" --input-shape "x=$shape" --target "$t" --name "${name}_$side" \
      -o "$out/${name}_$side" 2>&1 | grep -v '^strata: wrote' || true
    shared "${name}_$side"
    rm -f "$out/${name}_$side.a"
  done
  cp "$models/ref/$ref.input.bin" "$out/$name.input.bin"
  cp "$models/ref/$ref.output0.bin" "$out/$name.expected.bin"
  printf '%s\t%s_gpu.so\t%s_cpu.so\t%s.input.bin\t%s.expected.bin\t1e-4\n' "$name" "$name" "$name" "$name" "$name" \
    >> "$out/models.tsv"
  # The same model with every tiled kernel double-buffered (a log of each task's default with
  # the knob set: simulated tuning measures the defaults first, one trial per task).
  if [ -z "$quick" ]; then
    tasks=$("$strata" compile "$models/$file" --input-shape "x=$shape" --target "$target" --emit schedules |
      tail -n +2 | cut -f5 | sort -u | wc -l)
    "$strata" tune "$models/$file" --input-shape "x=$shape" --target "$target" --simulate --trials "$tasks" \
      -o "$out/${name}_db.jsonl" > /dev/null 2>&1
    sed -i 's/"double_buffer":0/"double_buffer":1/' "$out/${name}_db.jsonl"
    "$strata" compile "$models/$file" --input-shape "x=$shape" --target "$target" --name "${name}_db_gpu" \
      --tuning-log "$out/${name}_db.jsonl" -o "$out/${name}_db_gpu" 2>&1 | grep -v '^strata: wrote' || true
    shared "${name}_db_gpu"
    rm -f "$out/${name}_db_gpu.a" "$out/${name}_db.jsonl"
    printf '%s_db\t%s_db_gpu.so\t%s_cpu.so\t%s.input.bin\t%s.expected.bin\t1e-4\t%s\n' "$name" "$name" "$name" \
      "$name" "$name" "$name" >> "$out/models.tsv"
  fi
done

echo "prepare: device_check"
# The runtime linked in whole and exported (-rdynamic), so the models' libraries resolve it here.
cc -O2 -o "$out/device_check" "$here/device_check.c" -Wl,--whole-archive "$out"/runtime/*.o \
  -Wl,--no-whole-archive -rdynamic -ldl -lpthread -lm
rm -rf "$out/runtime"

cat > "$out/run.sh" <<'EOF'
#!/bin/sh
# The GPU check (bench/gpu/prepare.sh made this folder): e2e cases, sgemm vs cuBLAS, models.
cd "$(dirname "$0")"
status=0
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader 2>/dev/null || true
./device_check e2e e2e/manifest.tsv || status=1
echo "sgemm schedules:"; for f in sgemm_*.schedule; do printf '  %s: %s\n' "${f%.schedule}" "$(cat "$f")"; done
./device_check sgemm sgemm.tsv || status=1
if [ -s sgemm_sweep.tsv ]; then
  echo "sgemm 4096, gpu_matmul tilings (m TILE_M n TILE_N r REG_M x REG_N k TILE_K d DOUBLE_BUFFER w WARP_N a A_K_MAJOR v VECTOR_LOADS):"
  ./device_check sgemm sgemm_sweep.tsv || status=1
fi
./device_check models models.tsv || status=1
exit $status
EOF
chmod +x "$out/run.sh"
(cd "$build" && tar czf gpu-check.tar.gz gpu-check)
echo "prepare: wrote $out.tar.gz ($(du -h "$out.tar.gz" | cut -f1)); on the GPU machine:"
echo "  tar xzf gpu-check.tar.gz && sh gpu-check/run.sh"
