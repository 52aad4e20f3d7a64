//===- ScheduleTemplates.h - default schedules per kernel anchor ----------===//
//
// A template turns a kernel's schedule attribute (template name + knobs, set
// by graph-assign-schedules or a tuning log) into schedule calls on the
// kernel's Funcs. A wrong knob can make code slow, never wrong.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lowering/graph_to_te/ComputeDefinitions.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace strata::lowering {

/// The Funcs of a kernel, as the templates see them.
struct KernelFuncs {
  te::Func output;                 // the kernel's result
  std::vector<int> outputShape;
  OpFuncs anchor;                  // the anchor op's Funcs
  std::vector<te::Func> intermediates; // epilogue Funcs between anchor and output
};

/// Applies the template named in `schedule` (or "injective" when absent).
llvm::Error applySchedule(KernelFuncs &k, mlir::DictionaryAttr schedule, int vectorWidth);

} // namespace strata::lowering
