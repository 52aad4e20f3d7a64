// Rules for Add and Sub.
//   c1 + c2 -> fold                 (ints wrap to the type's width; floats round to its precision)
//   x + (-0.0) -> x, x - 0.0 -> x   (the only IEEE-exact float identities)
//   ramp(b1, s1) + ramp(b2, s2) -> ramp(b1 + b2, s1 + s2), ramp + x(b) -> ramp(b1 + b, s1),
//   x(a) + x(b) -> x(a + b)         (ints; broadcasts of any type)
//   integer sums are put in linear canonical form: (x + c1) + c2 -> x + (c1 + c2),
//   x - x -> 0, (a + c1) - (a + c2) -> c1 - c2, x * 2 + x -> x * 3, ...
//   (x / c) * c + x % c -> x            (c > 0; division floors)
#include <cmath>

#include "dialects/te/IREquality.h"
#include "dialects/te/Simplify_Internal.h"

namespace strata {
namespace te {
namespace simplify_detail {

namespace {

double fold_float(Type t, double a, double b, bool add) {
  if (t.bits == 32) return add ? double(float(a) + float(b)) : double(float(a) - float(b));
  return add ? a + b : a - b;
}

// Shared by Add and Sub (sign = +1 / -1).
Expr add_or_sub(Simplifier &s, const Expr &orig, const Expr &a, const Expr &b, bool is_add) {
  Type t = a.type();
  auto rebuild = [&]() {
    if (a.same_as(orig.as<Add>() ? orig.as<Add>()->a : orig.as<Sub>()->a) &&
        b.same_as(orig.as<Add>() ? orig.as<Add>()->b : orig.as<Sub>()->b))
      return orig;
    return is_add ? Add::make(a, b) : Sub::make(a, b);
  };
  const int64_t *ia = as_const_int(a), *ib = as_const_int(b);
  const double *fa = as_const_float(a), *fb = as_const_float(b);
  if (ia && ib) return make_const(t, is_add ? wrap_add(*ia, *ib) : wrap_sub(*ia, *ib));
  if (fa && fb) return make_const(t, fold_float(t, *fa, *fb, is_add));
  if (t.is_float()) {
    // x + -0.0 == x and x - +0.0 == x bit for bit (also for x == -0.0 and NaN).
    if (fb && *fb == 0 && std::signbit(*fb) == is_add) return a;
    if (is_add && fa && *fa == 0 && std::signbit(*fa)) return b;
    if (const Broadcast *ba = a.as<Broadcast>())
      if (const Broadcast *bb = b.as<Broadcast>())
        return Broadcast::make(s.mutate(is_add ? Add::make(ba->value, bb->value)
                                               : Sub::make(ba->value, bb->value)),
                               ba->lanes);
    return rebuild();
  }
  // Integer vectors: keep ramps and broadcasts in ramp form so loads stay dense.
  if (t.is_vector()) {
    auto op2 = [&](const Expr &x, const Expr &y) {
      return s.mutate(is_add ? Add::make(x, y) : Sub::make(x, y));
    };
    const Ramp *ra = a.as<Ramp>(), *rb = b.as<Ramp>();
    const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
    if (ra && rb) return Ramp::make(op2(ra->base, rb->base), op2(ra->stride, rb->stride), ra->lanes);
    if (ra && bb) return Ramp::make(op2(ra->base, bb->value), ra->stride, ra->lanes);
    if (ba && rb)
      return Ramp::make(op2(ba->value, rb->base),
                        is_add ? rb->stride : s.mutate(Sub::make(make_zero(t.element_of()), rb->stride)),
                        rb->lanes);
    if (ba && bb) return Broadcast::make(op2(ba->value, bb->value), ba->lanes);
    if (is_zero(b)) return a;
    if (is_add && is_zero(a)) return b;
    return rebuild();
  }
  Linear l;
  collect_linear(a, 1, l);
  collect_linear(b, is_add ? 1 : -1, l);
  // (x / c) * c * k + (x % c) * k -> x * k for c > 0 (floored division: a fused loop's index
  // split apart and put back together).
  for (size_t i = 0; i < l.terms.size(); i++) {
    const Div *d = l.terms[i].first.as<Div>();
    const int64_t *c = d ? as_const_int(d->b) : nullptr;
    if (!c || *c <= 0 || l.terms[i].second % *c) continue;
    int64_t k = l.terms[i].second / *c;
    for (size_t j = 0; j < l.terms.size(); j++) {
      const Mod *m = l.terms[j].first.as<Mod>();
      const int64_t *cm = m ? as_const_int(m->b) : nullptr;
      if (!cm || *cm != *c || l.terms[j].second != k || !equal(m->a, d->a)) continue;
      l.terms[i] = {d->a, k};
      l.terms.erase(l.terms.begin() + j);
      return s.mutate(rebuild_linear(l, t));
    }
  }
  // min(a, b) + rest -> min(a + rest, b + rest) when one side becomes a constant, e.g. the
  // extent of a guarded tile min(x + 7, 16) - x + 1 -> min(8, 17 - x).
  for (size_t i = 0; i < l.terms.size(); i++) {
    const Min *mn = l.terms[i].first.as<Min>();
    const Max *mx = l.terms[i].first.as<Max>();
    if ((!mn && !mx) || l.terms[i].second != 1 || l.terms.size() < 2) continue;
    Linear rest = l;
    rest.terms.erase(rest.terms.begin() + i);
    Expr r = rebuild_linear(rest, t);
    Expr x = s.mutate(Add::make(mn ? mn->a : mx->a, r));
    Expr y = s.mutate(Add::make(mn ? mn->b : mx->b, r));
    auto bounded_by_const = [](const Expr &e) {
      const Min *m1 = e.as<Min>();
      const Max *m2 = e.as<Max>();
      return is_const(e) || (m1 && is_const(m1->b)) || (m2 && is_const(m2->b));
    };
    if (is_const(x) || is_const(y) || (bounded_by_const(x) && bounded_by_const(y)))
      return s.mutate(mn ? Min::make(x, y) : Max::make(x, y));
  }
  return rebuild_linear(l, t);
}

} // namespace

Expr Simplifier::visit(const Add *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  return add_or_sub(*this, Expr(op), a, b, true);
}

Expr Simplifier::visit(const Sub *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  return add_or_sub(*this, Expr(op), a, b, false);
}

} // namespace simplify_detail
} // namespace te
} // namespace strata
