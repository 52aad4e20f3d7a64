//===- KernelLowering.h - graph.kernel -> tensor expressions -> loops -----===//
//
// Each op of a kernel's body becomes a Func through its compute definition
// (ComputeDefinitions.cpp); the kernel's schedule attribute picks the
// schedule template (ScheduleTemplates.cpp) that orders, tiles, vectorizes
// and parallelizes the Funcs; te_to_loops then lowers them to a loop nest.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/GraphOps.h"
#include "lowering/schedules/ScheduleSpace.h"
#include "dialects/te/LoweredFunc.h"
#include "targets/Target.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace strata::lowering {

struct KernelLoweringOptions {
  std::string functionName;       // symbol of the generated function
  llvm::raw_ostream *teDump = nullptr;    // prints the Funcs and schedule (--emit=te)
  llvm::raw_ostream *loopsDump = nullptr; // prints the lowered loop nest (--emit=loops)
};

/// Lowers one kernel with its verified schedule (schedules::scheduleOf). Arguments of the
/// function: the kernel's inputs in order, then its results.
llvm::Expected<te::LoweredFunc> lowerKernel(graph::KernelOp kernel, const schedules::Schedule &schedule,
                                            const targets::Target &target,
                                            const KernelLoweringOptions &options);

} // namespace strata::lowering
