#include "dialects/te/Bounds.h"

#include "dialects/te/IREquality.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"
#include "dialects/te/Substitute.h"

#include <optional>

namespace strata {
namespace te {

namespace {

Expr smin(const Expr &a, const Expr &b) {
  if (!a.defined() || !b.defined()) return Expr();
  return simplify(Min::make(a, b));
}
Expr smax(const Expr &a, const Expr &b) {
  if (!a.defined() || !b.defined()) return Expr();
  return simplify(Max::make(a, b));
}

class BoundsOf : public IRVisitor {
public:
  explicit BoundsOf(const Scope &s) : scope(s) {}
  Scope scope;
  Interval result;

  Interval of(const Expr &e) {
    dispatch(e);
    return result;
  }

private:
  static bool is_index_type(const Type &t) { return t.is_int_or_uint() && t.is_scalar(); }

  void visit(const IntImm *op) override { result = Interval::single_point(op); }
  void visit(const FloatImm *op) override { result = Interval::single_point(op); }
  void visit(const Variable *op) override {
    auto it = scope.find(op->name);
    result = it != scope.end() ? it->second : Interval::single_point(op);
  }
  void visit(const Cast *op) override {
    Interval v = of(op->value);
    Type from = op->value.type(), to = op->type;
    // Widening integer casts keep order; everything else may wrap or round.
    if (is_index_type(from) && is_index_type(to) && to.bits >= from.bits && from.is_int() == to.is_int()) {
      result = Interval(v.min.defined() ? Cast::make(to, v.min) : Expr(),
                        v.max.defined() ? Cast::make(to, v.max) : Expr());
    } else {
      result = Interval::everything();
    }
  }
  void visit(const Add *op) override {
    Interval a = of(op->a), b = of(op->b);
    result = Interval(a.min.defined() && b.min.defined() ? simplify(a.min + b.min) : Expr(),
                      a.max.defined() && b.max.defined() ? simplify(a.max + b.max) : Expr());
    if (!is_index_type(op->type) && !is_const(result.min)) result = Interval::everything();
  }
  void visit(const Sub *op) override {
    Interval a = of(op->a), b = of(op->b);
    result = Interval(a.min.defined() && b.max.defined() ? simplify(a.min - b.max) : Expr(),
                      a.max.defined() && b.min.defined() ? simplify(a.max - b.min) : Expr());
    if (!is_index_type(op->type) && !is_const(result.min)) result = Interval::everything();
  }
  void visit(const Mul *op) override {
    Interval a = of(op->a), b = of(op->b);
    if (!is_index_type(op->type)) {
      result = Interval::everything();
      return;
    }
    if (const int64_t *c = as_const_int(op->b)) {
      Interval s(a.min.defined() ? simplify(a.min * op->b) : Expr(),
                 a.max.defined() ? simplify(a.max * op->b) : Expr());
      result = *c >= 0 ? s : Interval(s.max, s.min);
      return;
    }
    if (a.is_bounded() && b.is_bounded()) {
      Expr p[4] = {a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max};
      result = Interval(simplify(min(min(p[0], p[1]), min(p[2], p[3]))),
                        simplify(max(max(p[0], p[1]), max(p[2], p[3]))));
      return;
    }
    result = Interval::everything();
  }
  /// The divisor of a Div or Mod as a constant: a literal, or a variable bound to one (a
  /// fused loop's extent, known from the region's lets).
  std::optional<int64_t> constant_divisor(const Expr &b) {
    if (const int64_t *c = as_const_int(b)) return *c;
    Interval i = BoundsOf(scope).of(b);
    const int64_t *lo = as_const_int(i.min), *hi = as_const_int(i.max);
    if (lo && hi && *lo == *hi) return *lo;
    return std::nullopt;
  }
  void visit(const Div *op) override {
    Interval a = of(op->a);
    std::optional<int64_t> c = constant_divisor(op->b);
    if (!is_index_type(op->type) || !c || *c == 0) {
      result = Interval::everything();
      return;
    }
    Expr divisor = make_const(op->type, *c);
    Interval s(a.min.defined() ? simplify(a.min / divisor) : Expr(),
               a.max.defined() ? simplify(a.max / divisor) : Expr());
    result = *c > 0 ? s : Interval(s.max, s.min);
  }
  void visit(const Mod *op) override {
    std::optional<int64_t> c = constant_divisor(op->b);
    if (!is_index_type(op->type) || !c || *c == 0) {
      result = Interval::everything();
      return;
    }
    Interval a = of(op->a);
    int64_t m = *c > 0 ? *c : -*c;
    // A single point stays one (a GPU work-item's coordinate within a fused loop).
    if (a.is_bounded() && equal(a.min, a.max)) {
      Expr point = simplify(Mod::make(a.min, make_const(op->type, *c)));
      result = Interval(point, point);
      return;
    }
    // Keep a's bounds when they already lie in [0, m).
    if (a.is_bounded() && can_prove(a.min >= 0 && a.max < make_const(op->type, m))) return;
    result = Interval(make_zero(op->type), make_const(op->type, m - 1));
  }
  void visit(const Min *op) override {
    Interval a = of(op->a), b = of(op->b);
    Expr mn = smin(a.min, b.min);
    Expr mx = !a.max.defined() ? b.max : !b.max.defined() ? a.max : smin(a.max, b.max);
    result = Interval(mn, mx);
  }
  void visit(const Max *op) override {
    Interval a = of(op->a), b = of(op->b);
    Expr mn = !a.min.defined() ? b.min : !b.min.defined() ? a.min : smax(a.min, b.min);
    result = Interval(mn, smax(a.max, b.max));
  }
  void visit(const Select *op) override {
    result = Interval::make_union(of(op->true_value), of(op->false_value));
  }
  void bool_result() { result = Interval(make_bool(false), make_bool(true)); }
  void visit(const EQ *) override { bool_result(); }
  void visit(const NE *) override { bool_result(); }
  void visit(const LT *) override { bool_result(); }
  void visit(const LE *) override { bool_result(); }
  void visit(const GT *) override { bool_result(); }
  void visit(const GE *) override { bool_result(); }
  void visit(const And *) override { bool_result(); }
  void visit(const Or *) override { bool_result(); }
  void visit(const Not *) override { bool_result(); }
  void visit(const Load *) override { result = Interval::everything(); }
  void visit(const Call *) override { result = Interval::everything(); }
  void visit(const Ramp *op) override {
    Expr last = op->base + op->stride * (op->lanes - 1);
    result = Interval::make_union(of(op->base), of(last));
  }
  void visit(const Broadcast *op) override { dispatch(op->value); }
  void visit(const Let *op) override {
    Interval v = of(op->value);
    scope[op->name] = v;
    dispatch(op->body);
    scope.erase(op->name);
  }
};

// Collects boxes of FuncRef calls (or Provides), binding loop and let variables to ranges.
class RegionCollector : public IRVisitor {
public:
  RegionCollector(const Scope &s, bool provides) : scope(s), provides_(provides) {}
  Scope scope;
  std::map<std::string, Box> boxes;

private:
  bool provides_;

  void add(const std::string &name, const std::vector<Expr> &args) {
    Box b;
    for (const Expr &a : args) b.push_back(bounds_of_expr_in_scope(a, scope));
    auto it = boxes.find(name);
    if (it == boxes.end()) boxes[name] = b;
    else it->second = box_union(it->second, b);
  }
  void visit(const Call *op) override {
    IRVisitor::visit(op);
    if (op->call_type == CallType::FuncRef && !provides_) add(op->name, op->args);
  }
  void visit(const Provide *op) override {
    IRVisitor::visit(op);
    if (provides_) add(op->name, op->args);
  }
  // Loop bounds are often lets computed from the same outer variables (a tile's min and its
  // extent); bound min + extent - 1 as one expression with the lets expanded so that the
  // correlation is not lost.
  std::map<std::string, Expr> let_values_;
  Expr expand(const Expr &e) { return simplify(substitute(let_values_, e)); }
  void visit(const For *op) override {
    Interval first = bounds_of_expr_in_scope(expand(op->min), scope);
    Interval last = bounds_of_expr_in_scope(expand(op->min + op->extent - 1), scope);
    scope[op->name] = Interval(first.min, last.max);
    dispatch(op->body);
    scope.erase(op->name);
  }
  // Inside `if (v < e)` (split tail guards) v is known to be below e.
  void refine(const Expr &cond) {
    if (const And *a = cond.as<And>()) {
      refine(a->a);
      refine(a->b);
      return;
    }
    const Variable *v = nullptr;
    Expr hi;
    if (const LT *lt = cond.as<LT>()) v = lt->a.as<Variable>(), hi = lt->b - 1;
    else if (const LE *le = cond.as<LE>()) v = le->a.as<Variable>(), hi = le->b;
    if (!v || !v->type.is_int() || !scope.count(v->name)) return;
    Interval bound = bounds_of_expr_in_scope(hi, scope);
    Interval &cur = scope[v->name];
    // A single point stays one: clamping it would hide that producers computed at it are
    // needed at exactly that point (a GPU work-item's coordinate in a fused loop). Where the
    // point can leave the range (a guarded tail), the accesses check reports it.
    if (!bound.max.defined() || (cur.is_bounded() && equal(cur.min, cur.max))) return;
    cur.max = cur.max.defined() ? simplify(min(cur.max, bound.max)) : bound.max;
  }
  void visit(const IfThenElse *op) override {
    dispatch(op->condition);
    Scope saved = scope;
    refine(op->condition);
    dispatch(op->then_case);
    scope = saved;
    dispatch(op->else_case);
  }
  void visit(const LetStmt *op) override {
    scope[op->name] = bounds_of_expr_in_scope(op->value, scope);
    if (op->value.type().is_int() && !has_loads_or_calls(op->value))
      let_values_[op->name] = expand(op->value);
    dispatch(op->value);
    dispatch(op->body);
    scope.erase(op->name);
    let_values_.erase(op->name);
  }
  void visit(const Let *op) override {
    scope[op->name] = bounds_of_expr_in_scope(op->value, scope);
    dispatch(op->value);
    dispatch(op->body);
    scope.erase(op->name);
  }
};

} // namespace

Interval Interval::make_union(const Interval &a, const Interval &b) {
  return Interval(smin(a.min, b.min), smax(a.max, b.max));
}

Interval bounds_of_expr_in_scope(const Expr &e, const Scope &scope) {
  BoundsOf b(scope);
  Interval r = b.of(e);
  return Interval(r.min.defined() ? simplify(r.min) : Expr(), r.max.defined() ? simplify(r.max) : Expr());
}

Box box_union(const Box &a, const Box &b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  TE_CHECK(a.size() == b.size(), "box_union of boxes with different dimensions");
  Box r;
  for (size_t i = 0; i < a.size(); i++) r.push_back(Interval::make_union(a[i], b[i]));
  return r;
}

std::map<std::string, Box> boxes_required(const Expr &e, const Scope &scope) {
  RegionCollector c(scope, false);
  c.dispatch(e);
  return c.boxes;
}

std::map<std::string, Box> boxes_required(const Stmt &s, const Scope &scope) {
  RegionCollector c(scope, false);
  c.dispatch(s);
  return c.boxes;
}

std::map<std::string, Box> boxes_provided(const Stmt &s, const Scope &scope) {
  RegionCollector c(scope, true);
  c.dispatch(s);
  return c.boxes;
}

} // namespace te
} // namespace strata
