//===- ConstantTensors.h - graph.constant <-> HostTensor, for the passes --===//
#pragma once

#include "dialects/graph/GraphOps.h"
#include "dialects/graph/reference/Interpreter.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace strata::graph {

/// The value of `v` when a graph.constant defines it.
inline std::optional<HostTensor> constantOf(mlir::Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return std::nullopt;
  return reference::fromAttr(c.getValue());
}

/// A graph.constant holding `t` with element type `elem`.
inline mlir::Value makeConstant(mlir::OpBuilder &b, mlir::Location loc, const HostTensor &t,
                                mlir::Type elem) {
  auto type = mlir::RankedTensorType::get(t.shape, elem);
  return b.create<ConstantOp>(loc, reference::toAttr(t, type));
}

} // namespace strata::graph
