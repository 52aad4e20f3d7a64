#include "lowering/te_to_loops/UnrollLoops.h"

#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"

namespace strata {
namespace te {

namespace {

class Unroll : public IRMutator {
  Stmt visit(const For *op) override {
    Stmt body = mutate(op->body);
    const int64_t *e = as_const_int(simplify(op->extent));
    if (op->for_kind != ForKind::Unrolled || !e) {
      if (body.same_as(op->body) && op->for_kind != ForKind::Unrolled) return op;
      ForKind k = op->for_kind == ForKind::Unrolled ? ForKind::Serial : op->for_kind;
      return For::make(op->name, op->min, op->extent, k, body);
    }
    std::vector<Stmt> copies;
    for (int64_t i = 0; i < *e; i++)
      copies.push_back(LetStmt::make(op->name, simplify(op->min + int(i)), body));
    return Block::make(copies);
  }
};

} // namespace

Stmt unroll_loops(const Stmt &s) { return Unroll().mutate(s); }

} // namespace te
} // namespace strata
