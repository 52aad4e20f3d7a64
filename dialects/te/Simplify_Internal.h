// Shared by the Simplify_*.cpp files: the Simplifier mutator and its helpers. Not a public API.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dialects/te/IRVisitor.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/Simplify.h"

namespace strata {
namespace te {
namespace simplify_detail {

/// Wrapping arithmetic on int64 (avoids C++ signed-overflow UB; IntImm::make narrows).
inline int64_t wrap_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrap_sub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

/// Scalar signed/unsigned integer, not Bool.
inline bool is_scalar_int(const Type &t) { return t.is_scalar() && t.is_int_or_uint(); }
inline bool is_int_like(const Type &t) { return t.is_int_or_uint(); }

/// A scalar integer expression as sum(term_i * coeff_i) + constant.
struct Linear {
  std::vector<std::pair<Expr, int64_t>> terms;
  int64_t constant = 0;
  bool is_constant() const { return terms.empty(); }
};
/// Collects e * scale into out (e is already simplified).
void collect_linear(const Expr &e, int64_t scale, Linear &out);
/// Rebuilds a canonical expression of type t: positive terms, then negative ones, then constant.
Expr rebuild_linear(const Linear &l, Type t);

class Simplifier : public IRMutator {
public:
  explicit Simplifier(const std::map<std::string, ConstInterval> &known) : bounds_(known) {}

  /// Constant bounds of an already-simplified integer expression.
  ConstInterval const_bounds(const Expr &e) const;

  using IRMutator::mutate;

protected:
  std::map<std::string, ConstInterval> bounds_;
  std::map<std::string, Expr> lets_; // let names substituted away

  /// Folds a comparison of ints via the sign of a - b. Returns undefined if unknown.
  Expr compare_ints(IRNodeType op, const Expr &a, const Expr &b);

#define STRATA_TE_SIMPLIFY_EXPR(N) Expr visit(const N *op) override;
#define STRATA_TE_SIMPLIFY_STMT(N) Stmt visit(const N *op) override;
  STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_SIMPLIFY_EXPR)
  STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_SIMPLIFY_STMT)
#undef STRATA_TE_SIMPLIFY_EXPR
#undef STRATA_TE_SIMPLIFY_STMT
};

/// Interval helpers (open ends propagate).
ConstInterval interval_add(const ConstInterval &a, const ConstInterval &b);
ConstInterval interval_neg(const ConstInterval &a);
ConstInterval interval_mul_const(const ConstInterval &a, int64_t c);
ConstInterval interval_union(const ConstInterval &a, const ConstInterval &b);

} // namespace simplify_detail
} // namespace te
} // namespace strata
