// Loops of extent 1 become a let of their variable; loops of extent <= 0 disappear.
#pragma once

#include "dialects/te/IR.h"

namespace strata {
namespace te {

Stmt remove_trivial_loops(const Stmt &s);

} // namespace te
} // namespace strata
