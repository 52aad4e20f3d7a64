// Rules for statements.
//   for with extent <= 0 -> removed; the loop variable's range [min, min + extent - 1] is known
//     inside the body (when min and extent have constant bounds)
//   if (true) a else b -> a; if (false) a else b -> b
//   let x = <constant, variable, or load-free integer expression> -> substituted into the body
//     (keeps index expressions linear, so vectorized accesses stay dense ramps); other lets stay
//     and expose the value's bounds; unused lets are dropped
//   statements whose body vanished (empty loops, allocations, produce/consume) vanish too;
//   evaluate(constant) is dropped.
#include "dialects/te/Simplify_Internal.h"
#include "dialects/te/Substitute.h"

namespace strata {
namespace te {
namespace simplify_detail {

Stmt Simplifier::visit(const For *op) {
  Expr mn = mutate(op->min), ext = mutate(op->extent);
  if (const int64_t *e = as_const_int(ext); e && *e <= 0) return Stmt();
  ConstInterval rmin = const_bounds(mn), rext = const_bounds(ext);
  ConstInterval r;
  r.has_min = rmin.has_min;
  r.min = rmin.min;
  r.has_max = rmin.has_max && rext.has_max;
  r.max = rmin.max + rext.max - 1;
  bounds_[op->name] = r;
  Stmt body = mutate(op->body);
  bounds_.erase(op->name);
  if (!body.defined()) return Stmt();
  if (mn.same_as(op->min) && ext.same_as(op->extent) && body.same_as(op->body)) return op;
  return For::make(op->name, mn, ext, op->for_kind, body);
}

Stmt Simplifier::visit(const IfThenElse *op) {
  Expr c = mutate(op->condition);
  if (is_const_true(c)) return mutate(op->then_case);
  if (is_const_false(c)) return mutate(op->else_case);
  Stmt t = mutate(op->then_case), e = mutate(op->else_case);
  if (!t.defined() && !e.defined()) return Stmt();
  if (!t.defined()) return IfThenElse::make(mutate(Not::make(c)), e);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && e.same_as(op->else_case)) return op;
  return IfThenElse::make(c, t, e);
}

Stmt Simplifier::visit(const LetStmt *op) {
  Expr value = mutate(op->value);
  bool cheap = is_const(value) || value.as<Variable>() ||
               (value.type().is_int() && value.type().is_scalar() && !has_loads_or_calls(value));
  if (cheap) {
    lets_[op->name] = value;
    Stmt body = mutate(op->body);
    lets_.erase(op->name);
    return body;
  }
  bounds_[op->name] = const_bounds(value);
  Stmt body = mutate(op->body);
  bounds_.erase(op->name);
  if (!body.defined()) return Stmt();
  if (!uses_var(body, op->name)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return op;
  return LetStmt::make(op->name, value, body);
}

Stmt Simplifier::visit(const Store *op) { return IRMutator::visit(op); }
Stmt Simplifier::visit(const Provide *op) { return IRMutator::visit(op); }

Stmt Simplifier::visit(const Allocate *op) {
  std::vector<Expr> extents;
  bool changed = mutate_all(op->extents, extents);
  Stmt body = mutate(op->body);
  if (!body.defined()) return Stmt();
  if (!changed && body.same_as(op->body)) return op;
  return Allocate::make(op->name, op->type, extents, op->memory_type, body);
}

// Block::make drops the statements that simplified away and flattens nested blocks.
Stmt Simplifier::visit(const Block *op) { return IRMutator::visit(op); }

Stmt Simplifier::visit(const ProducerConsumer *op) {
  Stmt body = mutate(op->body);
  if (!body.defined()) return Stmt();
  return body.same_as(op->body) ? Stmt(op) : ProducerConsumer::make(op->name, op->is_producer, body);
}

Stmt Simplifier::visit(const Evaluate *op) {
  Expr v = mutate(op->value);
  if (is_const(v)) return Stmt();
  return v.same_as(op->value) ? Stmt(op) : Evaluate::make(v);
}

Stmt Simplifier::visit(const Realize *op) {
  Region bounds;
  for (const Range &r : op->bounds) bounds.emplace_back(mutate(r.min), mutate(r.extent));
  Stmt body = mutate(op->body);
  if (!body.defined()) return Stmt();
  return Realize::make(op->name, op->types, bounds, body, op->memory_type);
}

} // namespace simplify_detail
} // namespace te
} // namespace strata
