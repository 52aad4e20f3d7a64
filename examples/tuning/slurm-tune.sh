#!/bin/bash
# One shard of a Strata tuning sweep as a Slurm job array; a dependent job merges the logs.
#
#   sbatch --array=0-7 examples/tuning/slurm-tune.sh          # 8 shards, one per array task
#   sbatch --dependency=afterok:<array job id> examples/tuning/slurm-merge.sh
#
# Every shard needs the same model, budget and seed: the shards then tune disjoint tasks with the
# trials one run would give them, and the merged log picks what one run would have picked.
# Settings (environment, with these defaults):
#   STRATA   path of the strata binary        (strata on PATH)
#   MODEL    the model                        (model.onnx)
#   SHAPES   --input-shape arguments          (none)
#   LOGDIR   shared storage for the logs      ($PWD/tuning-logs)
#   TRIALS   trials of the whole sweep        (4000)
#   SEED     search seed                      (1)
#   THREADS  threads per measurement          (1)
#   TARGET   what the records are for         (host: each node must be the same CPU model)
#   EXTRA_ARGS  more strata tune options (e.g. --time-budget 90m)
#SBATCH --job-name=strata-tune
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=strata-tune-%A_%a.out
set -euo pipefail
STRATA=${STRATA:-strata}
MODEL=${MODEL:-model.onnx}
LOGDIR=${LOGDIR:-$PWD/tuning-logs}
index=${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=0-N)}
count=${SLURM_ARRAY_TASK_COUNT:?run this as a Slurm array job (sbatch --array=0-N)}
mkdir -p "$LOGDIR"
# A shard that is re-run (preempted, failed node) resumes its own log: nothing is measured twice.
exec "$STRATA" tune "$MODEL" ${SHAPES:-} --target "${TARGET:-host}" --trials "${TRIALS:-4000}" \
  --seed "${SEED:-1}" --threads "${THREADS:-1}" --shard "$index/$count" \
  -o "$LOGDIR/shard-$index-of-$count.jsonl" ${EXTRA_ARGS:-}
