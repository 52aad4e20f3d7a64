#!/usr/bin/env bash
# Fuzzes one target with libFuzzer in the address/undefined sanitizer build (build-asan).
# Usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#   TARGET   onnx (ONNX reader + importer), json (JSON graph reader + importer) or npy
#   SECONDS  time limit; 0 for none (then give e.g. -runs=1000000)
# Builds what is needed (the target and its seed corpora, test/fuzz/CMakeLists.txt). New
# interesting inputs go to build-asan/test/fuzz/work/TARGET; a crash, hang (-timeout) or
# out-of-memory input is written to build-asan/test/fuzz/artifacts/ — fix it, and keep the
# input as a regression under test/fuzz/regressions/TARGET/ (ctest replays them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-asan"
target="${1:?usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]}"
seconds="${2:?usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]}"
shift 2
case "$target" in
  onnx|json|npy) ;;
  *) echo "fuzz: unknown target '$target' (onnx, json, npy)" >&2; exit 2 ;;
esac

STRATA_BUILD_DIR="$build" STRATA_SANITIZE=address,undefined "$root/tools/build.sh" \
  "fuzz_$target" fuzz_corpus
source "$root/tools/sanitizers/env.sh"
dir="$build/test/fuzz"
mkdir -p "$dir/work/$target" "$dir/artifacts"
# -close_fd_mask=2: the target's stderr (the importer's warnings on every mutated model) is
# closed; libFuzzer's and the sanitizers' reports still come. Run the target on one input to
# see its messages (STRATA_FUZZ_PRINT=1 also prints each error).
exec "$dir/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$target-" "$@" \
  "$dir/work/$target" "$dir/corpus/$target"
