// The simplifier: constant folding and algebraic rewrites, written as rule lists per node family
// (Simplify_Add.cpp, Simplify_Mul.cpp, ...). Integer rules use the IR's rules (floor division,
// no signed overflow) and facts about variables known from enclosing For loops and lets. Float
// rules are IEEE-safe: only folds of constants and exact identities (x + -0.0 is not x + 0.0;
// x * 0.0 is never folded; no reassociation).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// Known constant integer range [min, max] of a variable (either side may be open).
struct ConstInterval {
  bool has_min = false, has_max = false;
  int64_t min = 0, max = 0;
  static ConstInterval exactly(int64_t v) { return {true, true, v, v}; }
  static ConstInterval range(int64_t lo, int64_t hi) { return {true, true, lo, hi}; }
};

Expr simplify(const Expr &e);
/// Simplifies e knowing the ranges of some integer variables.
Expr simplify(const Expr &e, const std::map<std::string, ConstInterval> &known);
Stmt simplify(const Stmt &s);

/// True if the Bool expression e simplifies to true (false means "could not prove").
bool can_prove(const Expr &e, const std::map<std::string, ConstInterval> &known = {});

} // namespace te
} // namespace strata
