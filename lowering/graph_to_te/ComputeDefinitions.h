//===- ComputeDefinitions.h - what each graph op computes, as Funcs -------===//
//
// The math of every graph op written once as tensor expressions over index
// variables (Halide style); how it is computed is the schedule's business.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/te/Func.h"
#include "targets/Target.h"

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

/// Long reductions along the contiguous (last) axis are split into `lanes` interleaved partial
/// results, lane l combining elements l, l + lanes, l + 2 lanes, ...: reductionLanes(target),
/// halved while the extent is under 2 * lanes, down to kMinReductionLanes; shorter extents are
/// one scalar chain. A CPU vectorizes across the lanes: four vectors of f32 (16 SSE/NEON, 32
/// AVX2, 64 AVX-512 lanes) are four independent chains of a max, or eight of an f64 sum, enough
/// to hide the latency of the combining op. A GPU's gpu_softmax puts a work-item on each of
/// kGpuReductionLanes.
constexpr int kMinReductionLanes = 16;
constexpr int kGpuReductionLanes = 16;
int reductionLanes(const targets::Target &target);

/// A helper Func of a reduction or softmax (the reduction's total, softmax's max, exp and
/// sum), over the kept coordinates; the schedule template places and vectorizes it.
struct Helper {
  te::Func func;
  /// Extent of func's last argument when that argument runs along the input's contiguous
  /// axis and is not reduced: the template vectorizes across it (with the reduction loops
  /// outside, each lane accumulating its own column). 0 otherwise.
  int columns = 0;
  /// When defined, partial(kept..., lane) holds the interleaved lane partials (see
  /// reductionLanes), which func's last update combines.
  te::Func partial;
};

/// Funcs made for one op: `result` is the op's value; `accumulator` is the
/// Func with update definitions that blocked templates put in registers (conv,
/// matmul) and pools compute first; `reductions` are the helpers of reductions,
/// softmax and arg-reductions, which the schedule templates place.
struct OpFuncs {
  te::Func result;
  te::Func accumulator; // defined for conv2d / matmul / pools
  bool hasAccumulator = false;
  std::vector<Helper> reductions;
  /// Pure helper Funcs the anchor reads (a conv's zero-padded input): inlined
  /// unless a schedule template places them.
  std::vector<te::Func> prologue;
  /// The reductions cover whole slices along this axis of the result (softmax), so they can
  /// be computed one slice at a time; -1: they are computed once, before the result.
  int sliceAxis = -1;
};

/// Defines the Funcs of one graph op. `prefix` makes the Func names unique; long reductions
/// take `reductionLanes` lane partials.
llvm::Expected<OpFuncs> defineOp(mlir::Operation *op, llvm::ArrayRef<TensorValue> operands,
                                 const std::string &prefix, int reductionLanes);

te::Type teType(mlir::Type elementType);

} // namespace strata::lowering
