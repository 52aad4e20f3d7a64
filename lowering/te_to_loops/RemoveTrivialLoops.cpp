#include "lowering/te_to_loops/RemoveTrivialLoops.h"

#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

namespace {

class RemoveTrivial : public IRMutator {
  Stmt visit(const For *op) override {
    Stmt body = mutate(op->body);
    if (const int64_t *e = as_const_int(op->extent)) {
      if (*e <= 0) return Evaluate::make(0);
      // A cooperative loop of one point still has one work-item fill it, between barriers.
      if (*e == 1 && op->for_kind != ForKind::GPUCooperative) return LetStmt::make(op->name, op->min, body);
    }
    if (body.same_as(op->body)) return op;
    return For::make(op->name, op->min, op->extent, op->for_kind, body);
  }
};

} // namespace

Stmt remove_trivial_loops(const Stmt &s) { return RemoveTrivial().mutate(s); }

} // namespace te
} // namespace strata
