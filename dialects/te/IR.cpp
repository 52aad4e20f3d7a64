// Node constructors: each make() checks its arguments so malformed IR fails where it is built.
#include "dialects/te/IR.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "dialects/te/IRPrinter.h"

namespace strata {
namespace te {

void ir_check_failed(const char *file, int line, const char *cond, const std::string &msg) {
  std::fprintf(stderr, "%s:%d: TE IR check failed: %s\n  %s\n", file, line, cond, msg.c_str());
  std::abort();
}

const char *node_type_name(IRNodeType t) {
  switch (t) {
#define STRATA_TE_NAME(N)                                                                          \
  case IRNodeType::N:                                                                              \
    return #N;
    STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_NAME)
    STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_NAME)
#undef STRATA_TE_NAME
  }
  return "?";
}

const char *for_kind_name(ForKind k) {
  switch (k) {
  case ForKind::Serial: return "serial";
  case ForKind::Parallel: return "parallel";
  case ForKind::Vectorized: return "vectorized";
  case ForKind::Unrolled: return "unrolled";
  case ForKind::GPUBlock: return "gpu_block";
  case ForKind::GPUThread: return "gpu_thread";
  case ForKind::GPUCooperative: return "gpu_cooperative";
  }
  return "?";
}

const char *memory_type_name(MemoryType m) {
  switch (m) {
  case MemoryType::Auto: return "auto";
  case MemoryType::Stack: return "stack";
  case MemoryType::Heap: return "heap";
  case MemoryType::Register: return "register";
  case MemoryType::GPUShared: return "gpu_shared";
  }
  return "?";
}

Expr::Expr(int x) : IRHandle(IntImm::make(Int(32), x)) {}
Expr::Expr(float x) : IRHandle(FloatImm::make(Float(32), x)) {}
Expr::Expr(double x) : IRHandle(FloatImm::make(Float(64), x)) {}

namespace {
std::string types_msg(const char *what, const Expr &a, const Expr &b) {
  return std::string(what) + ": operand types differ: " + to_string(a.type()) + " vs " +
         to_string(b.type()) + " in " + to_string(a) + " and " + to_string(b);
}
} // namespace

const IntImm *IntImm::make(Type t, int64_t value) {
  TE_CHECK(t.is_scalar() && (t.is_int_or_uint() || t.is_bool()), "IntImm of type " + to_string(t));
  // Normalize to the type's width so equal constants compare equal.
  if (t.is_bool()) {
    value = value != 0;
  } else if (t.bits < 64) {
    uint64_t mask = (uint64_t(1) << t.bits) - 1;
    uint64_t u = uint64_t(value) & mask;
    if (t.is_int() && (u >> (t.bits - 1)) & 1) u |= ~mask; // sign-extend
    value = int64_t(u);
  }
  auto *n = new IntImm;
  n->type = t;
  n->value = value;
  return n;
}

const FloatImm *FloatImm::make(Type t, double value) {
  TE_CHECK(t.is_scalar() && t.is_float() && (t.bits == 16 || t.bits == 32 || t.bits == 64),
           "FloatImm of type " + to_string(t));
  auto *n = new FloatImm;
  n->type = t;
  n->value = t.bits == 64 ? value : double(float(value));
  return n;
}

Expr Variable::make(Type t, const std::string &name) {
  TE_CHECK(!name.empty(), "Variable needs a name");
  auto *n = new Variable;
  n->type = t;
  n->name = name;
  return n;
}

Expr Cast::make(Type t, Expr value) {
  TE_CHECK(value.defined(), "Cast of undefined value");
  TE_CHECK(t.lanes == value.type().lanes,
           "Cast changes lanes: " + to_string(value.type()) + " to " + to_string(t));
  auto *n = new Cast;
  n->type = t;
  n->value = std::move(value);
  return n;
}

namespace {
enum class BinKind { Arith, Compare, Logic };
template <typename T> Expr make_binary(const char *name, BinKind kind, Expr a, Expr b) {
  TE_CHECK(a.defined() && b.defined(), std::string(name) + " of undefined operand");
  TE_CHECK(a.type() == b.type(), types_msg(name, a, b));
  Type t = a.type();
  if (kind == BinKind::Arith)
    TE_CHECK(!t.is_bool() && !t.is_handle(), std::string(name) + " on " + to_string(t));
  if (kind == BinKind::Logic)
    TE_CHECK(t.is_bool(), std::string(name) + " needs Bool operands, got " + to_string(t));
  auto *n = new T;
  n->type = kind == BinKind::Arith ? t : Bool(t.lanes);
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
} // namespace

Expr Add::make(Expr a, Expr b) { return make_binary<Add>("Add", BinKind::Arith, a, b); }
Expr Sub::make(Expr a, Expr b) { return make_binary<Sub>("Sub", BinKind::Arith, a, b); }
Expr Mul::make(Expr a, Expr b) { return make_binary<Mul>("Mul", BinKind::Arith, a, b); }
Expr Div::make(Expr a, Expr b) { return make_binary<Div>("Div", BinKind::Arith, a, b); }
Expr Mod::make(Expr a, Expr b) { return make_binary<Mod>("Mod", BinKind::Arith, a, b); }
Expr Min::make(Expr a, Expr b) { return make_binary<Min>("Min", BinKind::Arith, a, b); }
Expr Max::make(Expr a, Expr b) { return make_binary<Max>("Max", BinKind::Arith, a, b); }
Expr EQ::make(Expr a, Expr b) { return make_binary<EQ>("EQ", BinKind::Compare, a, b); }
Expr NE::make(Expr a, Expr b) { return make_binary<NE>("NE", BinKind::Compare, a, b); }
Expr LT::make(Expr a, Expr b) { return make_binary<LT>("LT", BinKind::Compare, a, b); }
Expr LE::make(Expr a, Expr b) { return make_binary<LE>("LE", BinKind::Compare, a, b); }
Expr GT::make(Expr a, Expr b) { return make_binary<GT>("GT", BinKind::Compare, a, b); }
Expr GE::make(Expr a, Expr b) { return make_binary<GE>("GE", BinKind::Compare, a, b); }
Expr And::make(Expr a, Expr b) { return make_binary<And>("And", BinKind::Logic, a, b); }
Expr Or::make(Expr a, Expr b) { return make_binary<Or>("Or", BinKind::Logic, a, b); }

Expr Not::make(Expr a) {
  TE_CHECK(a.defined() && a.type().is_bool(), "Not needs a Bool operand");
  auto *n = new Not;
  n->type = a.type();
  n->a = std::move(a);
  return n;
}

Expr Select::make(Expr c, Expr t, Expr f) {
  TE_CHECK(c.defined() && t.defined() && f.defined(), "Select of undefined operand");
  TE_CHECK(c.type().is_bool(), "Select condition must be Bool, got " + to_string(c.type()));
  TE_CHECK(t.type() == f.type(), types_msg("Select", t, f));
  TE_CHECK(c.type().lanes == 1 || c.type().lanes == t.type().lanes,
           "Select condition lanes " + std::to_string(c.type().lanes) + " vs value " +
               to_string(t.type()));
  auto *n = new Select;
  n->type = t.type();
  n->condition = std::move(c);
  n->true_value = std::move(t);
  n->false_value = std::move(f);
  return n;
}

Expr Load::make(Type t, const std::string &name, Expr index) {
  TE_CHECK(index.defined() && index.type().is_int() && index.type().bits == 32,
           "Load from '" + name + "' needs an Int(32) index");
  TE_CHECK(index.type().lanes == t.lanes, "Load from '" + name + "': index lanes != value lanes");
  auto *n = new Load;
  n->type = t;
  n->name = name;
  n->index = std::move(index);
  return n;
}

Expr Ramp::make(Expr base, Expr stride, int lanes) {
  TE_CHECK(base.defined() && stride.defined(), "Ramp of undefined operand");
  TE_CHECK(base.type().is_scalar() && base.type() == stride.type(),
           types_msg("Ramp", base, stride));
  TE_CHECK(lanes > 1, "Ramp needs more than one lane");
  auto *n = new Ramp;
  n->type = base.type().with_lanes(lanes);
  n->base = std::move(base);
  n->stride = std::move(stride);
  n->lanes = lanes;
  return n;
}

Expr Broadcast::make(Expr value, int lanes) {
  TE_CHECK(value.defined() && value.type().is_scalar(), "Broadcast needs a scalar value");
  TE_CHECK(lanes > 1, "Broadcast needs more than one lane");
  auto *n = new Broadcast;
  n->type = value.type().with_lanes(lanes);
  n->value = std::move(value);
  n->lanes = lanes;
  return n;
}

Expr Let::make(const std::string &name, Expr value, Expr body) {
  TE_CHECK(value.defined() && body.defined(), "Let '" + name + "' of undefined operand");
  auto *n = new Let;
  n->type = body.type();
  n->name = name;
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

namespace {
int intrinsic_arity(const std::string &name) {
  static const char *unary[] = {intrinsic::exp,   intrinsic::log,   intrinsic::sqrt,
                                intrinsic::tanh,  intrinsic::erf,   intrinsic::abs,
                                intrinsic::floor, intrinsic::ceil,  intrinsic::round};
  for (const char *u : unary)
    if (name == u) return 1;
#define STRATA_TE_UNARY(f)                                                                         \
  if (name == intrinsic::f) return 1;
  STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_TE_UNARY)
#undef STRATA_TE_UNARY
  if (name == intrinsic::pow) return 2;
  if (name == intrinsic::fmuladd) return 3;
  if (name == intrinsic::gpu_local_id || name == intrinsic::gpu_barrier) return 0;
  return -1;
}
} // namespace

Expr Call::make(Type t, const std::string &name, std::vector<Expr> args, CallType call_type,
                int value_index) {
  for (const Expr &a : args) TE_CHECK(a.defined(), "Call '" + name + "' with undefined argument");
  if (call_type == CallType::Intrinsic) {
    int arity = intrinsic_arity(name);
    TE_CHECK(arity >= 0, "unknown intrinsic '" + name + "'");
    TE_CHECK((int)args.size() == arity, "intrinsic '" + name + "' takes " +
                                            std::to_string(arity) + " arguments");
    for (const Expr &a : args)
      TE_CHECK(a.type() == t, "intrinsic '" + name + "': argument type " + to_string(a.type()) +
                                  " != result type " + to_string(t));
    bool gpu = name == intrinsic::gpu_local_id || name == intrinsic::gpu_barrier;
    TE_CHECK(gpu ? t == Int(32)
                 : t.is_float() || (name == intrinsic::abs && t.is_int_or_uint()) || (name == intrinsic::pow && t.is_int()),
             "intrinsic '" + name + "' on " + to_string(t));
  } else {
    for (const Expr &a : args)
      TE_CHECK(a.type().is_int() && a.type().bits == 32 && a.type().lanes == t.lanes,
               "FuncRef '" + name + "' needs Int(32) coordinates with the result's lanes");
  }
  auto *n = new Call;
  n->type = t;
  n->name = name;
  n->args = std::move(args);
  n->call_type = call_type;
  n->value_index = value_index;
  return n;
}

namespace {
void check_index_expr(const Expr &e, const std::string &what) {
  TE_CHECK(e.defined() && e.type() == Int(32), what + " must be an Int(32) scalar");
}
} // namespace

Stmt For::make(const std::string &name, Expr min, Expr extent, ForKind kind, Stmt body) {
  check_index_expr(min, "For '" + name + "' min");
  check_index_expr(extent, "For '" + name + "' extent");
  TE_CHECK(body.defined(), "For '" + name + "' has no body");
  auto *n = new For;
  n->name = name;
  n->min = std::move(min);
  n->extent = std::move(extent);
  n->for_kind = kind;
  n->body = std::move(body);
  return n;
}

Stmt Store::make(const std::string &name, Expr value, Expr index) {
  TE_CHECK(value.defined() && index.defined(), "Store to '" + name + "' of undefined operand");
  TE_CHECK(index.type().is_int() && index.type().bits == 32 &&
               index.type().lanes == value.type().lanes,
           "Store to '" + name + "' needs an Int(32) index with the value's lanes");
  auto *n = new Store;
  n->name = name;
  n->value = std::move(value);
  n->index = std::move(index);
  return n;
}

Stmt Provide::make(const std::string &name, std::vector<Expr> values, std::vector<Expr> args) {
  TE_CHECK(!values.empty(), "Provide to '" + name + "' without values");
  for (const Expr &v : values) TE_CHECK(v.defined(), "Provide to '" + name + "' undefined value");
  for (const Expr &a : args)
    TE_CHECK(a.defined() && a.type().is_int() && a.type().bits == 32,
             "Provide to '" + name + "' needs Int(32) coordinates");
  auto *n = new Provide;
  n->name = name;
  n->values = std::move(values);
  n->args = std::move(args);
  return n;
}

Stmt Allocate::make(const std::string &name, Type type, std::vector<Expr> extents,
                    MemoryType memory_type, Stmt body) {
  TE_CHECK(type.is_scalar(), "Allocate '" + name + "' element type must be scalar");
  for (const Expr &e : extents) check_index_expr(e, "Allocate '" + name + "' extent");
  TE_CHECK(body.defined(), "Allocate '" + name + "' has no body");
  auto *n = new Allocate;
  n->name = name;
  n->type = type;
  n->extents = std::move(extents);
  n->memory_type = memory_type;
  n->body = std::move(body);
  return n;
}

Stmt IfThenElse::make(Expr condition, Stmt then_case, Stmt else_case) {
  TE_CHECK(condition.defined() && condition.type() == Bool(), "if condition must be scalar Bool");
  TE_CHECK(then_case.defined(), "if without a then-case");
  auto *n = new IfThenElse;
  n->condition = std::move(condition);
  n->then_case = std::move(then_case);
  n->else_case = std::move(else_case);
  return n;
}

Stmt Block::make(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt &s : stmts) {
    if (!s.defined()) continue;
    if (const Block *b = s.as<Block>())
      flat.insert(flat.end(), b->stmts.begin(), b->stmts.end());
    else
      flat.push_back(std::move(s));
  }
  if (flat.empty()) return Stmt();
  if (flat.size() == 1) return flat[0];
  auto *n = new Block;
  n->stmts = std::move(flat);
  return n;
}

Stmt LetStmt::make(const std::string &name, Expr value, Stmt body) {
  TE_CHECK(value.defined() && body.defined(), "LetStmt '" + name + "' of undefined operand");
  auto *n = new LetStmt;
  n->name = name;
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

Stmt ProducerConsumer::make(const std::string &name, bool is_producer, Stmt body) {
  TE_CHECK(body.defined(), "ProducerConsumer '" + name + "' has no body");
  auto *n = new ProducerConsumer;
  n->name = name;
  n->is_producer = is_producer;
  n->body = std::move(body);
  return n;
}

Stmt Evaluate::make(Expr value) {
  TE_CHECK(value.defined(), "Evaluate of undefined value");
  auto *n = new Evaluate;
  n->value = std::move(value);
  return n;
}

Stmt Realize::make(const std::string &name, std::vector<Type> types, Region bounds, Stmt body,
                   MemoryType memory_type) {
  TE_CHECK(!types.empty(), "Realize '" + name + "' without types");
  for (const Range &r : bounds) {
    check_index_expr(r.min, "Realize '" + name + "' min");
    check_index_expr(r.extent, "Realize '" + name + "' extent");
  }
  TE_CHECK(body.defined(), "Realize '" + name + "' has no body");
  auto *n = new Realize;
  n->name = name;
  n->types = std::move(types);
  n->bounds = std::move(bounds);
  n->memory_type = memory_type;
  n->body = std::move(body);
  return n;
}

} // namespace te
} // namespace strata
