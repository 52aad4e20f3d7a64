#include "lowering/te_to_loops/Lower.h"

#include "dialects/te/Bounds.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"
#include "lowering/te_to_loops/CooperativeLoops.h"
#include "lowering/te_to_loops/RemoveTrivialLoops.h"
#include "lowering/te_to_loops/ScheduleFunctions.h"
#include "lowering/te_to_loops/StorageFlattening.h"
#include "lowering/te_to_loops/UnrollLoops.h"
#include "lowering/te_to_loops/VectorizeLoops.h"

namespace strata {
namespace te {

namespace {

// Inputs may only be read, and outputs only written, inside their shapes. Regions that cannot
// be bounded by constants are not checked (they come from data-dependent indices).
Status check_accesses(const Stmt &s, const Pipeline &p) {
  auto check = [](const std::string &what, const std::string &name, const Box &box,
                  const std::vector<int> &shape) -> Status {
    for (size_t i = 0; i < box.size() && i < shape.size(); i++) {
      const int64_t *lo = as_const_int(box[i].min), *hi = as_const_int(box[i].max);
      if ((lo && *lo < 0) || (hi && *hi >= shape[i]))
        return Status::error("bounds error: " + what + " '" + name + "' dimension " +
                             std::to_string(i) + " is accessed over [" + to_string(box[i].min) +
                             ", " + to_string(box[i].max) + "] but its extent is " +
                             std::to_string(shape[i]) +
                             " (a RoundUp split or a stencil without clamping?)");
    }
    return Status();
  };
  // Outputs with no elements run no iterations, but their empty loops still bound the
  // (clamped) reads to ranges such as [-1, -1].
  bool anyElements = false;
  for (auto &o : p.outputs) {
    int64_t n = 1;
    for (int d : o->shape)
      n *= d;
    anyElements |= n > 0;
  }
  if (!anyElements) return Status();
  auto reads = boxes_required(s);
  for (auto &[name, in] : p.inputs) {
    auto it = reads.find(name);
    if (it == reads.end()) continue;
    Status st = check("input", name, it->second, in->shape);
    if (!st.ok()) return st;
  }
  auto writes = boxes_provided(s);
  for (auto &o : p.outputs) {
    auto it = writes.find(o->name);
    if (it == writes.end()) continue;
    Status st = check("output", o->name, it->second, o->shape);
    if (!st.ok()) return st;
  }
  return Status();
}

// Contracts a float Mul feeding an Add into fmuladd, as the IR rules allow (IR.h, "Floats"):
// codegen emits plain fmul/fadd otherwise, and a register-blocked reduction needs the FMA.
class ContractMulAdd : public IRMutator {
  using IRMutator::visit;
  Expr visit(const Add *op) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (op->type.is_float()) {
      if (const Mul *m = a.as<Mul>()) return fmuladd(m->a, m->b, b);
      if (const Mul *m = b.as<Mul>()) return fmuladd(m->a, m->b, a);
    }
    if (a.same_as(op->a) && b.same_as(op->b)) return op;
    return Add::make(a, b);
  }
};

/// Vectorized loops become unrolled ones (LowerOptions::vectorize off).
class UnrollVectorLoops : public IRMutator {
  using IRMutator::visit;
  Stmt visit(const For *op) override {
    if (op->for_kind != ForKind::Vectorized) return IRMutator::visit(op);
    return For::make(op->name, op->min, op->extent, ForKind::Unrolled, mutate(op->body));
  }
};

} // namespace

Result<LoweredFunc> lower(const std::vector<Func> &outputs, const LowerOptions &options) {
  auto log = [&](const char *pass, const Stmt &s) {
    if (options.log) *options.log << "-- after " << pass << " --\n" << s << "\n";
  };

  Result<Pipeline> p = find_pipeline(outputs);
  if (!p.ok()) return p.status();

  // Loop nests from the schedule, with producer placement and bounds inference.
  Result<Stmt> nest = schedule_functions(*p);
  if (!nest.ok()) return nest.status();
  Stmt s = *nest;
  log("schedule functions + bounds inference", s);

  Status st = check_accesses(s, *p);
  if (!st.ok()) return st;

  s = storage_flattening(s, *p);
  log("storage flattening", s);

  s = simplify(s);
  log("simplify", s);

  s = remove_trivial_loops(s);
  log("remove trivial loops", s);

  if (options.share_cooperative_loops) {
    std::set<std::string> doubleBuffered;
    for (const auto &[name, f] : p->funcs)
      if (f->schedule.double_buffer && f->schedule.memory_type == MemoryType::GPUShared)
        doubleBuffered.insert(name);
    s = lower_cooperative_loops(s, doubleBuffered);
    log("cooperative loops", s);
  }

  if (options.vectorize) {
    s = vectorize_loops(s);
    log("vectorize", s);
  } else {
    s = UnrollVectorLoops().mutate(s);
  }

  s = unroll_loops(s);
  log("unroll", s);

  s = simplify(s);
  log("final simplify", s);

  s = ContractMulAdd().mutate(s);
  log("contract multiply-add", s);

  LoweredFunc f;
  f.name = options.name;
  for (const std::string &n : p->input_order) {
    const InputContents &in = *p->inputs.at(n);
    f.args.push_back({in.name, in.type, {in.shape.begin(), in.shape.end()}, false});
  }
  for (auto &o : p->outputs) f.args.push_back({o->name, o->type, {o->shape.begin(), o->shape.end()}, true});
  f.body = s.defined() ? s : Evaluate::make(0);
  return f;
}

} // namespace te
} // namespace strata
