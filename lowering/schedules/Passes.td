//===- Passes.td - passes that pick schedules -----------------------------===//
//
// Target-dependent, so it lives with the schedule space rather than with the
// (target-independent) graph dialect passes.
#ifndef STRATA_SCHEDULES_PASSES
#define STRATA_SCHEDULES_PASSES

include "mlir/Pass/PassBase.td"

def AssignSchedules : Pass<"graph-assign-schedules", "mlir::func::FuncOp"> {
  let summary = "attaches a schedule template and knob values to every kernel";
  let description = [{
    Gives every kernel the default schedule of its anchor for the target (from the
    template registry, lowering/schedules), e.g.
    `schedule {template = "conv2d_direct", vector = 8 : i64, ...}`. A kernel that
    already has a schedule (from a tuning log or written by hand) is verified against
    the registry and completed with the defaults of the knobs it leaves out; an unknown
    template or knob, or a value outside the knob's space, is an error naming the
    kernel and the knob.
  }];
  let options = [
    Option<"targetName", "target", "std::string", "\"host\"",
           "target to schedule for (host, x86-64, x86-64-avx2, x86-64-avx512, aarch64)">
  ];
}

#endif // STRATA_SCHEDULES_PASSES
