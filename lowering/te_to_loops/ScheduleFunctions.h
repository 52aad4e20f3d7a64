// Builds the loop nest of a pipeline from its schedule: inlines compute_inline Funcs, emits
// each stage's loops (splits, fuses, order, loop kinds, tail guards), places every other Func at
// its compute_at / compute_root level with a Realize at its store level, and infers the bounds
// each producer must cover from what its consumers read there (interval arithmetic, Bounds.h).
// The result still uses Provide / FuncRef calls / Realize (see StorageFlattening.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dialects/te/Func.h"
#include "strata/Status.h"

namespace strata {
namespace te {

/// All Funcs and inputs reachable from the outputs.
struct Pipeline {
  std::vector<std::shared_ptr<FuncContents>> outputs;
  std::map<std::string, std::shared_ptr<FuncContents>> funcs;   // by name, outputs included
  std::map<std::string, std::shared_ptr<InputContents>> inputs; // by name
  std::vector<std::string> order;       // realization order, producers first
  std::vector<std::string> input_order; // inputs in order of first use
};

/// Finds every Func and input the outputs depend on; fails on undefined Funcs, unknown names,
/// recorded definition/schedule errors and outputs without a shape.
Result<Pipeline> find_pipeline(const std::vector<Func> &outputs);

/// The loop nest (with Provide/Realize/FuncRef) computing the outputs over their shapes.
Result<Stmt> schedule_functions(const Pipeline &p);

} // namespace te
} // namespace strata
