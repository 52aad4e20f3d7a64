#include "lowering/te_to_loops/ScheduleFunctions.h"

#include <sstream>

#include <algorithm>
#include <functional>
#include <set>

#include "dialects/te/Bounds.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"
#include "dialects/te/Substitute.h"

namespace strata {
namespace te {

namespace {

class CollectCalls : public IRVisitor {
public:
  std::vector<std::string> names;
  void visit(const Call *op) override {
    IRVisitor::visit(op);
    if (op->call_type == CallType::FuncRef &&
        std::find(names.begin(), names.end(), op->name) == names.end())
      names.push_back(op->name);
  }
};

std::vector<std::string> calls_of(const FuncContents &f) {
  CollectCalls c;
  for (const Definition &d : f.defs) {
    for (const Expr &a : d.args) c.dispatch(a);
    c.dispatch(d.value);
  }
  return c.names;
}

bool is_output(const Pipeline &p, const std::string &name) {
  for (auto &o : p.outputs)
    if (o->name == name) return true;
  return false;
}

// Compute level after defaults: Funcs with updates are never inlined.
LoopLevel compute_level(const Pipeline &p, const FuncContents &f) {
  if (is_output(p, f.name)) return LoopLevel::root();
  if (f.schedule.compute_set) return f.schedule.compute_level;
  return f.defs.size() > 1 ? LoopLevel::root() : LoopLevel::inlined();
}

LoopLevel store_level(const Pipeline &p, const FuncContents &f) {
  return f.schedule.store_set ? f.schedule.store_level : compute_level(p, f);
}

// Replaces reads of an inlined Func by its pure definition.
class Inliner : public IRMutator {
public:
  explicit Inliner(const FuncContents &f) : f_(f) {}

private:
  const FuncContents &f_;
  Expr visit(const Call *op) override {
    Expr e = IRMutator::visit(op);
    const Call *c = e.as<Call>();
    if (!c || c->call_type != CallType::FuncRef || c->name != f_.name) return e;
    std::map<std::string, Expr> args;
    for (size_t i = 0; i < f_.pure_args.size(); i++) args[f_.pure_args[i]] = c->args[i];
    return substitute(args, f_.defs[0].value);
  }
};

std::string var_min(const FuncContents &f, size_t i) { return f.name + "." + f.pure_args[i] + ".min"; }
std::string var_extent(const FuncContents &f, size_t i) {
  return f.name + "." + f.pure_args[i] + ".extent";
}
std::string stage_prefix(const FuncContents &f, int stage) {
  return f.name + ".s" + std::to_string(stage) + ".";
}

class CollectVarNames : public IRVisitor {
public:
  std::set<std::string> names;
  void visit(const Variable *op) override { names.insert(op->name); }
};

// The loop nest of one definition stage, over the region named by the Func's .min/.extent vars.
Stmt build_stage(const FuncContents &f, int stage) {
  const Definition &def = f.defs[stage];
  const StageSchedule &sched = def.schedule;
  std::string prefix = stage_prefix(f, stage);
  auto loop_var = [&](const std::string &id) { return Variable::make(Int(32), prefix + id); };

  struct DimBounds {
    Expr min, extent;
    bool is_rvar;
  };
  std::map<std::string, DimBounds> dims;
  for (size_t i = 0; i < f.pure_args.size(); i++)
    dims[f.pure_args[i]] = {Variable::make(Int(32), var_min(f, i)),
                            Variable::make(Int(32), var_extent(f, i)), false};
  for (const RVar &r : def.rvars) dims[r.name()] = {r.min(), r.extent(), true};

  struct Item {
    bool is_guard;
    std::string name; // let name
    Expr value;       // let value or guard condition
  };
  // Each split/fuse contributes lets (and a tail guard right after the let it tests, so lets
  // and bounds further in see the guarded range).
  std::vector<std::vector<Item>> per_split;
  for (const Split &sp : sched.splits) {
    std::vector<Item> group;
    if (sp.is_fuse) {
      DimBounds o = dims[sp.outer_id], in = dims[sp.inner_id];
      dims[sp.old_id] = {0, simplify(o.extent * in.extent), o.is_rvar};
      Expr fused = loop_var(sp.old_id);
      group.push_back({false, prefix + sp.inner_id, simplify(in.min + fused % in.extent)});
      group.push_back({false, prefix + sp.outer_id, simplify(o.min + fused / in.extent)});
      per_split.push_back(group);
      continue;
    }
    DimBounds old = dims[sp.old_id];
    Expr F = sp.factor;
    dims[sp.outer_id] = {0, simplify((old.extent + (sp.factor - 1)) / F), old.is_rvar};
    dims[sp.inner_id] = {0, F, old.is_rvar};
    TailStrategy tail = sp.tail;
    if (tail == TailStrategy::Auto)
      tail = (stage == 0 && !old.is_rvar) ? TailStrategy::ShiftInward : TailStrategy::GuardWithIf;
    Expr base = loop_var(sp.outer_id) * F;
    if (tail == TailStrategy::ShiftInward) {
      // Shift the last block back, but never below the start; if the extent is smaller than
      // the factor the guard below still trims the block.
      base = max(min(base, old.extent - F), 0);
    }
    group.push_back({false, prefix + sp.old_id, simplify(old.min + base + loop_var(sp.inner_id))});
    if (tail != TailStrategy::RoundUp)
      group.push_back({true, "", loop_var(sp.old_id) < old.min + old.extent});
    per_split.push_back(group);
  }
  // Later splits define the variables earlier ones use, so they come first.
  std::vector<Item> items;
  for (auto it = per_split.rbegin(); it != per_split.rend(); ++it)
    items.insert(items.end(), it->begin(), it->end());

  // Each let/guard goes just inside the innermost loop it depends on.
  std::map<std::string, int> level;
  for (size_t i = 0; i < sched.dims.size(); i++) level[prefix + sched.dims[i].id] = int(i);
  std::vector<int> item_level;
  for (const Item &it : items) {
    CollectVarNames c;
    c.dispatch(it.value);
    int l = -1;
    for (const std::string &n : c.names)
      if (level.count(n)) l = std::max(l, level[n]);
    if (!it.is_guard) level[it.name] = l;
    item_level.push_back(l);
  }

  std::map<std::string, Expr> rename;
  for (const std::string &p : f.pure_args) rename[p] = loop_var(p);
  for (const RVar &r : def.rvars) rename[r.name()] = loop_var(r.name());
  std::vector<Expr> args;
  for (const Expr &a : def.args) args.push_back(substitute(rename, a));
  Stmt body = Provide::make(f.name, {substitute(rename, def.value)}, args);

  for (int l = int(sched.dims.size()) - 1; l >= -1; l--) {
    for (int i = int(items.size()) - 1; i >= 0; i--) {
      if (item_level[i] != l) continue;
      body = items[i].is_guard ? IfThenElse::make(items[i].value, body)
                               : LetStmt::make(items[i].name, items[i].value, body);
    }
    if (l >= 0) {
      const Dim &d = sched.dims[l];
      const DimBounds &b = dims[d.id];
      body = For::make(prefix + d.id, b.min, b.extent, d.for_kind, body);
    }
  }
  return body;
}

Stmt build_produce(const FuncContents &f) {
  std::vector<Stmt> stages;
  for (size_t s = 0; s < f.defs.size(); s++) stages.push_back(build_stage(f, int(s)));
  return ProducerConsumer::make(f.name, true, Block::make(stages));
}

// Wraps body into lets binding each dimension's .min/.extent to box.
Stmt bind_region(const FuncContents &f, const Box &box, Stmt body) {
  for (int i = int(box.size()) - 1; i >= 0; i--) {
    body = LetStmt::make(var_extent(f, i), simplify(box[i].max - box[i].min + 1), body);
    body = LetStmt::make(var_min(f, i), box[i].min, body);
  }
  return body;
}

// Simplifies every expression but keeps the statement structure (and its lets), so bounds
// inference can still use the named loop variables and the tail guards on them.
class SimplifyExprs : public IRMutator {
public:
  using IRMutator::mutate;
  Expr mutate(const Expr &e) override { return simplify(e); }
};

Region to_region(const Box &b) {
  Region r;
  for (const Interval &i : b) r.emplace_back(i.min, simplify(i.max - i.min + 1));
  return r;
}

bool box_bounded(const Box &b) {
  for (const Interval &i : b)
    if (!i.is_bounded()) return false;
  return true;
}

/// A let or loop around a statement: its value, or the loop's min and extent.
struct Enclosing {
  std::string name;
  bool loop = false;
  Expr value, min, extent;
};
/// The lets and loops around a statement, outermost first.
using Around = std::vector<Enclosing>;

/// The range of `e` over every iteration of the loops around it.
Interval range_over(const Expr &e, const Around &around) {
  Interval r(e, e);
  for (auto it = around.rbegin(); it != around.rend(); ++it) {
    if (!it->loop) {
      r = Interval(substitute(it->name, it->value, r.min), substitute(it->name, it->value, r.max));
      continue;
    }
    Scope loop;
    loop[it->name] = Interval(it->min, simplify(it->min + it->extent - 1));
    r = Interval(bounds_of_expr_in_scope(r.min, loop).min, bounds_of_expr_in_scope(r.max, loop).max);
  }
  return Interval(simplify(r.min), simplify(r.max));
}

/// Called with the body of a compute or store level, the ranges of the GPU thread loops around
/// it (and of the lets and loops that depend on them): the work-group's view, which a Func
/// stored in GPU shared memory is filled for; and the lets and loops around it.
using AtLevel = std::function<Stmt(const Stmt &body, const Scope &groupRanges, const Around &around)>;

// Applies `fn` to the body of the loop named `loop`.
class AtLoop : public IRMutator {
public:
  AtLoop(const std::string &loop, AtLevel fn) : loop_(loop), fn_(fn) {}
  bool found = false;

private:
  std::string loop_;
  AtLevel fn_;
  Scope group_;     // thread loops and what depends on them, as ranges
  Around around_;
  int threads_ = 0; // thread loops around the current statement

  bool depends_on_threads(const Expr &e) const {
    if (!threads_) return false;
    CollectVarNames c;
    c.dispatch(e);
    for (const std::string &n : c.names)
      if (group_.count(n)) return true;
    return false;
  }
  Stmt visit(const For *op) override {
    bool thread = op->for_kind == ForKind::GPUThread;
    bool relaxed = thread || depends_on_threads(op->min) || depends_on_threads(op->extent);
    if (relaxed) {
      Interval mn = bounds_of_expr_in_scope(op->min, group_);
      Interval mx = bounds_of_expr_in_scope(simplify(op->min + op->extent - 1), group_);
      group_[op->name] = Interval(mn.min, mx.max);
    }
    threads_ += thread;
    around_.push_back({op->name, true, Expr(), op->min, op->extent});
    Stmt body = op->name == loop_ ? (found = true, fn_(op->body, group_, around_)) : mutate(op->body);
    around_.pop_back();
    threads_ -= thread;
    if (relaxed) group_.erase(op->name);
    if (body.same_as(op->body)) return op;
    return For::make(op->name, op->min, op->extent, op->for_kind, body);
  }
  Stmt visit(const LetStmt *op) override {
    bool relaxed = depends_on_threads(op->value);
    if (relaxed) group_[op->name] = bounds_of_expr_in_scope(op->value, group_);
    around_.push_back({op->name, false, op->value, Expr(), Expr()});
    Stmt s = IRMutator::visit(op);
    around_.pop_back();
    if (relaxed) group_.erase(op->name);
    return s;
  }
};

Status apply_at(const Pipeline &p, const FuncContents &f, const LoopLevel &lvl, const char *what,
                Stmt &s, AtLevel fn) {
  if (lvl.kind == LoopLevel::Kind::Root) {
    s = fn(s, Scope(), Around());
    return Status();
  }
  auto it = p.funcs.find(lvl.func);
  std::string where = "schedule error: Func '" + f.name + "' is " + what + " at loop '" +
                      lvl.var + "' of Func '" + lvl.func + "'";
  if (it == p.funcs.end()) return Status::error(where + ", which is not used by this pipeline");
  const FuncContents &g = *it->second;
  if (compute_level(p, g).kind == LoopLevel::Kind::Inline)
    return Status::error(where + ", which is inlined and has no loops");
  int stage = lvl.stage < 0 ? int(g.defs.size()) - 1 : lvl.stage;
  const StageSchedule &gs = g.defs[stage].schedule;
  std::string id, loops;
  for (const Dim &d : gs.dims) {
    if (d.name == lvl.var) id = d.id;
    loops += (loops.empty() ? "" : ", ") + d.name;
  }
  if (id.empty()) return Status::error(where + ", which has no such loop (loops: " + loops + ")");
  AtLoop at(stage_prefix(g, stage) + id, fn);
  s = at.mutate(s);
  if (!at.found)
    return Status::error(where + ", but that loop does not enclose the uses of '" + f.name +
                         "' (is '" + lvl.func + "' a consumer of it?)");
  return Status();
}

/// The lanes of a Func in GPU shared memory whose pure definition is vectorized along its last
/// dimension (each work-item then fills that many neighbouring points at a time), or 0.
int cooperative_lanes(const FuncContents &f) {
  const StageSchedule &sched = f.defs[0].schedule;
  return sched.splits.size() == 1 && sched.dims.back().for_kind == ForKind::Vectorized
             ? sched.splits[0].factor
             : 0;
}

/// A Func stored in GPU shared memory is filled by the whole work-group: each stage's pure
/// loops become one loop over the region's points (the last dimension fastest, so neighbouring
/// work-items read neighbouring addresses), shared out among the work-items; an update's
/// reduction loops run inside it, so each point is still reduced by one work-item, in order.
/// The one schedule it takes is vectorize(last dimension, lanes) on its pure definition: the
/// vector loop stays inside, so a work-item loads `lanes` neighbouring values at once (one
/// 16-byte load for 4 floats); its region along that dimension must be a multiple of `lanes`
/// (checked where it is computed), so the split needs no tail.
Result<FuncContents> cooperative(const FuncContents &f) {
  FuncContents c = f;
  auto fail = [&](const std::string &why) {
    return Status::error("schedule error: Func '" + f.name + "' is stored in GPU shared memory: " + why);
  };
  if (f.pure_args.empty()) return fail("it has no dimension to share out among the work-items");
  if (f.schedule.store_set && !(f.schedule.store_level == f.schedule.compute_level))
    return fail("it must be stored where it is computed");
  for (size_t i = 0; i < c.defs.size(); i++) {
    StageSchedule &sched = c.defs[i].schedule;
    StageInfo info{f.name, int(i), c.defs[i].pointwise};
    std::vector<std::string> pure, order;
    bool vectorized = i == 0 && cooperative_lanes(f) > 0 && !sched.splits[0].is_fuse &&
                      sched.splits[0].old_id == f.pure_args.back();
    if (vectorized) sched.splits[0].tail = TailStrategy::RoundUp;
    for (size_t k = 0; k < sched.dims.size(); k++) {
      const Dim &d = sched.dims[k];
      if (vectorized && k + 1 == sched.dims.size()) break; // the vector loop stays innermost
      if (d.for_kind != ForKind::Serial || (!sched.splits.empty() && !vectorized))
        return fail("its loops are shared out among the work-items and take no schedule of "
                    "their own but vectorize(" + f.pure_args.back() + ", lanes) in its pure definition");
      if (!d.is_rvar) pure.push_back(d.name);
    }
    if (!info.pointwise || pure.size() != f.pure_args.size())
      return fail("update " + std::to_string(i - 1) +
                  " does not write exactly the point it is at, so its points cannot be shared out");
    order = pure;
    for (const Dim &d : sched.dims)
      if (d.is_rvar) order.push_back(d.name);
    Status st = reorder(sched, info, order);
    std::string fused = pure[0];
    for (size_t k = 1; k < pure.size() && st.ok(); k++) {
      std::string next = "coop" + std::to_string(k);
      st = fuse(sched, info, fused, pure[k], next);
      fused = next;
    }
    if (st.ok()) st = set_for_kind(sched, info, fused, ForKind::GPUCooperative);
    if (!st.ok()) return st;
  }
  return c;
}

} // namespace

Result<Pipeline> find_pipeline(const std::vector<Func> &outputs) {
  Pipeline p;
  std::set<std::string> visiting, done;
  Status err;
  std::function<void(const std::shared_ptr<FuncContents> &)> visit =
      [&](const std::shared_ptr<FuncContents> &f) {
        if (!err.ok() || done.count(f->name)) return;
        if (!f->error.ok()) {
          err = f->error;
          return;
        }
        if (f->defs.empty()) {
          err = Status::error("lowering error: Func '" + f->name + "' has no definition");
          return;
        }
        visiting.insert(f->name);
        p.funcs[f->name] = f;
        for (const std::string &n : calls_of(*f)) {
          if (n == f->name) continue;
          std::shared_ptr<FuncContents> g;
          for (auto &c : f->callees)
            if (c->name == n) g = c;
          std::shared_ptr<InputContents> in;
          for (auto &i : f->inputs)
            if (i->name == n) in = i;
          if (g) {
            if (visiting.count(n)) {
              err = Status::error("lowering error: Funcs '" + f->name + "' and '" + n +
                                  "' depend on each other");
              return;
            }
            visit(g);
          } else if (in) {
            if (!p.inputs.count(n)) p.input_order.push_back(n);
            p.inputs[n] = in;
          } else {
            err = Status::error("lowering error: Func '" + f->name + "' reads '" + n +
                                "', which is neither a Func nor an Input");
            return;
          }
        }
        visiting.erase(f->name);
        done.insert(f->name);
        p.order.push_back(f->name);
      };
  for (const Func &o : outputs) {
    if (o.contents()->shape.size() != o.contents()->pure_args.size() && o.defined())
      return Status::error("lowering error: output Func '" + o.name() + "' needs a shape with " +
                           std::to_string(o.dimensions()) + " extents (call set_shape)");
    p.outputs.push_back(o.contents());
    visit(o.contents());
    if (!err.ok()) return err;
  }
  return p;
}

Result<Stmt> schedule_functions(const Pipeline &p_in) {
  // Work on copies so inlining never changes the user's Funcs.
  Pipeline p = p_in;
  for (auto &[name, f] : p.funcs) f = std::make_shared<FuncContents>(*f);
  for (auto &o : p.outputs) o = p.funcs[o->name];

  for (const std::string &name : p.order) {
    const FuncContents &f = *p.funcs[name];
    if (compute_level(p, f).kind != LoopLevel::Kind::Inline) continue;
    if (f.defs.size() > 1)
      return Status::error("schedule error: Func '" + name +
                           "' has update definitions and cannot be inlined");
    for (auto &[other, g] : p.funcs) {
      if (other == name) continue;
      Inliner in(f);
      for (Definition &d : g->defs) {
        d.value = in.mutate(d.value);
        for (Expr &a : d.args) a = in.mutate(a);
      }
    }
  }

  // Outputs cover exactly their shapes, starting at 0; substituting those constants up front
  // keeps every inferred region as tight (and as constant) as possible.
  std::vector<Stmt> produces;
  for (auto &o : p.outputs) {
    std::map<std::string, Expr> shape;
    for (size_t i = 0; i < o->pure_args.size(); i++) {
      shape[var_min(*o, i)] = 0;
      shape[var_extent(*o, i)] = o->shape[i];
    }
    produces.push_back(SimplifyExprs().mutate(substitute(shape, build_produce(*o))));
  }
  Stmt s = Block::make(produces);

  for (auto it = p.order.rbegin(); it != p.order.rend(); ++it) {
    const FuncContents &f = *p.funcs[*it];
    LoopLevel cl = compute_level(p, f), sl = store_level(p, f);
    if (is_output(p, f.name) || cl.kind == LoopLevel::Kind::Inline) continue;
    if (sl.kind == LoopLevel::Kind::Inline) sl = cl;
    bool separate_store = !(sl == cl);
    Status err;
    bool shared = f.schedule.memory_type == MemoryType::GPUShared;
    Result<FuncContents> filled = shared ? cooperative(f) : Result<FuncContents>(f);
    if (!filled.ok()) return filled.status();
    Status st = apply_at(p, f, cl, "computed", s, [&](const Stmt &body, const Scope &group, const Around &around) -> Stmt {
      // A Func in shared memory holds what the whole work-group reads.
      auto boxes = boxes_required(body, shared ? group : Scope());
      auto it2 = boxes.find(f.name);
      if (it2 == boxes.end()) return body; // not used here
      if (!box_bounded(it2->second)) {
        err = Status::error("bounds error: cannot bound the region of Func '" + f.name +
                            "' read at its compute level");
        return body;
      }
      if (int lanes = shared ? cooperative_lanes(f) : 0) {
        const Interval &last = it2->second.back();
        Expr points = simplify(last.max - last.min + 1);
        Interval range = range_over(points, around);
        const int64_t *least = as_const_int(range.min), *most = as_const_int(range.max);
        if (!least || !most || *least != *most || *least % lanes != 0) {
          err = Status::error("schedule error: Func '" + f.name + "' in GPU shared memory is vectorized by " +
                              std::to_string(lanes) + " along '" + f.pure_args.back() +
                              "', but its region there (" +
                              to_string(least && most && *least == *most ? range.min : points) +
                              " points) is not a multiple of " + std::to_string(lanes));
          return body;
        }
      }
      Stmt produce = SimplifyExprs().mutate(build_produce(*filled));
      Stmt inner = Block::make(produce, ProducerConsumer::make(f.name, false, body));
      if (!separate_store) {
        // A shared Func's cooperative loops write exactly the region (their fused index
        // hides that from bounds inference).
        Box provided = shared ? Box() : boxes_provided(bind_region(f, it2->second, produce))[f.name];
        Box box = box_union(it2->second, provided);
        if (!box_bounded(box)) {
          std::ostringstream dims;
          for (size_t i = 0; i < box.size(); ++i)
            dims << (i ? ", " : "") << "[" << box[i].min << ", " << box[i].max << "]";
          err = Status::error("bounds error: cannot bound the region Func '" + f.name +
                              "' writes at its compute level: " + dims.str());
          return body;
        }
        inner = Realize::make(f.name, {f.type}, to_region(box), inner, f.schedule.memory_type);
      }
      return bind_region(f, it2->second, inner);
    });
    if (!st.ok()) return st;
    if (!err.ok()) return err;
    if (!separate_store) continue;
    bool encloses = true;
    st = apply_at(p, f, sl, "stored", s, [&](const Stmt &body, const Scope &, const Around &) -> Stmt {
      Box box = box_union(boxes_required(body)[f.name], boxes_provided(body)[f.name]);
      if (box.empty()) {
        encloses = false;
        return body;
      }
      if (!box_bounded(box)) {
        err = Status::error("bounds error: cannot bound the storage of Func '" + f.name + "'");
        return body;
      }
      return Realize::make(f.name, {f.type}, to_region(box), body, f.schedule.memory_type);
    });
    if (!st.ok()) return st;
    if (!err.ok()) return err;
    if (!encloses)
      return Status::error("schedule error: Func '" + f.name +
                           "' is stored at a loop that does not enclose where it is computed");
  }

  return s;
}

} // namespace te
} // namespace strata
