//===- GraphOps.h - graph dialect operations ------------------------------===//
#pragma once

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/GraphDialect.h"

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.h.inc"

/// The unary math ops computed by libm: X(OpClass, function, ONNX op name); the
/// function is both te::function and std::function.
#define STRATA_GRAPH_FOR_EACH_LIBM_OP(X)                                                           \
  X(SinOp, sin, "Sin") X(CosOp, cos, "Cos") X(TanOp, tan, "Tan") X(AsinOp, asin, "Asin")          \
  X(AcosOp, acos, "Acos") X(AtanOp, atan, "Atan") X(SinhOp, sinh, "Sinh")                          \
  X(CoshOp, cosh, "Cosh") X(AsinhOp, asinh, "Asinh") X(AcoshOp, acosh, "Acosh")                    \
  X(AtanhOp, atanh, "Atanh")

namespace strata::graph {

/// Numpy broadcast of two shapes; nullopt when they are incompatible.
std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b);

/// Ops computed element by element from their (broadcast) operands.
bool isElementwise(mlir::Operation *op);

/// Output size of a conv/pool window along one dimension.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin,
                         int64_t padEnd, int64_t dilation, bool ceilMode);

} // namespace strata::graph
