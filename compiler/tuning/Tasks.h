//===- Tasks.h - a model's tuning tasks: its distinct kernels -------------===//
//
// A task is one workload key: every kernel of the model that computes the same
// thing (same template inputs, shapes, dtypes, attributes) shares its schedule.
// Each task carries a standalone graph module (`main` runs just that kernel,
// its run-time inputs as arguments, its constant inputs as constants), which a
// candidate schedule is compiled and timed on.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Pipeline.h"
#include "lowering/schedules/ScheduleSpace.h"

#include <string>
#include <vector>

namespace strata::tuning {

struct Task {
  std::string workload;   // the workload key
  std::string kernelName; // its first kernel in the model
  int count = 0;          // kernels in the model with this workload
  std::string module;     // the standalone module, as MLIR text
  schedules::Workload w;
  schedules::Schedule defaultSchedule;
  /// Estimated milliseconds of one call with the default schedule (a roofline of the target's
  /// nominal peak and bandwidth: the same on every machine, so shards agree on it).
  double estimatedMs = 0;
  /// The number of distinct valid schedules of the task's template.
  int64_t spaceSize = 0;
};

/// The tasks of a model compiled for `options.target`, sorted by workload key.
llvm::Expected<std::vector<Task>> extractTasks(const std::string &modelPath,
                                               const PipelineOptions &options);

/// The task's module with `schedule` on its kernel, as MLIR text.
llvm::Expected<std::string> withSchedule(const std::string &module, const schedules::Schedule &s);

} // namespace strata::tuning
