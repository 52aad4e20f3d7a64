// Unrolled loops of constant extent become one copy of the body per iteration (each copy binds
// the loop variable to its constant). Unrolled loops whose extent is not constant stay serial.
#pragma once

#include "dialects/te/IR.h"

namespace strata {
namespace te {

Stmt unroll_loops(const Stmt &s);

} // namespace te
} // namespace strata
