// Rules for Min and Max.
//   min(c1, c2) -> fold (floats: select(a < b, a, b), so NaN picks b)
//   min(x, x) -> x
//   ints: min(a, b) -> a when a <= b is provable from known bounds (and the max analogues),
//         min(x + c1, x + c2) -> x + min(c1, c2) (any a, b whose difference is constant),
//         min(min(x, c1), c2) -> min(x, min(c1, c2)),
//         min(x(a), x(b)) -> x(min(a, b)); min of ramps is decided lane-wise by bounds
#include "dialects/te/IREquality.h"
#include "dialects/te/Simplify_Internal.h"

namespace strata {
namespace te {
namespace simplify_detail {

namespace {

template <typename T>
Expr min_or_max(Simplifier &s, const T *op, const Expr &a, const Expr &b, bool is_min) {
  Type t = op->type;
  auto make = [&](const Expr &x, const Expr &y) {
    return is_min ? Min::make(x, y) : Max::make(x, y);
  };
  const int64_t *ia = as_const_int(a), *ib = as_const_int(b);
  const double *fa = as_const_float(a), *fb = as_const_float(b);
  if (ia && ib) return make_const(t, is_min ? std::min(*ia, *ib) : std::max(*ia, *ib));
  if (fa && fb) return make_const(t, is_min ? (*fa < *fb ? *fa : *fb) : (*fa > *fb ? *fa : *fb));
  if (equal(a, b)) return a;
  if (const Broadcast *ba = a.as<Broadcast>())
    if (const Broadcast *bb = b.as<Broadcast>())
      return Broadcast::make(s.mutate(make(ba->value, bb->value)), ba->lanes);
  if (is_int_like(t)) {
    ConstInterval ra = s.const_bounds(a), rb = s.const_bounds(b);
    // Whole ranges ordered: the answer is one operand.
    if (ra.has_max && rb.has_min && ra.max <= rb.min) return is_min ? a : b;
    if (rb.has_max && ra.has_min && rb.max <= ra.min) return is_min ? b : a;
    if (t.is_scalar()) {
      Linear d;
      collect_linear(a, 1, d);
      collect_linear(b, -1, d);
      bool all_zero = true;
      for (auto &term : d.terms) all_zero &= term.second == 0;
      if (all_zero) return (d.constant <= 0) == is_min ? a : b;
    }
    // min(min(x, c1), c2) -> min(x, min(c1, c2))
    if (ib) {
      if (const T *inner = a.template as<T>()) {
        if (const int64_t *c1 = as_const_int(inner->b))
          return make(inner->a, make_const(t, is_min ? std::min(*c1, *ib) : std::max(*c1, *ib)));
      }
    }
    if (ia && !ib) return make(b, a); // constant on the right
  }
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return make(a, b);
}

} // namespace

Expr Simplifier::visit(const Min *op) {
  return min_or_max(*this, op, mutate(op->a), mutate(op->b), true);
}

Expr Simplifier::visit(const Max *op) {
  return min_or_max(*this, op, mutate(op->a), mutate(op->b), false);
}

} // namespace simplify_detail
} // namespace te
} // namespace strata
