//===- ApplyLog.cpp -------------------------------------------------------===//
#include "compiler/tuning/ApplyLog.h"

namespace strata::tuning {

std::set<std::string> applyTuningLog(mlir::func::FuncOp fn, const TuningDatabase &db,
                                     const targets::Target &target, int threads,
                                     std::vector<std::string> &warnings) {
  std::set<std::string> tuned;
  TargetKey key = TargetKey::of(target);
  fn.walk([&](graph::KernelOp kernel) {
    schedules::Workload w = schedules::workloadOf(kernel);
    const Record *r = db.best(w.key(), key, threads);
    if (!r)
      return;
    std::string name = kernel.getSymName().str();
    if (llvm::Error err = schedules::verify(r->schedule, w, target, name)) {
      warnings.push_back("tuning log: the record for " + w.key() + " does not fit this Strata (" +
                         llvm::toString(std::move(err)) + "); kernel '" + name +
                         "' keeps its default schedule");
      return;
    }
    kernel.setScheduleAttr(schedules::toAttr(r->schedule, kernel.getContext()));
    tuned.insert(name);
  });
  return tuned;
}

} // namespace strata::tuning
