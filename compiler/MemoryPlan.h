//===- MemoryPlan.h - where every tensor of a fused graph lives -----------===//
//
// After fusion, @main is a sequence of graph.kernel ops, constants and
// reshapes. Each value lives in one of: a caller's input or output buffer, a
// constant (read-only data), or the workspace arena at a fixed offset.
// Reshapes are views: they share their source's storage. Arena offsets are
// assigned first-fit by liveness, so tensors whose lifetimes do not overlap
// share memory; the plan is deterministic.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/GraphOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

namespace strata {

struct Storage {
  enum class Kind { Input, Output, Constant, Arena } kind = Kind::Arena;
  int64_t index = 0;  // input/output/constant number
  int64_t offset = 0; // bytes into the arena (Arena only)
};

struct MemoryPlan {
  llvm::DenseMap<mlir::Value, Storage> storage; // for every tensor value of @main
  std::vector<graph::ConstantOp> constants;     // Storage::index order
  int64_t arenaBytes = 0;
  int64_t intermediateBytes = 0; // the arena tensors' sizes summed, as if none shared memory
  static constexpr int64_t kAlignment = 64;
};

/// Makes every function result the sole result of a distinct kernel (wrapping
/// inputs, constants and duplicated results in copy kernels), so each kernel
/// can write outputs in place.
void ensureOutputsAreKernelResults(mlir::func::FuncOp fn);

/// Plans storage for a fused function (run ensureOutputsAreKernelResults first).
llvm::Expected<MemoryPlan> planMemory(mlir::func::FuncOp fn);

} // namespace strata
