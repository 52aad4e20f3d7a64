//===- Measure.h - time candidate schedules of a task ---------------------===//
//
// A bad candidate cannot break a sweep: each one is compiled and run in a child
// process with a timeout, and a crash, hang, failed compile or wrong answer
// becomes a record with its error. Children compile in parallel but time one at
// a time (an flock on a shared lock file). Timing: one warm-up run, then each
// run is timed alone, after the core's private caches were scrubbed (read over
// a buffer twice their size), and a sample is the mean of enough runs to add up
// to `minSampleMs`; the record keeps every sample (at least `samples`) and is
// ranked by their median. The scrub makes a candidate meet its weights and
// inputs where it meets them in the model, after other kernels ran: timed hot,
// back to back, schedules that pack or re-read data look better than they are
// (cls: a 1x1 conv measured 1.52x faster hot gained 1.09x in the model).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/tuning/Tasks.h"
#include "compiler/tuning/TuningLog.h"

namespace strata::tuning {

struct MeasureOptions {
  std::string target = "host";
  int threads = 1;
  double minSampleMs = 20;
  int samples = 3;
  int timeoutSeconds = 120; // per candidate, compile included
  bool scrubCaches = true;  // evict L1/L2 before every timed run (false: back-to-back runs)
  std::string lockPath;     // children time one at a time while holding it ("" = no lock)
  /// Deterministic pseudo-times from the schedule instead of running anything: for testing
  /// the tuner's own logic (search, sharding, resume, merge), never for real tuning.
  bool simulate = false;
};

/// Measures one candidate in this process. With `check`, the output is also compared with
/// the task's default schedule on the same inputs (|a - b| <= 1e-4 + 1e-3 |b|, integers
/// exactly); a difference makes it a wrong_result record.
Record measureHere(const Task &task, const schedules::Schedule &s, const MeasureOptions &o,
                   bool check);

/// A candidate: a schedule for a task.
struct Candidate {
  const Task *task;
  schedules::Schedule schedule;
};

/// Measures candidates, each in a child process, `jobs` children at a time; the records come
/// back in the order of `candidates`.
std::vector<Record> measureInChildren(const std::vector<Candidate> &candidates,
                                      const MeasureOptions &o, int jobs, bool check);

} // namespace strata::tuning
