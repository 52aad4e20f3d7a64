#include "dialects/te/Func.h"

#include <algorithm>
#include <map>
#include <set>

#include "dialects/te/IREquality.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

// ---- Context -------------------------------------------------------------------------------

struct Context::Tables {
  struct Reduction {
    RVar rvar;
    int order; // of creation: an update's reduction loops run in this order, outermost first
  };
  std::map<std::string, std::weak_ptr<FuncContents>> funcs;
  std::map<std::string, std::weak_ptr<InputContents>> inputs;
  std::map<std::string, Reduction> rvars;
  int counter = 0; // numbers unnamed Funcs, Vars and RDoms, and orders reductions

  bool taken(const std::string &n) const {
    auto f = funcs.find(n);
    if (f != funcs.end() && !f->second.expired()) return true;
    auto i = inputs.find(n);
    return i != inputs.end() && !i->second.expired();
  }
  std::string unique(const std::string &want) const {
    if (!taken(want)) return want;
    for (int k = 1;; k++)
      if (!taken(want + "$" + std::to_string(k))) return want + "$" + std::to_string(k);
  }
  std::shared_ptr<FuncContents> find_func(const std::string &name) const {
    auto it = funcs.find(name);
    return it == funcs.end() ? nullptr : it->second.lock();
  }
  std::shared_ptr<InputContents> find_input(const std::string &name) const {
    auto it = inputs.find(name);
    return it == inputs.end() ? nullptr : it->second.lock();
  }
  const Reduction *find_rvar(const std::string &name) const {
    auto it = rvars.find(name);
    return it == rvars.end() ? nullptr : &it->second;
  }
};

namespace {

thread_local Context::Tables *current = nullptr;

Context::Tables &names() {
  TE_CHECK(current, "Funcs, Inputs, RDoms and unnamed Vars are made and defined inside a "
                    "te::Context, and none is current on this thread");
  return *current;
}

} // namespace

Context::Context() : tables_(std::make_unique<Tables>()), previous_(current) {
  current = tables_.get();
}

Context::~Context() {
  TE_CHECK(current == tables_.get(), "te::Contexts must end in the reverse order of their start");
  current = previous_;
}

// ---- Var, RDom, Input ------------------------------------------------------------------------

Var::Var() : name_("v" + std::to_string(names().counter++)) {}
Var::Var(const std::string &name) : name_(name) {}

RDom::RDom(const std::vector<std::pair<Expr, Expr>> &ranges, const std::string &name) {
  Context::Tables &t = names();
  std::string base = name.empty() ? "r" + std::to_string(t.counter++) : name;
  static const char *suffix[] = {"x", "y", "z", "w"};
  for (size_t i = 0; i < ranges.size(); i++) {
    std::string n = base + "." + (i < 4 ? std::string(suffix[i]) : std::to_string(i));
    vars_.emplace_back(n, ranges[i].first, ranges[i].second);
    t.rvars[n] = {vars_.back(), t.counter++};
  }
  if (vars_.size() > 0) x = vars_[0];
  if (vars_.size() > 1) y = vars_[1];
  if (vars_.size() > 2) z = vars_[2];
  if (vars_.size() > 3) w = vars_[3];
}

Input::Input(const std::string &name, Type type, std::vector<int> shape)
    : c_(std::make_shared<InputContents>()) {
  c_->name = names().unique(name);
  c_->type = type;
  c_->shape = std::move(shape);
  names().inputs[c_->name] = c_;
}

Expr Input::operator()(std::vector<Expr> args) const {
  TE_CHECK(args.size() == c_->shape.size(),
           "input '" + c_->name + "' has " + std::to_string(c_->shape.size()) +
               " dimensions, called with " + std::to_string(args.size()));
  for (Expr &a : args) a = cast(Int(32), a);
  return Call::make(c_->type, c_->name, args, CallType::FuncRef);
}

// ---- Func definitions -------------------------------------------------------------------------

Func::Func() : Func("f" + std::to_string(names().counter++)) {}

Func::Func(const std::string &name) : c_(std::make_shared<FuncContents>()) {
  c_->name = names().unique(name);
  names().funcs[c_->name] = c_;
}

FuncRef::FuncRef(const Func &f, std::vector<Expr> args) : f_(f.contents()), args_(std::move(args)) {
  for (Expr &a : args_) a = cast(Int(32), a);
}

FuncRef::operator Expr() const {
  TE_CHECK(!f_->defs.empty(), "Func '" + f_->name + "' is used before it is defined");
  TE_CHECK(args_.size() == f_->pure_args.size(),
           "Func '" + f_->name + "' has " + std::to_string(f_->pure_args.size()) +
               " dimensions, called with " + std::to_string(args_.size()));
  return Call::make(f_->type, f_->name, args_, CallType::FuncRef);
}

namespace {

class CollectVars : public IRVisitor {
public:
  std::vector<std::string> names;
  void visit(const Variable *op) override {
    if (std::find(names.begin(), names.end(), op->name) == names.end()) names.push_back(op->name);
  }
};

// True if every read of `f` in e is at exactly `args`.
class SelfRefs : public IRVisitor {
public:
  SelfRefs(const std::string &f, const std::vector<Expr> &args) : f_(f), args_(args) {}
  bool pointwise = true;

private:
  const std::string &f_;
  const std::vector<Expr> &args_;
  void visit(const Call *op) override {
    IRVisitor::visit(op);
    if (op->call_type != CallType::FuncRef || op->name != f_) return;
    for (size_t i = 0; i < args_.size(); i++) pointwise &= equal(op->args[i], args_[i]);
  }
};

void set_error(FuncContents &f, const std::string &msg) {
  if (f.error.ok()) f.error = Status::error(msg);
}

class CollectCallNames : public IRVisitor {
public:
  std::vector<std::string> names;
  void visit(const Call *op) override {
    IRVisitor::visit(op);
    if (op->call_type == CallType::FuncRef) names.push_back(op->name);
  }
};

// Keeps the Funcs and inputs that e reads alive as long as f is.
void record_callees(FuncContents &f, const std::vector<Expr> &exprs) {
  CollectCallNames c;
  for (const Expr &e : exprs) c.dispatch(e);
  for (const std::string &n : c.names) {
    if (n == f.name) continue;
    if (auto g = names().find_func(n)) {
      if (std::find(f.callees.begin(), f.callees.end(), g) == f.callees.end()) f.callees.push_back(g);
    } else if (auto in = names().find_input(n)) {
      if (std::find(f.inputs.begin(), f.inputs.end(), in) == f.inputs.end()) f.inputs.push_back(in);
    } else {
      set_error(f, "definition error: Func '" + f.name + "' reads '" + n +
                       "', which is neither a live Func nor an Input");
    }
  }
}

void define_pure(FuncContents &f, const std::vector<Expr> &args, const Expr &value) {
  Definition d;
  for (size_t i = 0; i < args.size(); i++) {
    const Variable *v = args[i].as<Variable>();
    if (!v || names().find_rvar(v->name))
      return set_error(f, "definition error: Func '" + f.name + "': argument " +
                              std::to_string(i) + " of the pure definition must be a Var, got " +
                              to_string(args[i]));
    for (const std::string &p : f.pure_args)
      if (p == v->name)
        return set_error(f, "definition error: Func '" + f.name + "': Var '" + v->name +
                                "' appears twice on the left-hand side");
    f.pure_args.push_back(v->name);
    d.schedule.dims.push_back(Dim{v->name, v->name, ForKind::Serial, false, {}});
  }
  CollectVars cv;
  cv.dispatch(value);
  for (const std::string &n : cv.names)
    if (std::find(f.pure_args.begin(), f.pure_args.end(), n) == f.pure_args.end())
      return set_error(f, "definition error: Func '" + f.name + "': pure definition uses '" + n +
                              "', which is not one of its arguments");
  d.args = args;
  d.value = value;
  f.type = value.type();
  f.defs.push_back(d);
  record_callees(f, {value});
}

void define_update(FuncContents &f, const std::vector<Expr> &args, Expr value) {
  std::string who = "definition error: Func '" + f.name + "' update " + std::to_string(f.defs.size() - 1);
  if (args.size() != f.pure_args.size())
    return set_error(f, who + ": expected " + std::to_string(f.pure_args.size()) + " arguments");
  if (value.type() != f.type) {
    if (!is_const(value))
      return set_error(f, who + ": value type " + to_string(value.type()) +
                              " differs from the Func's type " + to_string(f.type));
    value = cast(f.type, value);
  }
  Definition d;
  std::set<std::string> lhs_pure;
  for (size_t i = 0; i < args.size(); i++) {
    const Variable *v = args[i].as<Variable>();
    if (v && v->name == f.pure_args[i]) {
      lhs_pure.insert(v->name);
      d.schedule.dims.push_back(Dim{v->name, v->name, ForKind::Serial, false, {}});
    }
  }
  CollectVars cv;
  for (const Expr &a : args) cv.dispatch(a);
  cv.dispatch(value);
  std::vector<std::pair<int, RVar>> rvars;
  for (const std::string &n : cv.names) {
    if (lhs_pure.count(n)) continue;
    if (const Context::Tables::Reduction *r = names().find_rvar(n)) {
      rvars.emplace_back(r->order, r->rvar);
      continue;
    }
    if (std::find(f.pure_args.begin(), f.pure_args.end(), n) != f.pure_args.end())
      return set_error(f, who + ": pure Var '" + n +
                              "' must appear as the same argument on the left-hand side");
    return set_error(f, who + ": uses unknown variable '" + n + "'");
  }
  std::sort(rvars.begin(), rvars.end(), [](auto &a, auto &b) { return a.first < b.first; });
  for (size_t k = 0; k < rvars.size(); k++) {
    d.rvars.push_back(rvars[k].second);
    d.schedule.dims.push_back(Dim{rvars[k].second.name(), rvars[k].second.name(),
                                  ForKind::Serial, true, {int(k)}});
  }
  SelfRefs sr(f.name, args);
  sr.dispatch(value);
  d.pointwise = sr.pointwise;
  d.args = args;
  d.value = value;
  f.defs.push_back(d);
  std::vector<Expr> all = args;
  all.push_back(value);
  record_callees(f, all);
}

} // namespace

FuncRef &FuncRef::operator=(const Expr &value) {
  if (f_->defs.empty()) define_pure(*f_, args_, value);
  else define_update(*f_, args_, value);
  return *this;
}

FuncRef &FuncRef::operator+=(const Expr &value) {
  if (f_->defs.empty()) return *this = cast(value.type(), 0) + value; // Halide: pure def is 0
  Expr v = value;
  if (v.type() != f_->type && is_const(v)) v = cast(f_->type, v);
  return *this = Expr(*this) + v;
}

FuncRef &FuncRef::operator-=(const Expr &value) {
  if (f_->defs.empty()) define_pure(*f_, args_, cast(value.type(), 0));
  Expr v = value;
  if (v.type() != f_->type && is_const(v)) v = cast(f_->type, v);
  return *this = Expr(*this) - v;
}

FuncRef &FuncRef::operator*=(const Expr &value) {
  if (f_->defs.empty()) define_pure(*f_, args_, cast(value.type(), 1));
  Expr v = value;
  if (v.type() != f_->type && is_const(v)) v = cast(f_->type, v);
  return *this = Expr(*this) * v;
}

Func &Func::set_shape(std::vector<int> shape) {
  c_->shape = std::move(shape);
  return *this;
}

// ---- Scheduling -----------------------------------------------------------------------------

StageInfo Stage::info() const {
  StageInfo i;
  i.func = f_->name;
  i.stage = stage_;
  i.pointwise = stage_ < int(f_->defs.size()) ? f_->defs[stage_].pointwise : true;
  return i;
}

Stage &Stage::apply(const Status &s) {
  if (!s.ok() && f_->error.ok()) f_->error = s;
  return *this;
}

// Runs a primitive on this stage unless an error is already recorded.
#define STRATA_TE_STAGE_OP(CALL)                                                                   \
  if (!f_->error.ok()) return *this;                                                               \
  if (stage_ >= int(f_->defs.size()))                                                              \
    return apply(Status::error("schedule error: " + info().describe() + " is not defined"));       \
  StageSchedule &s = f_->defs[stage_].schedule;                                                    \
  return apply(CALL);

Stage &Stage::split(const VarName &old, const VarName &outer, const VarName &inner, int factor,
                    TailStrategy tail) {
  STRATA_TE_STAGE_OP(te::split(s, info(), old.name, outer.name, inner.name, factor, tail))
}
Stage &Stage::fuse(const VarName &outer, const VarName &inner, const VarName &fused) {
  STRATA_TE_STAGE_OP(te::fuse(s, info(), outer.name, inner.name, fused.name))
}
Stage &Stage::reorder(const std::vector<VarName> &order) {
  std::vector<std::string> names;
  for (const VarName &v : order) names.push_back(v.name);
  STRATA_TE_STAGE_OP(te::reorder(s, info(), names))
}
Stage &Stage::tile(const VarName &a, const VarName &b, const VarName &ao, const VarName &bo,
                   const VarName &ai, const VarName &bi, int fa, int fb, TailStrategy tail) {
  STRATA_TE_STAGE_OP(te::tile(s, info(), a.name, b.name, ao.name, bo.name, ai.name, bi.name, fa, fb, tail))
}
Stage &Stage::vectorize(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::Vectorized))
}
Stage &Stage::vectorize(const VarName &v, int factor, TailStrategy tail) {
  split(v, v, v.name + "_vi", factor, tail);
  return vectorize(v.name + "_vi");
}
Stage &Stage::unroll(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::Unrolled))
}
Stage &Stage::unroll(const VarName &v, int factor, TailStrategy tail) {
  split(v, v, v.name + "_ui", factor, tail);
  return unroll(v.name + "_ui");
}
Stage &Stage::parallel(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::Parallel))
}
Stage &Stage::serial(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::Serial))
}
Stage &Stage::gpu_blocks(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::GPUBlock))
}
Stage &Stage::gpu_threads(const VarName &v) {
  STRATA_TE_STAGE_OP(set_for_kind(s, info(), v.name, ForKind::GPUThread))
}
#undef STRATA_TE_STAGE_OP

std::vector<std::string> Stage::loops() const {
  std::vector<std::string> r;
  if (stage_ < int(f_->defs.size()))
    for (const Dim &d : f_->defs[stage_].schedule.dims) r.push_back(d.name);
  return r;
}

Func &Func::record(const Status &s) {
  if (!s.ok() && c_->error.ok()) c_->error = s;
  return *this;
}

Func &Func::split(const VarName &o, const VarName &a, const VarName &b, int f, TailStrategy t) {
  stage(0).split(o, a, b, f, t);
  return *this;
}
Func &Func::fuse(const VarName &o, const VarName &i, const VarName &f) {
  stage(0).fuse(o, i, f);
  return *this;
}
Func &Func::reorder(const std::vector<VarName> &order) {
  stage(0).reorder(order);
  return *this;
}
Func &Func::tile(const VarName &a, const VarName &b, const VarName &ao, const VarName &bo,
                 const VarName &ai, const VarName &bi, int fa, int fb, TailStrategy t) {
  stage(0).tile(a, b, ao, bo, ai, bi, fa, fb, t);
  return *this;
}
Func &Func::vectorize(const VarName &v) {
  stage(0).vectorize(v);
  return *this;
}
Func &Func::vectorize(const VarName &v, int f, TailStrategy t) {
  stage(0).vectorize(v, f, t);
  return *this;
}
Func &Func::unroll(const VarName &v) {
  stage(0).unroll(v);
  return *this;
}
Func &Func::unroll(const VarName &v, int f, TailStrategy t) {
  stage(0).unroll(v, f, t);
  return *this;
}
Func &Func::parallel(const VarName &v) {
  stage(0).parallel(v);
  return *this;
}
Func &Func::gpu_blocks(const VarName &v) {
  stage(0).gpu_blocks(v);
  return *this;
}
Func &Func::gpu_threads(const VarName &v) {
  stage(0).gpu_threads(v);
  return *this;
}

Func &Func::compute_root() {
  c_->schedule.compute_set = true;
  c_->schedule.compute_level = LoopLevel::root();
  return *this;
}
Func &Func::compute_at(const Func &consumer, const VarName &loop) {
  if (consumer.contents() == c_)
    return record(Status::error("schedule error: Func '" + name() + "' cannot be computed at its own loop"));
  c_->schedule.compute_set = true;
  c_->schedule.compute_level = LoopLevel::at(consumer.name(), loop.name);
  return *this;
}
Func &Func::compute_inline() {
  if (c_->defs.size() > 1)
    return record(Status::error("schedule error: Func '" + name() +
                                "' has update definitions and cannot be inlined"));
  c_->schedule.compute_set = true;
  c_->schedule.compute_level = LoopLevel::inlined();
  return *this;
}
Func &Func::store_root() {
  c_->schedule.store_set = true;
  c_->schedule.store_level = LoopLevel::root();
  return *this;
}
Func &Func::store_at(const Func &consumer, const VarName &loop) {
  c_->schedule.store_set = true;
  c_->schedule.store_level = LoopLevel::at(consumer.name(), loop.name);
  return *this;
}
Func &Func::store_in(MemoryType m) {
  c_->schedule.memory_type = m;
  return *this;
}
Func &Func::double_buffer() {
  c_->schedule.double_buffer = true;
  return *this;
}
namespace {
std::string argument_list(const FuncContents &f) {
  std::string list;
  for (const std::string &a : f.pure_args) list += (list.empty() ? "" : ", ") + a;
  return list;
}
} // namespace

Func &Func::reorder_storage(const std::vector<VarName> &order) {
  std::vector<std::string> names, sorted;
  for (const VarName &v : order) names.push_back(v.name);
  sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> args = c_->pure_args;
  std::sort(args.begin(), args.end());
  if (sorted != args)
    return record(Status::error("schedule error: reorder_storage of Func '" + c_->name +
                                "' must name each of its arguments once (" +
                                argument_list(*c_) + ")"));
  c_->schedule.storage_order = names;
  return *this;
}
Func &Func::pad_storage(const VarName &var, int elements) {
  if (std::find(c_->pure_args.begin(), c_->pure_args.end(), var.name) == c_->pure_args.end())
    return record(Status::error("schedule error: Func '" + c_->name + "' has no argument '" +
                                var.name + "' to pad (arguments: " + argument_list(*c_) + ")"));
  if (elements < 0)
    return record(Status::error("schedule error: pad_storage of Func '" + c_->name + "' by " +
                                std::to_string(elements) + " elements (must be >= 0)"));
  c_->schedule.storage_padding.push_back({var.name, elements});
  return *this;
}

namespace {
/// Renames the reads of one Func or Input.
class RenameCalls : public IRMutator {
public:
  RenameCalls(const std::string &from, const std::string &to) : from_(from), to_(to) {}

private:
  using IRMutator::visit;
  Expr visit(const Call *op) override {
    Expr e = IRMutator::visit(op);
    const Call *c = e.as<Call>();
    if (c->call_type != CallType::FuncRef || c->name != from_) return e;
    return Call::make(c->type, to_, c->args, CallType::FuncRef, c->value_index);
  }
  std::string from_, to_;
};
} // namespace

Func Func::in(const std::string &callee) {
  int dims = -1;
  Type type;
  for (const auto &g : c_->callees)
    if (g->name == callee) dims = int(g->pure_args.size()), type = g->type;
  for (const auto &i : c_->inputs)
    if (i->name == callee) dims = int(i->shape.size()), type = i->type;
  Func wrapper(callee + "_in_" + c_->name);
  if (dims < 0) {
    record(Status::error("schedule error: Func '" + c_->name + "' does not read '" + callee + "'"));
    return wrapper;
  }
  std::vector<Expr> args;
  for (int i = 0; i < dims; i++) args.push_back(Var(wrapper.name() + "_" + std::to_string(i)));
  wrapper(args) = Call::make(type, callee, args, CallType::FuncRef);
  RenameCalls rename(callee, wrapper.name());
  for (Definition &d : c_->defs) {
    d.value = rename.mutate(d.value);
    for (Expr &a : d.args) a = rename.mutate(a);
  }
  c_->callees.push_back(wrapper.contents());
  return wrapper;
}

} // namespace te
} // namespace strata
