//===- Passes.h - graph dialect passes ------------------------------------===//
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/graph/GraphOps.h"

namespace strata::graph {

#define GEN_PASS_DECL
#include "dialects/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/graph/Passes.h.inc"

} // namespace strata::graph
