//===- AssignSchedules.cpp - a verified schedule on every kernel ----------===//
//
// The schedule attribute is the contract between the graph level and the
// tensor-expression lowering: a template name plus integer knobs, all declared
// in the registry (lowering/schedules/ScheduleSpace.cpp), which gives the
// defaults and checks values that come from elsewhere.
//
//===----------------------------------------------------------------------===//
#include "lowering/schedules/Passes.h"
#include "lowering/schedules/ScheduleSpace.h"

namespace strata::schedules {
#define GEN_PASS_DEF_ASSIGNSCHEDULES
#include "lowering/schedules/Passes.h.inc"
} // namespace strata::schedules

using namespace mlir;
using strata::graph::KernelOp;

namespace {

struct AssignSchedulesPass : public strata::schedules::impl::AssignSchedulesBase<AssignSchedulesPass> {
  using AssignSchedulesBase::AssignSchedulesBase;

  void runOnOperation() override {
    auto target = strata::targets::parseTarget(targetName);
    if (!target) {
      getOperation().emitError() << "graph-assign-schedules: " << llvm::toString(target.takeError());
      return signalPassFailure();
    }
    getOperation().walk([&](KernelOp kernel) {
      auto schedule = strata::schedules::scheduleOf(kernel, *target);
      if (!schedule) {
        kernel.emitError() << llvm::toString(schedule.takeError());
        return signalPassFailure();
      }
      kernel.setScheduleAttr(strata::schedules::toAttr(*schedule, kernel.getContext()));
    });
  }
};

} // namespace
