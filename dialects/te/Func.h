// The algorithm side of the TE level: Vars, reduction domains, typed inputs and Funcs.
//
//   Var i("i"), j("j");
//   Input A("A", Float(32), {M, K}), B("B", Float(32), {K, N});
//   RDom k({{0, K}}, "k");
//   Func C("C");
//   C(i, j) = 0.0f;                       // pure definition
//   C(i, j) += A(i, k) * B(k, j);         // update over the reduction domain
//   C.set_shape({M, N});                  // outputs have static shapes
//
// Shapes are static and row-major: f(y, x) is stored with x fastest.
// IR calls and variables refer to Funcs, inputs and reduction variables by name, so defining a
// Func looks them up by name in the current Context (below): one per lowering, so that names
// never depend on what else the process compiles. A name already taken by a live Func or Input
// of the Context gets a "$n" suffix.
//
// Errors (bad definitions, bad schedules) never abort: the first one is recorded on the Func and
// returned by error() and by lower(); later schedule calls on that Func are ignored.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dialects/te/IR.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/Schedule.h"
#include "strata/Status.h"

namespace strata {
namespace te {

/// A pure loop variable, Int(32).
class Var {
public:
  Var();
  explicit Var(const std::string &name);
  const std::string &name() const { return name_; }
  operator Expr() const { return Variable::make(Int(32), name_); }

private:
  std::string name_;
};

/// One dimension of a reduction domain: runs over [min, min + extent).
class RVar {
public:
  RVar() = default;
  RVar(const std::string &name, Expr min, Expr extent) : name_(name), min_(min), extent_(extent) {}
  const std::string &name() const { return name_; }
  const Expr &min() const { return min_; }
  const Expr &extent() const { return extent_; }
  operator Expr() const { return Variable::make(Int(32), name_); }

private:
  std::string name_;
  Expr min_, extent_;
};

/// A multi-dimensional reduction domain; the first dimension is the outermost loop.
/// Dimensions are named <name>.x, <name>.y, <name>.z, <name>.w (then <name>.4, ...).
class RDom {
public:
  RDom() = default;
  /// One (min, extent) pair per dimension.
  RDom(const std::vector<std::pair<Expr, Expr>> &ranges, const std::string &name = "");
  int dimensions() const { return int(vars_.size()); }
  const RVar &operator[](int i) const { return vars_.at(i); }
  /// A one-dimensional RDom is usable as its only RVar.
  operator RVar() const { return vars_.at(0); }
  operator Expr() const { return vars_.at(0); }
  RVar x, y, z, w;

private:
  std::vector<RVar> vars_;
};

/// A loop name: what schedule primitives take (a Var, RVar or string).
struct VarName {
  std::string name;
  VarName(const Var &v) : name(v.name()) {}
  VarName(const RVar &v) : name(v.name()) {}
  VarName(const std::string &s) : name(s) {}
  VarName(const char *s) : name(s) {}
};

struct InputContents {
  std::string name;
  Type type;
  std::vector<int> shape;
};

/// A typed input buffer of static shape (dense, row-major), read with A(i, j).
class Input {
public:
  Input() = default;
  Input(const std::string &name, Type type, std::vector<int> shape);
  const std::string &name() const { return c_->name; }
  Type type() const { return c_->type; }
  const std::vector<int> &shape() const { return c_->shape; }
  Expr operator()(std::vector<Expr> args) const;
  template <typename... Args> Expr operator()(Expr a, Args... rest) const {
    return (*this)(std::vector<Expr>{a, Expr(rest)...});
  }
  const std::shared_ptr<InputContents> &contents() const { return c_; }

private:
  std::shared_ptr<InputContents> c_;
};

/// One definition of a Func: f(args) = value. For the pure definition args are the pure Vars.
struct Definition {
  std::vector<Expr> args;
  Expr value;
  std::vector<RVar> rvars; // reduction variables used, outermost first
  StageSchedule schedule;
  bool pointwise = true; // see StageInfo::pointwise
};

struct FuncContents {
  std::string name;
  std::vector<std::string> pure_args;
  Type type;
  std::vector<Definition> defs; // defs[0] is the pure definition
  FuncSchedule schedule;
  std::vector<int> shape; // outputs only
  Status error;
  // What the definitions read, kept alive here (calls in the IR only hold names).
  std::vector<std::shared_ptr<FuncContents>> callees;
  std::vector<std::shared_ptr<InputContents>> inputs;
};

class Func;

/// f(args) on either side of an assignment.
class FuncRef {
public:
  FuncRef(const Func &f, std::vector<Expr> args);
  FuncRef &operator=(const Expr &value);
  FuncRef &operator=(const FuncRef &other) { return *this = Expr(other); }
  FuncRef &operator+=(const Expr &value);
  FuncRef &operator-=(const Expr &value);
  FuncRef &operator*=(const Expr &value);
  /// Reading f at args.
  operator Expr() const;

private:
  std::shared_ptr<FuncContents> f_;
  std::vector<Expr> args_;
};

/// A definition stage of a Func, for scheduling it. Calls chain; the first error sticks.
class Stage {
public:
  Stage(std::shared_ptr<FuncContents> f, int stage) : f_(std::move(f)), stage_(stage) {}
  Stage &split(const VarName &old, const VarName &outer, const VarName &inner, int factor,
               TailStrategy tail = TailStrategy::Auto);
  Stage &fuse(const VarName &outer, const VarName &inner, const VarName &fused);
  /// Loop order, outermost first.
  Stage &reorder(const std::vector<VarName> &order);
  Stage &tile(const VarName &a, const VarName &b, const VarName &ao, const VarName &bo,
              const VarName &ai, const VarName &bi, int factor_a, int factor_b,
              TailStrategy tail = TailStrategy::Auto);
  Stage &vectorize(const VarName &v);
  /// split(v, v, <v>_v, factor) and vectorize the inner loop.
  Stage &vectorize(const VarName &v, int factor, TailStrategy tail = TailStrategy::Auto);
  Stage &unroll(const VarName &v);
  Stage &unroll(const VarName &v, int factor, TailStrategy tail = TailStrategy::Auto);
  Stage &parallel(const VarName &v);
  Stage &serial(const VarName &v);
  Stage &gpu_blocks(const VarName &v);
  Stage &gpu_threads(const VarName &v);
  /// The loops of this stage, outermost first.
  std::vector<std::string> loops() const;

private:
  Stage &apply(const Status &s);
  StageInfo info() const;
  std::shared_ptr<FuncContents> f_;
  int stage_;
};

class Func {
public:
  Func();
  explicit Func(const std::string &name);
  explicit Func(std::shared_ptr<FuncContents> c) : c_(std::move(c)) {}

  const std::string &name() const { return c_->name; }
  FuncRef operator()(std::vector<Expr> args) const { return FuncRef(*this, std::move(args)); }
  template <typename... Args> FuncRef operator()(Expr a, Args... rest) const {
    return FuncRef(*this, std::vector<Expr>{a, Expr(rest)...});
  }
  bool defined() const { return !c_->defs.empty(); }
  int dimensions() const { return int(c_->pure_args.size()); }
  Type type() const { return c_->type; }
  int num_update_definitions() const { return int(c_->defs.size()) - 1; }

  /// Static output shape (row-major); required for Funcs passed to lower() as outputs.
  Func &set_shape(std::vector<int> shape);

  // Stage scheduling: the pure definition via Func, updates via update(i).
  Stage stage(int i) const { return Stage(c_, i); }
  Stage update(int i = 0) const { return Stage(c_, i + 1); }
  Func &split(const VarName &old, const VarName &outer, const VarName &inner, int factor,
              TailStrategy tail = TailStrategy::Auto);
  Func &fuse(const VarName &outer, const VarName &inner, const VarName &fused);
  Func &reorder(const std::vector<VarName> &order);
  Func &tile(const VarName &a, const VarName &b, const VarName &ao, const VarName &bo,
             const VarName &ai, const VarName &bi, int factor_a, int factor_b,
             TailStrategy tail = TailStrategy::Auto);
  Func &vectorize(const VarName &v);
  Func &vectorize(const VarName &v, int factor, TailStrategy tail = TailStrategy::Auto);
  Func &unroll(const VarName &v);
  Func &unroll(const VarName &v, int factor, TailStrategy tail = TailStrategy::Auto);
  Func &parallel(const VarName &v);
  Func &gpu_blocks(const VarName &v);
  Func &gpu_threads(const VarName &v);

  // Where to compute and store (whole Func).
  Func &compute_root();
  Func &compute_at(const Func &consumer, const VarName &loop);
  Func &compute_inline();
  Func &store_root();
  Func &store_at(const Func &consumer, const VarName &loop);
  Func &store_in(MemoryType m);
  /// For a Func in GPU shared memory computed inside a serial loop: the work-items load their
  /// shares of the next iteration's values into registers before the group computes on this
  /// iteration's, so the loads' latency overlaps the computation (register double buffering).
  /// Lowering skips it where the values cannot be loaded early (see CooperativeLoops.h).
  Func &double_buffer();
  /// Lays the storage out with its dimensions in this order, outermost first (Halide's
  /// reorder_storage): a tile read along another dimension than it is loaded along, such as a
  /// matmul operand staged k-major. The values and the loops do not change.
  Func &reorder_storage(const std::vector<VarName> &order);
  /// Adds `elements` to the storage extent of dimension `var`, so that the dimensions outside it
  /// stride past it: shifts the rows of a shared-memory tile to other banks.
  Func &pad_storage(const VarName &var, int elements);
  /// A pure copy of `callee` (an Input or Func this Func reads) that this Func reads instead:
  /// a wrapper with a schedule of its own, such as a tile staged in GPU shared memory
  /// (Halide's in()). Inlined unless scheduled, so the computation does not change.
  Func in(const std::string &callee);

  /// The first definition or schedule error, if any.
  const Status &error() const { return c_->error; }
  const std::shared_ptr<FuncContents> &contents() const { return c_; }

private:
  Func &record(const Status &s);
  std::shared_ptr<FuncContents> c_;
};

/// The names of one lowering: the Funcs, Inputs and reduction variables made while it is
/// current, and the counter behind unnamed ones. Constructing a Context makes it current on
/// this thread until it is destroyed (the previous one, if any, is current again), and each
/// lowering owns one, so lowerings in different threads never share a table and a model's
/// names are the same however many other models the process compiles before or beside it.
/// Funcs, Inputs, RDoms and unnamed Vars are made and defined inside a Context (checked);
/// scheduling and lower() do not need one, and Funcs outlive it.
///
///   te::Context names;
///   Func f("f"); ...
///   auto lowered = lower({f});
///
/// A current Context rather than an argument to every constructor: the Halide-style API makes
/// Funcs in many places (compute definitions, schedule templates, tests), and the tables are
/// only read while defining them, never while lowering.
class Context {
public:
  Context();
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  struct Tables; // Func.cpp

private:
  std::unique_ptr<Tables> tables_;
  Tables *previous_; // current again when this one ends
};

} // namespace te
} // namespace strata
