// Rules for Mul, Div and Mod.
//   c1 * c2, c1 / c2, c1 % c2 -> fold (ints: floor division / Euclidean modulo; x / 0 == 0)
//   ints:  x * 0 -> 0, x * 1 -> x, c * x -> x * c, (x + c1) * c2 -> linear form
//          ramp(b, s) * x(c) -> ramp(b * c, s * c)
//          (q * c + r) / c -> q + r / c        and r / c -> k when r is known in [k*c, k*c + c)
//          (q * c + r) % c -> r % c            and r % c -> r - k*c under the same condition
//          x / 1 -> x, x % 1 -> 0
//   floats: x * 1.0 -> x, x / 1.0 -> x (exact); x * 0.0 is NOT folded (NaN, -0.0, inf).
#include <cmath>

#include "dialects/te/Simplify_Internal.h"

namespace strata {
namespace te {
namespace simplify_detail {

namespace {

double fold_float(Type t, IRNodeType op, double a, double b) {
  if (t.bits == 32) {
    float x = float(a), y = float(b);
    if (op == IRNodeType::Mul) return x * y;
    if (op == IRNodeType::Div) return x / y;
    return x - y * std::floor(x / y);
  }
  if (op == IRNodeType::Mul) return a * b;
  if (op == IRNodeType::Div) return a / b;
  return a - b * std::floor(a / b);
}

// Splits linear form l into c * q + r where every term of q had a coefficient divisible by c.
void split_multiple(const Linear &l, int64_t c, Linear &q, Linear &r) {
  for (const auto &[term, k] : l.terms) {
    if (k % c == 0) q.terms.emplace_back(term, k / c);
    else r.terms.emplace_back(term, k);
  }
  q.constant = floor_div(l.constant, c);
  r.constant = euclid_mod(l.constant, c);
}

} // namespace

Expr Simplifier::visit(const Mul *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  Type t = op->type;
  const int64_t *ia = as_const_int(a), *ib = as_const_int(b);
  const double *fa = as_const_float(a), *fb = as_const_float(b);
  if (ia && ib) return make_const(t, wrap_mul(*ia, *ib));
  if (fa && fb) return make_const(t, fold_float(t, IRNodeType::Mul, *fa, *fb));
  if (t.is_float()) {
    if (fb && *fb == 1.0) return a;
    if (fa && *fa == 1.0) return b;
  } else {
    if (ia) std::swap(a, b), std::swap(ia, ib); // constant on the right
    if (ib && *ib == 0) return make_zero(t);
    if (ib && *ib == 1) return a;
    if (t.is_vector()) {
      const Ramp *r = a.as<Ramp>();
      const Broadcast *bb = b.as<Broadcast>();
      if (r && bb)
        return Ramp::make(mutate(Mul::make(r->base, bb->value)),
                          mutate(Mul::make(r->stride, bb->value)), r->lanes);
      if (const Broadcast *ba = a.as<Broadcast>(); ba && bb)
        return Broadcast::make(mutate(Mul::make(ba->value, bb->value)), ba->lanes);
    } else if (ib) {
      Linear l;
      collect_linear(a, *ib, l);
      return rebuild_linear(l, t);
    }
  }
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return Mul::make(a, b);
}

Expr Simplifier::visit(const Div *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  Type t = op->type;
  const int64_t *ia = as_const_int(a), *ib = as_const_int(b);
  const double *fa = as_const_float(a), *fb = as_const_float(b);
  if (ia && ib) return make_const(t, floor_div(*ia, *ib));
  if (fa && fb) return make_const(t, fold_float(t, IRNodeType::Div, *fa, *fb));
  if (t.is_float() && fb && *fb == 1.0) return a;
  if (t.is_int() && t.is_scalar() && ib && *ib > 0) {
    int64_t c = *ib;
    if (c == 1) return a;
    Linear l, q, r;
    collect_linear(a, 1, l);
    split_multiple(l, c, q, r);
    Expr rest = rebuild_linear(r, t);
    ConstInterval rb = const_bounds(rest);
    Expr rest_div;
    if (rb.has_min && rb.has_max && floor_div(rb.min, c) == floor_div(rb.max, c))
      rest_div = make_const(t, floor_div(rb.min, c));
    else if (!q.terms.empty() || q.constant != 0)
      rest_div = Div::make(rest, b);
    if (rest_div.defined()) {
      Expr qe = rebuild_linear(q, t);
      return is_zero(qe) ? rest_div : mutate(Add::make(qe, rest_div));
    }
  }
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return Div::make(a, b);
}

Expr Simplifier::visit(const Mod *op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  Type t = op->type;
  const int64_t *ia = as_const_int(a), *ib = as_const_int(b);
  const double *fa = as_const_float(a), *fb = as_const_float(b);
  if (ia && ib) return make_const(t, euclid_mod(*ia, *ib));
  if (fa && fb) return make_const(t, fold_float(t, IRNodeType::Mod, *fa, *fb));
  if (t.is_int() && t.is_scalar() && ib && *ib > 0) {
    int64_t c = *ib;
    if (c == 1) return make_zero(t);
    Linear l, q, r;
    collect_linear(a, 1, l);
    split_multiple(l, c, q, r);
    Expr rest = rebuild_linear(r, t);
    ConstInterval rb = const_bounds(rest);
    if (rb.has_min && rb.has_max && floor_div(rb.min, c) == floor_div(rb.max, c)) {
      int64_t k = floor_div(rb.min, c);
      return k == 0 ? rest : mutate(Sub::make(rest, make_const(t, k * c)));
    }
    if (!q.terms.empty() || q.constant != 0) return Mod::make(rest, b);
  }
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return Mod::make(a, b);
}

} // namespace simplify_detail
} // namespace te
} // namespace strata
