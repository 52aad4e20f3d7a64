// The unit of code generation: one kernel function in flattened loop IR.
//
// te::lower (lowering/te_to_loops) produces these; CodeGen_LLVM (targets/) turns each into one
// native function `int32_t name(T0 *arg0, T1 *arg1, ...)` that returns 0 on success or a
// strata_status code (e.g. when a heap allocation fails).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// A buffer argument. Its name is what Load/Store nodes in the body refer to.
struct LoweredArg {
  std::string name;
  Type type;                  // element type (scalar)
  std::vector<int64_t> shape; // dense, row-major; a negative extent means "not known statically"
  bool is_output = false;
  /// Guaranteed alignment of the pointer in bytes (a power of two). Caller-owned model inputs
  /// and outputs may only be element-aligned; workspace and constants are 64-byte aligned.
  int64_t alignment = 64;
};

/// Arguments are pointers, aligned as LoweredArg::alignment says, that do not overlap each other
/// (codegen marks them noalias). The body is storage-flattened: it reads and writes the buffers
/// by name with Load/Store and contains no Provide, Realize, FuncRef call, ProducerConsumer, or
/// Vectorized/Unrolled loop.
struct LoweredFunc {
  std::string name;
  std::vector<LoweredArg> args;
  Stmt body;
};

} // namespace te
} // namespace strata
