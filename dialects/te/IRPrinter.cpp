#include "dialects/te/IRPrinter.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

std::ostream &operator<<(std::ostream &os, const Type &t) {
  switch (t.code) {
  case TypeCode::Int: os << "int" << int(t.bits); break;
  case TypeCode::UInt: os << "uint" << int(t.bits); break;
  case TypeCode::Float: os << "float" << int(t.bits); break;
  case TypeCode::Bool: os << "bool"; break;
  case TypeCode::Handle: os << "handle"; break;
  }
  if (t.lanes > 1) os << "x" << t.lanes;
  return os;
}

std::ostream &operator<<(std::ostream &os, ForKind k) { return os << for_kind_name(k); }

namespace {

class Printer : public IRVisitor {
public:
  explicit Printer(std::ostream &os) : os_(os) {}
  void print(const Expr &e) {
    if (e.defined()) dispatch(e);
    else os_ << "(undefined)";
  }
  void print(const Stmt &s) {
    if (s.defined()) dispatch(s);
    else indent() << "(undefined)\n";
  }

private:
  std::ostream &os_;
  int depth_ = 0;

  std::ostream &indent() {
    for (int i = 0; i < depth_; i++) os_ << "  ";
    return os_;
  }
  void print_list(const std::vector<Expr> &es) {
    for (size_t i = 0; i < es.size(); i++) {
      if (i) os_ << ", ";
      print(es[i]);
    }
  }
  void binary(const Expr &a, const char *op, const Expr &b) {
    os_ << "(";
    print(a);
    os_ << " " << op << " ";
    print(b);
    os_ << ")";
  }
  void func(const char *name, std::vector<Expr> args) {
    os_ << name << "(";
    print_list(args);
    os_ << ")";
  }
  void body_block(const Stmt &s) {
    os_ << "{\n";
    depth_++;
    print(s);
    depth_--;
    indent() << "}\n";
  }

  void visit(const IntImm *op) override {
    if (op->type.is_bool()) os_ << (op->value ? "true" : "false");
    else if (op->type == Int(32)) os_ << op->value;
    else os_ << "(" << op->type << ")" << op->value;
  }
  void visit(const FloatImm *op) override {
    char buf[64];
    std::snprintf(buf, sizeof buf, op->type.bits == 64 ? "%.17g" : "%.9g", op->value);
    std::string s = buf;
    // Keep it recognisably a float: 1 -> 1.0
    if (std::isfinite(op->value) && s.find_first_of(".e") == std::string::npos) s += ".0";
    os_ << s;
    if (op->type.bits == 32) os_ << "f";
    else if (op->type.bits == 16) os_ << "h";
  }
  void visit(const Variable *op) override { os_ << op->name; }
  void visit(const Cast *op) override {
    os_ << op->type << "(";
    print(op->value);
    os_ << ")";
  }
  void visit(const Add *op) override { binary(op->a, "+", op->b); }
  void visit(const Sub *op) override { binary(op->a, "-", op->b); }
  void visit(const Mul *op) override { binary(op->a, "*", op->b); }
  void visit(const Div *op) override { binary(op->a, "/", op->b); }
  void visit(const Mod *op) override { binary(op->a, "%", op->b); }
  void visit(const Min *op) override { func("min", {op->a, op->b}); }
  void visit(const Max *op) override { func("max", {op->a, op->b}); }
  void visit(const EQ *op) override { binary(op->a, "==", op->b); }
  void visit(const NE *op) override { binary(op->a, "!=", op->b); }
  void visit(const LT *op) override { binary(op->a, "<", op->b); }
  void visit(const LE *op) override { binary(op->a, "<=", op->b); }
  void visit(const GT *op) override { binary(op->a, ">", op->b); }
  void visit(const GE *op) override { binary(op->a, ">=", op->b); }
  void visit(const And *op) override { binary(op->a, "&&", op->b); }
  void visit(const Or *op) override { binary(op->a, "||", op->b); }
  void visit(const Not *op) override {
    os_ << "!";
    print(op->a);
  }
  void visit(const Select *op) override {
    func("select", {op->condition, op->true_value, op->false_value});
  }
  void visit(const Load *op) override {
    os_ << op->name << "[";
    print(op->index);
    os_ << "]";
  }
  void visit(const Ramp *op) override {
    os_ << "ramp(";
    print(op->base);
    os_ << ", ";
    print(op->stride);
    os_ << ", " << op->lanes << ")";
  }
  void visit(const Broadcast *op) override {
    os_ << "x" << op->lanes << "(";
    print(op->value);
    os_ << ")";
  }
  void visit(const Let *op) override {
    os_ << "(let " << op->name << " = ";
    print(op->value);
    os_ << " in ";
    print(op->body);
    os_ << ")";
  }
  void visit(const Call *op) override {
    os_ << op->name;
    if (op->value_index) os_ << "." << op->value_index;
    os_ << "(";
    print_list(op->args);
    os_ << ")";
  }

  void visit(const For *op) override {
    indent() << "for (" << op->name << ", ";
    print(op->min);
    os_ << ", ";
    print(op->extent);
    os_ << ") ";
    if (op->for_kind != ForKind::Serial) os_ << op->for_kind << " ";
    body_block(op->body);
  }
  void visit(const Store *op) override {
    indent() << op->name << "[";
    print(op->index);
    os_ << "] = ";
    print(op->value);
    os_ << "\n";
  }
  void visit(const Provide *op) override {
    indent() << op->name << "(";
    print_list(op->args);
    os_ << ") = ";
    if (op->values.size() == 1) {
      print(op->values[0]);
    } else {
      os_ << "{";
      print_list(op->values);
      os_ << "}";
    }
    os_ << "\n";
  }
  void visit(const Allocate *op) override {
    indent() << "allocate " << op->name << "[" << op->type;
    for (const Expr &e : op->extents) {
      os_ << " * ";
      print(e);
    }
    os_ << "]";
    if (op->memory_type != MemoryType::Auto) os_ << " in " << memory_type_name(op->memory_type);
    os_ << "\n";
    print(op->body);
    indent() << "free " << op->name << "\n";
  }
  void visit(const IfThenElse *op) override {
    indent() << "if (";
    print(op->condition);
    os_ << ") ";
    body_block(op->then_case);
    if (op->else_case.defined()) {
      indent() << "else ";
      body_block(op->else_case);
    }
  }
  void visit(const Block *op) override {
    for (const Stmt &s : op->stmts) print(s);
  }
  void visit(const LetStmt *op) override {
    indent() << "let " << op->name << " = ";
    print(op->value);
    os_ << "\n";
    print(op->body);
  }
  void visit(const ProducerConsumer *op) override {
    indent() << (op->is_producer ? "produce " : "consume ") << op->name << " ";
    body_block(op->body);
  }
  void visit(const Evaluate *op) override {
    indent();
    print(op->value);
    os_ << "\n";
  }
  void visit(const Realize *op) override {
    indent() << "realize " << op->name << "(";
    for (size_t i = 0; i < op->bounds.size(); i++) {
      if (i) os_ << ", ";
      os_ << "[";
      print(op->bounds[i].min);
      os_ << ", ";
      print(op->bounds[i].extent);
      os_ << "]";
    }
    os_ << ")";
    if (op->memory_type != MemoryType::Auto) os_ << " in " << memory_type_name(op->memory_type);
    os_ << " ";
    body_block(op->body);
  }
};

} // namespace

std::ostream &operator<<(std::ostream &os, const Expr &e) {
  Printer(os).print(e);
  return os;
}

std::ostream &operator<<(std::ostream &os, const Stmt &s) {
  Printer(os).print(s);
  return os;
}

std::string to_string(const Type &t) {
  std::ostringstream os;
  os << t;
  return os.str();
}
std::string to_string(const Expr &e) {
  std::ostringstream os;
  os << e;
  return os.str();
}
std::string to_string(const Stmt &s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

} // namespace te
} // namespace strata
