// Building Exprs conveniently: C++ operators, min/max/select/cast, math intrinsics, and
// queries on constants. Operands of different types are matched first (match_types).
#pragma once

#include <cstdint>
#include <string>

#include "dialects/te/IR.h"

namespace strata {
namespace te {

// ---- Constants ------------------------------------------------------------------------------

/// A constant of type t (broadcast when t is a vector). Floats are rounded to t's precision.
Expr make_const(Type t, int64_t value);
Expr make_const(Type t, double value);
Expr make_const(Type t, int value);
Expr make_zero(Type t);

// Integer arithmetic with the IR's semantics (floor division, Euclidean modulo, x/0 == 0),
// shared by the simplifier's constant folding and the evaluator.
int64_t floor_div(int64_t a, int64_t b);
int64_t euclid_mod(int64_t a, int64_t b);
Expr make_one(Type t);
Expr make_bool(bool value, int lanes = 1);

/// The value of a scalar integer/bool constant (or a Broadcast of one), or nullptr.
const int64_t *as_const_int(const Expr &e);
/// The value of a scalar float constant (or a Broadcast of one), or nullptr.
const double *as_const_float(const Expr &e);
/// True if e is an IntImm/FloatImm, or a Broadcast of one.
bool is_const(const Expr &e);
/// True if e is a constant equal to value.
bool is_const(const Expr &e, int64_t value);
bool is_zero(const Expr &e);
bool is_one(const Expr &e);
bool is_const_true(const Expr &e);
bool is_const_false(const Expr &e);
/// True if e is a positive integer constant.
bool is_positive_const(const Expr &e);

/// An Int(32) variable named `name`.
Expr var(const std::string &name);

/// C++ type -> Type (float -> Float(32), int -> Int(32), bool -> Bool(), ...).
template <typename T> Type type_of();
template <> Type type_of<float>();
template <> Type type_of<double>();
template <> Type type_of<bool>();
template <> Type type_of<int8_t>();
template <> Type type_of<int16_t>();
template <> Type type_of<int32_t>();
template <> Type type_of<int64_t>();
template <> Type type_of<uint8_t>();
template <> Type type_of<uint16_t>();
template <> Type type_of<uint32_t>();
template <> Type type_of<uint64_t>();

// ---- Type matching --------------------------------------------------------------------------

/// Makes a and b the same type, in place: a scalar is broadcast to the other's lanes; a constant
/// takes the other operand's type; otherwise float beats int and wider beats narrower.
void match_types(Expr &a, Expr &b);

// ---- Operators ------------------------------------------------------------------------------

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator%(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);
Expr &operator+=(Expr &a, Expr b);
Expr &operator-=(Expr &a, Expr b);
Expr &operator*=(Expr &a, Expr b);

Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
/// Clamps a into [lo, hi].
Expr clamp(Expr a, Expr lo, Expr hi);
Expr select(Expr condition, Expr true_value, Expr false_value);
Expr cast(Type t, Expr e);
template <typename T> Expr cast(Expr e) { return cast(type_of<T>(), std::move(e)); }

// Math intrinsics (Call with CallType::Intrinsic); integer arguments are cast to Float(32).
Expr exp(Expr x);
Expr log(Expr x);
Expr sqrt(Expr x);
Expr tanh(Expr x);
Expr erf(Expr x);
Expr pow(Expr x, Expr y);
Expr abs(Expr x);
Expr floor(Expr x);
Expr ceil(Expr x);
/// Rounds half to even.
Expr round(Expr x);
/// a * b + c, possibly fused.
Expr fmuladd(Expr a, Expr b, Expr c);
/// sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh (libm).
#define STRATA_TE_DECLARE_LIBM(f) Expr f(Expr x);
STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_TE_DECLARE_LIBM)
#undef STRATA_TE_DECLARE_LIBM
/// 1 / (1 + exp(-x)); not an intrinsic.
Expr sigmoid(Expr x);

} // namespace te
} // namespace strata
