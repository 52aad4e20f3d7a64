//===- Passes.h - passes that pick schedules ------------------------------===//
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/graph/GraphOps.h"

namespace strata::schedules {

#define GEN_PASS_DECL
#include "lowering/schedules/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowering/schedules/Passes.h.inc"

} // namespace strata::schedules
