//===- KernelInfo.cpp -----------------------------------------------------===//
#include "compiler/KernelInfo.h"

#include "llvm/ADT/StringExtras.h"

namespace strata {
namespace {

/// The node names a location carries (importers give each op its node's NameLoc; folding
/// fuses the locations of the ops it merges).
void collectNames(mlir::Location loc, std::vector<std::string> &names) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc)) {
    if (!llvm::is_contained(names, n.getName().str()))
      names.push_back(n.getName().str());
  } else if (auto f = llvm::dyn_cast<mlir::FusedLoc>(loc)) {
    for (mlir::Location l : f.getLocations())
      collectNames(l, names);
  } else if (auto c = llvm::dyn_cast<mlir::CallSiteLoc>(loc)) {
    collectNames(c.getCallee(), names);
  }
}

} // namespace

KernelInfo describeKernel(graph::KernelOp kernel, const schedules::Schedule &schedule) {
  schedules::Workload w = schedules::workloadOf(kernel);
  std::vector<std::string> names;
  for (mlir::Operation &op : kernel.getBody().front().without_terminator())
    if (!llvm::isa<graph::ConstantOp>(op)) // a single value copied in is not a node it runs
      collectNames(op.getLoc(), names);
  KernelInfo info;
  info.name = kernel.getSymName().str();
  info.nodes = llvm::join(names, ",");
  info.workloadKey = w.key();
  info.schedule = schedule;
  info.flops = w.flops;
  info.bytes = w.bytes;
  return info;
}

void printSchedules(llvm::raw_ostream &os, const std::vector<KernelInfo> &kernels) {
  os << "# kernel\tschedule\tflops\tbytes\tworkload\tnodes\tfrom\n";
  for (const KernelInfo &k : kernels)
    os << k.name << "\t" << k.schedule.str() << "\t" << k.flops << "\t" << k.bytes << "\t"
       << k.workloadKey << "\t" << (k.nodes.empty() ? "-" : k.nodes) << "\t"
       << k.from << "\n";
}

} // namespace strata
