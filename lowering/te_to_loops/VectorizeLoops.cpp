#include "lowering/te_to_loops/VectorizeLoops.h"

#include <algorithm>
#include <set>

#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"
#include "dialects/te/Substitute.h"

namespace strata {
namespace te {

namespace {

Expr widen(const Expr &e, int lanes) {
  return e.type().lanes == lanes ? e : Broadcast::make(e, lanes);
}

// Rewrites one loop body with the loop variable replaced by a vector; sets failed when some
// construct cannot be expressed lane-wise.
class VectorizeBody : public IRMutator {
public:
  VectorizeBody(const std::string &var, Expr replacement, int lanes)
      : var_(var), repl_(replacement), lanes_(lanes) {}
  bool failed = false;

private:
  std::string var_;
  Expr repl_;
  int lanes_;
  std::set<std::string> vector_lets_;

  Expr visit(const Variable *op) override {
    if (op->name == var_) return repl_;
    if (vector_lets_.count(op->name)) return Variable::make(op->type.with_lanes(lanes_), op->name);
    return op;
  }
#define STRATA_TE_VEC_BINARY(N)                                                                    \
  Expr visit(const N *op) override {                                                               \
    Expr a = mutate(op->a), b = mutate(op->b);                                                     \
    if (a.same_as(op->a) && b.same_as(op->b)) return op;                                           \
    int l = std::max(int(a.type().lanes), int(b.type().lanes));                                            \
    return N::make(widen(a, l), widen(b, l));                                                      \
  }
  STRATA_TE_FOR_EACH_BINARY_NODE(STRATA_TE_VEC_BINARY)
#undef STRATA_TE_VEC_BINARY
  Expr visit(const Cast *op) override {
    Expr v = mutate(op->value);
    if (v.same_as(op->value)) return op;
    return Cast::make(op->type.with_lanes(v.type().lanes), v);
  }
  Expr visit(const Select *op) override {
    Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
    if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value)) return op;
    int l = std::max({int(c.type().lanes), int(t.type().lanes), int(f.type().lanes)});
    return Select::make(c.type().lanes == 1 ? c : widen(c, l), widen(t, l), widen(f, l));
  }
  Expr visit(const Load *op) override {
    Expr i = mutate(op->index);
    if (i.same_as(op->index)) return op;
    return Load::make(op->type.with_lanes(i.type().lanes), op->name, i);
  }
  Expr visit(const Ramp *op) override {
    failed = true; // already a vector: nested vectorization is not supported
    return op;
  }
  Expr visit(const Broadcast *op) override {
    failed = true;
    return op;
  }
  Expr visit(const Let *op) override {
    Expr v = mutate(op->value);
    if (v.type().is_vector()) vector_lets_.insert(op->name);
    Expr b = mutate(op->body);
    vector_lets_.erase(op->name);
    if (v.same_as(op->value) && b.same_as(op->body)) return op;
    return Let::make(op->name, v, b);
  }
  Expr visit(const Call *op) override {
    std::vector<Expr> args;
    if (!mutate_all(op->args, args)) return op;
    int l = 1;
    for (const Expr &a : args) l = std::max(l, int(a.type().lanes));
    for (Expr &a : args) a = widen(a, l);
    return Call::make(op->type.with_lanes(l), op->name, args, op->call_type, op->value_index);
  }

  Stmt visit(const Store *op) override {
    Expr v = mutate(op->value), i = mutate(op->index);
    if (v.same_as(op->value) && i.same_as(op->index)) {
      failed = true; // every lane would store to the same place
      return op;
    }
    if (i.type().is_scalar()) {
      failed = true;
      return op;
    }
    return Store::make(op->name, widen(v, lanes_), i);
  }
  Stmt visit(const For *op) override {
    Expr mn = mutate(op->min), ext = mutate(op->extent);
    if (mn.type().is_vector() || ext.type().is_vector()) failed = true;
    Stmt body = mutate(op->body);
    if (failed) return op;
    return For::make(op->name, op->min, op->extent, op->for_kind, body);
  }
  Stmt visit(const IfThenElse *op) override {
    Expr c = mutate(op->condition);
    if (c.type().is_vector()) {
      failed = true;
      return op;
    }
    return IRMutator::visit(op);
  }
  Stmt visit(const LetStmt *op) override {
    Expr v = mutate(op->value);
    if (v.type().is_vector()) vector_lets_.insert(op->name);
    Stmt b = mutate(op->body);
    vector_lets_.erase(op->name);
    if (v.same_as(op->value) && b.same_as(op->body)) return op;
    return LetStmt::make(op->name, v, b);
  }
  Stmt visit(const Allocate *op) override {
    failed = true;
    return op;
  }
};

// True if cond gets only harder to satisfy as `var` grows: a conjunction of a < b / a <= b
// where a - b is linear in var with a positive coefficient (the form of split tail guards).
bool monotonic_guard(const Expr &cond, const std::string &var) {
  if (const And *a = cond.as<And>()) return monotonic_guard(a->a, var) && monotonic_guard(a->b, var);
  Expr diff;
  if (const LT *lt = cond.as<LT>()) diff = lt->a - lt->b;
  else if (const LE *le = cond.as<LE>()) diff = le->a - le->b;
  else return false;
  if (!diff.type().is_int()) return false;
  // slope = diff(var + 1) - diff(var) must be a positive constant.
  Expr v = Variable::make(Int(32), var);
  Expr slope = simplify(substitute(var, v + 1, diff) - diff);
  return is_positive_const(slope);
}

class Vectorize : public IRMutator {
  Stmt visit(const For *op) override {
    Stmt body = mutate(op->body);
    const int64_t *n = as_const_int(simplify(op->extent));
    if (op->for_kind != ForKind::Vectorized) {
      return body.same_as(op->body) ? Stmt(op)
                                    : For::make(op->name, op->min, op->extent, op->for_kind, body);
    }
    Stmt serial = For::make(op->name, op->min, op->extent, ForKind::Serial, body);
    if (!n || *n < 2) return serial;
    Expr ramp = Ramp::make(op->min, 1, int(*n));
    VectorizeBody vb(op->name, ramp, int(*n));
    Stmt v = vb.mutate(body);
    if (!vb.failed) return v;
    // Tail-guard specialisation: lets, then if (guard) body.
    std::vector<const LetStmt *> lets;
    Stmt s = body;
    while (const LetStmt *l = s.as<LetStmt>()) lets.push_back(l), s = l->body;
    const IfThenElse *guard = s.as<IfThenElse>();
    if (!guard || guard->else_case.defined()) return serial;
    Expr cond = guard->condition;
    for (auto it = lets.rbegin(); it != lets.rend(); ++it)
      cond = substitute((*it)->name, (*it)->value, cond);
    if (!monotonic_guard(simplify(cond), op->name)) return serial;
    Stmt unguarded = guard->then_case;
    for (auto it = lets.rbegin(); it != lets.rend(); ++it)
      unguarded = LetStmt::make((*it)->name, (*it)->value, unguarded);
    VectorizeBody vb2(op->name, ramp, int(*n));
    Stmt vec = vb2.mutate(unguarded);
    if (vb2.failed) return serial;
    Expr last_ok = substitute(op->name, simplify(op->min + int(*n) - 1), cond);
    return IfThenElse::make(last_ok, vec, serial);
  }
};

} // namespace

Stmt vectorize_loops(const Stmt &s) { return Vectorize().mutate(s); }

} // namespace te
} // namespace strata
