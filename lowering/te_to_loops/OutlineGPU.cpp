#include "lowering/te_to_loops/OutlineGPU.h"

#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"

#include <algorithm>
#include <set>

namespace strata {
namespace te {

int64_t GPULaunch::groups(int dim) const {
  for (const GPUIndex &b : blocks)
    if (b.dim == dim) return b.extent;
  return 1;
}

int64_t GPULaunch::groupSize(int dim) const {
  for (const GPUIndex &t : threads)
    if (t.dim == dim) return t.extent;
  return 1;
}

int64_t GPULaunch::workItems() const { return groupSize(0) * groupSize(1) * groupSize(2); }

namespace {

/// The buffers a statement reads or writes, minus those it allocates itself.
class UsedBuffers : public IRVisitor {
public:
  std::set<std::string> used, local;

private:
  using IRVisitor::visit;
  void visit(const Load *op) override {
    used.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Store *op) override {
    used.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Allocate *op) override {
    local.insert(op->name);
    IRVisitor::visit(op);
  }
};

/// Whether a statement contains a loop bound to the GPU.
class HasGPULoop : public IRVisitor {
public:
  bool found = false;

private:
  using IRVisitor::visit;
  void visit(const For *op) override {
    found |= op->for_kind == ForKind::GPUBlock || op->for_kind == ForKind::GPUThread;
    IRVisitor::visit(op);
  }
};

/// Checks that every work-item of a group reaches each barrier (and each cooperative loop not
/// yet shared out, whose barriers they will be): none may sit inside a branch or loop that
/// depends on the work-item.
class CheckUniform : public IRVisitor {
public:
  explicit CheckUniform(const std::vector<GPUIndex> &threads) {
    for (const GPUIndex &t : threads) dependent.insert(t.name);
  }
  std::string error;

private:
  using IRVisitor::visit;
  std::set<std::string> dependent; // variables whose value differs between work-items
  std::string divergedAt;          // the innermost divergent loop or branch around, if any

  bool depends(const Expr &e) {
    bool found = false;
    struct Vars : IRVisitor {
      const std::set<std::string> &dep;
      bool &found;
      Vars(const std::set<std::string> &d, bool &f) : dep(d), found(f) {}
      void visit(const Variable *op) override { found |= dep.count(op->name) > 0; }
      void visit(const Call *op) override {
        found |= op->is_intrinsic(intrinsic::gpu_local_id);
        IRVisitor::visit(op);
      }
    } v(dependent, found);
    v.dispatch(e);
    return found;
  }
  void visit(const LetStmt *op) override {
    if (depends(op->value)) dependent.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const For *op) override {
    bool varies = depends(op->min) || depends(op->extent);
    if (op->for_kind == ForKind::GPUCooperative && error.empty() && (varies || !divergedAt.empty()))
      error = "cooperative loop '" + op->name + "' (filling GPU shared memory) is not reached by every work-item of the group: " +
              (varies ? "its bounds depend on the work-item" : divergedAt + " depends on the work-item");
    std::string saved = divergedAt;
    if (varies) {
      dependent.insert(op->name);
      divergedAt = "loop '" + op->name + "'";
    }
    dispatch(op->body);
    divergedAt = saved;
  }
  void visit(const IfThenElse *op) override {
    std::string saved = divergedAt;
    if (depends(op->condition)) divergedAt = "the condition " + to_string(op->condition);
    dispatch(op->then_case);
    dispatch(op->else_case);
    divergedAt = saved;
  }
  void visit(const Evaluate *op) override {
    const Call *c = op->value.as<Call>();
    if (c && c->is_intrinsic(intrinsic::gpu_barrier) && error.empty() && !divergedAt.empty())
      error = "a barrier (around GPU shared memory being filled) is not reached by every work-item of the group: " +
              divergedAt + " depends on the work-item";
    IRVisitor::visit(op);
  }
};

/// The bytes of shared memory a launch allocates, or -1 when a size is not a constant.
int64_t sharedBytes(const Stmt &s) {
  struct Sum : IRVisitor {
    int64_t bytes = 0;
    void visit(const Allocate *op) override {
      if (op->memory_type == MemoryType::GPUShared && bytes >= 0) {
        int64_t n = std::max(1, op->type.bits / 8);
        for (const Expr &e : op->extents) {
          const int64_t *c = as_const_int(e);
          n = c && n >= 0 ? n * *c : -1;
        }
        bytes = n < 0 ? -1 : bytes + n;
      }
      IRVisitor::visit(op);
    }
  } sum;
  sum.dispatch(s);
  return sum.bytes;
}

class Outliner {
public:
  explicit Outliner(const LoweredFunc &f) : f(f) {}

  Status walk(const Stmt &s) {
    if (!s.defined()) return {};
    if (const Block *b = s.as<Block>()) {
      for (const Stmt &part : b->stmts)
        if (Status st = walk(part); !st.ok()) return st;
      return {};
    }
    if (const Allocate *a = s.as<Allocate>()) {
      int64_t elements = 1;
      for (const Expr &e : a->extents) {
        const int64_t *n = as_const_int(e);
        if (!n) return fail("buffer '" + a->name + "' has a size not known at compile time");
        elements *= *n;
      }
      program.scratch.push_back({a->name, a->type, elements});
      return walk(a->body);
    }
    if (const LetStmt *l = s.as<LetStmt>()) {
      lets.push_back(l);
      Status st = walk(l->body);
      lets.pop_back();
      return st;
    }
    if (const For *loop = s.as<For>(); loop && loop->for_kind == ForKind::GPUBlock)
      return launch(s);
    if (const For *loop = s.as<For>(); loop && loop->for_kind == ForKind::GPUThread)
      return launch(s);
    if (const Evaluate *e = s.as<Evaluate>(); e && is_const(e->value)) return {};
    HasGPULoop nested;
    nested.dispatch(s);
    if (nested.found)
      return fail("a loop bound to the GPU is nested in a statement that is not (it must be "
                  "outermost in its loop nest)");
    return launch(s); // one work-item
  }

  GPUProgram program;

private:
  Status fail(const std::string &why) const {
    return Status::error("kernel '" + f.name + "': cannot outline GPU kernels: " + why);
  }

  /// Peels the block loops, then the thread loops, off a loop nest (lets between them stay in
  /// the body, evaluated by every work-item).
  Status launch(Stmt s) {
    GPULaunch l;
    l.name = f.name + "_k" + std::to_string(program.launches.size());
    std::vector<const LetStmt *> inner;
    auto peel = [&](ForKind kind, std::vector<GPUIndex> &out) -> Status {
      while (true) {
        if (const LetStmt *let = s.as<LetStmt>()) {
          inner.push_back(let);
          s = let->body;
          continue;
        }
        const For *loop = s.as<For>();
        if (!loop || loop->for_kind != kind) return {};
        const int64_t *extent = as_const_int(loop->extent);
        if (!extent) return fail("GPU loop '" + loop->name + "' has an extent not known at compile time");
        if (out.size() == 3) return fail("more than 3 nested " + std::string(for_kind_name(kind)) + " loops");
        out.push_back({loop->name, 0, loop->min, *extent});
        s = loop->body;
      }
    };
    if (Status st = peel(ForKind::GPUBlock, l.blocks); !st.ok()) return st;
    if (Status st = peel(ForKind::GPUThread, l.threads); !st.ok()) return st;
    // Innermost loop = dimension 0 (the fastest-varying work-item index).
    for (std::vector<GPUIndex> *v : {&l.blocks, &l.threads})
      for (size_t i = 0; i < v->size(); ++i) (*v)[i].dim = int(v->size() - 1 - i);
    HasGPULoop nested;
    nested.dispatch(s);
    if (nested.found)
      return fail("GPU loops of launch '" + l.name + "' are not perfectly nested (blocks, then threads)");
    for (auto it = inner.rbegin(); it != inner.rend(); ++it) s = LetStmt::make((*it)->name, (*it)->value, s);
    for (auto it = lets.rbegin(); it != lets.rend(); ++it) s = LetStmt::make((*it)->name, (*it)->value, s);
    l.body = s;

    CheckUniform uniform(l.threads);
    uniform.dispatch(l.body);
    if (!uniform.error.empty()) return fail("launch '" + l.name + "': " + uniform.error);
    int64_t shared = sharedBytes(l.body);
    if (shared < 0) return fail("launch '" + l.name + "' has a shared-memory buffer of a size not known at compile time");
    if (shared > kMaxGPUSharedBytes)
      return fail("launch '" + l.name + "' needs " + std::to_string(shared) +
                  " bytes of shared memory; at most " + std::to_string(kMaxGPUSharedBytes) + " fit every GPU");

    // Every buffer the launch touches must be an argument or a scratch buffer, in that order.
    UsedBuffers used;
    used.dispatch(s);
    for (const LoweredArg &a : f.args)
      if (used.used.count(a.name)) l.buffers.push_back(a.name);
    for (const GPUScratch &b : program.scratch)
      if (used.used.count(b.name)) l.buffers.push_back(b.name);
    for (const std::string &name : used.used)
      if (!used.local.count(name) &&
          std::find(l.buffers.begin(), l.buffers.end(), name) == l.buffers.end())
        return fail("launch '" + l.name + "' uses buffer '" + name + "', which is neither an argument nor allocated");
    program.launches.push_back(std::move(l));
    return {};
  }

  const LoweredFunc &f;
  std::vector<const LetStmt *> lets; // enclosing the statement being walked
};

} // namespace

Result<GPUProgram> outline_gpu_kernels(const LoweredFunc &f) {
  Outliner o(f);
  if (Status st = o.walk(f.body); !st.ok()) return st;
  return std::move(o.program);
}

} // namespace te
} // namespace strata
