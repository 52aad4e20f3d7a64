//===- ComputeDefinitions.h - what each graph op computes, as Funcs -------===//
//
// The math of every graph op written once as tensor expressions over index
// variables (Halide style); how it is computed is the schedule's business.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/te/Func.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/Error.h"

#include <functional>

namespace strata::lowering {

/// A tensor inside a kernel: a kernel argument (te::Input) or a Func.
struct TensorValue {
  std::vector<int> shape;
  te::Type type;
  std::function<te::Expr(const std::vector<te::Expr> &)> read;
  te::Func func; // set when the value is a Func
  bool isFunc = false;

  te::Expr operator()(const std::vector<te::Expr> &at) const { return read(at); }
  static TensorValue of(const te::Input &in);
  static TensorValue of(const te::Func &f, std::vector<int> shape);
};

/// Funcs made for one op: `result` is the op's value; `reductions` are the
/// helper Funcs with update definitions (a conv's accumulator, softmax's max
/// and sum), which schedule templates place; `accumulator` is the main one.
struct OpFuncs {
  te::Func result;
  te::Func accumulator; // defined for conv2d / matmul / pools / reductions
  bool hasAccumulator = false;
  std::vector<te::Func> reductions;
  /// Pure helper Funcs the anchor reads (a conv's zero-padded input): inlined
  /// unless a schedule template places them.
  std::vector<te::Func> prologue;
};

/// Defines the Funcs of one graph op. `prefix` makes the Func names unique.
llvm::Expected<OpFuncs> defineOp(mlir::Operation *op, llvm::ArrayRef<TensorValue> operands,
                                 const std::string &prefix);

te::Type teType(mlir::Type elementType);

} // namespace strata::lowering
