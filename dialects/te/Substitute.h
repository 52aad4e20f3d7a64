// Replacing variables by expressions, and asking which variables an IR tree uses.
#pragma once

#include <map>
#include <string>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

/// Replaces every Variable named `name` by `replacement`.
Expr substitute(const std::string &name, const Expr &replacement, const Expr &e);
Stmt substitute(const std::string &name, const Expr &replacement, const Stmt &s);
/// Replaces every Variable whose name is a key of `replacements`.
Expr substitute(const std::map<std::string, Expr> &replacements, const Expr &e);
Stmt substitute(const std::map<std::string, Expr> &replacements, const Stmt &s);

/// True if a Variable named `name` occurs in the tree.
bool uses_var(const Expr &e, const std::string &name);
bool uses_var(const Stmt &s, const std::string &name);

/// True if e reads memory or calls anything (Load or Call nodes).
bool has_loads_or_calls(const Expr &e);

} // namespace te
} // namespace strata
