// A reference interpreter for lowered loop IR (and for Exprs), used by tests to check that a
// schedule computes the same values as the plain algorithm. Supports vector nodes. Float32
// arithmetic is done in float32 (bit-exact IEEE, no contraction); integers wrap to their width.
// Out-of-bounds accesses and unknown names are reported as errors, not undefined behaviour, and
// fresh allocations are filled with NaN (or 0x5A5A... for ints) so reads of unwritten memory show.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dialects/te/IR.h"
#include "strata/Status.h"

namespace strata {
namespace te {

/// A dense host buffer; every element is held as a double (exact for float32 and int32).
struct HostBuffer {
  Type type = Float(32);
  std::vector<double> data;
  HostBuffer() = default;
  HostBuffer(Type t, size_t n, double fill = 0) : type(t), data(n, fill) {}
};

/// Runs s with the named buffers (inputs and outputs). Parallel/GPU loops run serially.
Status evaluate(const Stmt &s, std::map<std::string, HostBuffer *> buffers);

/// Evaluates a scalar Expr with the given variable values (for tests of the simplifier).
Result<double> evaluate(const Expr &e, const std::map<std::string, double> &vars = {});

} // namespace te
} // namespace strata
