//===- TuneReport.h - what a sweep did, as a self-contained HTML page -----===//
//
// `strata tune --report tune.html` writes one page with no outside resources:
// the model's estimated kernel time (sum over tasks of count x best so far)
// against trials and against wall time, the same per task, and a table per
// task of default and tuned time, GFLOP/s, % of the FMA peak measured in the
// run, and the knobs. Charts are inline SVG.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace strata::tuning {

struct TracePoint {
  double trials;  // trials done (of the task, or of the whole sweep)
  double seconds; // since the sweep started
  double ms;      // best so far (a task's kernel, or the model's kernels together)
};

struct TaskTrace {
  std::string kernelName, workload, knobs; // knobs: the best schedule's
  int count = 0;
  double flops = 0;
  double defaultMs = 0, bestMs = 0; // NaN when not measured
  std::vector<TracePoint> curve;
};

struct SweepTrace {
  std::string model, target;
  int threads = 1;
  bool simulated = false;
  double peakGflopsPerCore = 0; // 0: not measured
  double defaultModelMs = 0;
  std::vector<TracePoint> modelCurve; // the model's estimated kernel time, after every batch
  std::vector<TaskTrace> tasks;
};

/// When the sweep got 90% of its final gain: the first point whose time is within 10% of
/// the gain (default - final) of the final time. Null when there was no gain.
const TracePoint *ninetyPercentPoint(const SweepTrace &t);

/// Writes the page whole (through a temporary file, so a failure leaves no partial page).
llvm::Error writeReport(const SweepTrace &trace, const std::string &path);

} // namespace strata::tuning
