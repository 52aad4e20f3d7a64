//===- ModelChecks.h - whole-model checks before any node is converted ----===//
#pragma once

#include "compiler/frontends/ModelDesc.h"

#include "llvm/Support/Error.h"

namespace strata::frontend {

/// The graph's wiring is sound: every tensor has exactly one producer (a
/// graph input, an initializer or one node output) and every graph output is
/// produced. Errors name the model, the tensor and the nodes involved.
llvm::Error checkStructure(const ModelDesc &model);

/// "a, b, c and 4 more": the first three items of a list in an error message.
std::string firstFew(const std::vector<std::string> &items);

} // namespace strata::frontend
