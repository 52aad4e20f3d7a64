// Rules for comparisons, logic and Select.
//   c1 < c2 -> fold; ints: a < b -> true/false when the sign of a - b is known (constant
//     difference, or bounds of variables from enclosing loops and lets), x == x -> true
//   floats: only constants fold (x == x is false for NaN)
//   x(a) < x(b) -> x(a < b)
//   a && true -> a, a && false -> false, a || true -> true, a || false -> a, !c -> fold,
//   !(a < b) -> b <= a for ints, !!a -> a
//   select(true, a, b) -> a, select(c, a, a) -> a, select(x(c), a, b) -> select(c, a, b)
#include "dialects/te/IREquality.h"
#include "dialects/te/Simplify_Internal.h"

namespace strata {
namespace te {
namespace simplify_detail {

namespace {

// Compares in the operands' own type: int64 constants above 2^53 would collide as doubles.
template <typename T> bool eval_cmp(IRNodeType op, T x, T y) {
  switch (op) {
  case IRNodeType::EQ: return x == y;
  case IRNodeType::NE: return x != y;
  case IRNodeType::LT: return x < y;
  case IRNodeType::LE: return x <= y;
  case IRNodeType::GT: return x > y;
  default: return x >= y;
  }
}

Expr make_cmp(IRNodeType op, const Expr &a, const Expr &b) {
  switch (op) {
  case IRNodeType::EQ: return EQ::make(a, b);
  case IRNodeType::NE: return NE::make(a, b);
  case IRNodeType::LT: return LT::make(a, b);
  case IRNodeType::LE: return LE::make(a, b);
  case IRNodeType::GT: return GT::make(a, b);
  default: return GE::make(a, b);
  }
}

} // namespace

Expr Simplifier::compare_ints(IRNodeType op, const Expr &a, const Expr &b) {
  int lanes = a.type().lanes;
  // Range of a - b.
  ConstInterval d;
  if (a.type().is_scalar()) {
    Linear l;
    collect_linear(a, 1, l);
    collect_linear(b, -1, l);
    Expr diff = rebuild_linear(l, a.type());
    d = const_bounds(diff);
  } else {
    d = interval_add(const_bounds(a), interval_neg(const_bounds(b)));
  }
  auto known = [&](bool v) { return make_bool(v, lanes); };
  bool lo = d.has_min, hi = d.has_max;
  switch (op) {
  case IRNodeType::LT:
    if (hi && d.max < 0) return known(true);
    if (lo && d.min >= 0) return known(false);
    break;
  case IRNodeType::LE:
    if (hi && d.max <= 0) return known(true);
    if (lo && d.min > 0) return known(false);
    break;
  case IRNodeType::GT:
    if (lo && d.min > 0) return known(true);
    if (hi && d.max <= 0) return known(false);
    break;
  case IRNodeType::GE:
    if (lo && d.min >= 0) return known(true);
    if (hi && d.max < 0) return known(false);
    break;
  case IRNodeType::EQ:
    if (lo && hi && d.min == 0 && d.max == 0) return known(true);
    if ((lo && d.min > 0) || (hi && d.max < 0)) return known(false);
    break;
  default: // NE
    if (lo && hi && d.min == 0 && d.max == 0) return known(false);
    if ((lo && d.min > 0) || (hi && d.max < 0)) return known(true);
    break;
  }
  return Expr();
}

#define STRATA_TE_SIMPLIFY_CMP(N)                                                                  \
  Expr Simplifier::visit(const N *op) {                                                            \
    Expr a = mutate(op->a), b = mutate(op->b);                                                     \
    const int64_t *ia = as_const_int(a), *ib = as_const_int(b);                                    \
    const double *fa = as_const_float(a), *fb = as_const_float(b);                                 \
    int lanes = op->type.lanes;                                                                    \
    if (ia && ib)                                                                                  \
      return make_bool(a.type().is_uint() ? eval_cmp(IRNodeType::N, uint64_t(*ia), uint64_t(*ib))  \
                                          : eval_cmp(IRNodeType::N, *ia, *ib),                     \
                       lanes);                                                                     \
    if (fa && fb) return make_bool(eval_cmp(IRNodeType::N, *fa, *fb), lanes);                      \
    if (const Broadcast *ba = a.as<Broadcast>())                                                   \
      if (const Broadcast *bb = b.as<Broadcast>())                                                 \
        return Broadcast::make(mutate(N::make(ba->value, bb->value)), lanes);                      \
    if (is_int_like(a.type())) {                                                                   \
      Expr known = compare_ints(IRNodeType::N, a, b);                                              \
      if (known.defined()) return known;                                                           \
    }                                                                                              \
    if (a.same_as(op->a) && b.same_as(op->b)) return op;                                           \
    return make_cmp(IRNodeType::N, a, b);                                                          \
  }
STRATA_TE_SIMPLIFY_CMP(EQ)
STRATA_TE_SIMPLIFY_CMP(NE)
STRATA_TE_SIMPLIFY_CMP(LT)
STRATA_TE_SIMPLIFY_CMP(LE)
STRATA_TE_SIMPLIFY_CMP(GT)
STRATA_TE_SIMPLIFY_CMP(GE)
#undef STRATA_TE_SIMPLIFY_CMP

Expr Simplifier::visit(const And *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (is_const_false(a) || is_const_false(b)) return make_bool(false, op->type.lanes);
  if (is_const_true(a)) return b;
  if (is_const_true(b)) return a;
  if (equal(a, b)) return a;
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return And::make(a, b);
}

Expr Simplifier::visit(const Or *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (is_const_true(a) || is_const_true(b)) return make_bool(true, op->type.lanes);
  if (is_const_false(a)) return b;
  if (is_const_false(b)) return a;
  if (equal(a, b)) return a;
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return Or::make(a, b);
}

Expr Simplifier::visit(const Not *op) {
  Expr a = mutate(op->a);
  if (const int64_t *c = as_const_int(a)) return make_bool(!*c, op->type.lanes);
  if (const Not *n = a.as<Not>()) return n->a;
  // Integer comparisons negate exactly (floats do not, because of NaN).
  auto is_ints = [](const Expr &x) { return is_int_like(x.type()); };
  if (const LT *l = a.as<LT>(); l && is_ints(l->a)) return mutate(LE::make(l->b, l->a));
  if (const LE *l = a.as<LE>(); l && is_ints(l->a)) return mutate(LT::make(l->b, l->a));
  if (const EQ *e = a.as<EQ>(); e && is_ints(e->a)) return mutate(NE::make(e->a, e->b));
  if (const NE *e = a.as<NE>(); e && is_ints(e->a)) return mutate(EQ::make(e->a, e->b));
  return a.same_as(op->a) ? Expr(op) : Not::make(a);
}

Expr Simplifier::visit(const Select *op) {
  Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (const Broadcast *b = c.as<Broadcast>()) c = b->value;
  if (is_const_true(c)) return t;
  if (is_const_false(c)) return f;
  if (equal(t, f)) return t;
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
    return op;
  return Select::make(c, t, f);
}

} // namespace simplify_detail
} // namespace te
} // namespace strata
