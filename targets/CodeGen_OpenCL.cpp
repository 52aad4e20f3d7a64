//===- CodeGen_OpenCL.cpp -------------------------------------------------===//
#include "targets/CodeGen_OpenCL.h"

#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace strata::targets {

namespace {

using te::Expr;
using te::Stmt;
using te::Type;

/// Helpers for the integer semantics C does not have, per type (T, suffix, unsigned twin).
std::string integerHelpers(const char *t, const char *s, const char *u) {
  std::string out;
  auto add = [&](std::string line) {
    for (size_t at; (at = line.find("$T")) != std::string::npos;) line.replace(at, 2, t);
    for (size_t at; (at = line.find("$S")) != std::string::npos;) line.replace(at, 2, s);
    for (size_t at; (at = line.find("$U")) != std::string::npos;) line.replace(at, 2, u);
    out += line + "\n";
  };
  // Floor division; a zero divisor gives 0; x / -1 is the wrapping negation.
  add("static inline $T strata_div_$S($T a, $T b) {");
  add("  if (b == 0) return 0;");
  add("  if (b == -1) return ($T)(($U)0 - ($U)a);");
  add("  $T q = a / b, r = a % b;");
  add("  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;");
  add("}");
  // Euclidean modulo: always in [0, |b|); 0 for b == 0 or -1.
  add("static inline $T strata_mod_$S($T a, $T b) {");
  add("  if (b == 0 || b == -1) return 0;");
  add("  $T r = a % b;");
  add("  return r < 0 ? (b < 0 ? r - b : r + b) : r;");
  add("}");
  add("static inline $T strata_abs_$S($T a) { return a < 0 ? ($T)(($U)0 - ($U)a) : a; }");
  // The exact wrapping power; a negative exponent gives 1 / base^|e| truncated.
  add("static inline $T strata_pow_$S($T b, $T e) {");
  add("  if (e < 0) return b == 1 ? 1 : b == -1 ? ((e & 1) ? -1 : 1) : 0;");
  add("  $U r = 1, x = ($U)b;");
  add("  for ($U n = ($U)e; n != 0; n >>= 1) { if (n & 1) r *= x; x *= x; }");
  add("  return ($T)r;");
  add("}");
  return out;
}

std::string unsignedHelpers(const char *t, const char *s) {
  std::string out = "static inline ";
  out += std::string(t) + " strata_div_" + s + "(" + t + " a, " + t + " b) { return b == 0 ? 0 : a / b; }\n";
  out += std::string("static inline ") + t + " strata_mod_" + s + "(" + t + " a, " + t +
         " b) { return b == 0 ? 0 : a % b; }\n";
  return out;
}

/// The C type of a scalar in registers; `storage` gives Bool as its byte in memory.
llvm::Expected<std::string> cType(Type t, bool storage = false) {
  if (t.lanes != 1)
    return llvm::createStringError("vector type " + te::to_string(t) +
                                   " in GPU code (GPU schedules do not vectorize)");
  if (t.is_bool()) return std::string(storage ? "uchar" : "bool");
  if (t.is_float()) {
    if (t.bits == 32) return std::string("float");
    if (t.bits == 64) return std::string("double");
  }
  if (t.is_int() || t.is_uint()) {
    const char *names[] = {"char", "short", "int", "long"};
    int i = t.bits == 8 ? 0 : t.bits == 16 ? 1 : t.bits == 32 ? 2 : t.bits == 64 ? 3 : -1;
    if (i >= 0) return std::string(t.is_uint() ? "u" : "") + names[i];
  }
  return llvm::createStringError("type " + te::to_string(t) + " is not supported on OpenCL yet");
}

/// Emits one kernel. Expressions print inline; a Let expression becomes a declaration before
/// the statement that holds it (exprs have no side effects and names are unique, IR.h).
class KernelPrinter : public te::IRVisitor {
public:
  KernelPrinter(const te::LoweredFunc &f, const te::GPUProgram &program)
      : f(f), program(program) {}

  std::string error;

  std::string kernel(const te::GPULaunch &l) {
    std::ostringstream params, prologue;
    for (size_t i = 0; i < l.buffers.size(); ++i) {
      const std::string &name = l.buffers[i];
      Type t = bufferType(name);
      auto c = cType(t, /*storage=*/true);
      if (!c) {
        fail(llvm::toString(c.takeError()));
        return "";
      }
      std::string id = ident(name);
      params << (i ? ",\n    " : "") << "__global " << *c << " *" << id << "_base, ulong " << id << "_off";
      prologue << "  __global " << *c << " *" << id << " = (__global " << *c << " *)((__global char *)"
               << id << "_base + " << id << "_off);\n";
    }
    for (const te::GPUIndex &b : l.blocks)
      prologue << "  const int " << ident(b.name) << " = (int)get_group_id(" << b.dim << ") + "
               << expr(b.min) << ";\n";
    for (const te::GPUIndex &t : l.threads)
      prologue << "  const int " << ident(t.name) << " = (int)get_local_id(" << t.dim << ") + "
               << expr(t.min) << ";\n";
    indent = 1;
    std::string indices = flushPending() + prologue.str(); // the mins' lets, then the indices
    out.str("");
    stmt(l.body);
    if (usesLocalId) // the work-item's index within its group, x fastest
      indices += "  const int strata_lid = (int)get_local_id(0) + " + std::to_string(l.groupSize(0)) +
                 " * ((int)get_local_id(1) + " + std::to_string(l.groupSize(1)) +
                 " * (int)get_local_id(2));\n";
    std::ostringstream k;
    k << "__kernel void " << l.name << "(" << params.str() << ") {\n" << indices
      << locals.str() << out.str() << "}\n";
    return k.str();
  }

private:
  void fail(const std::string &why) {
    if (error.empty()) error = why;
  }

  Type bufferType(const std::string &name) const {
    for (const te::LoweredArg &a : f.args)
      if (a.name == name) return a.type;
    for (const te::GPUScratch &s : program.scratch)
      if (s.name == name) return s.type;
    return te::Float(32);
  }

  /// A C identifier for an IR name (names may hold '.'); distinct names stay distinct.
  std::string ident(const std::string &name) {
    auto it = idents.find(name);
    if (it != idents.end()) return it->second;
    std::string id = "v_";
    for (char c : name) id += std::isalnum((unsigned char)c) ? c : '_';
    while (used.count(id)) id += "_";
    used.insert(id);
    return idents[name] = id;
  }

  std::string type(Type t, bool storage = false) {
    auto c = cType(t, storage);
    if (!c) {
      fail(llvm::toString(c.takeError()));
      return "int";
    }
    return *c;
  }

  std::string suffix(Type t) {
    if (t.is_uint()) return t.bits == 64 ? "u64" : "u32";
    return t.bits == 64 ? "i64" : "i32";
  }

  /// Integer arithmetic narrower than int is computed in int and wrapped back.
  std::string wrap(Type t, const std::string &e) {
    if ((t.is_int() || t.is_uint()) && t.bits < 32) return "((" + type(t) + ")(" + e + "))";
    return "(" + e + ")";
  }

  std::string helper(const char *fn, Type t, const Expr &a, const Expr &b) {
    Type wide = t.bits < 32 ? (t.is_uint() ? te::UInt(32) : te::Int(32)) : t;
    std::string call = std::string("strata_") + fn + "_" + suffix(wide) + "(" + expr(a) + ", " + expr(b) + ")";
    return t.bits < 32 ? "((" + type(t) + ")" + call + ")" : call;
  }

  std::string imm(const te::IntImm *op) {
    Type t = op->type;
    if (t.is_bool()) return op->value ? "true" : "false";
    std::string v;
    if (t.is_uint())
      v = std::to_string((uint64_t)op->value) + (t.bits == 64 ? "UL" : "U");
    else if (op->value == INT64_MIN)
      v = "(-9223372036854775807L - 1)";
    else if (op->value == INT32_MIN && t.bits == 32)
      v = "(-2147483647 - 1)";
    else
      v = std::to_string(op->value) + (t.bits == 64 ? "L" : "");
    if (t.is_int() && t.bits == 32) return op->value < 0 ? "(" + v + ")" : v;
    return "((" + type(t) + ")" + v + ")";
  }

  std::string fimm(const te::FloatImm *op) {
    double v = op->value;
    bool f32 = op->type.bits == 32;
    if (std::isnan(v)) return f32 ? "NAN" : "((double)NAN)";
    if (std::isinf(v)) return std::string(v < 0 ? "(-" : "(") + (f32 ? "INFINITY" : "(double)INFINITY") + ")";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v); // exact
    return std::string("(") + buf + (f32 ? "f" : "") + ")";
  }

  std::string cast(const te::Cast *op) {
    Type from = op->value.type(), to = op->type;
    std::string v = expr(op->value);
    if (from == to) return v;
    if (to.is_bool()) return "(" + v + " != 0)";
    if (from.is_float() && (to.is_int() || to.is_uint())) {
      // Saturating toward zero, NaN -> 0 (as codegen for CPUs); unsigned wraps through long.
      if (to.is_int()) return "convert_" + type(to) + "_sat_rtz(" + v + ")";
      return "((" + type(to) + ")convert_long_sat_rtz(" + v + "))";
    }
    return "((" + type(to) + ")" + v + ")";
  }

  std::string minMax(const Expr &a, const Expr &b, Type t, bool isMin) {
    std::string x = expr(a), y = expr(b);
    if (t.is_float()) // NaN-propagating: x if x is NaN, else x < y ? x : y (NaN y picks y)
      return "(isnan(" + x + ") ? " + x + " : (" + x + (isMin ? " < " : " > ") + y + " ? " + x + " : " + y + "))";
    return "(" + x + (isMin ? " < " : " > ") + y + " ? " + x + " : " + y + ")";
  }

  std::string call(const te::Call *op) {
    if (op->call_type != te::CallType::Intrinsic) {
      fail("unexpected call to '" + op->name + "' after storage flattening");
      return "0";
    }
    Type t = op->type;
    const std::string &n = op->name;
    auto arg = [&](size_t i) { return expr(op->args.at(i)); };
    if (n == te::intrinsic::gpu_local_id) {
      usesLocalId = true;
      return "strata_lid";
    }
    if (n == te::intrinsic::abs) {
      if (t.is_float()) return "fabs(" + arg(0) + ")";
      if (t.is_uint()) return arg(0);
      if (t.bits < 32) return "((" + type(t) + ")strata_abs_i32(" + arg(0) + "))";
      return "strata_abs_" + suffix(t) + "(" + arg(0) + ")";
    }
    if (n == te::intrinsic::pow) {
      if (t.is_float()) return "pow(" + arg(0) + ", " + arg(1) + ")";
      return helper("pow", t, op->args[0], op->args[1]);
    }
    if (n == te::intrinsic::fmuladd) return "fma(" + arg(0) + ", " + arg(1) + ", " + arg(2) + ")";
    if (n == te::intrinsic::round) return "rint(" + arg(0) + ")"; // half to even
    static const std::set<std::string> unary = {"exp",  "log",  "sqrt", "tanh", "erf",   "floor",
                                                "ceil", "sin",  "cos",  "tan",  "asin",  "acos",
                                                "atan", "sinh", "cosh", "asinh", "acosh", "atanh"};
    if (unary.count(n) && t.is_float()) return n + "(" + arg(0) + ")";
    fail("intrinsic '" + n + "' on " + te::to_string(t) + " is not supported on OpenCL yet");
    return "0";
  }

public:
  std::string expr(const Expr &e) {
    using te::IRNodeType;
    switch (e->node_type) {
    case IRNodeType::IntImm: return imm(e.as<te::IntImm>());
    case IRNodeType::FloatImm: return fimm(e.as<te::FloatImm>());
    case IRNodeType::Variable: return ident(e.as<te::Variable>()->name);
    case IRNodeType::Cast: return cast(e.as<te::Cast>());
#define STRATA_OCL_ARITH(N, OP)                                                                    \
  case IRNodeType::N: {                                                                            \
    const auto *op = e.as<te::N>();                                                                \
    return wrap(op->type, expr(op->a) + " " OP " " + expr(op->b));                                 \
  }
      STRATA_OCL_ARITH(Add, "+")
      STRATA_OCL_ARITH(Sub, "-")
      STRATA_OCL_ARITH(Mul, "*")
#undef STRATA_OCL_ARITH
    case IRNodeType::Div: {
      const auto *op = e.as<te::Div>();
      if (op->type.is_float()) return "(" + expr(op->a) + " / " + expr(op->b) + ")";
      return helper("div", op->type, op->a, op->b);
    }
    case IRNodeType::Mod: {
      const auto *op = e.as<te::Mod>();
      if (op->type.is_float()) {
        std::string a = expr(op->a), b = expr(op->b);
        return "(" + a + " - " + b + " * floor(" + a + " / " + b + "))";
      }
      return helper("mod", op->type, op->a, op->b);
    }
    case IRNodeType::Min: return minMax(e.as<te::Min>()->a, e.as<te::Min>()->b, e.type(), true);
    case IRNodeType::Max: return minMax(e.as<te::Max>()->a, e.as<te::Max>()->b, e.type(), false);
#define STRATA_OCL_CMP(N, OP)                                                                      \
  case IRNodeType::N: {                                                                            \
    const auto *op = e.as<te::N>();                                                                \
    return "(" + expr(op->a) + " " OP " " + expr(op->b) + ")";                                     \
  }
      STRATA_OCL_CMP(EQ, "==")
      STRATA_OCL_CMP(NE, "!=")
      STRATA_OCL_CMP(LT, "<")
      STRATA_OCL_CMP(LE, "<=")
      STRATA_OCL_CMP(GT, ">")
      STRATA_OCL_CMP(GE, ">=")
      STRATA_OCL_CMP(And, "&&")
      STRATA_OCL_CMP(Or, "||")
#undef STRATA_OCL_CMP
    case IRNodeType::Not: return "(!" + expr(e.as<te::Not>()->a) + ")";
    case IRNodeType::Select: {
      const auto *op = e.as<te::Select>();
      return "(" + expr(op->condition) + " ? " + expr(op->true_value) + " : " + expr(op->false_value) + ")";
    }
    case IRNodeType::Load: {
      const auto *op = e.as<te::Load>();
      memorySinceBarrier = true;
      std::string load = ident(op->name) + "[" + expr(op->index) + "]";
      return op->type.is_bool() ? "(" + load + " != 0)" : load;
    }
    case IRNodeType::Let: {
      const auto *op = e.as<te::Let>();
      pending << "const " << type(op->value.type()) << " " << ident(op->name) << " = "
              << expr(op->value) << ";\n";
      return expr(op->body);
    }
    case IRNodeType::Call: return call(e.as<te::Call>());
    default:
      fail(std::string(te::node_type_name(e->node_type)) + " in GPU code (GPU schedules do not vectorize)");
      return "0";
    }
  }

private:
  std::string pad() const { return std::string(2 * indent, ' '); }

  /// The declarations hoisted out of the expressions printed since the last flush.
  std::string flushPending() {
    std::string decls, line;
    std::istringstream in(pending.str());
    while (std::getline(in, line)) decls += pad() + line + "\n";
    pending.str("");
    return decls;
  }

  void line(const std::string &text) {
    std::string decls = flushPending();
    out << decls << pad() << text << "\n";
  }

  void stmt(const Stmt &s) {
    if (!s.defined()) return;
    using te::IRNodeType;
    switch (s->node_type) {
    case IRNodeType::Block:
      for (const Stmt &part : s.as<te::Block>()->stmts) stmt(part);
      return;
    case IRNodeType::LetStmt: {
      const auto *op = s.as<te::LetStmt>();
      // The same name again (an unrolled loop's copies): a block of its own, as C wants.
      bool again = !declared.insert(op->name).second;
      if (again) {
        line("{");
        ++indent;
      }
      line("const " + type(op->value.type()) + " " + ident(op->name) + " = " + expr(op->value) + ";");
      stmt(op->body);
      if (again) {
        --indent;
        line("}");
      }
      return;
    }
    case IRNodeType::Store: {
      const auto *op = s.as<te::Store>();
      memorySinceBarrier = true;
      Type t = op->value.type();
      std::string v = expr(op->value), i = expr(op->index);
      line(ident(op->name) + "[" + i + "] = " + (t.is_bool() ? "(uchar)(" + v + ")" : v) + ";");
      return;
    }
    case IRNodeType::For: {
      const auto *op = s.as<te::For>();
      std::string v = ident(op->name);
      if (op->for_kind == te::ForKind::GPUCooperative) // shared out by CooperativeLoops.h
        return fail("cooperative loop '" + op->name + "' was not shared out among the work-items (lowered without share_cooperative_loops, or in thread loops of an extent not known at compile time)");
      line("const int " + v + "_lo = " + expr(op->min) + ", " + v + "_hi = " + v + "_lo + " +
           expr(op->extent) + ";");
      line("for (int " + v + " = " + v + "_lo; " + v + " < " + v + "_hi; ++" + v + ") {");
      ++indent;
      memorySinceBarrier = true; // the previous iteration's
      stmt(op->body);
      --indent;
      line("}");
      memorySinceBarrier = true;
      return;
    }
    case IRNodeType::IfThenElse: {
      const auto *op = s.as<te::IfThenElse>();
      line("if (" + expr(op->condition) + ") {");
      ++indent;
      stmt(op->then_case);
      --indent;
      if (op->else_case.defined()) {
        line("} else {");
        ++indent;
        stmt(op->else_case);
        --indent;
      }
      line("}");
      memorySinceBarrier = true;
      return;
    }
    case IRNodeType::Allocate: {
      const auto *op = s.as<te::Allocate>();
      int64_t elements = 1;
      for (const Expr &e : op->extents) {
        const int64_t *n = te::as_const_int(e);
        if (!n) return fail("private buffer '" + op->name + "' has a size not known at compile time");
        elements *= *n;
      }
      if (op->memory_type == te::MemoryType::GPUShared) {
        // OpenCL C declares local memory at the kernel's outermost scope (size checked by OutlineGPU).
        locals << "  __local " << type(op->type, true) << " " << ident(op->name) << "[" << elements << "];\n";
        stmt(op->body);
        return;
      }
      if (elements * std::max(1, op->type.bits / 8) > te::kMaxGPUPrivateBytes)
        return fail("private buffer '" + op->name + "' of " + std::to_string(elements) +
                    " elements is too large for a work-item");
      line(type(op->type, true) + " " + ident(op->name) + "[" + std::to_string(elements) + "];");
      stmt(op->body);
      return;
    }
    case IRNodeType::ProducerConsumer: stmt(s.as<te::ProducerConsumer>()->body); return;
    case IRNodeType::Evaluate: {
      const auto *op = s.as<te::Evaluate>();
      if (const auto *c = op->value.as<te::Call>(); c && c->is_intrinsic(te::intrinsic::gpu_barrier))
        return barrier();
      if (!te::is_const(op->value)) line("(void)" + expr(op->value) + ";");
      return;
    }
    default: fail(std::string(te::node_type_name(s->node_type)) + " in lowered GPU code"); return;
    }
  }

  /// A barrier for the work-group's local memory, unless nothing touched memory since the last.
  void barrier() {
    if (memorySinceBarrier) line("barrier(CLK_LOCAL_MEM_FENCE);");
    memorySinceBarrier = false;
  }

  const te::LoweredFunc &f;
  const te::GPUProgram &program;
  std::map<std::string, std::string> idents;
  std::set<std::string> used;
  std::ostringstream out, pending, locals;
  int indent = 1;
  bool usesLocalId = false;        // the kernel reads strata_lid
  std::set<std::string> declared;  // the names of the kernel's LetStmts so far
  bool memorySinceBarrier = true;  // loads or stores since the last barrier (or maybe)
};

} // namespace

std::string openclPrelude() {
  std::string p = "// Strata: OpenCL C 1.2. Integer helpers implement the IR's semantics.\n"
                  "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n";
  p += integerHelpers("int", "i32", "uint");
  p += integerHelpers("long", "i64", "ulong");
  p += unsignedHelpers("uint", "u32");
  p += unsignedHelpers("ulong", "u64");
  return p;
}

llvm::Expected<std::string> emitOpenCL(const te::LoweredFunc &f, const te::GPUProgram &program) {
  std::string source;
  for (const te::GPULaunch &l : program.launches) {
    KernelPrinter printer(f, program);
    std::string k = printer.kernel(l);
    if (!printer.error.empty())
      return llvm::createStringError("kernel '" + f.name + "': OpenCL codegen: " + printer.error);
    source += k + "\n";
  }
  return source;
}

} // namespace strata::targets
