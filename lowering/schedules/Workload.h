//===- Workload.h - what a kernel computes, as scheduling sees it ---------===//
//
// A workload is a kernel stripped of everything a schedule does not care about
// (its name, its position in the model, constant values): the ops of its body
// with their attributes, the types of its inputs and result. Two kernels with
// the same workload take the same schedule, so tuning records are keyed by it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/GraphOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace strata::schedules {

struct TensorType {
  std::string dtype; // "f32", "i64", ...
  std::vector<int64_t> shape;
  int64_t numElements() const;
  int64_t bytes() const;
};

struct Workload {
  /// The kernel's anchor ("conv2d", "matmul", "elementwise", "reduce_sum", ...).
  std::string anchor;
  std::vector<TensorType> inputs; // the kernel's operands, in order
  TensorType output;
  /// The anchor op's operand types (for conv2d: input, filter[, bias]).
  std::vector<TensorType> anchorOperands;
  /// The anchor op's integer attributes (strides, pads, dilations, groups, kernel, axes, ...).
  std::vector<std::pair<std::string, std::vector<int64_t>>> attrs;
  /// Every op of the body in order, as "name{attrs}" (constants as their type only).
  std::vector<std::string> ops;
  /// Arithmetic work: 2 per multiply-add of conv/matmul, one per element and window tap of the
  /// other ops (an estimate for the profile's GFLOP/s, not a count of instructions).
  int64_t flops = 0;
  /// Compulsory memory traffic: every input read once and the output written once.
  int64_t bytes = 0;

  /// The anchor's attribute `name`, or `dflt` when it has none.
  std::vector<int64_t> attr(const std::string &name, std::vector<int64_t> dflt = {}) const;
  /// A stable text key: equal for kernels that compute the same thing on the same types.
  std::string key() const;
};

/// Describes a graph.kernel.
Workload workloadOf(graph::KernelOp kernel);

} // namespace strata::schedules
