//===- Tuner.h - strata tune: a model's tasks searched, records logged ----===//
//
// The model's tasks (distinct workloads) share a trial budget in proportion to
// their estimated share of the model's time (count x roofline time), capped by
// each task's space size, the rest handed on to the others (water-filling).
// The allocation is computed over all tasks before sharding, so `--shard i/N`
// runs tune disjoint tasks with the trials one run would give them. Within the
// budget, every task measures its default, then gets one batch; after that the
// task with the most estimated time left to gain (count x best time so far x
// its recent improvement) gets the next batch, so a time budget is spent where
// the model gains most. Every measurement is appended to the
// log as it is made; a log that exists is resumed (nothing measured twice).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/tuning/Measure.h"

#include "llvm/Support/raw_ostream.h"

namespace strata::tuning {

struct TuneOptions {
  std::string modelPath;
  std::string logPath;
  PipelineOptions pipeline; // target, input shapes
  MeasureOptions measure;
  int trials = 0;           // in total over all tasks (0: 32 per task)
  double timeBudgetSeconds = 0; // 0: none
  uint64_t seed = 1;
  int shardIndex = 0, shardCount = 1;
  /// Candidates compiled at once: 0 means one core fewer than the machine has (at least 1), so
  /// that compiles never preempt the child being timed (with both of 2 cores compiling, rec's
  /// isolated gains were 1.15x against 1.00x in the model; with one, 1.10x against 1.07x).
  int jobs = 0;
  int batch = 8; // candidates per task per round
  std::string reportPath;      // --report: an HTML page of the sweep, written at the end
  bool redrawProgress = false; // the progress output is a terminal: one status line, redrawn
};

/// Trials per task: `total` shared by weight, each at most its space size (water-filling;
/// deterministic). Exposed for tests.
std::vector<int> allocateTrials(const std::vector<Task> &tasks, int total);

/// Runs a tuning sweep; progress goes to `progress`: a status line after every batch (task
/// i/N, trials done/budget, the model's estimated kernel time so far and its speed-up over
/// the defaults, ETA), redrawn in place when `redrawProgress`.
llvm::Error tune(const TuneOptions &options, llvm::raw_ostream &progress);

/// Reads logs and writes their records to `out`: each distinct record once, sorted (workload,
/// target, threads, schedule, then the record's text), so the result does not depend on the
/// order of the inputs. Skipped lines are reported in `warnings`.
llvm::Error mergeLogs(const std::vector<std::string> &inputs, const std::string &out,
                      std::vector<std::string> &warnings);

/// Trains a cost model for --auto-schedule on the records of `logs` that carry features: per
/// (workload, target, threads), each candidate's speed relative to the best (0 when it failed).
/// Reports the pairwise ranking accuracy on the tasks held out (one in five) before training
/// on all of them, then writes the model (XGBoost JSON) to `out`.
llvm::Error trainModel(const std::vector<std::string> &logs, const std::string &out,
                       llvm::raw_ostream &report);

} // namespace strata::tuning
