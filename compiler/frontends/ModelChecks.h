//===- ModelChecks.h - whole-model checks before any node is converted ----===//
#pragma once

#include "compiler/frontends/ModelDesc.h"

#include "llvm/Support/Error.h"

namespace strata::frontend {

/// The graph's wiring is sound: every tensor has exactly one producer (a
/// graph input, an initializer or one node output) and every graph output is
/// produced. Errors name the model, the tensor and the nodes involved.
llvm::Error checkStructure(const ModelDesc &model);

} // namespace strata::frontend
