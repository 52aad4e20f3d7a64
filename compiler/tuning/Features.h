//===- Features.h - what the cost model sees of a candidate ---------------===//
//
// A candidate is lowered (in this process, no code generation) and its loop
// nest summarized as a fixed-length vector: loop structure (count, depth,
// parallel and innermost extents), vector width, the work of the innermost
// bodies (vector loads, stores, arithmetic; unrolling shows up as their size),
// memory (bytes read per innermost traversal as a cache-footprint proxy,
// scratch allocations), the workload's FLOPs and bytes, and the raw knob values.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/GraphOps.h"
#include "lowering/schedules/ScheduleSpace.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace strata::tuning {

/// Features per candidate (the vector's length), and the version of their definition (records
/// store it; a model is trained on one version only).
constexpr int kNumFeatures = 24;
constexpr int kFeaturesVersion = 1;

class FeatureExtractor {
public:
  /// For a kernel of a module this extractor does not own (the pipeline's).
  FeatureExtractor(graph::KernelOp kernel, const schedules::Workload &w, const targets::Target &target);
  /// For the kernel of a task's standalone module (MLIR text), parsed once and owned.
  static llvm::Expected<std::unique_ptr<FeatureExtractor>> parse(const std::string &module,
                                                                 const schedules::Workload &w,
                                                                 const targets::Target &target);
  ~FeatureExtractor();
  llvm::Expected<std::vector<float>> features(const schedules::Schedule &s);

private:
  struct Owned;
  std::unique_ptr<Owned> owned; // the parsed module, when parsed here
  graph::KernelOp kernel;
  schedules::Workload w;
  targets::Target target;
};

} // namespace strata::tuning
