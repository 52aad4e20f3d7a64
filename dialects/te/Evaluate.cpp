#include "dialects/te/Evaluate.h"
#include "dialects/te/IROperator.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>

#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

namespace {

struct Val {
  Type type;
  std::vector<double> v; // one per lane
};

// Rounds/wraps x to what type t can hold.
// Integer pow as IR.h defines it (exact while the evaluator's doubles are).
int64_t int_pow(int64_t base, int64_t e) {
  if (e < 0) return base == 1 ? 1 : base == -1 ? (e % 2 ? -1 : 1) : 0;
  uint64_t r = 1, b = uint64_t(base);
  for (; e; e >>= 1, b *= b)
    if (e & 1) r *= b;
  return int64_t(r);
}

double normalize(Type t, double x) {
  if (t.is_float()) return t.bits == 32 ? double(float(x)) : x;
  if (t.is_bool()) return x != 0;
  if (!std::isfinite(x)) return 0;
  int64_t i = int64_t(x);
  if (t.bits < 64) {
    uint64_t mask = (uint64_t(1) << t.bits) - 1, u = uint64_t(i) & mask;
    if (t.is_int() && (u >> (t.bits - 1)) & 1) u |= ~mask;
    i = int64_t(u);
  }
  return double(i);
}

class Interp : public IRVisitor {
public:
  std::map<std::string, HostBuffer *> buffers;
  std::vector<std::unique_ptr<HostBuffer>> owned;
  std::map<std::string, Val> vars;
  Status error;
  Val result;

  Val eval(const Expr &e) {
    if (!error.ok()) return Val{e.type(), std::vector<double>(e.type().lanes, 0)};
    dispatch(e);
    return result;
  }
  void run(const Stmt &s) {
    if (error.ok()) dispatch(s);
  }
  void fail(const std::string &msg) {
    if (error.ok()) error = Status::error("evaluate: " + msg);
  }

private:
  static Val make(Type t) { return Val{t, std::vector<double>(t.lanes, 0)}; }

  void visit(const IntImm *op) override { result = Val{op->type, {double(op->value)}}; }
  void visit(const FloatImm *op) override { result = Val{op->type, {op->value}}; }
  void visit(const Variable *op) override {
    auto it = vars.find(op->name);
    if (it == vars.end()) return fail("unbound variable '" + op->name + "'"), void(result = make(op->type));
    result = it->second;
  }
  void visit(const Cast *op) override {
    Val v = eval(op->value);
    Val r = make(op->type);
    for (int i = 0; i < op->type.lanes; i++) {
      double x = v.v[i];
      if (op->type.is_int_or_uint() && v.type.is_float()) x = std::trunc(x);
      r.v[i] = normalize(op->type, x);
    }
    result = r;
  }
  template <typename F> void binary(const Expr &a, const Expr &b, Type t, F f) {
    Val x = eval(a), y = eval(b);
    Val r = make(t);
    for (int i = 0; i < t.lanes; i++) r.v[i] = normalize(t, f(x.v[i], y.v[i], x.type));
    result = r;
  }
  static bool is_int(Type t) { return !t.is_float(); }
  void visit(const Add *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type t) {
      return t.is_float() && t.bits == 32 ? double(float(a) + float(b)) : a + b;
    });
  }
  void visit(const Sub *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type t) {
      return t.is_float() && t.bits == 32 ? double(float(a) - float(b)) : a - b;
    });
  }
  void visit(const Mul *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type t) {
      if (t.is_float()) return t.bits == 32 ? double(float(a) * float(b)) : a * b;
      return double(int64_t(uint64_t(int64_t(a)) * uint64_t(int64_t(b))));
    });
  }
  void visit(const Div *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type t) {
      if (t.is_float()) return t.bits == 32 ? double(float(a) / float(b)) : a / b;
      return double(floor_div(int64_t(a), int64_t(b)));
    });
  }
  void visit(const Mod *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type t) {
      if (t.is_float()) {
        if (t.bits == 32) return double(float(a) - float(b) * std::floor(float(a) / float(b)));
        return a - b * std::floor(a / b);
      }
      return double(euclid_mod(int64_t(a), int64_t(b)));
    });
  }
  void visit(const Min *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type) { return a < b ? a : b; });
  }
  void visit(const Max *op) override {
    binary(op->a, op->b, op->type, [](double a, double b, Type) { return a > b ? a : b; });
  }
  void visit(const EQ *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a == b); }); }
  void visit(const NE *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a != b); }); }
  void visit(const LT *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a < b); }); }
  void visit(const LE *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a <= b); }); }
  void visit(const GT *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a > b); }); }
  void visit(const GE *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a >= b); }); }
  void visit(const And *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a && b); }); }
  void visit(const Or *op) override { binary(op->a, op->b, op->type, [](double a, double b, Type) { return double(a || b); }); }
  void visit(const Not *op) override {
    Val a = eval(op->a);
    for (double &x : a.v) x = !x;
    result = a;
  }
  void visit(const Select *op) override {
    Val c = eval(op->condition), t = eval(op->true_value), f = eval(op->false_value);
    Val r = make(op->type);
    for (int i = 0; i < op->type.lanes; i++) r.v[i] = c.v[c.v.size() == 1 ? 0 : i] ? t.v[i] : f.v[i];
    result = r;
  }
  HostBuffer *buffer(const std::string &name) {
    auto it = buffers.find(name);
    if (it == buffers.end()) {
      fail("unknown buffer '" + name + "'");
      return nullptr;
    }
    return it->second;
  }
  bool in_bounds(const HostBuffer *b, double i, const std::string &name, const char *what) {
    if (i >= 0 && i < double(b->data.size())) return true;
    fail(std::string(what) + " of '" + name + "' at index " + std::to_string(int64_t(i)) +
         " is out of bounds (size " + std::to_string(b->data.size()) + ")");
    return false;
  }
  void visit(const Load *op) override {
    Val idx = eval(op->index);
    Val r = make(op->type);
    HostBuffer *b = buffer(op->name);
    for (int i = 0; b && i < op->type.lanes; i++)
      if (in_bounds(b, idx.v[i], op->name, "load")) r.v[i] = normalize(op->type, b->data[size_t(idx.v[i])]);
    result = r;
  }
  void visit(const Ramp *op) override {
    Val b = eval(op->base), s = eval(op->stride);
    Val r = make(op->type);
    for (int i = 0; i < op->lanes; i++) r.v[i] = normalize(op->type, b.v[0] + i * s.v[0]);
    result = r;
  }
  void visit(const Broadcast *op) override {
    Val v = eval(op->value);
    result = Val{op->type, std::vector<double>(op->lanes, v.v[0])};
  }
  void visit(const Let *op) override {
    Val v = eval(op->value);
    auto saved = vars.find(op->name) != vars.end() ? std::optional<Val>(vars[op->name]) : std::nullopt;
    vars[op->name] = v;
    Val r = eval(op->body);
    if (saved) vars[op->name] = *saved;
    else vars.erase(op->name);
    result = r;
  }
  void visit(const Call *op) override {
    if (op->call_type != CallType::Intrinsic) return fail("unflattened call to '" + op->name + "'");
    if (op->is_intrinsic(intrinsic::gpu_local_id) || op->is_intrinsic(intrinsic::gpu_barrier))
      return fail("'" + op->name + "' needs a GPU work-group; the interpreter runs cooperative loops "
                  "before lowering shares them out");
    std::vector<Val> args;
    for (const Expr &a : op->args) args.push_back(eval(a));
    Val r = make(op->type);
    bool f32 = op->type.bits == 32;
    for (int i = 0; i < op->type.lanes; i++) {
      double x = args[0].v[i], y = args.size() > 1 ? args[1].v[i] : 0, z = args.size() > 2 ? args[2].v[i] : 0;
      const std::string &n = op->name;
      double v = 0;
      if (n == intrinsic::exp) v = f32 ? std::exp(float(x)) : std::exp(x);
      else if (n == intrinsic::log) v = f32 ? std::log(float(x)) : std::log(x);
      else if (n == intrinsic::sqrt) v = f32 ? std::sqrt(float(x)) : std::sqrt(x);
      else if (n == intrinsic::tanh) v = f32 ? std::tanh(float(x)) : std::tanh(x);
      else if (n == intrinsic::erf) v = f32 ? std::erf(float(x)) : std::erf(x);
      else if (n == intrinsic::pow && op->type.is_int()) v = double(int_pow(int64_t(x), int64_t(y)));
      else if (n == intrinsic::pow) v = f32 ? std::pow(float(x), float(y)) : std::pow(x, y);
      else if (n == intrinsic::abs) v = std::fabs(x);
      else if (n == intrinsic::floor) v = std::floor(x);
      else if (n == intrinsic::ceil) v = std::ceil(x);
      else if (n == intrinsic::round) v = std::nearbyint(x);
#define STRATA_TE_EVAL_LIBM(f)                                                                     \
      else if (n == intrinsic::f) v = f32 ? std::f(float(x)) : std::f(x);
      STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_TE_EVAL_LIBM)
#undef STRATA_TE_EVAL_LIBM
      else if (n == intrinsic::fmuladd) v = f32 ? double(float(float(x) * float(y)) + float(z)) : x * y + z;
      else return fail("unknown intrinsic '" + n + "'");
      r.v[i] = normalize(op->type, v);
    }
    result = r;
  }

  void visit(const For *op) override {
    int64_t mn = int64_t(eval(op->min).v[0]), ext = int64_t(eval(op->extent).v[0]);
    for (int64_t i = mn; i < mn + ext && error.ok(); i++) {
      vars[op->name] = Val{Int(32), {double(i)}};
      run(op->body);
    }
    vars.erase(op->name);
  }
  void visit(const Store *op) override {
    Val v = eval(op->value), idx = eval(op->index);
    HostBuffer *b = buffer(op->name);
    for (size_t i = 0; b && i < v.v.size(); i++)
      if (in_bounds(b, idx.v[i], op->name, "store")) b->data[size_t(idx.v[i])] = normalize(b->type, v.v[i]);
  }
  void visit(const Provide *op) override { fail("unflattened Provide to '" + op->name + "'"); }
  void visit(const Realize *op) override { fail("unflattened Realize of '" + op->name + "'"); }
  void visit(const Allocate *op) override {
    int64_t n = 1;
    for (const Expr &e : op->extents) n *= int64_t(eval(e).v[0]);
    if (n < 0 || n > (int64_t(1) << 28)) return fail("bad allocation size for '" + op->name + "'");
    double poison = op->type.is_float() ? NAN : normalize(op->type, double(0x5A5A5A5A));
    owned.push_back(std::make_unique<HostBuffer>(op->type, size_t(n), poison));
    auto saved = buffers.find(op->name) != buffers.end() ? buffers[op->name] : nullptr;
    buffers[op->name] = owned.back().get();
    run(op->body);
    if (saved) buffers[op->name] = saved;
    else buffers.erase(op->name);
  }
  void visit(const IfThenElse *op) override {
    if (eval(op->condition).v[0]) run(op->then_case);
    else if (op->else_case.defined()) run(op->else_case);
  }
  void visit(const LetStmt *op) override {
    vars[op->name] = eval(op->value);
    run(op->body);
    vars.erase(op->name);
  }
  void visit(const Evaluate *op) override { eval(op->value); }
};

} // namespace

Status evaluate(const Stmt &s, std::map<std::string, HostBuffer *> buffers) {
  Interp in;
  in.buffers = std::move(buffers);
  in.run(s);
  return in.error;
}

Result<double> evaluate(const Expr &e, const std::map<std::string, double> &vars) {
  Interp in;
  for (auto &[n, v] : vars) in.vars[n] = Val{Int(32), {v}};
  Val r = in.eval(e);
  if (!in.error.ok()) return in.error;
  return r.v[0];
}

} // namespace te
} // namespace strata
