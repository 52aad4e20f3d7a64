#include "dialects/te/IREquality.h"

#include <cmath>

namespace strata {
namespace te {

namespace {

bool eq_all(const std::vector<Expr> &a, const std::vector<Expr> &b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (!equal(a[i], b[i])) return false;
  return true;
}

template <typename T> const T *cast_to(const Expr &e) { return static_cast<const T *>(e.get()); }
template <typename T> const T *cast_to(const Stmt &s) { return static_cast<const T *>(s.get()); }

} // namespace

bool equal(const Expr &ea, const Expr &eb) {
  if (ea.same_as(eb)) return true;
  if (!ea.defined() || !eb.defined()) return false;
  if (ea.node_type() != eb.node_type() || ea.type() != eb.type()) return false;
  switch (ea.node_type()) {
  case IRNodeType::IntImm: return cast_to<IntImm>(ea)->value == cast_to<IntImm>(eb)->value;
  case IRNodeType::FloatImm: {
    // Bitwise identity: -0.0 and 0.0 differ, NaN equals NaN.
    double x = cast_to<FloatImm>(ea)->value, y = cast_to<FloatImm>(eb)->value;
    return x == y ? std::signbit(x) == std::signbit(y) : (x != x && y != y);
  }
  case IRNodeType::Variable: return cast_to<Variable>(ea)->name == cast_to<Variable>(eb)->name;
  case IRNodeType::Cast: return equal(cast_to<Cast>(ea)->value, cast_to<Cast>(eb)->value);
#define STRATA_TE_EQ_BINARY(N)                                                                     \
  case IRNodeType::N:                                                                              \
    return equal(cast_to<N>(ea)->a, cast_to<N>(eb)->a) && equal(cast_to<N>(ea)->b, cast_to<N>(eb)->b);
    STRATA_TE_FOR_EACH_BINARY_NODE(STRATA_TE_EQ_BINARY)
#undef STRATA_TE_EQ_BINARY
  case IRNodeType::Not: return equal(cast_to<Not>(ea)->a, cast_to<Not>(eb)->a);
  case IRNodeType::Select: {
    auto *a = cast_to<Select>(ea), *b = cast_to<Select>(eb);
    return equal(a->condition, b->condition) && equal(a->true_value, b->true_value) &&
           equal(a->false_value, b->false_value);
  }
  case IRNodeType::Load: {
    auto *a = cast_to<Load>(ea), *b = cast_to<Load>(eb);
    return a->name == b->name && equal(a->index, b->index);
  }
  case IRNodeType::Ramp: {
    auto *a = cast_to<Ramp>(ea), *b = cast_to<Ramp>(eb);
    return a->lanes == b->lanes && equal(a->base, b->base) && equal(a->stride, b->stride);
  }
  case IRNodeType::Broadcast: {
    auto *a = cast_to<Broadcast>(ea), *b = cast_to<Broadcast>(eb);
    return a->lanes == b->lanes && equal(a->value, b->value);
  }
  case IRNodeType::Let: {
    auto *a = cast_to<Let>(ea), *b = cast_to<Let>(eb);
    return a->name == b->name && equal(a->value, b->value) && equal(a->body, b->body);
  }
  case IRNodeType::Call: {
    auto *a = cast_to<Call>(ea), *b = cast_to<Call>(eb);
    return a->name == b->name && a->call_type == b->call_type &&
           a->value_index == b->value_index && eq_all(a->args, b->args);
  }
  default: return false;
  }
}

bool equal(const Stmt &sa, const Stmt &sb) {
  if (sa.same_as(sb)) return true;
  if (!sa.defined() || !sb.defined()) return false;
  if (sa.node_type() != sb.node_type()) return false;
  switch (sa.node_type()) {
  case IRNodeType::For: {
    auto *a = cast_to<For>(sa), *b = cast_to<For>(sb);
    return a->name == b->name && a->for_kind == b->for_kind && equal(a->min, b->min) &&
           equal(a->extent, b->extent) && equal(a->body, b->body);
  }
  case IRNodeType::Store: {
    auto *a = cast_to<Store>(sa), *b = cast_to<Store>(sb);
    return a->name == b->name && equal(a->value, b->value) && equal(a->index, b->index);
  }
  case IRNodeType::Provide: {
    auto *a = cast_to<Provide>(sa), *b = cast_to<Provide>(sb);
    return a->name == b->name && eq_all(a->values, b->values) && eq_all(a->args, b->args);
  }
  case IRNodeType::Allocate: {
    auto *a = cast_to<Allocate>(sa), *b = cast_to<Allocate>(sb);
    return a->name == b->name && a->type == b->type && a->memory_type == b->memory_type &&
           eq_all(a->extents, b->extents) && equal(a->body, b->body);
  }
  case IRNodeType::IfThenElse: {
    auto *a = cast_to<IfThenElse>(sa), *b = cast_to<IfThenElse>(sb);
    return equal(a->condition, b->condition) && equal(a->then_case, b->then_case) &&
           equal(a->else_case, b->else_case);
  }
  case IRNodeType::Block: {
    auto *a = cast_to<Block>(sa), *b = cast_to<Block>(sb);
    if (a->stmts.size() != b->stmts.size()) return false;
    for (size_t i = 0; i < a->stmts.size(); i++)
      if (!equal(a->stmts[i], b->stmts[i])) return false;
    return true;
  }
  case IRNodeType::LetStmt: {
    auto *a = cast_to<LetStmt>(sa), *b = cast_to<LetStmt>(sb);
    return a->name == b->name && equal(a->value, b->value) && equal(a->body, b->body);
  }
  case IRNodeType::ProducerConsumer: {
    auto *a = cast_to<ProducerConsumer>(sa), *b = cast_to<ProducerConsumer>(sb);
    return a->name == b->name && a->is_producer == b->is_producer && equal(a->body, b->body);
  }
  case IRNodeType::Evaluate:
    return equal(cast_to<Evaluate>(sa)->value, cast_to<Evaluate>(sb)->value);
  case IRNodeType::Realize: {
    auto *a = cast_to<Realize>(sa), *b = cast_to<Realize>(sb);
    if (a->name != b->name || a->types != b->types || a->memory_type != b->memory_type ||
        a->bounds.size() != b->bounds.size())
      return false;
    for (size_t i = 0; i < a->bounds.size(); i++)
      if (!equal(a->bounds[i].min, b->bounds[i].min) ||
          !equal(a->bounds[i].extent, b->bounds[i].extent))
        return false;
    return equal(a->body, b->body);
  }
  default: return false;
  }
}

} // namespace te
} // namespace strata
