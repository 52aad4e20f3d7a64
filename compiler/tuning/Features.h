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

#include "compiler/tuning/Tasks.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace strata::tuning {

/// Features per candidate (the vector's length), and the version of their definition (records
/// store it; a model is trained on one version only).
constexpr int kNumFeatures = 24;
constexpr int kFeaturesVersion = 1;

class FeatureExtractor {
public:
  /// Parses the task's module once; the extractor must not outlive `task`.
  static llvm::Expected<std::unique_ptr<FeatureExtractor>> create(const Task &task,
                                                                  const targets::Target &target);
  ~FeatureExtractor();
  llvm::Expected<std::vector<float>> features(const schedules::Schedule &s);

private:
  FeatureExtractor(const Task &task, const targets::Target &target);
  const Task &task;
  targets::Target target;
  mlir::MLIRContext ctx;
  struct Parsed;
  std::unique_ptr<Parsed> parsed;
};

} // namespace strata::tuning
