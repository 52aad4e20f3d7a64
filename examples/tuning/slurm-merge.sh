#!/bin/bash
# Merges the shard logs of examples/tuning/slurm-tune.sh into one log (run after the array job:
# sbatch --dependency=afterok:<array job id> examples/tuning/slurm-merge.sh). The merge is
# deterministic: the same shard logs give the same file whatever order they are listed in.
#SBATCH --job-name=strata-tune-merge
#SBATCH --time=00:10:00
#SBATCH --output=strata-tune-merge-%j.out
set -euo pipefail
STRATA=${STRATA:-strata}
LOGDIR=${LOGDIR:-$PWD/tuning-logs}
shopt -s nullglob
logs=("$LOGDIR"/shard-*.jsonl)
if [ ${#logs[@]} -eq 0 ]; then
  echo "slurm-merge: no shard logs in $LOGDIR" >&2
  exit 1
fi
exec "$STRATA" tune merge "${logs[@]}" -o "$LOGDIR/${OUT:-model.tune.jsonl}"
