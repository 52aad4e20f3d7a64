//===- Interpreter.h - the reference interpreter of the graph dialect -----===//
//
// Plain loops per graph op, computing in double and storing with the
// tensor's element semantics. It is the ground truth of every numerical test
// and the evaluator behind compile-time constant folding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/reference/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

namespace strata::reference {

/// Evaluates one graph op (including graph.kernel and graph.constant).
llvm::Expected<std::vector<HostTensor>> evaluateOp(mlir::Operation *op,
                                                   llvm::ArrayRef<HostTensor> operands);

/// Runs a function on inputs in argument order; results in func.return order.
llvm::Expected<std::vector<HostTensor>> runFunction(mlir::func::FuncOp fn,
                                                    llvm::ArrayRef<HostTensor> inputs);

HostTensor fromAttr(mlir::ElementsAttr attr);
mlir::DenseElementsAttr toAttr(const HostTensor &t, mlir::RankedTensorType type);

} // namespace strata::reference
