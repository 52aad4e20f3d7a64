#include "dialects/te/Substitute.h"

#include "dialects/te/IRVisitor.h"

namespace strata {
namespace te {

namespace {

class Substituter : public IRMutator {
public:
  explicit Substituter(const std::map<std::string, Expr> &r) : repl_(r) {}

private:
  const std::map<std::string, Expr> &repl_;
  Expr visit(const Variable *op) override {
    auto it = repl_.find(op->name);
    return it == repl_.end() ? Expr(op) : it->second;
  }
};

class UsesVar : public IRVisitor {
public:
  explicit UsesVar(const std::string &n) : name(n) {}
  const std::string &name;
  bool found = false;
  void visit(const Variable *op) override { found |= op->name == name; }
};

class HasLoads : public IRVisitor {
public:
  bool found = false;
  void visit(const Load *) override { found = true; }
  void visit(const Call *) override { found = true; }
};

} // namespace

Expr substitute(const std::map<std::string, Expr> &r, const Expr &e) {
  return r.empty() ? e : Substituter(r).mutate(e);
}
Stmt substitute(const std::map<std::string, Expr> &r, const Stmt &s) {
  return r.empty() ? s : Substituter(r).mutate(s);
}
Expr substitute(const std::string &name, const Expr &replacement, const Expr &e) {
  return substitute(std::map<std::string, Expr>{{name, replacement}}, e);
}
Stmt substitute(const std::string &name, const Expr &replacement, const Stmt &s) {
  return substitute(std::map<std::string, Expr>{{name, replacement}}, s);
}

bool uses_var(const Expr &e, const std::string &name) {
  UsesVar v(name);
  v.dispatch(e);
  return v.found;
}
bool uses_var(const Stmt &s, const std::string &name) {
  UsesVar v(name);
  v.dispatch(s);
  return v.found;
}

bool has_loads_or_calls(const Expr &e) {
  HasLoads v;
  v.dispatch(e);
  return v.found;
}

} // namespace te
} // namespace strata
