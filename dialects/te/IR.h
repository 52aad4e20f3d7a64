// Strata tensor-expression / loop IR (Level 2). Plain C++17, no MLIR or LLVM dependency.
//
// STRATA-TE-IR: STABLE
// (From here on the node set only grows; nothing is renamed or removed.)
//
// Companion headers: IRVisitor.h (IRVisitor, IRMutator), IROperator.h (operators and constant
// helpers), IRPrinter.h (operator<<), IREquality.h (structural equality).
//
// ---- Rules of the IR ---------------------------------------------------------------------------
// Types. A Type is (code, bits, lanes). Bool is its own code with 1 bit; comparisons and logic
//   produce Bool with the lanes of their operands. Scalar and vector operands are never mixed in
//   one node: make() requires equal types (use Broadcast to widen a scalar; IROperator.h's
//   operators do this for you).
// Integers. Div and Mod on integers are floor division and Euclidean modulo (as in Halide):
//   a / b rounds toward negative infinity for b > 0, and a % b is always in [0, |b|). Division or
//   modulo by zero yields 0. Lowering only produces divisions by positive constants, so codegen
//   may skip the zero guard when the divisor is a positive constant.
//   Signed arithmetic on Int(32)/Int(64) never overflows (codegen may mark it nsw); UInt wraps.
// Floats. IEEE-754 without fast-math: no reassociation, no reciprocal tricks, NaN and -0.0 are
//   honoured. The single relaxation: a float Mul feeding an Add/Sub may be contracted into a fused
//   multiply-add (like -ffp-contract=on); the explicit intrinsic "fmuladd" allows the same.
//   Min/Max on floats mean select(a < b, a, b) / select(a > b, a, b) (NaN picks b). Float Div and
//   Mod: a / b is IEEE division; a % b is a - b * floor(a / b).
// Casts. float -> int truncates toward zero (out of range: unspecified); int -> narrower int
//   wraps; anything -> Bool is (x != 0); Bool -> number is 0 or 1.
// Evaluation. Exprs have no side effects; Loads read memory. Subexpressions may be evaluated in
//   any order, CSE'd or hoisted, and Select/And/Or evaluate all their operands (no
//   short-circuit), so every operand must be safe to evaluate (loads in bounds). Stmts run in
//   program order. A Serial or Unrolled For runs iterations in increasing order; Parallel,
//   Vectorized, GPUBlock and GPUThread iterations may run in any order or at once, so they must
//   be independent. The loop extent is evaluated once, before the first iteration.
// Names. Variables, loops, lets and buffers are referred to by name. Lowering produces unique
//   names (no shadowing); passes may rely on that. Buffers are dense; Load/Store indices count
//   elements from the start of the named buffer; a vector index gives a gather/scatter (a Ramp
//   with stride 1 is a dense vector access).
// Before storage flattening a program uses Provide / Realize / Call(FuncRef) with one coordinate
//   per dimension; after it, only Store / Allocate / Load with flat indices remain.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace strata {
namespace te {

// Internal consistency checks (bad IR built by the compiler itself): print and abort.
[[noreturn]] void ir_check_failed(const char *file, int line, const char *cond, const std::string &msg);
#define TE_CHECK(cond, msg)                                                                        \
  do {                                                                                             \
    if (!(cond)) ::strata::te::ir_check_failed(__FILE__, __LINE__, #cond, (msg));                  \
  } while (0)

// ---- Types ----------------------------------------------------------------------------------

enum class TypeCode : uint8_t { Int, UInt, Float, Bool, Handle };

/// The type of an Expr: element kind, bits per element, and vector lanes (1 for scalars).
struct Type {
  TypeCode code = TypeCode::Int;
  uint8_t bits = 32;
  uint16_t lanes = 1;

  Type() = default;
  Type(TypeCode c, int b, int l = 1) : code(c), bits((uint8_t)b), lanes((uint16_t)l) {}

  bool is_int() const { return code == TypeCode::Int; }
  bool is_uint() const { return code == TypeCode::UInt; }
  bool is_float() const { return code == TypeCode::Float; }
  bool is_bool() const { return code == TypeCode::Bool; }
  bool is_handle() const { return code == TypeCode::Handle; }
  /// Int or UInt (not Bool).
  bool is_int_or_uint() const { return is_int() || is_uint(); }
  bool is_scalar() const { return lanes == 1; }
  bool is_vector() const { return lanes > 1; }
  Type with_lanes(int l) const { return Type(code, bits, l); }
  Type element_of() const { return with_lanes(1); }
  bool operator==(const Type &o) const { return code == o.code && bits == o.bits && lanes == o.lanes; }
  bool operator!=(const Type &o) const { return !(*this == o); }
};

inline Type Int(int bits, int lanes = 1) { return Type(TypeCode::Int, bits, lanes); }
inline Type UInt(int bits, int lanes = 1) { return Type(TypeCode::UInt, bits, lanes); }
inline Type Float(int bits, int lanes = 1) { return Type(TypeCode::Float, bits, lanes); }
inline Type Bool(int lanes = 1) { return Type(TypeCode::Bool, 1, lanes); }
inline Type Handle() { return Type(TypeCode::Handle, 64, 1); }

// ---- Node kinds -----------------------------------------------------------------------------
// The one list of node kinds. It drives the enum, IRVisitor, IRMutator, the printer, equality and
// the evaluator: adding a node here makes the compiler point at every place that must handle it.

#define STRATA_TE_FOR_EACH_EXPR_NODE(X)                                                            \
  X(IntImm)                                                                                        \
  X(FloatImm)                                                                                      \
  X(Variable)                                                                                      \
  X(Cast)                                                                                          \
  X(Add)                                                                                           \
  X(Sub)                                                                                           \
  X(Mul)                                                                                           \
  X(Div)                                                                                           \
  X(Mod)                                                                                           \
  X(Min)                                                                                           \
  X(Max)                                                                                           \
  X(EQ)                                                                                            \
  X(NE)                                                                                            \
  X(LT)                                                                                            \
  X(LE)                                                                                            \
  X(GT)                                                                                            \
  X(GE)                                                                                            \
  X(And)                                                                                           \
  X(Or)                                                                                            \
  X(Not)                                                                                           \
  X(Select)                                                                                        \
  X(Load)                                                                                          \
  X(Ramp)                                                                                          \
  X(Broadcast)                                                                                     \
  X(Let)                                                                                           \
  X(Call)

#define STRATA_TE_FOR_EACH_STMT_NODE(X)                                                            \
  X(For)                                                                                           \
  X(Store)                                                                                         \
  X(Provide)                                                                                       \
  X(Allocate)                                                                                      \
  X(IfThenElse)                                                                                    \
  X(Block)                                                                                         \
  X(LetStmt)                                                                                       \
  X(ProducerConsumer)                                                                              \
  X(Evaluate)                                                                                      \
  X(Realize)

// Binary arithmetic / comparison / logic nodes share one layout (fields a, b).
#define STRATA_TE_FOR_EACH_BINARY_NODE(X)                                                          \
  X(Add) X(Sub) X(Mul) X(Div) X(Mod) X(Min) X(Max) X(EQ) X(NE) X(LT) X(LE) X(GT) X(GE) X(And) X(Or)

enum class IRNodeType : uint8_t {
#define STRATA_TE_ENUM(N) N,
  STRATA_TE_FOR_EACH_EXPR_NODE(STRATA_TE_ENUM) STRATA_TE_FOR_EACH_STMT_NODE(STRATA_TE_ENUM)
#undef STRATA_TE_ENUM
};

/// Name of a node kind, e.g. "Add".
const char *node_type_name(IRNodeType t);

// ---- Reference-counted nodes and handles ----------------------------------------------------

struct IRNode {
  mutable std::atomic<int> ref_count{0};
  const IRNodeType node_type;
  explicit IRNode(IRNodeType t) : node_type(t) {}
  IRNode(const IRNode &) = delete;
  IRNode &operator=(const IRNode &) = delete;
  virtual ~IRNode() = default;
};

struct BaseExprNode : IRNode {
  Type type;
  explicit BaseExprNode(IRNodeType t) : IRNode(t) {}
};

struct BaseStmtNode : IRNode {
  explicit BaseStmtNode(IRNodeType t) : IRNode(t) {}
};

/// Shared immutable handle to a node. Copying bumps the count; the last handle deletes the node.
template <typename Node> class IRHandle {
public:
  IRHandle() = default;
  IRHandle(const Node *n) : ptr_(n) { retain(); }
  IRHandle(const IRHandle &o) : ptr_(o.ptr_) { retain(); }
  IRHandle(IRHandle &&o) noexcept : ptr_(o.ptr_) { o.ptr_ = nullptr; }
  IRHandle &operator=(const IRHandle &o) {
    IRHandle tmp(o);
    std::swap(ptr_, tmp.ptr_);
    return *this;
  }
  IRHandle &operator=(IRHandle &&o) noexcept {
    std::swap(ptr_, o.ptr_);
    return *this;
  }
  ~IRHandle() { release(); }

  bool defined() const { return ptr_ != nullptr; }
  const Node *get() const { return ptr_; }
  const Node *operator->() const { return ptr_; }
  /// True when both handles point at the very same node (not structural equality).
  bool same_as(const IRHandle &o) const { return ptr_ == o.ptr_; }
  IRNodeType node_type() const { return ptr_->node_type; }

  /// Downcast without RTTI: the node as T, or nullptr if it is another kind (or undefined).
  template <typename T> const T *as() const {
    if (ptr_ && ptr_->node_type == T::_node_type) return static_cast<const T *>(ptr_);
    return nullptr;
  }

private:
  void retain() {
    if (ptr_) ptr_->ref_count.fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (ptr_ && ptr_->ref_count.fetch_sub(1, std::memory_order_acq_rel) == 1) delete ptr_;
    ptr_ = nullptr;
  }
  const Node *ptr_ = nullptr;
};

/// An expression. Implicit from C++ literals: int -> Int(32) IntImm, float -> Float(32) FloatImm,
/// double -> Float(64) FloatImm (the operators in IROperator.h narrow a literal to the type of
/// the other operand, so `x * 0.5` stays Float(32) when x is).
struct Expr : IRHandle<BaseExprNode> {
  Expr() = default;
  Expr(const BaseExprNode *n) : IRHandle(n) {}
  Expr(int x);
  Expr(float x);
  Expr(double x);
  Type type() const { return get()->type; }
};

/// A statement.
struct Stmt : IRHandle<BaseStmtNode> {
  Stmt() = default;
  Stmt(const BaseStmtNode *n) : IRHandle(n) {}
};

template <typename T, IRNodeType K> struct ExprNode : BaseExprNode {
  static constexpr IRNodeType _node_type = K;
  ExprNode() : BaseExprNode(K) {}
};

template <typename T, IRNodeType K> struct StmtNode : BaseStmtNode {
  static constexpr IRNodeType _node_type = K;
  StmtNode() : BaseStmtNode(K) {}
};

/// A half-open range [min, min + extent) of one dimension.
struct Range {
  Expr min, extent;
  Range() = default;
  Range(Expr m, Expr e) : min(std::move(m)), extent(std::move(e)) {}
};
using Region = std::vector<Range>;

// ---- Expression nodes -----------------------------------------------------------------------

/// Integer (Int/UInt) or Bool constant, scalar. Bool constants hold 0 or 1.
struct IntImm : ExprNode<IntImm, IRNodeType::IntImm> {
  int64_t value;
  static const IntImm *make(Type t, int64_t value);
};

/// Floating-point constant, scalar. Float(32) constants hold a value exactly representable as float.
struct FloatImm : ExprNode<FloatImm, IRNodeType::FloatImm> {
  double value;
  static const FloatImm *make(Type t, double value);
};

/// A named scalar or vector variable: a loop variable, a let name, or a Func's pure Var.
struct Variable : ExprNode<Variable, IRNodeType::Variable> {
  std::string name;
  static Expr make(Type t, const std::string &name);
};

/// Conversion of value to type (same lanes); see the rules above.
struct Cast : ExprNode<Cast, IRNodeType::Cast> {
  Expr value;
  static Expr make(Type t, Expr value);
};

#define STRATA_TE_DECLARE_BINARY(N)                                                                \
  struct N : ExprNode<N, IRNodeType::N> {                                                          \
    Expr a, b;                                                                                     \
    static Expr make(Expr a, Expr b);                                                              \
  };
/// Add, Sub, Mul, Div, Mod, Min, Max: arithmetic on equal types (Div/Mod: see rules above).
/// EQ, NE, LT, LE, GT, GE: comparisons of equal types, producing Bool.
/// And, Or: logic on Bool operands.
STRATA_TE_FOR_EACH_BINARY_NODE(STRATA_TE_DECLARE_BINARY)
#undef STRATA_TE_DECLARE_BINARY

/// Logical negation of a Bool.
struct Not : ExprNode<Not, IRNodeType::Not> {
  Expr a;
  static Expr make(Expr a);
};

/// condition ? true_value : false_value, lane-wise. A scalar condition may pick between vectors.
/// Both values are evaluated (see rules).
struct Select : ExprNode<Select, IRNodeType::Select> {
  Expr condition, true_value, false_value;
  static Expr make(Expr condition, Expr true_value, Expr false_value);
};

/// Read of buffer `name` at flat element index `index` (vector index -> vector load).
struct Load : ExprNode<Load, IRNodeType::Load> {
  std::string name;
  Expr index;
  static Expr make(Type t, const std::string &name, Expr index);
};

/// The vector base, base + stride, ..., base + (lanes-1)*stride. base and stride are scalars.
struct Ramp : ExprNode<Ramp, IRNodeType::Ramp> {
  Expr base, stride;
  int lanes;
  static Expr make(Expr base, Expr stride, int lanes);
};

/// A scalar value repeated in every lane.
struct Broadcast : ExprNode<Broadcast, IRNodeType::Broadcast> {
  Expr value;
  int lanes;
  static Expr make(Expr value, int lanes);
};

/// let name = value in body.
struct Let : ExprNode<Let, IRNodeType::Let> {
  std::string name;
  Expr value, body;
  static Expr make(const std::string &name, Expr value, Expr body);
};

enum class CallType : uint8_t {
  /// A pure math function, by name (see the `intrinsic` names below). Lane-wise on vectors.
  Intrinsic,
  /// Read of a Func or input buffer `name` at one coordinate per dimension. Exists only before
  /// storage flattening, which turns it into a Load.
  FuncRef,
};

/// Names of the math intrinsics. All take and return floats of one type, except `abs`, which
/// also takes ints, and `pow`, which on signed ints is the exact wrapping power (a negative
/// exponent gives 1/base^|e| truncated: 0 unless |base| is 1), as the reference computes it. `round` rounds half to even. `fmuladd(a, b, c)` is a * b + c, fused or not.
/// There is no sigmoid: write 1 / (1 + exp(-x)).
namespace intrinsic {
constexpr const char *exp = "exp";
constexpr const char *log = "log";
constexpr const char *sqrt = "sqrt";
constexpr const char *tanh = "tanh";
constexpr const char *erf = "erf";
constexpr const char *pow = "pow";
constexpr const char *abs = "abs";
constexpr const char *floor = "floor";
constexpr const char *ceil = "ceil";
constexpr const char *round = "round";
constexpr const char *fmuladd = "fmuladd";
// Math computed by libm, one call per lane (sinf for f32, sin for f64).
#define STRATA_TE_FOR_EACH_LIBM_FUNCTION(X)                                                        \
  X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(asinh) X(acosh) X(atanh)
// GPU work-group intrinsics, Int(32) and without arguments, made by lowering: gpu_local_id is
// the work-item's index in its group (dimension 0 fastest); gpu_barrier, in an Evaluate, makes
// the group wait until every work-item has reached it and sees the others' shared-memory
// writes (every work-item must reach it: OutlineGPU checks).
constexpr const char *gpu_local_id = "gpu_local_id";
constexpr const char *gpu_barrier = "gpu_barrier";
#define STRATA_TE_DECLARE_INTRINSIC(f) constexpr const char *f = #f;
STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_TE_DECLARE_INTRINSIC)
#undef STRATA_TE_DECLARE_INTRINSIC
} // namespace intrinsic

/// A call: an intrinsic, or a multi-dimensional read of a Func/input (FuncRef). value_index picks
/// the value of a multi-valued Func (0 for ordinary single-valued ones).
struct Call : ExprNode<Call, IRNodeType::Call> {
  std::string name;
  std::vector<Expr> args;
  CallType call_type;
  int value_index = 0;
  static Expr make(Type t, const std::string &name, std::vector<Expr> args, CallType call_type,
                   int value_index = 0);
  bool is_intrinsic(const char *n) const { return call_type == CallType::Intrinsic && name == n; }
};

// ---- Statement nodes ------------------------------------------------------------------------

/// GPUCooperative: the iterations are shared out among the work-items of a GPU work-group
/// (work-item i runs min + i, min + i + group size, ...), which meet at a barrier before and
/// after the loop; it fills a Func stored in GPU shared memory (ScheduleFunctions). Lowering
/// makes the sharing and the barriers explicit (CooperativeLoops.h); serial on a CPU.
enum class ForKind : uint8_t {
  Serial, Parallel, Vectorized, Unrolled, GPUBlock, GPUThread, GPUCooperative
};
const char *for_kind_name(ForKind k);

/// for (name = min; name < min + extent; name++) body. min and extent are Int(32) scalars.
/// Vectorized and Unrolled loops are rewritten away by lowering; codegen sees only the others.
struct For : StmtNode<For, IRNodeType::For> {
  std::string name;
  Expr min, extent;
  ForKind for_kind;
  Stmt body;
  static Stmt make(const std::string &name, Expr min, Expr extent, ForKind kind, Stmt body);
};

/// buffer[index] = value. index lanes == value lanes.
struct Store : StmtNode<Store, IRNodeType::Store> {
  std::string name;
  Expr value, index;
  static Stmt make(const std::string &name, Expr value, Expr index);
};

/// Multi-dimensional write of a Func's values at args (before storage flattening).
struct Provide : StmtNode<Provide, IRNodeType::Provide> {
  std::string name;
  std::vector<Expr> values;
  std::vector<Expr> args;
  static Stmt make(const std::string &name, std::vector<Expr> values, std::vector<Expr> args);
};

/// GPUShared: one copy per GPU work-group, in its shared (OpenCL: local) memory; the Func is
/// filled by all the group's work-items together (ForKind::GPUCooperative).
enum class MemoryType : uint8_t { Auto, Stack, Heap, Register, GPUShared };
const char *memory_type_name(MemoryType m);

/// Storage for buffer `name` of element type `type` (scalar), dense, with the product of
/// `extents` elements, live within body. Register means "small enough to stay in registers":
/// codegen may keep it in an SSA vector/array when all indices are constant after unrolling.
struct Allocate : StmtNode<Allocate, IRNodeType::Allocate> {
  std::string name;
  Type type;
  std::vector<Expr> extents;
  MemoryType memory_type;
  Stmt body;
  static Stmt make(const std::string &name, Type type, std::vector<Expr> extents,
                   MemoryType memory_type, Stmt body);
};

/// if (condition) then_case else else_case; else_case may be undefined.
struct IfThenElse : StmtNode<IfThenElse, IRNodeType::IfThenElse> {
  Expr condition;
  Stmt then_case, else_case;
  static Stmt make(Expr condition, Stmt then_case, Stmt else_case = Stmt());
};

/// Statements run in order. make() drops undefined statements, flattens nested Blocks, and
/// returns the lone statement (or an undefined Stmt) when fewer than two remain.
struct Block : StmtNode<Block, IRNodeType::Block> {
  std::vector<Stmt> stmts;
  static Stmt make(std::vector<Stmt> stmts);
  static Stmt make(Stmt first, Stmt second) { return make(std::vector<Stmt>{first, second}); }
};

/// let name = value in body (statement form).
struct LetStmt : StmtNode<LetStmt, IRNodeType::LetStmt> {
  std::string name;
  Expr value;
  Stmt body;
  static Stmt make(const std::string &name, Expr value, Stmt body);
};

/// Marks where Func `name` is produced (is_producer) or consumed. No run-time meaning.
struct ProducerConsumer : StmtNode<ProducerConsumer, IRNodeType::ProducerConsumer> {
  std::string name;
  bool is_producer;
  Stmt body;
  static Stmt make(const std::string &name, bool is_producer, Stmt body);
};

/// Evaluates an expression for its effect (e.g. a call) and discards the value.
struct Evaluate : StmtNode<Evaluate, IRNodeType::Evaluate> {
  Expr value;
  static Stmt make(Expr value);
};

/// Multi-dimensional storage for Func `name` (one value per type) over `bounds`, live within
/// body (before storage flattening).
struct Realize : StmtNode<Realize, IRNodeType::Realize> {
  std::string name;
  std::vector<Type> types;
  Region bounds;
  MemoryType memory_type = MemoryType::Auto;
  Stmt body;
  static Stmt make(const std::string &name, std::vector<Type> types, Region bounds, Stmt body,
                   MemoryType memory_type = MemoryType::Auto);
};

} // namespace te
} // namespace strata
