// TE -> loops: the whole lowering, one pass after another (see lower() in Lower.cpp).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dialects/te/Func.h"
#include "dialects/te/IR.h"
#include "dialects/te/LoweredFunc.h"
#include "strata/Status.h"

namespace strata {
namespace te {

struct LowerOptions {
  std::string name = "kernel";
  /// When set, the IR is printed here after every pass.
  std::ostream *log = nullptr;
  /// For a GPU: cooperative loops become each work-item's shares between barriers, with
  /// double buffering where scheduled (CooperativeLoops.h). Left alone, a cooperative loop
  /// means the same thing serially, as the IR interpreter runs it.
  bool share_cooperative_loops = false;
  /// False: vectorized loops are unrolled instead, for code emitted one lane at a time (OpenCL
  /// C, whose compiler vectorizes for its device).
  bool vectorize = true;
};

/// Lowers the pipeline computing `outputs` (each with a shape, see Func::set_shape) into one
/// function whose arguments are the inputs in order of first use, then the outputs in the order
/// given. Fails with the first definition or schedule error, or a bounds error (e.g. a RoundUp
/// split that would read an input outside its shape).
Result<LoweredFunc> lower(const std::vector<Func> &outputs, const LowerOptions &options = {});

} // namespace te
} // namespace strata
