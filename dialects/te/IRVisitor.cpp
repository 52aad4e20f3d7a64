#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

// ---- IRVisitor --------------------------------------------------------------------------------

void IRVisitor::dispatch(const Expr &e) {
  if (!e.defined()) return;
  switch (e.node_type()) {
#define STRATA_TE_CASE(N)                                                                          \
  case IRNodeType::N:                                                                              \
    visit(static_cast<const N *>(e.get()));                                                        \
    break;
    STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_CASE)
#undef STRATA_TE_CASE
  default: TE_CHECK(false, "statement node in an Expr handle");
  }
}

void IRVisitor::dispatch(const Stmt &s) {
  if (!s.defined()) return;
  switch (s.node_type()) {
#define STRATA_TE_CASE(N)                                                                          \
  case IRNodeType::N:                                                                              \
    visit(static_cast<const N *>(s.get()));                                                        \
    break;
    STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_CASE)
#undef STRATA_TE_CASE
  default: TE_CHECK(false, "expression node in a Stmt handle");
  }
}

void IRVisitor::visit(const IntImm *) {}
void IRVisitor::visit(const FloatImm *) {}
void IRVisitor::visit(const Variable *) {}
void IRVisitor::visit(const Cast *op) { dispatch(op->value); }
#define STRATA_TE_VISIT_BINARY(N)                                                                  \
  void IRVisitor::visit(const N *op) {                                                             \
    dispatch(op->a);                                                                               \
    dispatch(op->b);                                                                               \
  }
STRATA_TE_FOR_EACH_BINARY_NODE(STRATA_TE_VISIT_BINARY)
#undef STRATA_TE_VISIT_BINARY
void IRVisitor::visit(const Not *op) { dispatch(op->a); }
void IRVisitor::visit(const Select *op) {
  dispatch(op->condition);
  dispatch(op->true_value);
  dispatch(op->false_value);
}
void IRVisitor::visit(const Load *op) { dispatch(op->index); }
void IRVisitor::visit(const Ramp *op) {
  dispatch(op->base);
  dispatch(op->stride);
}
void IRVisitor::visit(const Broadcast *op) { dispatch(op->value); }
void IRVisitor::visit(const Let *op) {
  dispatch(op->value);
  dispatch(op->body);
}
void IRVisitor::visit(const Call *op) {
  for (const Expr &a : op->args) dispatch(a);
}
void IRVisitor::visit(const For *op) {
  dispatch(op->min);
  dispatch(op->extent);
  dispatch(op->body);
}
void IRVisitor::visit(const Store *op) {
  dispatch(op->value);
  dispatch(op->index);
}
void IRVisitor::visit(const Provide *op) {
  for (const Expr &v : op->values) dispatch(v);
  for (const Expr &a : op->args) dispatch(a);
}
void IRVisitor::visit(const Allocate *op) {
  for (const Expr &e : op->extents) dispatch(e);
  dispatch(op->body);
}
void IRVisitor::visit(const IfThenElse *op) {
  dispatch(op->condition);
  dispatch(op->then_case);
  dispatch(op->else_case);
}
void IRVisitor::visit(const Block *op) {
  for (const Stmt &s : op->stmts) dispatch(s);
}
void IRVisitor::visit(const LetStmt *op) {
  dispatch(op->value);
  dispatch(op->body);
}
void IRVisitor::visit(const ProducerConsumer *op) { dispatch(op->body); }
void IRVisitor::visit(const Evaluate *op) { dispatch(op->value); }
void IRVisitor::visit(const Realize *op) {
  for (const Range &r : op->bounds) {
    dispatch(r.min);
    dispatch(r.extent);
  }
  dispatch(op->body);
}

// ---- IRMutator --------------------------------------------------------------------------------

Expr IRMutator::mutate(const Expr &e) {
  if (!e.defined()) return e;
  switch (e.node_type()) {
#define STRATA_TE_CASE(N)                                                                          \
  case IRNodeType::N:                                                                              \
    return visit(static_cast<const N *>(e.get()));
    STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_CASE)
#undef STRATA_TE_CASE
  default: TE_CHECK(false, "statement node in an Expr handle");
  }
  return Expr();
}

Stmt IRMutator::mutate(const Stmt &s) {
  if (!s.defined()) return s;
  switch (s.node_type()) {
#define STRATA_TE_CASE(N)                                                                          \
  case IRNodeType::N:                                                                              \
    return visit(static_cast<const N *>(s.get()));
    STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_CASE)
#undef STRATA_TE_CASE
  default: TE_CHECK(false, "expression node in a Stmt handle");
  }
  return Stmt();
}

bool IRMutator::mutate_all(const std::vector<Expr> &in, std::vector<Expr> &out) {
  bool changed = false;
  out.clear();
  out.reserve(in.size());
  for (const Expr &e : in) {
    out.push_back(mutate(e));
    changed |= !out.back().same_as(e);
  }
  return changed;
}

Expr IRMutator::visit(const IntImm *op) { return op; }
Expr IRMutator::visit(const FloatImm *op) { return op; }
Expr IRMutator::visit(const Variable *op) { return op; }
Expr IRMutator::visit(const Cast *op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? Expr(op) : Cast::make(op->type, v);
}
#define STRATA_TE_MUTATE_BINARY(N)                                                                 \
  Expr IRMutator::visit(const N *op) {                                                             \
    Expr a = mutate(op->a), b = mutate(op->b);                                                     \
    if (a.same_as(op->a) && b.same_as(op->b)) return op;                                           \
    return N::make(a, b);                                                                          \
  }
STRATA_TE_FOR_EACH_BINARY_NODE(STRATA_TE_MUTATE_BINARY)
#undef STRATA_TE_MUTATE_BINARY
Expr IRMutator::visit(const Not *op) {
  Expr a = mutate(op->a);
  return a.same_as(op->a) ? Expr(op) : Not::make(a);
}
Expr IRMutator::visit(const Select *op) {
  Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
    return op;
  return Select::make(c, t, f);
}
Expr IRMutator::visit(const Load *op) {
  Expr i = mutate(op->index);
  return i.same_as(op->index) ? Expr(op) : Load::make(op->type, op->name, i);
}
Expr IRMutator::visit(const Ramp *op) {
  Expr b = mutate(op->base), s = mutate(op->stride);
  if (b.same_as(op->base) && s.same_as(op->stride)) return op;
  return Ramp::make(b, s, op->lanes);
}
Expr IRMutator::visit(const Broadcast *op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? Expr(op) : Broadcast::make(v, op->lanes);
}
Expr IRMutator::visit(const Let *op) {
  Expr v = mutate(op->value), b = mutate(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return op;
  return Let::make(op->name, v, b);
}
Expr IRMutator::visit(const Call *op) {
  std::vector<Expr> args;
  if (!mutate_all(op->args, args)) return op;
  return Call::make(op->type, op->name, args, op->call_type, op->value_index);
}

Stmt IRMutator::visit(const For *op) {
  Expr mn = mutate(op->min), ext = mutate(op->extent);
  Stmt body = mutate(op->body);
  if (mn.same_as(op->min) && ext.same_as(op->extent) && body.same_as(op->body)) return op;
  return For::make(op->name, mn, ext, op->for_kind, body);
}
Stmt IRMutator::visit(const Store *op) {
  Expr v = mutate(op->value), i = mutate(op->index);
  if (v.same_as(op->value) && i.same_as(op->index)) return op;
  return Store::make(op->name, v, i);
}
Stmt IRMutator::visit(const Provide *op) {
  std::vector<Expr> values, args;
  bool changed = mutate_all(op->values, values);
  changed |= mutate_all(op->args, args);
  return changed ? Provide::make(op->name, values, args) : Stmt(op);
}
Stmt IRMutator::visit(const Allocate *op) {
  std::vector<Expr> extents;
  bool changed = mutate_all(op->extents, extents);
  Stmt body = mutate(op->body);
  if (!changed && body.same_as(op->body)) return op;
  return Allocate::make(op->name, op->type, extents, op->memory_type, body);
}
Stmt IRMutator::visit(const IfThenElse *op) {
  Expr c = mutate(op->condition);
  Stmt t = mutate(op->then_case), e = mutate(op->else_case);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && e.same_as(op->else_case)) return op;
  return IfThenElse::make(c, t, e);
}
Stmt IRMutator::visit(const Block *op) {
  std::vector<Stmt> stmts;
  bool changed = false;
  for (const Stmt &s : op->stmts) {
    stmts.push_back(mutate(s));
    changed |= !stmts.back().same_as(s);
  }
  return changed ? Block::make(stmts) : Stmt(op);
}
Stmt IRMutator::visit(const LetStmt *op) {
  Expr v = mutate(op->value);
  Stmt b = mutate(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return op;
  return LetStmt::make(op->name, v, b);
}
Stmt IRMutator::visit(const ProducerConsumer *op) {
  Stmt b = mutate(op->body);
  return b.same_as(op->body) ? Stmt(op) : ProducerConsumer::make(op->name, op->is_producer, b);
}
Stmt IRMutator::visit(const Evaluate *op) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? Stmt(op) : Evaluate::make(v);
}
Stmt IRMutator::visit(const Realize *op) {
  Region bounds;
  bool changed = false;
  for (const Range &r : op->bounds) {
    bounds.emplace_back(mutate(r.min), mutate(r.extent));
    changed |= !bounds.back().min.same_as(r.min) || !bounds.back().extent.same_as(r.extent);
  }
  Stmt b = mutate(op->body);
  if (!changed && b.same_as(op->body)) return op;
  return Realize::make(op->name, op->types, bounds, b, op->memory_type);
}

} // namespace te
} // namespace strata
