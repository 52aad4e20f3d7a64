//===- KernelInfo.h - what a compiled model's kernels are -----------------===//
//
// One record per kernel of a compiled model, in run order: what `--emit
// schedules` prints, what the profile (strata bench --profile, the AOT
// library's NAME_profile_print) labels its times with, and what the tuner
// extracts its tasks from.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/GraphOps.h"
#include "lowering/schedules/ScheduleSpace.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace strata {

struct KernelInfo {
  std::string name;               // the kernel's name in the graph ("conv2d_3")
  std::string nodes;              // the source model's nodes it covers, comma-separated
  std::string workloadKey;        // schedules::Workload::key()
  schedules::Schedule schedule;
  int64_t flops = 0, bytes = 0;   // schedules::Workload's estimates
  std::string from = "default";   // where the schedule came from: default, log or model
};

/// Describes a kernel that has its schedule.
KernelInfo describeKernel(graph::KernelOp kernel, const schedules::Schedule &schedule);

/// --emit schedules: a header line, then one line per kernel
/// (name, template and knobs, FLOPs, bytes, workload key, nodes, and where the schedule came
/// from: "default", "log" or "model"), tab-separated.
void printSchedules(llvm::raw_ostream &os, const std::vector<KernelInfo> &kernels);

} // namespace strata
