//===- ScheduleTemplates.h - default schedules per kernel anchor ----------===//
//
// A template turns a kernel's schedule (template name + knob values, declared
// and verified by lowering/schedules) into schedule calls on the kernel's
// Funcs. A knob value can make code slow, never wrong.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lowering/graph_to_te/ComputeDefinitions.h"

#include "lowering/schedules/ScheduleSpace.h"

namespace strata::lowering {

/// The Funcs of a kernel, as the templates see them.
struct KernelFuncs {
  te::Func output;                 // the kernel's result
  std::vector<int> outputShape;
  OpFuncs anchor;                  // the anchor op's Funcs
  std::vector<int> anchorInputShape; // the shape of the anchor's first operand
  std::vector<te::Func> intermediates; // epilogue Funcs between anchor and output
};

using schedules::Schedule;

/// Applies a verified schedule (schedules::scheduleOf) to a kernel's Funcs.
llvm::Error applySchedule(KernelFuncs &k, const Schedule &s, const targets::Target &target);

} // namespace strata::lowering
