//===- AutoSchedule.h - schedules picked by a pretrained cost model -------===//
//
// --auto-schedule: no measurements at all. For each kernel, a cost model trained
// on earlier sweeps (`strata tune train-model`; one ships per ISA in
// compiler/tuning/pretrained/) ranks up to kAutoCandidates schedules of its
// space (the default always among them) and the kernel takes the best ranked.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/tuning/CostModel.h"
#include "dialects/graph/GraphOps.h"
#include "targets/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <memory>
#include <set>

namespace strata::tuning {

constexpr int kAutoCandidates = 48;
/// How much higher (in relative speed, best / time) a candidate's predicted score must be than
/// the default's to replace it.
constexpr float kAutoMargin = 0.1f;

/// The model file `path`, or with an empty path the one shipped for the target's ISA.
llvm::Expected<std::shared_ptr<const CostModel>> loadCostModel(const std::string &path,
                                                               const targets::Target &target);

/// Schedules the kernels of `fn` not named in `skip` by the model; returns those whose schedule
/// it changed from the default.
std::set<std::string> autoSchedule(mlir::func::FuncOp fn, const CostModel &model,
                                   const targets::Target &target, const std::set<std::string> &skip);

} // namespace strata::tuning
