// Simplifier entry points, shared helpers (linear forms, constant intervals) and the rules for
// leaves, casts, vectors, lets and calls. Arithmetic families live in Simplify_<Family>.cpp.
#include <algorithm>
#include <cmath>

#include "dialects/te/IREquality.h"
#include "dialects/te/Simplify_Internal.h"
#include "dialects/te/Substitute.h"

namespace strata {
namespace te {
namespace simplify_detail {

void collect_linear(const Expr &e, int64_t scale, Linear &out) {
  if (const IntImm *i = e.as<IntImm>()) {
    out.constant = wrap_add(out.constant, wrap_mul(i->value, scale));
  } else if (const Add *a = e.as<Add>()) {
    collect_linear(a->a, scale, out);
    collect_linear(a->b, scale, out);
  } else if (const Sub *s = e.as<Sub>()) {
    collect_linear(s->a, scale, out);
    collect_linear(s->b, -scale, out);
  } else if (const Mul *m = e.as<Mul>(); m && m->b.as<IntImm>()) {
    collect_linear(m->a, wrap_mul(scale, m->b.as<IntImm>()->value), out);
  } else {
    for (auto &t : out.terms) {
      if (equal(t.first, e)) {
        t.second = wrap_add(t.second, scale);
        return;
      }
    }
    out.terms.emplace_back(e, scale);
  }
}

Expr rebuild_linear(const Linear &l, Type t) {
  auto scaled = [&](const Expr &term, int64_t c) {
    return c == 1 ? term : Mul::make(term, make_const(t, c));
  };
  Expr e;
  bool constant_used = false;
  for (const auto &[term, c] : l.terms)
    if (c > 0) e = e.defined() ? Add::make(e, scaled(term, c)) : scaled(term, c);
  for (const auto &[term, c] : l.terms) {
    if (c >= 0) continue;
    if (!e.defined()) { // only negative terms: constant - terms
      e = make_const(t, l.constant);
      constant_used = true;
    }
    e = Sub::make(e, scaled(term, -c));
  }
  if (!e.defined()) return make_const(t, l.constant);
  if (constant_used || l.constant == 0) return e;
  if (l.constant > 0) return Add::make(e, make_const(t, l.constant));
  return Sub::make(e, make_const(t, -l.constant));
}

ConstInterval interval_add(const ConstInterval &a, const ConstInterval &b) {
  ConstInterval r;
  r.has_min = a.has_min && b.has_min;
  r.has_max = a.has_max && b.has_max;
  r.min = a.min + b.min;
  r.max = a.max + b.max;
  return r;
}

ConstInterval interval_neg(const ConstInterval &a) {
  return {a.has_max, a.has_min, -a.max, -a.min};
}

ConstInterval interval_mul_const(const ConstInterval &a, int64_t c) {
  if (c == 0) return ConstInterval::exactly(0);
  if (c < 0) return interval_mul_const(interval_neg(a), -c);
  return {a.has_min, a.has_max, a.min * c, a.max * c};
}

ConstInterval interval_union(const ConstInterval &a, const ConstInterval &b) {
  return {a.has_min && b.has_min, a.has_max && b.has_max, std::min(a.min, b.min),
          std::max(a.max, b.max)};
}

ConstInterval Simplifier::const_bounds(const Expr &e) const {
  if (!e.defined() || !(is_int_like(e.type()) || e.type().is_bool())) return {};
  if (const IntImm *i = e.as<IntImm>()) return ConstInterval::exactly(i->value);
  if (e.type().is_bool()) return ConstInterval::range(0, 1);
  if (e.type().bits > 32 && !e.type().is_int()) return {}; // avoid wrap-around surprises
  if (const Variable *v = e.as<Variable>()) {
    auto it = bounds_.find(v->name);
    return it == bounds_.end() ? ConstInterval{} : it->second;
  }
  if (const Add *a = e.as<Add>()) return interval_add(const_bounds(a->a), const_bounds(a->b));
  if (const Sub *s = e.as<Sub>())
    return interval_add(const_bounds(s->a), interval_neg(const_bounds(s->b)));
  if (const Mul *m = e.as<Mul>()) {
    if (const int64_t *c = as_const_int(m->b)) return interval_mul_const(const_bounds(m->a), *c);
    ConstInterval a = const_bounds(m->a), b = const_bounds(m->b);
    if (a.has_min && a.has_max && b.has_min && b.has_max) {
      int64_t p[4] = {a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max};
      return ConstInterval::range(*std::min_element(p, p + 4), *std::max_element(p, p + 4));
    }
    return {};
  }
  if (const Div *d = e.as<Div>()) {
    const int64_t *c = as_const_int(d->b);
    if (!c || *c <= 0) return {};
    ConstInterval a = const_bounds(d->a);
    return {a.has_min, a.has_max, floor_div(a.min, *c), floor_div(a.max, *c)};
  }
  if (const Mod *m = e.as<Mod>()) {
    const int64_t *c = as_const_int(m->b);
    if (!c || *c <= 0) return {};
    ConstInterval a = const_bounds(m->a);
    if (a.has_min && a.has_max && a.min >= 0 && a.max < *c) return a;
    return ConstInterval::range(0, *c - 1);
  }
  if (const Min *m = e.as<Min>()) {
    ConstInterval a = const_bounds(m->a), b = const_bounds(m->b);
    ConstInterval r;
    r.has_min = a.has_min && b.has_min;
    r.min = std::min(a.min, b.min);
    r.has_max = a.has_max || b.has_max;
    r.max = !a.has_max ? b.max : !b.has_max ? a.max : std::min(a.max, b.max);
    return r;
  }
  if (const Max *m = e.as<Max>()) {
    ConstInterval a = const_bounds(m->a), b = const_bounds(m->b);
    ConstInterval r;
    r.has_max = a.has_max && b.has_max;
    r.max = std::max(a.max, b.max);
    r.has_min = a.has_min || b.has_min;
    r.min = !a.has_min ? b.min : !b.has_min ? a.min : std::max(a.min, b.min);
    return r;
  }
  if (const Select *s = e.as<Select>())
    return interval_union(const_bounds(s->true_value), const_bounds(s->false_value));
  if (const Broadcast *b = e.as<Broadcast>()) return const_bounds(b->value);
  if (const Ramp *r = e.as<Ramp>()) {
    ConstInterval base = const_bounds(r->base), stride = const_bounds(r->stride);
    if (!(stride.has_min && stride.has_max && stride.min == stride.max)) return {};
    ConstInterval last = interval_add(base, ConstInterval::exactly(stride.min * (r->lanes - 1)));
    return interval_union(base, last);
  }
  if (const Cast *c = e.as<Cast>()) {
    Type from = c->value.type();
    if (is_int_like(from) && from.bits <= e.type().bits &&
        (from.is_int() == e.type().is_int() || from.bits < e.type().bits))
      return const_bounds(c->value);
    return {};
  }
  return {};
}

Expr Simplifier::visit(const IntImm *op) { return op; }
Expr Simplifier::visit(const FloatImm *op) { return op; }

Expr Simplifier::visit(const Variable *op) {
  auto it = lets_.find(op->name);
  if (it != lets_.end()) return it->second;
  auto b = bounds_.find(op->name);
  // A variable pinned to one value (e.g. a loop of extent 1) becomes that value.
  if (b != bounds_.end() && b->second.has_min && b->second.has_max &&
      b->second.min == b->second.max && op->type.is_scalar())
    return make_const(op->type, b->second.min);
  return op;
}

Expr Simplifier::visit(const Cast *op) {
  Expr v = mutate(op->value);
  Type t = op->type;
  if (v.type() == t) return v;
  if (const Broadcast *b = v.as<Broadcast>())
    return Broadcast::make(mutate(Cast::make(t.element_of(), b->value)), b->lanes);
  if (const IntImm *i = v.as<IntImm>()) {
    if (t.is_float()) {
      // Rounded once, straight to the target width: through double, a large int64 could
      // round twice (to 53 bits, then to 24) and land on the other neighbour.
      bool u = v.type().is_uint();
      uint64_t uv = uint64_t(i->value);
      if (t.bits == 32) return make_const(t, double(u ? float(uv) : float(i->value)));
      return make_const(t, u ? double(uv) : double(i->value));
    }
    if (t.is_bool()) return make_bool(i->value != 0);
    return make_const(t, i->value); // IntImm::make wraps to the width
  }
  if (const FloatImm *f = v.as<FloatImm>()) {
    if (t.is_float()) return make_const(t, f->value);
    if (t.is_bool()) return make_bool(f->value != 0);
    if (std::isfinite(f->value) && std::fabs(f->value) < 9.2e18)
      return make_const(t, int64_t(f->value)); // truncation toward zero
  }
  return v.same_as(op->value) ? Expr(op) : Cast::make(t, v);
}

Expr Simplifier::visit(const Load *op) { return IRMutator::visit(op); }

Expr Simplifier::visit(const Ramp *op) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (is_zero(stride)) return Broadcast::make(base, op->lanes);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return op;
  return Ramp::make(base, stride, op->lanes);
}

Expr Simplifier::visit(const Broadcast *op) { return IRMutator::visit(op); }

Expr Simplifier::visit(const Let *op) {
  Expr value = mutate(op->value);
  // Constants and plain variables are substituted; other lets stay but expose their bounds.
  if (is_const(value) || value.as<Variable>()) {
    lets_[op->name] = value;
    Expr body = mutate(op->body);
    lets_.erase(op->name);
    return body;
  }
  bounds_[op->name] = const_bounds(value);
  Expr body = mutate(op->body);
  bounds_.erase(op->name);
  if (!uses_var(body, op->name)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return op;
  return Let::make(op->name, value, body);
}

Expr Simplifier::visit(const Call *op) {
  std::vector<Expr> args;
  bool changed = mutate_all(op->args, args);
  // Fold intrinsics of float constants that are exact and unambiguous.
  if (op->call_type == CallType::Intrinsic && args.size() == 1 && op->type.is_scalar()) {
    if (const double *x = as_const_float(args[0])) {
      if (op->name == intrinsic::abs) return make_const(op->type, std::fabs(*x));
      if (op->name == intrinsic::floor) return make_const(op->type, std::floor(*x));
      if (op->name == intrinsic::ceil) return make_const(op->type, std::ceil(*x));
      if (op->name == intrinsic::round) return make_const(op->type, std::nearbyint(*x));
    }
  }
  if (!changed) return op;
  return Call::make(op->type, op->name, args, op->call_type, op->value_index);
}

} // namespace simplify_detail

Expr simplify(const Expr &e, const std::map<std::string, ConstInterval> &known) {
  simplify_detail::Simplifier s(known);
  return s.mutate(e);
}

Expr simplify(const Expr &e) { return simplify(e, {}); }

Stmt simplify(const Stmt &s) {
  simplify_detail::Simplifier simp({});
  return simp.mutate(s);
}

bool can_prove(const Expr &e, const std::map<std::string, ConstInterval> &known) {
  return is_const_true(simplify(e, known));
}

} // namespace te
} // namespace strata
