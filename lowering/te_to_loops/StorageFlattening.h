// Storage flattening: Realize -> Allocate, Provide -> Store, FuncRef calls -> Load, with
// row-major flat indices. Inputs and outputs are dense row-major buffers named after them,
// starting at coordinate 0. An intermediate's allocation gets constant extents when the
// realized extent has a constant upper bound over the enclosing loops (so a tile-sized buffer
// stays tile-sized, e.g. register blocks). ProducerConsumer markers are dropped.
#pragma once

#include "dialects/te/IR.h"
#include "lowering/te_to_loops/ScheduleFunctions.h"

namespace strata {
namespace te {

Stmt storage_flattening(const Stmt &s, const Pipeline &p);

} // namespace te
} // namespace strata
