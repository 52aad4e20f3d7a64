// Structural equality of TE IR: same node kinds, types, names and constants all the way down.
#pragma once

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// True if a and b are structurally identical (two undefined handles are equal).
bool equal(const Expr &a, const Expr &b);
bool equal(const Stmt &a, const Stmt &b);

} // namespace te
} // namespace strata
