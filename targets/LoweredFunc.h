// The unit of code generation: one kernel function in flattened loop IR.
//
// Lowering (lowering/te_to_loops) produces these; CodeGen_LLVM turns each into one native
// function `int32_t name(T0 *arg0, T1 *arg1, ...)` that returns 0 on success or a
// strata_status code (e.g. when a heap allocation fails).
#ifndef STRATA_TARGETS_LOWEREDFUNC_H
#define STRATA_TARGETS_LOWEREDFUNC_H

#include <cstdint>
#include <string>
#include <vector>

#include "dialects/te/IR.h"

namespace strata::targets {

// A buffer argument. Its name is what Load/Store nodes in the body refer to.
struct LoweredArg {
  std::string name;
  te::Type type;              // element type (scalar)
  std::vector<int64_t> shape; // dense, row-major; a negative extent means "not known statically"
  bool is_output = false;
  // Guaranteed alignment of the pointer in bytes (a power of two). Caller-owned model inputs
  // and outputs may only be element-aligned; workspace and constants are 64-byte aligned.
  int64_t alignment = 64;
};

// Arguments are passed as pointers aligned as LoweredArg::alignment says that must not overlap each
// other (codegen marks them noalias); the body must already be storage-flattened (only
// Load/Store/Allocate, no Provide/Realize/FuncRef calls).
struct LoweredFunc {
  std::string name;
  std::vector<LoweredArg> args;
  te::Stmt body;
};

} // namespace strata::targets

#endif
