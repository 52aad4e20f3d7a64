//===- Elementwise.cpp - binary ops with broadcasting, unary, where, cast -===//
#include "dialects/graph/reference/Kernels.h"

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference::detail {

namespace {

/// out[i] = fn(a[ia], b[ib]) over the broadcast index space; `get` reads one
/// operand element in the type the op computes in.
template <typename Get, typename Set>
HostTensor broadcastLoop(Value result, const HostTensor &a, const HostTensor &b, Get get, Set set) {
  HostTensor out = tensorFor(result);
  if (a.shape == b.shape) { // the common case: no index arithmetic
    for (int64_t i = 0; i < out.numElements(); ++i)
      set(out, i, get(a, i), get(b, i));
    return out;
  }
  StridedWalk walk(out.shape, {broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)});
  for (int64_t i = 0; i < out.numElements(); ++i, walk.next())
    set(out, i, get(a, walk.offset(0)), get(b, walk.offset(1)));
  return out;
}

/// A float binary op computed in double and rounded once.
template <typename Fn>
HostTensor floatBinary(Value result, const HostTensor &a, const HostTensor &b, Fn fn) {
  return broadcastLoop(
      result, a, b, [](const HostTensor &t, int64_t i) { return (double)t.f(i); },
      [&](HostTensor &out, int64_t i, double x, double y) { out.setF(i, fn(x, y)); });
}

/// An integer binary op computed exactly in int64 (wrapping on overflow, as
/// two's complement hardware and numpy do).
template <typename Fn>
HostTensor intBinary(Value result, const HostTensor &a, const HostTensor &b, Fn fn) {
  return broadcastLoop(
      result, a, b, [](const HostTensor &t, int64_t i) { return t.i(i); },
      [&](HostTensor &out, int64_t i, int64_t x, int64_t y) { out.setI(i, fn(x, y)); });
}

/// A comparison or logical op on operands of any one element type, giving bool.
template <typename Fn>
HostTensor compare(Value result, const HostTensor &a, const HostTensor &b, Fn fn) {
  if (a.isFloat())
    return broadcastLoop(
        result, a, b, [](const HostTensor &t, int64_t i) { return t.f(i); },
        [&](HostTensor &out, int64_t i, float x, float y) { out.setI(i, fn(x, y)); });
  return intBinary(result, a, b, fn);
}

int64_t wrappingAdd(int64_t x, int64_t y) { return (int64_t)((uint64_t)x + (uint64_t)y); }
int64_t wrappingSub(int64_t x, int64_t y) { return (int64_t)((uint64_t)x - (uint64_t)y); }
int64_t wrappingMul(int64_t x, int64_t y) { return (int64_t)((uint64_t)x * (uint64_t)y); }

} // namespace

int64_t integerPow(int64_t base, int64_t exponent) {
  // A negative exponent gives 1/base^|e| truncated toward zero: 0 unless |base| is 1.
  if (exponent < 0)
    return base == 1 ? 1 : base == -1 ? (exponent % 2 ? -1 : 1) : 0;
  int64_t result = 1;
  for (; exponent; exponent >>= 1, base = wrappingMul(base, base))
    if (exponent & 1)
      result = wrappingMul(result, base);
  return result;
}

int64_t mixedPow(int64_t base, float exponent) {
  // A whole exponent is exact; otherwise pow in double, truncated and saturated like the
  // compiled code's float-to-int conversion (NaN gives 0).
  if (exponent == std::trunc(exponent) && std::fabs(exponent) < 0x1p62f)
    return integerPow(base, (int64_t)exponent);
  double p = std::trunc(std::pow((double)base, (double)exponent));
  if (std::isnan(p))
    return 0;
  if (p >= 0x1p63)
    return std::numeric_limits<int64_t>::max();
  return p < -0x1p63 ? std::numeric_limits<int64_t>::min() : (int64_t)p;
}

int64_t truncatingDiv(int64_t x, int64_t y) {
  // INT64_MIN / -1 overflows; it wraps to INT64_MIN like the negation it is.
  return y == -1 ? wrappingSub(0, x) : x / y;
}

llvm::Expected<HostTensor> evalBinary(Operation *op, const HostTensor &a, const HostTensor &b) {
  Value r = op->getResult(0);
  bool isFloat = a.isFloat();
  using R = llvm::Expected<HostTensor>;
  auto arith = [&](auto floatFn, auto intFn) -> R {
    return isFloat ? floatBinary(r, a, b, floatFn) : intBinary(r, a, b, intFn);
  };
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](g::AddOp) { return arith([](double x, double y) { return x + y; }, wrappingAdd); })
      .Case([&](g::SubOp) { return arith([](double x, double y) { return x - y; }, wrappingSub); })
      .Case([&](g::MulOp) { return arith([](double x, double y) { return x * y; }, wrappingMul); })
      .Case([&](g::DivOp) -> R {
        // Integer division truncates toward zero, as in C and ONNX.
        if (!isFloat && llvm::is_contained(b.intValues(), 0))
          return opError(op, "integer division by zero");
        return arith([](double x, double y) { return x / y; }, truncatingDiv);
      })
      .Case([&](g::PowOp) -> R {
        if (isFloat || !b.isFloat())
          return arith([](double x, double y) { return std::pow(x, y); }, integerPow);
        struct Num {
          int64_t i;
          float f;
        };
        return broadcastLoop(
            r, a, b, [](const HostTensor &t, int64_t i) { return t.isFloat() ? Num{0, t.f(i)} : Num{t.i(i), 0}; },
            [](HostTensor &out, int64_t i, Num x, Num y) { out.setI(i, mixedPow(x.i, y.f)); });
      })
      .Case([&](g::MaxOp) {
        return arith([](double x, double y) { return nanMax(x, y); },
                     [](int64_t x, int64_t y) { return std::max(x, y); });
      })
      .Case([&](g::MinOp) {
        return arith([](double x, double y) { return nanMin(x, y); },
                     [](int64_t x, int64_t y) { return std::min(x, y); });
      })
      .Case([&](g::EqualOp) { return compare(r, a, b, [](auto x, auto y) { return x == y; }); })
      .Case([&](g::LessOp) { return compare(r, a, b, [](auto x, auto y) { return x < y; }); })
      .Case([&](g::LessEqualOp) { return compare(r, a, b, [](auto x, auto y) { return x <= y; }); })
      .Case([&](g::GreaterOp) { return compare(r, a, b, [](auto x, auto y) { return x > y; }); })
      .Case([&](g::GreaterEqualOp) { return compare(r, a, b, [](auto x, auto y) { return x >= y; }); })
      .Case([&](g::AndOp) { return compare(r, a, b, [](auto x, auto y) { return x && y; }); })
      .Case([&](g::OrOp) { return compare(r, a, b, [](auto x, auto y) { return x || y; }); })
      .Case([&](g::XorOp) { return compare(r, a, b, [](auto x, auto y) { return x != y; }); })
      .Default([&](Operation *) -> R { return opError(op, "is not a binary op"); });
}

namespace {

template <typename Fn>
HostTensor floatUnary(Value result, const HostTensor &x, Fn fn) {
  HostTensor out = tensorFor(result);
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.setF(i, fn((double)x.f(i)));
  return out;
}

template <typename Fn>
HostTensor intUnary(Value result, const HostTensor &x, Fn fn) {
  HostTensor out = tensorFor(result);
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.setI(i, fn(x.i(i)));
  return out;
}

} // namespace

HostTensor evalUnary(Operation *op, const HostTensor &x) {
  Value r = op->getResult(0);
  // Neg and Abs also take int64 (wrapping: -INT64_MIN is INT64_MIN), Not takes bool.
  if (!x.isFloat())
    return llvm::TypeSwitch<Operation *, HostTensor>(op)
        .Case([&](g::NegOp) { return intUnary(r, x, [](int64_t v) { return wrappingSub(0, v); }); })
        .Case([&](g::AbsOp) { return intUnary(r, x, [](int64_t v) { return v < 0 ? wrappingSub(0, v) : v; }); })
        .Case([&](g::NotOp) { return intUnary(r, x, [](int64_t v) { return (int64_t)(v == 0); }); })
        .Default([&](Operation *) { return HostTensor(); });
  return llvm::TypeSwitch<Operation *, HostTensor>(op)
      .Case([&](g::ReluOp) { return floatUnary(r, x, [](double v) { return nanMax(v, 0.0); }); })
      .Case([&](g::SigmoidOp) { return floatUnary(r, x, [](double v) { return 1 / (1 + std::exp(-v)); }); })
      .Case([&](g::TanhOp) { return floatUnary(r, x, [](double v) { return std::tanh(v); }); })
      .Case([&](g::ExpOp) { return floatUnary(r, x, [](double v) { return std::exp(v); }); })
      .Case([&](g::LogOp) { return floatUnary(r, x, [](double v) { return std::log(v); }); })
      .Case([&](g::SqrtOp) { return floatUnary(r, x, [](double v) { return std::sqrt(v); }); })
      .Case([&](g::NegOp) { return floatUnary(r, x, [](double v) { return -v; }); })
      .Case([&](g::AbsOp) { return floatUnary(r, x, [](double v) { return std::fabs(v); }); })
      .Case([&](g::ErfOp) { return floatUnary(r, x, [](double v) { return std::erf(v); }); })
#define STRATA_EVAL_LIBM_OP(Op, fn, onnx) .Case([&](g::Op) { return floatUnary(r, x, [](double v) { return std::fn(v); }); })
      STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_EVAL_LIBM_OP)
#undef STRATA_EVAL_LIBM_OP
      .Case([&](g::FloorOp) { return floatUnary(r, x, [](double v) { return std::floor(v); }); })
      .Case([&](g::CeilOp) { return floatUnary(r, x, [](double v) { return std::ceil(v); }); })
      // Halves to even: nearbyint in the default rounding mode.
      .Case([&](g::RoundOp) { return floatUnary(r, x, [](double v) { return std::nearbyint(v); }); })
      .Case([&](g::SignOp) {
        return floatUnary(r, x, [](double v) { return std::isnan(v) ? v : (double)((v > 0) - (v < 0)); });
      })
      .Case([&](g::HardSwishOp) {
        return floatUnary(r, x, [](double v) { return v * nanMax(0.0, nanMin(1.0, v / 6 + 0.5)); });
      })
      .Case([&](g::ClipOp c) {
        double lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
        return floatUnary(r, x, [=](double v) { return nanMin(nanMax(v, lo), hi); });
      })
      .Case([&](g::HardSigmoidOp h) {
        double alpha = h.getAlpha().convertToFloat(), beta = h.getBeta().convertToFloat();
        return floatUnary(r, x, [=](double v) { return nanMax(0.0, nanMin(1.0, alpha * v + beta)); });
      })
      .Default([&](Operation *) { return HostTensor(); });
}

HostTensor evalWhere(Operation *op, const HostTensor &cond, const HostTensor &x, const HostTensor &y) {
  HostTensor out = tensorFor(op->getResult(0));
  StridedWalk walk(out.shape, {broadcastStrides(cond.shape, out.shape), broadcastStrides(x.shape, out.shape),
                               broadcastStrides(y.shape, out.shape)});
  for (int64_t i = 0; i < out.numElements(); ++i, walk.next())
    cond.i(walk.offset(0)) ? out.copyElement(i, x, walk.offset(1)) : out.copyElement(i, y, walk.offset(2));
  return out;
}

llvm::Expected<HostTensor> evalCast(Operation *op, const HostTensor &x) {
  HostTensor out = tensorFor(op->getResult(0));
  int64_t n = x.numElements();
  if (x.isFloat() && out.isFloat()) {
    out = x;
  } else if (out.isFloat()) { // int64 to float32 rounds once, to nearest even
    for (int64_t i = 0; i < n; ++i)
      out.setF(i, (float)x.i(i));
  } else if (!x.isFloat()) { // integers wrap into a narrower type; to bool is x != 0
    for (int64_t i = 0; i < n; ++i)
      out.setI(i, x.i(i));
  } else if (out.dtype == DType::Bool) { // NaN is true, as x != 0
    for (int64_t i = 0; i < n; ++i)
      out.setI(i, x.f(i) != 0);
  } else {
    // Float to int truncates toward zero; a float that int64 cannot hold is an error, not UB.
    // Narrower integers then wrap, as integer narrowing does.
    const float limit = 9223372036854775808.0f; // 2^63
    for (int64_t i = 0; i < n; ++i) {
      float v = std::trunc(x.f(i));
      if (!(v >= -limit && v < limit))
        return opError(op, "cannot cast " + std::to_string(x.f(i)) + " at flat index " +
                               std::to_string(i) + " to " + dtypeName(out.dtype));
      out.setI(i, (int64_t)v);
    }
  }
  return out;
}

} // namespace strata::reference::detail
