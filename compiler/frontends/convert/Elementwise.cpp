//===- Elementwise.cpp - elementwise ONNX ops -> graph dialect ------------ ===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <cmath>
#include <limits>

namespace strata::frontend::detail {

std::string GraphBuilder::elementName(Value v) {
  Type elem = typeOf(v).getElementType();
  return elem.isF32() ? "float32" : elem.isInteger(1) ? "bool" : elem.isInteger(32) ? "int32" : "int64";
}

llvm::Error GraphBuilder::convertWhere(const NodeDesc &n) {
  Value cond = input(n, 0), x = input(n, 1), y = input(n, 2);
  if (!typeOf(cond).getElementType().isInteger(1))
    return fail(n, "the condition is " + elementName(cond) + ", it must be bool");
  if (typeOf(x).getElementType() != typeOf(y).getElementType())
    return fail(n, "X and Y have different element types (" + elementName(x) + ", " + elementName(y) + ")");
  auto shape = g::broadcastShapes(shapeOf(cond), shapeOf(x));
  if (shape)
    shape = g::broadcastShapes(*shape, shapeOf(y));
  if (!shape)
    return fail(n, "operand shapes " + shapeStr(shapeOf(cond)) + ", " + shapeStr(shapeOf(x)) + " and " +
                       shapeStr(shapeOf(y)) + " do not broadcast");
  return define(n, 0, b.create<g::WhereOp>(loc, tensorType(*shape, typeOf(x).getElementType()), cond, x, y));
}

llvm::Expected<Value> GraphBuilder::legacyBroadcast(const NodeDesc &n, Value a, Value bv) {
  auto as = shapeOf(a), bs = shapeOf(bv);
  std::string opset = " (the model imports opset " + std::to_string(model.opset) + ")";
  if (attrInt(n, "broadcast", 0) == 0) {
    if (as != bs)
      return fail(n, "operand shapes " + shapeStr(as) + " and " + shapeStr(bs) +
                         " differ, and before opset 7 operands broadcast only with attribute broadcast = 1" +
                         opset);
    return bv;
  }
  int64_t ra = as.size(), rb = bs.size();
  int64_t axis = attrInt(n, "axis", ra - rb);
  if (product(bs) == 1)
    return reshape(bv, SmallVector<int64_t>(std::min(ra, rb), 1));
  axis = normalizeAxis(axis, ra);
  bool fits = axis >= 0 && axis + rb <= ra;
  for (int64_t d = 0; fits && d < rb; ++d)
    fits = bs[d] == as[axis + d] || bs[d] == 1;
  if (!fits)
    return fail(n, "B " + shapeStr(bs) + " does not match the dimensions of A " + shapeStr(as) + " from axis " +
                       std::to_string(axis) + ", as broadcast = 1 needs before opset 7" + opset);
  SmallVector<int64_t> shape(ra, 1);
  std::copy(bs.begin(), bs.end(), shape.begin() + axis);
  return reshape(bv, shape);
}

llvm::Error GraphBuilder::convertVariadic(const NodeDesc &n) {
  Value acc = input(n, 0);
  Value v = acc;
  for (size_t i = 1; i < n.inputs.size(); ++i) {
    Value next = input(n, i);
    auto r = n.op == "Max"   ? binary<g::MaxOp>(n, v, next)
             : n.op == "Min" ? binary<g::MinOp>(n, v, next)
                             : binary<g::AddOp>(n, v, next);
    if (!r)
      return r.takeError();
    v = *r;
  }
  return define(n, 0, v);
}

llvm::Error GraphBuilder::convertClip(const NodeDesc &n) {
  Value x = input(n, 0);
  float inf = std::numeric_limits<float>::infinity();
  if (model.opset < 11) {
    float lo = attrFloat(n, "min", -inf), hi = attrFloat(n, "max", inf);
    return define(n, 0, b.create<g::ClipOp>(loc, x, b.getF32FloatAttr(std::min(lo, hi)), b.getF32FloatAttr(hi)));
  }
  std::optional<HostTensor> bounds[2]; // min, max where given
  for (size_t i : {1, 2}) {
    if (!hasInput(n, i))
      continue;
    auto c = constantInput(n, i, i == 1 ? "min" : "max");
    if (!c)
      return c.takeError();
    if (c->numElements() != 1)
      return fail(n, "min and max must be scalars");
    if (c->isFloat() != typeOf(x).getElementType().isF32())
      return fail(n, "min and max must have the input's element type");
    bounds[i - 1] = std::move(*c);
  }
  if (typeOf(x).getElementType().isF32()) {
    float lo = bounds[0] ? bounds[0]->f(0) : -inf, hi = bounds[1] ? bounds[1]->f(0) : inf;
    // ONNX: with min > max every value becomes max.
    return define(n, 0, b.create<g::ClipOp>(loc, x, b.getF32FloatAttr(std::min(lo, hi)), b.getF32FloatAttr(hi)));
  }
  // Integers: max then min with the (exact) integer bounds that are given (min > max gives max).
  Value v = x;
  for (auto [bound, isMin] : {std::pair{&bounds[0], true}, std::pair{&bounds[1], false}}) {
    if (!*bound)
      continue;
    Value c = constant(**bound);
    auto r = isMin ? binary<g::MaxOp>(n, v, c) : binary<g::MinOp>(n, v, c);
    if (!r)
      return r.takeError();
    v = *r;
  }
  return define(n, 0, v);
}

llvm::Error GraphBuilder::convertHardSigmoid(const NodeDesc &n) {
  Value x = input(n, 0);
  return define(n, 0,
                b.create<g::HardSigmoidOp>(loc, x, b.getF32FloatAttr(attrFloat(n, "alpha", 0.2)),
                                           b.getF32FloatAttr(attrFloat(n, "beta", 0.5))));
}


Value GraphBuilder::scalar(double v) {
  return constant(HostTensor::ofFloats({}, {(float)v}));
}

// Decompositions. Each is exact in real arithmetic and matches ONNX's
// definition; the pieces fuse back into one elementwise kernel:
//   Reciprocal(x)   = 1 / x
//   Softsign(x)     = x / (1 + |x|)
//   Softplus(x)     = log(exp(x) + 1)
//   LeakyRelu(x)    = max(x, 0) + alpha * min(x, 0)        (alpha = 0.01)
//   PRelu(x, s)     = max(x, 0) + s * min(x, 0)            (s broadcasts to x; [C] is
//                                                          per channel before opset 7)
//   Elu(x)          = max(x, 0) + alpha * (exp(min(x, 0)) - 1)
//   Selu(x)         = gamma * Elu_alpha(x)
//   Mean(x1..xn)    = (x1 + ... + xn) / n
llvm::Error GraphBuilder::convertDecomposed(const NodeDesc &n) {
  Value x = input(n, 0);
  if (!typeOf(x).getElementType().isF32())
    return fail(n, "expects float32 inputs; other element types are not supported yet");
  // Operands below are x-shaped or scalars (checked for PRelu), so broadcasting cannot fail.
  auto op = [&](auto tag, Value a, Value b) -> Value {
    using OpT = decltype(tag);
    return llvm::cantFail(binary<OpT>(n, a, b));
  };
  auto positivePart = [&] { return op(g::MaxOp(), x, scalar(0)); };
  auto negativePart = [&] { return op(g::MinOp(), x, scalar(0)); };
  auto elu = [&](double alpha) {
    Value e = b.create<g::ExpOp>(loc, negativePart());
    return op(g::AddOp(), positivePart(), op(g::MulOp(), scalar(alpha), op(g::SubOp(), e, scalar(1))));
  };
  Value r;
  if (n.op == "Reciprocal") {
    r = op(g::DivOp(), scalar(1), x);
  } else if (n.op == "Softsign") {
    r = op(g::DivOp(), x, op(g::AddOp(), scalar(1), b.create<g::AbsOp>(loc, x)));
  } else if (n.op == "Softplus") {
    r = b.create<g::LogOp>(loc, op(g::AddOp(), b.create<g::ExpOp>(loc, x), scalar(1)));
  } else if (n.op == "LeakyRelu") {
    r = op(g::AddOp(), positivePart(),
           op(g::MulOp(), scalar(attrFloat(n, "alpha", 0.01)), negativePart()));
  } else if (n.op == "PRelu") {
    Value slope = input(n, 1);
    // Before opset 7 the slope is one value or one per channel (axis 1), as
    // older PyTorch exporters write it: [C] becomes [C, 1, ..., 1].
    bool legacy = model.opset < 7;
    int64_t rank = shapeOf(x).size();
    if (legacy) {
      bool perChannel = rank >= 2 && shapeOf(slope).size() == 1 && shapeOf(slope)[0] == shapeOf(x)[1];
      if (!perChannel && product(shapeOf(slope)) != 1)
        return fail(n, "slope " + shapeStr(shapeOf(slope)) + " is neither one value nor one per channel of X " +
                           shapeStr(shapeOf(x)) + ", as PRelu needs before opset 7 (the model imports opset " +
                           std::to_string(model.opset) + ")");
      SmallVector<int64_t> shape(std::max<int64_t>(rank - 1, 0), 1);
      if (perChannel)
        shape[0] = shapeOf(x)[1];
      slope = reshape(slope, shape);
    }
    auto shape = g::broadcastShapes(shapeOf(x), shapeOf(slope));
    if (!shape || ArrayRef<int64_t>(*shape) != shapeOf(x) ||
        typeOf(slope).getElementType() != typeOf(x).getElementType())
      return fail(n, "slope " + shapeStr(shapeOf(slope)) + " does not broadcast to X " +
                         shapeStr(shapeOf(x)));
    r = op(g::AddOp(), positivePart(), op(g::MulOp(), slope, negativePart()));
  } else if (n.op == "Elu") {
    r = elu(attrFloat(n, "alpha", 1.0));
  } else if (n.op == "Selu") {
    r = op(g::MulOp(), scalar(attrFloat(n, "gamma", 1.0507009873554804934193349852946)),
           elu(attrFloat(n, "alpha", 1.6732632423543772848170429916717)));
  } else if (n.op == "Mean") {
    Value sum = x;
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      auto next = binary<g::AddOp>(n, sum, input(n, i));
      if (!next)
        return next.takeError();
      sum = *next;
    }
    r = op(g::DivOp(), sum, scalar((double)n.inputs.size()));
  } else {
    return fail(n, "no decomposition for this op");
  }
  return define(n, 0, r);
}

} // namespace strata::frontend::detail
