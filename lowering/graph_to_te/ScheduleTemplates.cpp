//===- ScheduleTemplates.cpp ----------------------------------------------===//
#include "lowering/graph_to_te/ScheduleTemplates.h"

namespace strata::lowering {
namespace {

int64_t knob(mlir::DictionaryAttr schedule, llvm::StringRef name, int64_t dflt) {
  if (!schedule)
    return dflt;
  if (auto v = schedule.getAs<mlir::IntegerAttr>(name))
    return v.getInt();
  return dflt;
}

int64_t numElements(const std::vector<int> &shape) {
  int64_t n = 1;
  for (int d : shape)
    n *= d;
  return n;
}

/// Largest power of two <= n (at least 1).
int floorPow2(int n) {
  int p = 1;
  while (p * 2 <= n)
    p *= 2;
  return p;
}

/// Below this many output elements a kernel runs on one thread: the pool's
/// wake-up costs more than the work.
constexpr int64_t kParallelThreshold = 1 << 14;

/// Vectorizes the innermost dimension and parallelizes the outermost
/// non-trivial one of a pure stage.
void scheduleInjective(te::Func &f, const std::vector<int> &shape, int vectorWidth) {
  if (shape.empty())
    return;
  auto loops = f.stage(0).loops();
  int inner = shape.back();
  int lanes = std::min(vectorWidth, floorPow2(inner));
  if (lanes >= 4)
    f.vectorize(loops.back(), lanes, te::TailStrategy::ShiftInward);
  if (numElements(shape) >= kParallelThreshold && shape.size() >= 2) {
    for (size_t d = 0; d + 1 < shape.size(); ++d)
      if (shape[d] > 1) {
        f.parallel(loops[d]);
        break;
      }
  }
}

} // namespace

llvm::Error applySchedule(KernelFuncs &k, mlir::DictionaryAttr schedule, int vectorWidth) {
  int v = (int)knob(schedule, "vector", vectorWidth);
  if (k.anchor.hasAccumulator && !k.anchor.accumulator.contents()->name.empty() &&
      k.anchor.accumulator.name() != k.output.name())
    k.anchor.accumulator.compute_root();
  for (te::Func &r : k.anchor.reductions)
    r.compute_root();
  scheduleInjective(k.output, k.outputShape, v);
  for (const te::Func *f : {&k.output}) {
    if (!f->error().ok())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "schedule: " + f->error().message());
  }
  return llvm::Error::success();
}

} // namespace strata::lowering
