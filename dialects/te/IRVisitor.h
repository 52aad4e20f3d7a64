// IRVisitor (read-only walk) and IRMutator (rebuilding walk) over the TE IR.
// Both are driven by the node list in IR.h: one virtual visit() per node kind.
#pragma once

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// Walks the IR. The default visit() of each node visits its children; override the nodes you
/// care about and call the base version to keep walking below them.
class IRVisitor {
public:
  virtual ~IRVisitor() = default;
  /// Visits e (a no-op for undefined handles).
  void dispatch(const Expr &e);
  void dispatch(const Stmt &s);

#define STRATA_TE_VISIT(N) virtual void visit(const N *op);
  STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_VISIT)
  STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_VISIT)
#undef STRATA_TE_VISIT
};

/// Rewrites the IR bottom-up. The default visit() of each node mutates its children and returns
/// the original node when none changed (so untouched subtrees stay shared), a new node otherwise.
class IRMutator {
public:
  virtual ~IRMutator() = default;
  /// Mutates e; undefined handles come back undefined.
  virtual Expr mutate(const Expr &e);
  virtual Stmt mutate(const Stmt &s);

protected:
#define STRATA_TE_VISIT_EXPR(N) virtual Expr visit(const N *op);
#define STRATA_TE_VISIT_STMT(N) virtual Stmt visit(const N *op);
  STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_VISIT_EXPR)
  STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_VISIT_STMT)
#undef STRATA_TE_VISIT_EXPR
#undef STRATA_TE_VISIT_STMT

  /// Mutates every element; returns true if any changed.
  bool mutate_all(const std::vector<Expr> &in, std::vector<Expr> &out);
};

} // namespace te
} // namespace strata
