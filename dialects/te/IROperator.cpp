#include "dialects/te/IROperator.h"

#include <cmath>

#include "dialects/te/IRPrinter.h"

namespace strata {
namespace te {

// ---- Constants ------------------------------------------------------------------------------

namespace {
Expr broadcast_if_vector(Type t, Expr scalar) {
  return t.lanes > 1 ? Broadcast::make(scalar, t.lanes) : scalar;
}
} // namespace

Expr make_const(Type t, int64_t value) {
  Type e = t.element_of();
  if (e.is_float()) return broadcast_if_vector(t, FloatImm::make(e, double(value)));
  return broadcast_if_vector(t, IntImm::make(e, value));
}

Expr make_const(Type t, double value) {
  Type e = t.element_of();
  if (e.is_float()) return broadcast_if_vector(t, FloatImm::make(e, value));
  return broadcast_if_vector(t, IntImm::make(e, int64_t(value)));
}

Expr make_const(Type t, int value) { return make_const(t, int64_t(value)); }
Expr make_zero(Type t) { return make_const(t, int64_t(0)); }
Expr make_one(Type t) { return make_const(t, int64_t(1)); }
Expr make_bool(bool value, int lanes) { return make_const(Bool(lanes), int64_t(value)); }

const int64_t *as_const_int(const Expr &e) {
  if (!e.defined()) return nullptr;
  if (const Broadcast *b = e.as<Broadcast>()) return as_const_int(b->value);
  if (const IntImm *i = e.as<IntImm>()) return &i->value;
  return nullptr;
}

const double *as_const_float(const Expr &e) {
  if (!e.defined()) return nullptr;
  if (const Broadcast *b = e.as<Broadcast>()) return as_const_float(b->value);
  if (const FloatImm *f = e.as<FloatImm>()) return &f->value;
  return nullptr;
}

bool is_const(const Expr &e) { return as_const_int(e) || as_const_float(e); }

bool is_const(const Expr &e, int64_t value) {
  if (const int64_t *i = as_const_int(e)) return *i == value;
  if (const double *f = as_const_float(e)) return *f == double(value);
  return false;
}

bool is_zero(const Expr &e) { return is_const(e, 0); }
bool is_one(const Expr &e) { return is_const(e, 1); }
bool is_const_true(const Expr &e) { return e.defined() && e.type().is_bool() && is_const(e, 1); }
bool is_const_false(const Expr &e) { return e.defined() && e.type().is_bool() && is_const(e, 0); }
bool is_positive_const(const Expr &e) {
  const int64_t *i = as_const_int(e);
  return i && *i > 0 && !e.type().is_bool();
}

Expr var(const std::string &name) { return Variable::make(Int(32), name); }

template <> Type type_of<float>() { return Float(32); }
template <> Type type_of<double>() { return Float(64); }
template <> Type type_of<bool>() { return Bool(); }
template <> Type type_of<int8_t>() { return Int(8); }
template <> Type type_of<int16_t>() { return Int(16); }
template <> Type type_of<int32_t>() { return Int(32); }
template <> Type type_of<int64_t>() { return Int(64); }
template <> Type type_of<uint8_t>() { return UInt(8); }
template <> Type type_of<uint16_t>() { return UInt(16); }
template <> Type type_of<uint32_t>() { return UInt(32); }
template <> Type type_of<uint64_t>() { return UInt(64); }

// ---- Type matching --------------------------------------------------------------------------

namespace {
bool is_scalar_imm(const Expr &e) { return e.as<IntImm>() || e.as<FloatImm>(); }

// Re-types constant c as t (element type) when that loses nothing: ints fit anywhere, floats
// only into floats.
bool retype_const(Expr &c, Type t) {
  if (const IntImm *i = c.as<IntImm>()) {
    if (t.is_bool()) return false;
    c = make_const(t, i->value);
    return true;
  }
  if (const FloatImm *f = c.as<FloatImm>()) {
    if (!t.is_float()) return false;
    c = make_const(t, f->value);
    return true;
  }
  return false;
}
} // namespace

void match_types(Expr &a, Expr &b) {
  TE_CHECK(a.defined() && b.defined(), "match_types on undefined Expr");
  Type ta = a.type().element_of(), tb = b.type().element_of();
  if (ta != tb) {
    bool done = (is_scalar_imm(a) && retype_const(a, tb)) || (is_scalar_imm(b) && retype_const(b, ta));
    if (!done) {
      Type t;
      if (ta.is_float() != tb.is_float()) t = ta.is_float() ? ta : tb;
      else if (ta.bits != tb.bits) t = ta.bits > tb.bits ? ta : tb;
      else t = ta.is_int() ? ta : tb; // int beats uint of the same width
      if (ta != t) a = Cast::make(t.with_lanes(a.type().lanes), a);
      if (tb != t) b = Cast::make(t.with_lanes(b.type().lanes), b);
    }
  }
  int la = a.type().lanes, lb = b.type().lanes;
  if (la != lb) {
    TE_CHECK(la == 1 || lb == 1, "cannot match lanes " + std::to_string(la) + " and " +
                                     std::to_string(lb));
    if (la == 1) a = Broadcast::make(a, lb);
    else b = Broadcast::make(b, la);
  }
}

// ---- Operators ------------------------------------------------------------------------------

#define STRATA_TE_BINARY_OP(OP, NODE)                                                              \
  Expr operator OP(Expr a, Expr b) {                                                               \
    match_types(a, b);                                                                             \
    return NODE::make(a, b);                                                                       \
  }
STRATA_TE_BINARY_OP(+, Add)
STRATA_TE_BINARY_OP(-, Sub)
STRATA_TE_BINARY_OP(*, Mul)
STRATA_TE_BINARY_OP(/, Div)
STRATA_TE_BINARY_OP(%, Mod)
STRATA_TE_BINARY_OP(==, EQ)
STRATA_TE_BINARY_OP(!=, NE)
STRATA_TE_BINARY_OP(<, LT)
STRATA_TE_BINARY_OP(<=, LE)
STRATA_TE_BINARY_OP(>, GT)
STRATA_TE_BINARY_OP(>=, GE)
#undef STRATA_TE_BINARY_OP

Expr operator&&(Expr a, Expr b) {
  match_types(a, b);
  return And::make(a, b);
}
Expr operator||(Expr a, Expr b) {
  match_types(a, b);
  return Or::make(a, b);
}
Expr operator!(Expr a) { return Not::make(a); }

Expr operator-(Expr a) {
  // For floats multiply by -1 so the sign of zero flips exactly like IEEE negation.
  if (a.type().is_float()) return Mul::make(a, make_const(a.type(), -1.0));
  return Sub::make(make_zero(a.type()), a);
}

Expr &operator+=(Expr &a, Expr b) { return a = a + b; }
Expr &operator-=(Expr &a, Expr b) { return a = a - b; }
Expr &operator*=(Expr &a, Expr b) { return a = a * b; }

Expr min(Expr a, Expr b) {
  match_types(a, b);
  return Min::make(a, b);
}
Expr max(Expr a, Expr b) {
  match_types(a, b);
  return Max::make(a, b);
}
Expr clamp(Expr a, Expr lo, Expr hi) { return min(max(a, lo), hi); }

Expr select(Expr c, Expr t, Expr f) {
  match_types(t, f);
  if (c.type().lanes != t.type().lanes && c.type().is_vector()) {
    if (t.type().is_scalar()) {
      t = Broadcast::make(t, c.type().lanes);
      f = Broadcast::make(f, c.type().lanes);
    }
  }
  return Select::make(c, t, f);
}

Expr cast(Type t, Expr e) {
  if (e.type() == t) return e;
  if (t.lanes == 1 && e.type().is_vector()) t = t.with_lanes(e.type().lanes);
  if (e.type().is_scalar() && t.is_vector()) e = Broadcast::make(e, t.lanes);
  if (e.type() == t) return e;
  return Cast::make(t, e);
}

namespace {
Expr as_float(Expr x) { return x.type().is_float() ? x : cast(Float(32, x.type().lanes), x); }
Expr intrin(const char *name, std::vector<Expr> args) {
  Type t = args[0].type();
  return Call::make(t, name, std::move(args), CallType::Intrinsic);
}
} // namespace

Expr exp(Expr x) { return intrin(intrinsic::exp, {as_float(x)}); }
Expr log(Expr x) { return intrin(intrinsic::log, {as_float(x)}); }
Expr sqrt(Expr x) { return intrin(intrinsic::sqrt, {as_float(x)}); }
Expr tanh(Expr x) { return intrin(intrinsic::tanh, {as_float(x)}); }
Expr erf(Expr x) { return intrin(intrinsic::erf, {as_float(x)}); }
#define STRATA_TE_DEFINE_LIBM(f)                                                                   \
  Expr f(Expr x) { return intrin(intrinsic::f, {as_float(x)}); }
STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_TE_DEFINE_LIBM)
#undef STRATA_TE_DEFINE_LIBM
Expr floor(Expr x) { return intrin(intrinsic::floor, {as_float(x)}); }
Expr ceil(Expr x) { return intrin(intrinsic::ceil, {as_float(x)}); }
Expr round(Expr x) { return intrin(intrinsic::round, {as_float(x)}); }
Expr abs(Expr x) { return intrin(intrinsic::abs, {x}); }
Expr pow(Expr x, Expr y) {
  if (!(x.type().is_int() && y.type().is_int()))
    x = as_float(x);
  match_types(x, y);
  return intrin(intrinsic::pow, {x, y});
}
Expr fmuladd(Expr a, Expr b, Expr c) {
  a = as_float(a);
  match_types(a, b);
  match_types(a, c);
  match_types(b, c);
  return intrin(intrinsic::fmuladd, {a, b, c});
}
Expr sigmoid(Expr x) {
  x = as_float(x);
  Expr one = make_one(x.type());
  return one / (one + exp(-x));
}

int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return int64_t(0 - uint64_t(a)); // INT64_MIN / -1 wraps
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int64_t euclid_mod(int64_t a, int64_t b) {
  if (b == 0 || b == -1) return 0;
  int64_t r = a % b;
  return r < 0 ? r + (b < 0 ? -b : b) : r;
}

} // namespace te
} // namespace strata
