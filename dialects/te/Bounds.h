// Interval arithmetic over Exprs, and region inference: which box of each Func/buffer an
// expression or statement touches. Bounds are symbolic (they may mention variables defined
// outside the analysed code) and simplified.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// Closed interval [min, max]; an undefined end means unbounded on that side.
struct Interval {
  Expr min, max;
  Interval() = default;
  Interval(Expr mn, Expr mx) : min(std::move(mn)), max(std::move(mx)) {}
  static Interval everything() { return Interval(); }
  static Interval single_point(const Expr &e) { return Interval(e, e); }
  bool has_lower_bound() const { return min.defined(); }
  bool has_upper_bound() const { return max.defined(); }
  bool is_bounded() const { return min.defined() && max.defined(); }
  /// The smallest interval containing both (simplified).
  static Interval make_union(const Interval &a, const Interval &b);
};

/// Known intervals of variables, by name.
using Scope = std::map<std::string, Interval>;

/// Interval of values e can take when its variables range over `scope` (variables not in scope
/// are treated as fixed symbols). Only integer expressions get finite bounds; others are
/// unbounded except constants.
Interval bounds_of_expr_in_scope(const Expr &e, const Scope &scope);

/// One interval per dimension.
using Box = std::vector<Interval>;

/// The union of a and b, dimension by dimension (an empty Box is the identity).
Box box_union(const Box &a, const Box &b);

/// For each Func/input read by FuncRef calls in e / s: the box of coordinates read. Loops and
/// lets inside s bind their variables to their ranges; variables bound outside come from
/// `scope` or stay symbolic.
std::map<std::string, Box> boxes_required(const Expr &e, const Scope &scope = {});
std::map<std::string, Box> boxes_required(const Stmt &s, const Scope &scope = {});
/// For each Func written by Provide in s: the box of coordinates written.
std::map<std::string, Box> boxes_provided(const Stmt &s, const Scope &scope = {});

} // namespace te
} // namespace strata
