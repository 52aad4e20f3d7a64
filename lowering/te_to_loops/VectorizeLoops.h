// Vectorized loops of constant extent n become straight-line vector code: the loop variable
// becomes ramp(min, 1, n), operations widen lane-wise, loads and stores take vector indices.
// A vectorized loop whose body has an if that depends on the loop variable (a split tail
// guard) whose condition only gets harder to meet as the variable grows is specialised:
//   if (<guard holds for the last lane>) <vector body> else <scalar loop with the guard>
// Loops that cannot be vectorized (non-constant extent, allocations or other guards inside, a
// store of many lanes to one address) stay serial: correct, just slower.
#pragma once

#include "dialects/te/IR.h"

namespace strata {
namespace te {

Stmt vectorize_loops(const Stmt &s);

} // namespace te
} // namespace strata
