//===- Interpreter.h - the reference interpreter of the graph dialect -----===//
//
// Plain loops per graph op, computing in double and storing with the
// tensor's element semantics. It is the ground truth of every numerical test
// and the evaluator behind compile-time constant folding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "dialects/graph/reference/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

namespace strata::reference {

/// Evaluates one graph op (including graph.kernel and graph.constant) on
/// operand values, which must match the op's operand types (graph.shape's
/// operand value is not read and may be empty). The op is verified first.
/// Errors name the op, its location and the problem.
llvm::Expected<std::vector<HostTensor>> evaluateOp(mlir::Operation *op,
                                                   llvm::ArrayRef<HostTensor> operands);

/// Runs a function on inputs in argument order; results in func.return order.
/// The function is verified first and inputs must match its argument types.
llvm::Expected<std::vector<HostTensor>> runFunction(mlir::func::FuncOp fn,
                                                    llvm::ArrayRef<HostTensor> inputs);

/// The HostTensor element type of an MLIR element type (f32, i64, i32, i1).
DType dtypeOf(mlir::Type elementType);
/// The MLIR element type of a DType.
mlir::Type elementTypeOf(DType dtype, mlir::MLIRContext *ctx);

/// Reads an f32, i64, i32 or i1 ElementsAttr: dense (splat or not; f32 and
/// i64 through their raw data), dense resource blobs, or any other
/// ElementsAttr element by element.
HostTensor fromAttr(mlir::ElementsAttr attr); // a fatal error where tryFromAttr fails
llvm::Expected<HostTensor> tryFromAttr(mlir::ElementsAttr attr);

/// A dense attribute of `type` (its element type is t's; same element count); a splat
/// where all values are equal.
mlir::DenseElementsAttr toAttr(const HostTensor &t, mlir::RankedTensorType type);

} // namespace strata::reference
