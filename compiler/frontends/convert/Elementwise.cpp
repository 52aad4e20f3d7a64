//===- Elementwise.cpp - elementwise ONNX ops -> graph dialect ------------ ===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <limits>

namespace strata::frontend::detail {

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
  double lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (model.opset < 11) {
    lo = attrFloat(n, "min", lo);
    hi = attrFloat(n, "max", hi);
  } else {
    for (size_t i : {1, 2}) {
      if (!hasInput(n, i))
        continue;
      auto c = constantInput(n, i, i == 1 ? "min" : "max");
      if (!c)
        return c.takeError();
      if (c->numElements() != 1)
        return fail(n, "min and max must be scalars");
      (i == 1 ? lo : hi) = c->values[0];
    }
  }
  return define(n, 0, b.create<g::ClipOp>(loc, x, b.getF32FloatAttr(lo), b.getF32FloatAttr(hi)));
}

llvm::Error GraphBuilder::convertHardSigmoid(const NodeDesc &n) {
  Value x = input(n, 0);
  return define(n, 0,
                b.create<g::HardSigmoidOp>(loc, x, b.getF32FloatAttr(attrFloat(n, "alpha", 0.2)),
                                           b.getF32FloatAttr(attrFloat(n, "beta", 0.5))));
}


} // namespace strata::frontend::detail
