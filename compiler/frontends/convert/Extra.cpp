//===- Extra.cpp - less common ONNX ops as decompositions into graph ops --===//
//
// Each op here is a combination of existing graph ops; its formula is written
// at its converter. What depends only on static shapes and compile-time
// operands (Trilu's mask, EyeLike, iotas, GatherElements' index offsets) is a
// constant computed here.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace strata::frontend::detail {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::requireFloat(const NodeDesc &n, Value x) {
  if (typeOf(x).getElementType().isF32())
    return llvm::Error::success();
  return fail(n, elementName(x) + " inputs are not supported (float32 only)");
}

llvm::Expected<int64_t> GraphBuilder::constantInt(const NodeDesc &n, size_t i, const char *what) {
  auto c = constantInput(n, i, what);
  if (!c)
    return c.takeError();
  if (c->numElements() != 1)
    return fail(n, std::string(what) + " must hold exactly one value");
  if (c->isFloat())
    return fail(n, std::string(what) + " must be an integer");
  return c->i(0);
}

Value GraphBuilder::scalarOf(Type elem, int64_t v) {
  if (elem.isF32())
    return scalar((double)v);
  return constant(HostTensor::ofInts(elem.isInteger(1) ? DType::Bool : DType::I64, {}, {v}));
}

Value GraphBuilder::where(Value cond, Value x, Value y) {
  auto shape = g::broadcastShapes(*g::broadcastShapes(shapeOf(cond), shapeOf(x)), shapeOf(y));
  return b.create<g::WhereOp>(loc, tensorType(*shape, typeOf(x).getElementType()), cond, x, y);
}

Value GraphBuilder::oneHotMask(const NodeDesc &n, Value idx, int64_t axis, int64_t depth) {
  std::vector<int64_t> shape(shapeOf(idx).size(), 1);
  shape[axis] = depth;
  HostTensor iota(DType::I64, shape);
  for (int64_t i = 0; i < depth; ++i)
    iota.setI(i, i);
  return emit<g::EqualOp>(n, idx, constant(iota));
}

Value GraphBuilder::lpNorm(const NodeDesc &n, Value x, ArrayRef<int64_t> axes, double p) {
  //   p = 1: sum(|x|)    p = 2: sqrt(sum(x * x))    else: sum(|x|^p)^(1/p)
  if (p == 2)
    return b.create<g::SqrtOp>(loc, reduce("ReduceSum", emit<g::MulOp>(n, x, x), axes, true));
  Value abs = b.create<g::AbsOp>(loc, x);
  if (p == 1)
    return reduce("ReduceSum", abs, axes, true);
  Value sum = reduce("ReduceSum", emit<g::PowOp>(n, abs, scalar(p)), axes, true);
  return emit<g::PowOp>(n, sum, scalar(1 / p));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertExtraActivation(const NodeDesc &n) {
  //   Celu(x)            = max(0, x) + min(0, alpha * (exp(x / alpha) - 1))   (alpha = 1)
  //   ThresholdedRelu(x) = Where(x > alpha, x, 0)                             (alpha = 1)
  //   Shrink(x)          = Where(x < -lambd, x + bias,
  //                              Where(x > lambd, x - bias, 0))   (lambd = 0.5, bias = 0)
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  Value zero = scalar(0);
  Value r;
  if (n.op == "Celu") {
    double alpha = attrFloat(n, "alpha", 1.0);
    if (alpha == 0)
      return fail(n, "alpha must not be 0");
    Value e = b.create<g::ExpOp>(loc, emit<g::DivOp>(n, x, scalar(alpha)));
    Value neg = emit<g::MulOp>(n, scalar(alpha), emit<g::SubOp>(n, e, scalar(1)));
    r = emit<g::AddOp>(n, emit<g::MaxOp>(n, x, zero), emit<g::MinOp>(n, neg, zero));
  } else if (n.op == "ThresholdedRelu") {
    r = where(emit<g::GreaterOp>(n, x, scalar(attrFloat(n, "alpha", 1.0))), x, zero);
  } else if (n.op == "Shrink") {
    double lambd = attrFloat(n, "lambd", 0.5), bias = attrFloat(n, "bias", 0.0);
    Value above = where(emit<g::GreaterOp>(n, x, scalar(lambd)), emit<g::SubOp>(n, x, scalar(bias)), zero);
    r = where(emit<g::LessOp>(n, x, scalar(-lambd)), emit<g::AddOp>(n, x, scalar(bias)), above);
  } else {
    return fail(n, "no decomposition for this op");
  }
  return define(n, 0, r);
}

llvm::Error GraphBuilder::convertIsNaNInf(const NodeDesc &n) {
  //   IsNaN(x) = Not(x == x)
  //   IsInf(x) = |x| == inf, or x == inf (detect_negative = 0), or x == -inf
  //              (detect_positive = 0); all false when both are 0
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  auto boolType = tensorType(shapeOf(x), b.getI1Type());
  if (n.op == "IsNaN")
    return define(n, 0, b.create<g::NotOp>(loc, emit<g::EqualOp>(n, x, x)));
  bool pos = attrInt(n, "detect_positive", 1) != 0, neg = attrInt(n, "detect_negative", 1) != 0;
  double inf = std::numeric_limits<double>::infinity();
  if (!pos && !neg)
    return define(n, 0, b.create<g::ExpandOp>(loc, boolType, scalarOf(b.getI1Type(), 0)));
  Value v = pos && neg ? (Value)b.create<g::AbsOp>(loc, x) : x;
  return define(n, 0, emit<g::EqualOp>(n, v, scalar(pos ? inf : -inf)));
}

llvm::Error GraphBuilder::convertMod(const NodeDesc &n) {
  // q = trunc(x / y): integer division truncates; for floats
  // trunc(q) = Where(q < 0, ceil(q), floor(q)). Then
  //   fmod = 1:  r = x - q * y                               (C's fmod: the sign of x)
  //   fmod = 0:  r + y where r != 0 and (r < 0) xor (y < 0)  (the sign of y)
  // For floats, r is exact while x / y rounds to the right integer part
  // (|x / y| well below 2^24); r = x where y is infinite (q * y would be NaN)
  // and NaN where x is infinite, and fmod = 0 (floats from opset 28) gives a
  // zero the sign of y: ONNX's special cases.
  Value x = input(n, 0), y = input(n, 1);
  bool fmod = attrInt(n, "fmod", 0) != 0;
  Type elem = typeOf(x).getElementType();
  if (elem.isInteger(1))
    return fail(n, "bool inputs are not supported (float32, int32, int64)");
  if (elem.isF32() && !fmod && model.opset < 28)
    return fail(n, "float inputs need fmod = 1 before opset 28 (the model imports opset " +
                       std::to_string(model.opset) + ")");
  auto quotient = binary<g::DivOp>(n, x, y); // checks shapes and types
  if (!quotient)
    return quotient.takeError();
  Value q = *quotient, zero = scalarOf(elem, 0);
  if (elem.isF32())
    q = where(emit<g::LessOp>(n, q, zero), b.create<g::CeilOp>(loc, q), b.create<g::FloorOp>(loc, q));
  Value r = emit<g::SubOp>(n, x, emit<g::MulOp>(n, q, y));
  auto isInf = [&](Value v) { return emit<g::EqualOp>(n, b.create<g::AbsOp>(loc, v), scalar(INFINITY)); };
  if (elem.isF32())
    r = where(isInf(y), x, r);
  if (!fmod) {
    Value signsDiffer = emit<g::XorOp>(n, emit<g::LessOp>(n, r, zero), emit<g::LessOp>(n, y, zero));
    Value nonzero = b.create<g::NotOp>(loc, emit<g::EqualOp>(n, r, zero));
    r = where(emit<g::AndOp>(n, signsDiffer, nonzero), emit<g::AddOp>(n, r, y), r);
    if (elem.isF32())
      r = where(nonzero, r, where(emit<g::LessOp>(n, y, zero), scalar(-0.0), zero));
  }
  if (elem.isF32())
    r = where(isInf(x), scalar(NAN), r);
  return define(n, 0, r);
}

//===----------------------------------------------------------------------===//
// Constant patterns: Trilu, EyeLike, OneHot, Hardmax
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertTrilu(const NodeDesc &n) {
  // Trilu(x) = Where(mask, x, 0), mask a constant [N, M] over the last two axes
  // (broadcast over the others): upper: j - i >= k; lower: j - i <= k.
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  if (shape.size() < 2)
    return fail(n, "expects an input of rank >= 2");
  int64_t k = 0;
  if (hasInput(n, 1)) {
    auto c = constantInt(n, 1, "k");
    if (!c)
      return c.takeError();
    k = *c;
  }
  bool upper = attrInt(n, "upper", 1) != 0;
  if (typeOf(x).getElementType().isInteger(1))
    return fail(n, "bool inputs are not supported (float32, int32, int64)");
  int64_t N = shape[shape.size() - 2], M = shape.back();
  if (N * M == 0)
    return fail(n, "empty inputs " + shapeStr(shape) + " are not supported");
  if (auto err = checkConstantSize(n, {N, M}))
    return err;
  HostTensor mask(DType::Bool, {N, M});
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < M; ++j)
      mask.setI(i * M + j, upper ? j - i >= k : j - i <= k);
  return define(n, 0, where(constant(mask), x, scalarOf(typeOf(x).getElementType(), 0)));
}

llvm::Error GraphBuilder::convertEyeLike(const NodeDesc &n) {
  // A constant of x's shape: 1 where j - i == k, else 0.
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  if (shape.size() != 2)
    return fail(n, "expects a 2-D input");
  int64_t k = attrInt(n, "k", 0);
  DType dtype = typeOf(x).getElementType().isF32()          ? DType::F32
                : typeOf(x).getElementType().isInteger(1) ? DType::Bool
                                                            : DType::I64;
  if (const AttrValue *a = findAttr(n, "dtype")) {
    if (a->i == 1 /*FLOAT*/)
      dtype = DType::F32;
    else if (a->i == 6 /*INT32, computed as int64*/ || a->i == 7 /*INT64*/)
      dtype = DType::I64;
    else if (a->i == 9 /*BOOL*/)
      dtype = DType::Bool;
    else
      return fail(n, "dtype " + std::to_string(a->i) +
                         " is not supported (float, int32, int64, bool)");
  }
  if (auto err = checkConstantSize(n, shape))
    return err;
  HostTensor eye(dtype, {shape[0], shape[1]});
  for (int64_t i = 0; i < shape[0]; ++i)
    if (i + k >= 0 && i + k < shape[1])
      eye.setFromInt(i * shape[1] + i + k, 1);
  return define(n, 0, constant(eye));
}

llvm::Error GraphBuilder::convertOneHot(const NodeDesc &n) {
  // With idx = indices (cast to int64) + depth where negative, and a size-1
  // axis inserted at `axis`:
  //   OneHot = Where(idx == iota(depth) along axis, values[1], values[0])
  // so indices outside [-depth, depth) give all off values.
  Value indices = input(n, 0), values = input(n, 2);
  auto depthTensor = constantInput(n, 1, "depth");
  if (!depthTensor)
    return depthTensor.takeError();
  if (depthTensor->numElements() != 1)
    return fail(n, "depth must hold exactly one value");
  // A float depth is truncated to int64, as the spec says.
  float depthF = depthTensor->isFloat() ? std::trunc(depthTensor->f(0)) : 0;
  if (depthTensor->isFloat() && !(depthF >= 1 && depthF <= (float)kMaxConstantElements))
    return fail(n, "depth " + std::to_string(depthTensor->f(0)) + " is out of range");
  int64_t depth = depthTensor->isFloat() ? (int64_t)depthF : depthTensor->i(0);
  if (depth <= 0)
    return fail(n, "depth must be positive");
  if (auto err = checkConstantSize(n, {depth}))
    return err;
  if (shapeOf(values) != ArrayRef<int64_t>{2})
    return fail(n, "values must have shape [2] (off, on)");
  Type i64 = b.getI64Type();
  if (typeOf(indices).getElementType().isInteger(1))
    return fail(n, "bool indices are not supported (numeric only)");
  if (!typeOf(indices).getElementType().isInteger(64))
    indices = b.create<g::CastOp>(loc, tensorType(shapeOf(indices), i64), indices);
  SmallVector<int64_t> shape(shapeOf(indices));
  int64_t rank = shape.size() + 1, axis = normalizeAxis(attrInt(n, "axis", -1), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  Value zero = scalarOf(i64, 0);
  Value idx = where(emit<g::LessOp>(n, indices, zero),
                    emit<g::AddOp>(n, indices, scalarOf(i64, depth)), indices);
  shape.insert(shape.begin() + axis, 1);
  Value mask = oneHotMask(n, reshape(idx, shape), axis, depth);
  Value off = reshape(sliceAxis(values, 0, 0, 1), {}), on = reshape(sliceAxis(values, 0, 1, 1), {});
  return define(n, 0, where(mask, on, off));
}

llvm::Error GraphBuilder::convertHardmax(const NodeDesc &n) {
  // Hardmax(x) = Cast<float>(ArgMax(x, axis, keepdims) == iota along axis):
  // 1 at the first maximum, 0 elsewhere. Before opset 13, over the [outer,
  // inner] view from axis on, as Softmax.
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  auto view = softmaxView(n, x);
  if (!view)
    return view.takeError();
  auto [v, axis] = *view;
  SmallVector<int64_t> argShape(shapeOf(v));
  int64_t depth = argShape[axis];
  if (auto err = checkConstantSize(n, {depth})) // oneHotMask's iota
    return err;
  argShape[axis] = 1;
  Value arg = b.create<g::ArgMaxOp>(loc, tensorType(argShape, b.getI64Type()), v,
                                    b.getI64IntegerAttr(axis), b.getBoolAttr(true), b.getBoolAttr(false));
  Value mask = oneHotMask(n, arg, axis, depth);
  Value r = b.create<g::CastOp>(loc, f32Tensor(shapeOf(mask)), mask);
  return define(n, 0, reshape(r, shapeOf(x)));
}

//===----------------------------------------------------------------------===//
// Scans and indexing
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertCumSum(const NodeDesc &n) {
  // A scan by doubling (Hillis-Steele): with shift(v, s)[i] = v[i - s] (0 for
  // i < s, a concat of zeros and a slice), ceil(log2(len)) steps of
  //   y = y + shift(y, s),  s = 1, 2, 4, ...
  // turn y = x into the inclusive sum along the axis. exclusive starts from
  // shift(x, 1); reverse reverses the axis before and after (a slice with step -1).
  Value x = input(n, 0);
  Type elem = typeOf(x).getElementType();
  if (elem.isInteger(1))
    return fail(n, "bool inputs are not supported (float32, int32, int64)");
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  auto axisIn = constantInt(n, 1, "axis");
  if (!axisIn)
    return axisIn.takeError();
  int64_t axis = normalizeAxis(*axisIn, rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  bool exclusive = attrInt(n, "exclusive", 0) != 0, reverse = attrInt(n, "reverse", 0) != 0;
  int64_t len = shape[axis];
  if (len == 0)
    return fail(n, "empty inputs " + shapeStr(shape) + " are not supported");
  auto shift = [&](Value v, int64_t s) -> Value {
    SmallVector<int64_t> zerosShape(shape);
    zerosShape[axis] = std::min(s, len);
    Value zeros = b.create<g::ExpandOp>(loc, tensorType(zerosShape, elem), scalarOf(elem, 0));
    if (s >= len)
      return zeros;
    return b.create<g::ConcatOp>(loc, typeOf(v), ValueRange{zeros, sliceAxis(v, axis, 0, len - s)},
                                 b.getI64IntegerAttr(axis));
  };
  auto reversed = [&](Value v) { return sliceAxis(v, axis, len - 1, len, -1); };
  Value y = reverse ? reversed(x) : x;
  if (exclusive)
    y = shift(y, 1);
  for (int64_t s = 1; s < len; s *= 2)
    y = emit<g::AddOp>(n, y, shift(y, s));
  return define(n, 0, reverse ? reversed(y) : y);
}

llvm::Error GraphBuilder::convertGatherElements(const NodeDesc &n) {
  // out[i] = data[i with i_axis replaced by idx[i]], idx = indices + dim where
  // negative. As a gather from the flattened data:
  //   out = Gather(flat data, idx * stride[axis] + sum over d != axis of i_d * stride[d])
  // where the sum, a function of position only, is a constant of the indices' shape.
  Value data = input(n, 0), indices = input(n, 1);
  auto shape = shapeOf(data), is = shapeOf(indices);
  int64_t rank = shape.size(), axis = normalizeAxis(attrInt(n, "axis", 0), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  if (!typeOf(indices).getElementType().isInteger(64))
    return fail(n, "indices must be int32 or int64");
  bool fits = (int64_t)is.size() == rank;
  for (int64_t d = 0; fits && d < rank; ++d)
    fits = d == axis || is[d] <= shape[d];
  if (!fits)
    return fail(n, "indices " + shapeStr(is) + " do not fit data " + shapeStr(shape) +
                       " outside axis " + std::to_string(axis));
  if (auto err = checkConstantIndices(n, indices, shape[axis], "axis " + std::to_string(axis)))
    return err;
  if (auto err = checkConstantSize(n, is))
    return err;
  auto strides = rowMajorStrides(shape);
  HostTensor offsets(DType::I64, std::vector<int64_t>(is.begin(), is.end()));
  for (int64_t i = 0; i < offsets.numElements(); ++i) {
    int64_t rest = i, offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d != axis)
        offset += (rest % is[d]) * strides[d];
      rest /= is[d];
    }
    offsets.setI(i, offset);
  }
  Type i64 = b.getI64Type();
  Value idx = where(emit<g::LessOp>(n, indices, scalarOf(i64, 0)),
                    emit<g::AddOp>(n, indices, scalarOf(i64, shape[axis])), indices);
  Value flat = emit<g::AddOp>(n, emit<g::MulOp>(n, idx, scalarOf(i64, strides[axis])),
                              constant(offsets));
  Value flatData = reshape(data, {product(shape)});
  return define(n, 0, b.create<g::GatherOp>(loc, tensorType(is, typeOf(data).getElementType()),
                                            flatData, flat, b.getI64IntegerAttr(0)));
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertMeanVarianceNorm(const NodeDesc &n) {
  // Over axes (default [0, 2, 3]), as ONNX's function body:
  //   Y = (X - mean(X)) / (sqrt(var(X)) + 1e-9)
  // with the biased variance computed as mean((X - mean)^2) (the body's
  // E[X^2] - E[X]^2, with less cancellation).
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  int64_t rank = shapeOf(x).size();
  std::set<int64_t> sorted;
  for (int64_t a : attrInts(n, "axes", {0, 2, 3})) {
    int64_t na = normalizeAxis(a, rank);
    if (na < 0 || na >= rank)
      return fail(n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    sorted.insert(na);
  }
  SmallVector<int64_t> axes(sorted.begin(), sorted.end());
  Value centered = emit<g::SubOp>(n, x, reduce("ReduceMean", x, axes, true));
  Value var = reduce("ReduceMean", emit<g::MulOp>(n, centered, centered), axes, true);
  Value denom = emit<g::AddOp>(n, b.create<g::SqrtOp>(loc, var), scalar(1e-9));
  return define(n, 0, emit<g::DivOp>(n, centered, denom));
}

llvm::Error GraphBuilder::convertLpNorm(const NodeDesc &n) {
  //   LpNormalization(x) = Where(norm == 0, 0, x / norm), norm = lpNorm(x over axis)
  //                        (p = 1 or 2; no epsilon; 0 for a zero norm, as ONNX's reference)
  //   GlobalLpPool(x)    = lpNorm(x over the spatial axes 2...)
  // lpNorm as lpNorm() above.
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  int64_t rank = shapeOf(x).size();
  double p = attrFloat(n, "p", 2);
  if (n.op == "LpNormalization") {
    int64_t axis = normalizeAxis(attrInt(n, "axis", -1), rank);
    if (axis < 0 || axis >= rank)
      return fail(n, "axis is out of range for rank " + std::to_string(rank));
    if (p != 1 && p != 2) // an int attribute here
      return fail(n, "p = " + std::to_string((int64_t)p) + " is not supported (1 or 2)");
    Value norm = lpNorm(n, x, {axis}, p);
    Value zero = emit<g::EqualOp>(n, norm, scalar(0));
    return define(n, 0, where(zero, scalar(0), emit<g::DivOp>(n, x, norm)));
  }
  if (rank < 3)
    return fail(n, "expects an input of rank >= 3 (N, C, spatial...)");
  if (!(p > 0))
    return fail(n, "p must be positive");
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  return define(n, 0, lpNorm(n, x, axes, p));
}

} // namespace strata::frontend::detail
