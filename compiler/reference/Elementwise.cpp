//===- Elementwise.cpp - binary ops with broadcasting, unary, where, cast -===//
#include "compiler/reference/Kernels.h"

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference::detail {

namespace {

template <typename Fn>
HostTensor broadcastLoop(Value result, const HostTensor &a, const HostTensor &b, Fn fn) {
  HostTensor out = tensorFor(result);
  if (a.shape == b.shape) { // the common case: no index arithmetic
    for (int64_t i = 0; i < out.numElements(); ++i)
      out.set(i, fn(a.values[i], b.values[i]));
    return out;
  }
  StridedWalk walk(out.shape, {broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)});
  for (int64_t i = 0; i < out.numElements(); ++i, walk.next())
    out.set(i, fn(a.values[walk.offset(0)], b.values[walk.offset(1)]));
  return out;
}

template <typename Fn>
HostTensor unaryLoop(Value result, const HostTensor &x, Fn fn) {
  HostTensor out = tensorFor(result);
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.set(i, fn(x.values[i]));
  return out;
}

} // namespace

llvm::Expected<HostTensor> evalBinary(Operation *op, const HostTensor &a, const HostTensor &b) {
  Value r = op->getResult(0);
  bool isInt = dtypeOf(r) == DType::I64;
  using R = llvm::Expected<HostTensor>;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](g::AddOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x + y; }); })
      .Case([&](g::SubOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x - y; }); })
      .Case([&](g::MulOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x * y; }); })
      .Case([&](g::DivOp) -> R {
        if (!isInt)
          return broadcastLoop(r, a, b, [](double x, double y) { return x / y; });
        // Integer division truncates toward zero, as in C and ONNX.
        if (llvm::is_contained(b.values, 0.0))
          return opError(op, "integer division by zero");
        return broadcastLoop(r, a, b, [](double x, double y) { return std::trunc(x / y); });
      })
      .Case([&](g::PowOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return std::pow(x, y); }); })
      .Case([&](g::MaxOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return std::max(x, y); }); })
      .Case([&](g::MinOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return std::min(x, y); }); })
      .Case([&](g::EqualOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x == y; }); })
      .Case([&](g::LessOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x < y; }); })
      .Case([&](g::LessEqualOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x <= y; }); })
      .Case([&](g::GreaterOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x > y; }); })
      .Case([&](g::GreaterEqualOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x >= y; }); })
      .Case([&](g::AndOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x != 0 && y != 0; }); })
      .Case([&](g::OrOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return x != 0 || y != 0; }); })
      .Case([&](g::XorOp) -> R { return broadcastLoop(r, a, b, [](double x, double y) { return (x != 0) != (y != 0); }); })
      .Default([&](Operation *) -> R { return opError(op, "is not a binary op"); });
}

HostTensor evalUnary(Operation *op, const HostTensor &x) {
  Value r = op->getResult(0);
  return llvm::TypeSwitch<Operation *, HostTensor>(op)
      .Case([&](g::ReluOp) { return unaryLoop(r, x, [](double v) { return std::max(v, 0.0); }); })
      .Case([&](g::SigmoidOp) { return unaryLoop(r, x, [](double v) { return 1 / (1 + std::exp(-v)); }); })
      .Case([&](g::TanhOp) { return unaryLoop(r, x, [](double v) { return std::tanh(v); }); })
      .Case([&](g::ExpOp) { return unaryLoop(r, x, [](double v) { return std::exp(v); }); })
      .Case([&](g::LogOp) { return unaryLoop(r, x, [](double v) { return std::log(v); }); })
      .Case([&](g::SqrtOp) { return unaryLoop(r, x, [](double v) { return std::sqrt(v); }); })
      .Case([&](g::NegOp) { return unaryLoop(r, x, [](double v) { return -v; }); })
      .Case([&](g::AbsOp) { return unaryLoop(r, x, [](double v) { return std::fabs(v); }); })
      .Case([&](g::NotOp) { return unaryLoop(r, x, [](double v) { return v == 0; }); })
      .Case([&](g::ErfOp) { return unaryLoop(r, x, [](double v) { return std::erf(v); }); })
#define STRATA_EVAL_LIBM_OP(Op, fn, onnx) .Case([&](g::Op) { return unaryLoop(r, x, [](double v) { return std::fn(v); }); })
      STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_EVAL_LIBM_OP)
#undef STRATA_EVAL_LIBM_OP
      .Case([&](g::FloorOp) { return unaryLoop(r, x, [](double v) { return std::floor(v); }); })
      .Case([&](g::CeilOp) { return unaryLoop(r, x, [](double v) { return std::ceil(v); }); })
      // Halves to even: nearbyint in the default rounding mode.
      .Case([&](g::RoundOp) { return unaryLoop(r, x, [](double v) { return std::nearbyint(v); }); })
      .Case([&](g::SignOp) {
        return unaryLoop(r, x, [](double v) { return std::isnan(v) ? v : (double)((v > 0) - (v < 0)); });
      })
      .Case([&](g::HardSwishOp) {
        return unaryLoop(r, x, [](double v) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); });
      })
      .Case([&](g::ClipOp c) {
        double lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
        return unaryLoop(r, x, [=](double v) { return std::min(std::max(v, lo), hi); });
      })
      .Case([&](g::HardSigmoidOp h) {
        double alpha = h.getAlpha().convertToFloat(), beta = h.getBeta().convertToFloat();
        return unaryLoop(r, x, [=](double v) { return std::max(0.0, std::min(1.0, alpha * v + beta)); });
      })
      .Default([&](Operation *) { return HostTensor(); });
}

HostTensor evalWhere(Operation *op, const HostTensor &cond, const HostTensor &x, const HostTensor &y) {
  HostTensor out = tensorFor(op->getResult(0));
  StridedWalk walk(out.shape, {broadcastStrides(cond.shape, out.shape), broadcastStrides(x.shape, out.shape),
                               broadcastStrides(y.shape, out.shape)});
  for (int64_t i = 0; i < out.numElements(); ++i, walk.next())
    out.set(i, cond.values[walk.offset(0)] != 0 ? x.values[walk.offset(1)] : y.values[walk.offset(2)]);
  return out;
}

llvm::Expected<HostTensor> evalCast(Operation *op, const HostTensor &x) {
  HostTensor out = tensorFor(op->getResult(0));
  if (x.dtype == DType::F32 && out.dtype != DType::F32 && out.dtype != DType::Bool) {
    // Float to int truncates toward zero; a float that int64 cannot hold is an error, not UB.
    // Narrower integers then wrap, as integer narrowing does.
    const double limit = 9223372036854775808.0; // 2^63
    for (int64_t i = 0; i < x.numElements(); ++i) {
      double v = std::trunc(x.values[i]);
      if (!(v >= -limit && v < limit))
        return opError(op, "cannot cast " + std::to_string(x.values[i]) + " at flat index " +
                               std::to_string(i) + " to " + dtypeName(out.dtype));
    }
  }
  for (int64_t i = 0; i < x.numElements(); ++i)
    out.set(i, x.values[i]);
  return out;
}

} // namespace strata::reference::detail
