//===- Features.cpp -------------------------------------------------------===//
#include "compiler/tuning/Features.h"

#include "compiler/frontends/FirstDiagnostic.h"
#include "compiler/frontends/Importer.h"
#include "dialects/graph/GraphOps.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "lowering/graph_to_te/KernelLowering.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <cmath>

namespace strata::tuning {

namespace {

float lg(double v) { return (float)std::log2(1.0 + std::max(v, 0.0)); }

int64_t constOr(const te::Expr &e, int64_t dflt) {
  if (const int64_t *v = te::as_const_int(e))
    return *v;
  return dflt;
}

/// Walks a lowered body: loops on the current path, and what the innermost bodies do.
class Summary : public te::IRVisitor {
public:
  int loops = 0, maxDepth = 0, allocations = 0;
  double parallelExtent = 1, allocatedBytes = 0;
  int maxLanes = 1;
  // Innermost bodies (those with no loop inside), summed over them.
  double innerLoads = 0, innerStores = 0, innerArith = 0;
  double innerIterations = 0;  // iterations of all innermost bodies together
  double innerExtent = 0;      // the largest innermost loop extent
  double bytesPerTraversal = 0; // bytes loaded by one full run of an innermost loop (largest)

  void visit(const te::For *op) override {
    ++loops;
    int64_t extent = constOr(op->extent, 16);
    path.push_back(extent);
    maxDepth = std::max(maxDepth, (int)path.size());
    if (op->for_kind == te::ForKind::Parallel)
      parallelExtent *= extent;
    Body saved = body;
    body = Body{};
    dispatch(op->body);
    if (!body.hasLoop) { // innermost
      double iterations = 1;
      for (int64_t e : path)
        iterations *= e;
      innerLoads += body.loads;
      innerStores += body.stores;
      innerArith += body.arith;
      innerIterations += iterations;
      innerExtent = std::max(innerExtent, (double)extent);
      bytesPerTraversal = std::max(bytesPerTraversal, body.loadBytes * extent);
    }
    body = saved;
    body.hasLoop = true;
    path.pop_back();
  }
  void visit(const te::Load *op) override {
    body.loads += 1;
    body.loadBytes += op->type.lanes * op->type.bits / 8.0;
    maxLanes = std::max(maxLanes, (int)op->type.lanes);
    te::IRVisitor::visit(op);
  }
  void visit(const te::Store *op) override {
    body.stores += 1;
    maxLanes = std::max(maxLanes, (int)op->value.type().lanes);
    te::IRVisitor::visit(op);
  }
  void visit(const te::Allocate *op) override {
    ++allocations;
    double n = op->type.bits / 8.0 * op->type.lanes;
    for (const te::Expr &e : op->extents)
      n *= constOr(e, 1);
    allocatedBytes += n;
    te::IRVisitor::visit(op);
  }
#define STRATA_ARITH(N)                                                                            \
  void visit(const te::N *op) override {                                                           \
    body.arith += 1;                                                                               \
    te::IRVisitor::visit(op);                                                                      \
  }
  STRATA_ARITH(Add)
  STRATA_ARITH(Sub)
  STRATA_ARITH(Mul)
  STRATA_ARITH(Div)
  STRATA_ARITH(Min)
  STRATA_ARITH(Max)
#undef STRATA_ARITH

private:
  struct Body {
    bool hasLoop = false;
    double loads = 0, stores = 0, arith = 0, loadBytes = 0;
  };
  Body body;
  std::vector<int64_t> path;
};

} // namespace

struct FeatureExtractor::Owned {
  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

FeatureExtractor::FeatureExtractor(graph::KernelOp kernel, const schedules::Workload &w,
                                   const targets::Target &target)
    : kernel(kernel), w(w), target(target) {}
FeatureExtractor::~FeatureExtractor() = default;

llvm::Expected<std::unique_ptr<FeatureExtractor>>
FeatureExtractor::parse(const std::string &module, const schedules::Workload &w,
                        const targets::Target &target) {
  auto owned = std::make_unique<Owned>();
  owned->ctx.disableMultithreading();
  frontend::registerDialects(owned->ctx);
  frontend::FirstDiagnostic diag(owned->ctx);
  owned->module = mlir::parseSourceString<mlir::ModuleOp>(module, &owned->ctx);
  if (!owned->module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "task module: " + diag.message("cannot parse"));
  graph::KernelOp kernel;
  owned->module->walk([&](graph::KernelOp k) { kernel = k; });
  if (!kernel)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "task module has no kernel");
  auto fx = std::make_unique<FeatureExtractor>(kernel, w, target);
  fx->owned = std::move(owned);
  return fx;
}

llvm::Expected<std::vector<float>> FeatureExtractor::features(const schedules::Schedule &s) {
  lowering::KernelLoweringOptions ko;
  ko.functionName = "candidate";
  auto lowered = lowering::lowerKernel(kernel, s, target, ko);
  if (!lowered)
    return lowered.takeError();
  Summary sum;
  sum.dispatch(lowered->body);
  std::vector<float> f = {
      lg((double)w.flops),
      lg((double)w.bytes),
      (float)sum.loops,
      (float)sum.maxDepth,
      lg(sum.parallelExtent),
      (float)sum.maxLanes,
      (float)sum.innerLoads,
      (float)sum.innerStores,
      (float)sum.innerArith,
      (float)(sum.innerArith / std::max(1.0, sum.innerLoads)),
      lg(sum.innerExtent),
      lg(sum.innerIterations),
      lg(sum.innerIterations * (sum.innerLoads + sum.innerStores)),
      lg(sum.bytesPerTraversal),
      (float)sum.allocations,
      lg(sum.allocatedBytes),
      (float)(sum.parallelExtent > 1),
      lg((double)w.flops / std::max(1.0, sum.parallelExtent)),
  };
  for (const auto &kv : s.knobs)
    if ((int)f.size() < kNumFeatures)
      f.push_back((float)kv.second);
  f.resize(kNumFeatures, 0.0f);
  return f;
}

} // namespace strata::tuning
