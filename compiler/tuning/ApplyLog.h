//===- ApplyLog.h - tuned schedules onto a model's kernels ----------------===//
#pragma once

#include "compiler/tuning/TuningLog.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <set>

namespace strata::tuning {

/// Gives every kernel of `fn` the schedule of the best record for its workload on `target`
/// (see TuningDatabase::best), verified against the registry. A record that does not verify
/// (tuned with another Strata whose space differs) leaves the kernel's default and adds a
/// warning. Returns the names of the kernels whose schedule came from the log.
std::set<std::string> applyTuningLog(mlir::func::FuncOp fn, const TuningDatabase &db,
                                     const targets::Target &target, int threads,
                                     std::vector<std::string> &warnings);

} // namespace strata::tuning
