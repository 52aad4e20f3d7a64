// TE -> loops: the whole lowering, one pass after another (see lower() in Lower.cpp).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dialects/te/Error.h"
#include "dialects/te/Func.h"
#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// One pointer argument of a lowered function: a dense row-major buffer.
struct BufferArg {
  std::string name;
  Type type; // element type
  std::vector<int> shape;
  bool is_output = false;
};

/// A lowered kernel. Codegen emits one function taking one pointer per arg, in order (inputs
/// in order of first use, then outputs in the order given to lower()). The body reads and
/// writes those buffers by name with Load/Store; it contains no Provide, Realize, FuncRef call,
/// ProducerConsumer, or Vectorized/Unrolled loop.
struct LoweredFunc {
  std::string name;
  std::vector<BufferArg> args;
  Stmt body;
};

struct LowerOptions {
  std::string name = "kernel";
  /// When set, the IR is printed here after every pass.
  std::ostream *log = nullptr;
};

/// Lowers the pipeline computing `outputs` (each with a shape, see Func::set_shape). Fails with
/// the first definition or schedule error, or a bounds error (e.g. a RoundUp split that would
/// read an input outside its shape).
Result<LoweredFunc> lower(const std::vector<Func> &outputs, const LowerOptions &options = {});

} // namespace te
} // namespace strata
