// Human-readable printing of the TE IR, e.g.
//   for (x, 0, 16) vectorized {
//     out[x] = (a[x] + 1.0f)
//   }
#pragma once

#include <ostream>
#include <string>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

std::ostream &operator<<(std::ostream &os, const Type &t);
std::ostream &operator<<(std::ostream &os, const Expr &e);
std::ostream &operator<<(std::ostream &os, const Stmt &s);
std::ostream &operator<<(std::ostream &os, ForKind k);

/// The printed form as a string (convenient in tests and error messages).
std::string to_string(const Type &t);
std::string to_string(const Expr &e);
std::string to_string(const Stmt &s);

} // namespace te
} // namespace strata
