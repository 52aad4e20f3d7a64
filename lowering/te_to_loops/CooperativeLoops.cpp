#include "lowering/te_to_loops/CooperativeLoops.h"

#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"
#include "dialects/te/Substitute.h"

#include <functional>
#include <vector>

namespace strata {
namespace te {

namespace {

/// The most shares a work-item fills as straight-line code; more are a loop.
constexpr int64_t kMaxUnrolledShares = 16;

Expr localId() { return Call::make(Int(32), intrinsic::gpu_local_id, {}, CallType::Intrinsic); }
Stmt barrier() { return Evaluate::make(Call::make(Int(32), intrinsic::gpu_barrier, {}, CallType::Intrinsic)); }

/// The innermost statement of a cooperative loop's body under its lets (and inside the vector
/// loop of a vectorized fill, which `lanes` is set to): the Store that fills the shared Func, or
/// null.
const Store *fillingStore(const For *coop, const For **lanes = nullptr) {
  Stmt s = coop->body;
  while (const LetStmt *l = s.as<LetStmt>()) s = l->body;
  if (const For *v = s.as<For>(); v && v->for_kind == ForKind::Vectorized) {
    if (lanes) *lanes = v;
    s = v->body;
    while (const LetStmt *l = s.as<LetStmt>()) s = l->body;
  }
  return s.as<Store>();
}

/// Replaces the Store to `name` (the one that fills a shared Func) by make(store).
class ReplaceStore : public IRMutator {
public:
  ReplaceStore(const std::string &name, std::function<Stmt(const Store *)> make)
      : name(name), make(std::move(make)) {}

private:
  using IRMutator::visit;
  const std::string &name;
  std::function<Stmt(const Store *)> make;
  Stmt visit(const Store *op) override { return op->name == name ? make(op) : IRMutator::visit(op); }
};

/// Buffers a statement allocates or writes.
class WrittenBuffers : public IRVisitor {
public:
  std::set<std::string> names;

private:
  using IRVisitor::visit;
  void visit(const Store *op) override {
    names.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Allocate *op) override {
    names.insert(op->name);
    IRVisitor::visit(op);
  }
};

/// Whether a statement loads from one of `names`.
bool loadsFrom(const Stmt &s, const std::set<std::string> &names) {
  struct Loads : IRVisitor {
    const std::set<std::string> &names;
    bool found = false;
    explicit Loads(const std::set<std::string> &n) : names(n) {}
    void visit(const Load *op) override {
      found |= names.count(op->name) > 0;
      IRVisitor::visit(op);
    }
  } loads(names);
  loads.dispatch(s);
  return loads.found;
}

class Lowerer : public IRMutator {
public:
  explicit Lowerer(const std::set<std::string> &doubleBuffered) : doubleBuffered(doubleBuffered) {}

private:
  using IRMutator::visit;
  const std::set<std::string> &doubleBuffered;
  int64_t groupSize = 1;   // the product of the enclosing GPU thread loops' extents
  bool knownGroup = true;  // false inside a thread loop of an extent not known here

  /// Work-item gpu_local_id's shares of the cooperative loop `coop`, `body(j)` the share j (in
  /// which coop's variable stands for the iteration): straight-line code for a constant extent
  /// of at most kMaxUnrolledShares shares (a double-buffered Func's shares are registers,
  /// indexed by constants), only the last share guarded when the group does not divide the
  /// extent; else a loop over j.
  Stmt shares(const For *coop, const std::function<Stmt(const Expr &)> &body) {
    Expr extent = simplify(coop->extent);
    auto share = [&](const Expr &offset, const Expr &j, bool guarded) {
      Stmt s = substitute(coop->name, coop->min + offset, body(j));
      return guarded ? IfThenElse::make(offset < extent, s) : s;
    };
    const int64_t *e = as_const_int(extent);
    if (e && *e <= kMaxUnrolledShares * groupSize) {
      std::vector<Stmt> all;
      for (int64_t j = 0; j * groupSize < *e; ++j)
        all.push_back(share(localId() + int(j * groupSize), make_const(Int(32), j), (j + 1) * groupSize > *e));
      return Block::make(all);
    }
    std::string j = coop->name + ".share";
    Expr jv = Variable::make(Int(32), j);
    return For::make(j, 0, simplify((extent + int(groupSize - 1)) / int(groupSize)), ForKind::Serial,
                     share(localId() + jv * int(groupSize), jv, !e || *e % groupSize != 0));
  }

  Stmt visit(const For *op) override {
    if (op->for_kind == ForKind::GPUThread) {
      int64_t saved = groupSize;
      bool savedKnown = knownGroup;
      const int64_t *e = as_const_int(op->extent);
      knownGroup &= e != nullptr;
      groupSize *= e ? *e : 1;
      Stmt s = IRMutator::visit(op);
      groupSize = saved;
      knownGroup = savedKnown;
      return s;
    }
    if (op->for_kind == ForKind::GPUCooperative) {
      if (!knownGroup) return IRMutator::visit(op); // codegen refuses it, with the reason
      Stmt body = mutate(op->body);
      if (groupSize == 1) return For::make(op->name, op->min, op->extent, ForKind::Serial, body);
      return Block::make({barrier(), shares(op, [&](const Expr &) { return body; }), barrier()});
    }
    if (op->for_kind == ForKind::Serial && groupSize > 1 && knownGroup && !doubleBuffered.empty())
      if (Stmt s = pipeline(op); s.defined()) return s;
    return IRMutator::visit(op);
  }

  // ---- double buffering ----

  struct Staged {
    const For *coop;         // as it is in the serial loop's body
    Stmt early;              // the same loop with the lets around it in the body substituted
    const Store *store;      // its Store to the shared Func
    std::string registers;   // the work-item's share, loaded an iteration early
    int64_t share = 0;       // points of the cooperative loop a work-item fills
    int64_t lanes = 1;       // values a point holds: the vector loop's extent, if vectorized
    Expr lane = 0;           // which of them: the vector loop's variable from its start
    /// Where in the registers share j, lane `lane` goes.
    Expr slot(const Expr &j) const { return lanes == 1 ? j : j * int(lanes) + lane; }
  };

  /// The cooperative loops of double-buffered Funcs among the statements that start each
  /// iteration of `loop` (not inside a nested loop or branch), in the order they run.
  void findStaged(const Stmt &s, std::vector<std::pair<std::string, Expr>> &lets,
                  std::vector<Staged> &out) {
    if (const Block *b = s.as<Block>()) {
      for (const Stmt &part : b->stmts) findStaged(part, lets, out);
    } else if (const LetStmt *l = s.as<LetStmt>()) {
      lets.push_back({l->name, l->value});
      findStaged(l->body, lets, out);
      lets.pop_back();
    } else if (const Allocate *a = s.as<Allocate>()) {
      findStaged(a->body, lets, out);
    } else if (const ProducerConsumer *pc = s.as<ProducerConsumer>()) {
      findStaged(pc->body, lets, out);
    } else if (const For *f = s.as<For>(); f && f->for_kind == ForKind::GPUCooperative) {
      const Store *store = fillingStore(f);
      if (!store || !doubleBuffered.count(store->name)) return;
      Stmt early = s;
      for (auto it = lets.rbegin(); it != lets.rend(); ++it) early = substitute(it->first, it->second, early);
      out.push_back({f, early, store, store->name + ".prefetch", 0});
    }
  }

  /// The serial loop with its double-buffered Funcs' loads an iteration ahead, or an undefined
  /// Stmt when it has none that qualify.
  Stmt pipeline(const For *loop) {
    std::vector<std::pair<std::string, Expr>> lets;
    std::vector<Staged> found, staged;
    findStaged(loop->body, lets, found);
    WrittenBuffers written;
    written.dispatch(loop->body);
    for (Staged &st : found) {
      const For *early = st.early.as<For>(), *vector = nullptr;
      const Store *store = fillingStore(early, &vector);
      const int64_t *extent = as_const_int(simplify(early->extent));
      const int64_t *lanes = vector ? as_const_int(simplify(vector->extent)) : nullptr;
      if (!extent || !store || (vector && !lanes)) continue;
      st.share = (*extent + groupSize - 1) / groupSize;
      if (vector) {
        st.lanes = *lanes;
        st.lane = Variable::make(Int(32), vector->name) - vector->min;
      }
      // Loaded an iteration early, so from buffers the iteration does not write.
      Stmt values = ReplaceStore(store->name, [](const Store *s) { return Evaluate::make(s->value); })
                        .mutate(early->body);
      if (st.share * st.lanes <= kMaxDoubleBufferShare && !loadsFrom(values, written.names))
        staged.push_back(st);
    }
    if (staged.empty()) return Stmt();

    Expr end = loop->min + loop->extent, next = Variable::make(Int(32), loop->name) + 1;
    // Work-item gpu_local_id's shares of every staged Func at iteration `at`, into registers.
    auto fetch = [&](const Expr &at) {
      std::vector<Stmt> loads;
      for (const Staged &st : staged) {
        const For *early = st.early.as<For>();
        loads.push_back(substitute(loop->name, at, shares(early, [&](const Expr &j) {
          return ReplaceStore(st.store->name, [&](const Store *s) {
                   return Store::make(st.registers, s->value, st.slot(j));
                 }).mutate(mutate(early->body));
        })));
      }
      return Block::make(loads);
    };
    // Each staged loop stores the registers instead; the last one then loads the next shares.
    struct Rewrite : IRMutator {
      Lowerer &self;
      const std::vector<Staged> &staged;
      Stmt prefetch;
      Rewrite(Lowerer &s, const std::vector<Staged> &st, Stmt p) : self(s), staged(st), prefetch(std::move(p)) {}
      using IRMutator::visit;
      Stmt visit(const For *op) override {
        for (size_t i = 0; i < staged.size(); ++i) {
          if (staged[i].coop != op) continue;
          const Staged &st = staged[i];
          Type t = st.store->value.type();
          Stmt fill = self.shares(op, [&](const Expr &j) {
            return ReplaceStore(st.store->name, [&](const Store *s) {
                     return Store::make(s->name, Load::make(t, st.registers, st.slot(j)), s->index);
                   }).mutate(self.mutate(op->body));
          });
          std::vector<Stmt> parts{barrier(), fill, barrier()};
          if (i + 1 == staged.size()) parts.push_back(prefetch);
          return Block::make(parts);
        }
        return self.mutate(Stmt(op));
      }
      // Only the statements that start the iteration hold staged loops; everything else is
      // lowered as usual.
      Stmt visit(const IfThenElse *op) override { return self.mutate(Stmt(op)); }
    };
    Stmt body = Rewrite(*this, staged, IfThenElse::make(next < end, fetch(next))).mutate(loop->body);
    Stmt s = For::make(loop->name, loop->min, loop->extent, loop->for_kind, body);
    const int64_t *iterations = as_const_int(simplify(loop->extent));
    Stmt first = fetch(loop->min);
    if (!iterations || *iterations < 1) first = IfThenElse::make(loop->extent > 0, first);
    s = Block::make(first, s);
    for (auto it = staged.rbegin(); it != staged.rend(); ++it)
      s = Allocate::make(it->registers, it->store->value.type(), {make_const(Int(32), it->share * it->lanes)},
                         MemoryType::Register, s);
    return s;
  }
};

// ---- fewer barriers ----

bool isBarrier(const Stmt &s) {
  const Evaluate *e = s.as<Evaluate>();
  const Call *c = e ? e->value.as<Call>() : nullptr;
  return c && c->is_intrinsic(intrinsic::gpu_barrier);
}

/// Finds the barriers that separate nothing: in each straight-line stretch of code (a loop's
/// body, a branch, the kernel), a barrier between two stretches of shared-memory accesses that
/// do not conflict (neither writes a buffer the other touches) is not needed, and the two
/// merge. Consecutive fills of different buffers (A's tile, then B's) then share one barrier
/// before and one after. A loop or branch with barriers inside counts as touching every buffer.
class RedundantBarriers : public IRVisitor {
public:
  std::set<const IRNode *> redundant;

  void region(const Stmt &s) {
    Stretch saved = current;
    std::vector<const IRNode *> savedBarriers = barriers;
    std::vector<Stretch> savedStretches = stretches;
    current = Stretch{{}, {}, true}; // what came before the region is not known here
    barriers.clear();
    stretches.clear();
    dispatch(s);
    current.unknown = true; // nor is what follows it
    stretches.push_back(current);
    // stretches[i] and stretches[i + 1] are on either side of barriers[i].
    Stretch left = stretches[0];
    for (size_t i = 0; i < barriers.size(); ++i) {
      const Stretch &right = stretches[i + 1];
      if (!left.conflicts(right)) {
        redundant.insert(barriers[i]);
        left.merge(right);
      } else {
        left = right;
      }
    }
    current = saved;
    barriers = savedBarriers;
    stretches = savedStretches;
  }

private:
  using IRVisitor::visit;
  struct Stretch {
    std::set<std::string> reads, writes;
    bool unknown = false;
    bool conflicts(const Stretch &o) const {
      if (unknown || o.unknown) return true;
      for (const std::string &w : writes)
        if (o.reads.count(w) || o.writes.count(w)) return true;
      for (const std::string &w : o.writes)
        if (reads.count(w)) return true;
      return false;
    }
    void merge(const Stretch &o) {
      reads.insert(o.reads.begin(), o.reads.end());
      writes.insert(o.writes.begin(), o.writes.end());
      unknown |= o.unknown;
    }
  };
  std::set<std::string> shared; // buffers in GPU shared memory
  Stretch current;
  std::vector<const IRNode *> barriers;
  std::vector<Stretch> stretches;

  void visit(const Allocate *op) override {
    if (op->memory_type == MemoryType::GPUShared) shared.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Load *op) override {
    if (shared.count(op->name)) current.reads.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Store *op) override {
    if (shared.count(op->name)) current.writes.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Evaluate *op) override {
    if (isBarrier(Stmt(op))) {
      barriers.push_back(op);
      stretches.push_back(current);
      current = Stretch{};
      return;
    }
    IRVisitor::visit(op);
  }
  // A loop or branch without barriers only adds its accesses to the stretch; one with
  // barriers is a region of its own, and touches every buffer as far as this one can tell.
  static bool hasBarrier(const Stmt &s) {
    struct Find : IRVisitor {
      bool found = false;
      void visit(const Evaluate *op) override { found |= isBarrier(Stmt(op)); }
    } find;
    if (s.defined()) find.dispatch(s);
    return find.found;
  }
  void visit(const For *op) override {
    if (!hasBarrier(op->body)) return IRVisitor::visit(op);
    dispatch(op->min);
    dispatch(op->extent);
    region(op->body);
    current.unknown = true;
  }
  void visit(const IfThenElse *op) override {
    if (!hasBarrier(op->then_case) && !hasBarrier(op->else_case)) return IRVisitor::visit(op);
    dispatch(op->condition);
    region(op->then_case);
    if (op->else_case.defined()) region(op->else_case);
    current.unknown = true;
  }
};

class RemoveBarriers : public IRMutator {
public:
  explicit RemoveBarriers(const std::set<const IRNode *> &gone) : gone(gone) {}

private:
  using IRMutator::visit;
  const std::set<const IRNode *> &gone;
  Stmt visit(const Block *op) override {
    std::vector<Stmt> kept;
    for (const Stmt &s : op->stmts)
      if (!gone.count(s.get())) kept.push_back(mutate(s));
    return Block::make(kept);
  }
};

} // namespace

Stmt lower_cooperative_loops(const Stmt &s, const std::set<std::string> &doubleBuffered) {
  Stmt shared = Lowerer(doubleBuffered).mutate(s);
  RedundantBarriers find;
  find.region(shared);
  return find.redundant.empty() ? shared : RemoveBarriers(find.redundant).mutate(shared);
}

} // namespace te
} // namespace strata
