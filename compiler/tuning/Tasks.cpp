//===- Tasks.cpp ----------------------------------------------------------===//
#include "compiler/tuning/Tasks.h"

#include "compiler/frontends/FirstDiagnostic.h"
#include "compiler/frontends/Importer.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

using namespace mlir;

namespace strata::tuning {

namespace {

llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// A module whose main runs `kernel` alone: run-time inputs become arguments, constants stay.
std::string standaloneModule(graph::KernelOp kernel) {
  MLIRContext *ctx = kernel.getContext();
  OpBuilder b(ctx);
  ModuleOp module = ModuleOp::create(b.getUnknownLoc());
  SmallVector<Type> argTypes;
  for (Value v : kernel.getInputs())
    if (!v.getDefiningOp<graph::ConstantOp>())
      argTypes.push_back(v.getType());
  b.setInsertionPointToEnd(module.getBody());
  auto fn = b.create<func::FuncOp>(kernel.getLoc(), "main",
                                   b.getFunctionType(argTypes, kernel->getResultTypes()));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToEnd(body);
  IRMapping map;
  unsigned arg = 0;
  for (Value v : kernel.getInputs()) {
    if (map.contains(v))
      continue;
    if (auto c = v.getDefiningOp<graph::ConstantOp>())
      map.map(v, b.clone(*c)->getResult(0));
    else
      map.map(v, body->getArgument(arg++));
  }
  Operation *k = b.clone(*kernel, map);
  b.create<func::ReturnOp>(kernel.getLoc(), k->getResults());
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  module->erase();
  return text;
}

/// Nominal roofline of a target: 2 FMA pipes at 3 GHz, 20 GB/s.
double estimateMs(const schedules::Workload &w, const targets::Target &t) {
  double peakFlopsPerMs = t.vectorLanesF32 * 2.0 * 2.0 * 3e6;
  double bytesPerMs = 20e6;
  return std::max((double)w.flops / peakFlopsPerMs, (double)w.bytes / bytesPerMs);
}

} // namespace

llvm::Expected<std::vector<Task>> extractTasks(const std::string &modelPath,
                                               const PipelineOptions &options) {
  MLIRContext ctx;
  auto module = optimizeGraph(modelPath, options, ctx);
  if (!module)
    return module.takeError();
  auto fn = (*module)->lookupSymbol<func::FuncOp>("main");
  std::map<std::string, Task> byKey;
  for (auto kernel : fn.getBody().front().getOps<graph::KernelOp>()) {
    schedules::Workload w = schedules::workloadOf(kernel);
    std::string key = w.key();
    auto [it, fresh] = byKey.try_emplace(key);
    Task &t = it->second;
    ++t.count;
    if (!fresh)
      continue;
    t.workload = key;
    t.kernelName = kernel.getSymName().str();
    t.w = w;
    auto schedule = schedules::scheduleOf(kernel, options.target);
    if (!schedule)
      return schedule.takeError();
    t.defaultSchedule = *schedule;
    kernel.removeScheduleAttr(); // the task module's kernel takes its schedule from candidates
    t.module = standaloneModule(kernel);
    kernel.setScheduleAttr(schedules::toAttr(*schedule, kernel.getContext()));
    t.estimatedMs = estimateMs(w, options.target);
    t.spaceSize = (int64_t)schedules::enumerateSpace(w, options.target, 1 << 20).size();
  }
  std::vector<Task> tasks;
  for (auto &[key, t] : byKey)
    tasks.push_back(std::move(t));
  return tasks;
}

llvm::Expected<std::string> withSchedule(const std::string &module, const schedules::Schedule &s) {
  MLIRContext ctx;
  frontend::registerDialects(ctx);
  frontend::FirstDiagnostic diag(ctx);
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(module, &ctx);
  if (!m)
    return fail("task module: " + diag.message("cannot parse"));
  graph::KernelOp kernel;
  m->walk([&](graph::KernelOp k) { kernel = k; });
  if (!kernel)
    return fail("task module has no kernel");
  kernel.setScheduleAttr(schedules::toAttr(s, &ctx));
  std::string text;
  llvm::raw_string_ostream os(text);
  m->print(os);
  return text;
}

} // namespace strata::tuning
