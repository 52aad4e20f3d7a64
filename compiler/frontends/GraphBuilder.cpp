//===- GraphBuilder.cpp - ONNX-style nodes -> graph dialect ---------------===//
//
// One converter per ONNX op type. Converters compute result shapes
// themselves (shapes are static) and read compile-time operands (Reshape's
// shape, Slice's starts, Clip's bounds) through constantValue(), which
// evaluates constant subgraphs with the reference interpreter — that is how
// Shape -> Slice -> Concat -> Reshape chains resolve at import.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/GraphBuilder.h"

#include "compiler/reference/Interpreter.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <limits>
#include <numeric>
#include <set>

using namespace mlir;
namespace g = strata::graph;

namespace strata::frontend {
namespace {

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

class GraphBuilder {
public:
  GraphBuilder(const ModelDesc &model, MLIRContext &ctx, const ImportOptions &options)
      : model(model), ctx(ctx), options(options), b(&ctx) {}

  llvm::Expected<OwningOpRef<ModuleOp>> build();

  using Converter = std::function<llvm::Error(GraphBuilder &, const NodeDesc &)>;
  static const std::map<std::string, Converter> &converters();

private:
  // --- errors -------------------------------------------------------------
  llvm::Error fail(const std::string &msg) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), model.path + ": " + msg);
  }
  llvm::Error fail(const NodeDesc &n, const std::string &msg) const {
    return fail("node '" + n.name + "' (" + n.op + "): " + msg);
  }

  // --- attributes -----------------------------------------------------------
  int64_t attrInt(const NodeDesc &n, const std::string &key, int64_t dflt) const {
    auto it = n.attrs.find(key);
    return it == n.attrs.end() ? dflt : it->second.i;
  }
  double attrFloat(const NodeDesc &n, const std::string &key, double dflt) const {
    auto it = n.attrs.find(key);
    if (it == n.attrs.end())
      return dflt;
    return it->second.kind == AttrValue::Kind::Int ? (double)it->second.i : it->second.f;
  }
  std::vector<int64_t> attrInts(const NodeDesc &n, const std::string &key,
                                std::vector<int64_t> dflt) const {
    auto it = n.attrs.find(key);
    return it == n.attrs.end() ? dflt : it->second.ints;
  }
  std::string attrString(const NodeDesc &n, const std::string &key, std::string dflt) const {
    auto it = n.attrs.find(key);
    return it == n.attrs.end() ? dflt : it->second.s;
  }

  // --- values ---------------------------------------------------------------
  bool hasInput(const NodeDesc &n, size_t i) const {
    return i < n.inputs.size() && !n.inputs[i].empty();
  }
  /// Input i, or a null Value when it is omitted. (build() has checked that every
  /// named input is defined and that required inputs are present.)
  Value input(const NodeDesc &n, size_t i) const {
    return hasInput(n, i) ? values.at(n.inputs[i]) : Value();
  }
  /// The value of a compile-time operand, or an error naming what is missing.
  llvm::Expected<HostTensor> constantInput(const NodeDesc &n, size_t i, const char *what);
  std::optional<HostTensor> constantValue(Value v);
  llvm::Error define(const NodeDesc &n, size_t i, Value v) {
    if (i >= n.outputs.size())
      return fail(n, "expected at least " + std::to_string(i + 1) + " outputs");
    values[n.outputs[i]] = v;
    return llvm::Error::success();
  }

  static RankedTensorType typeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }
  static ArrayRef<int64_t> shapeOf(Value v) { return typeOf(v).getShape(); }
  RankedTensorType tensorType(ArrayRef<int64_t> shape, Type elem) {
    return RankedTensorType::get(shape, elem);
  }
  RankedTensorType f32Tensor(ArrayRef<int64_t> shape) { return tensorType(shape, b.getF32Type()); }

  // --- emitters -------------------------------------------------------------
  Value constant(const HostTensor &t);
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    if (shapeOf(v) == shape)
      return v;
    return b.create<g::ReshapeOp>(loc, tensorType(shape, typeOf(v).getElementType()), v);
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(shapeOf(v)[p]);
    return b.create<g::TransposeOp>(loc, tensorType(shape, typeOf(v).getElementType()), v,
                                    b.getDenseI64ArrayAttr(perm));
  }
  template <typename OpT> llvm::Expected<Value> binary(const NodeDesc &n, Value lhs, Value rhs) {
    auto shape = g::broadcastShapes(shapeOf(lhs), shapeOf(rhs));
    if (!shape)
      return fail(n, "operand shapes " + shapeStr(shapeOf(lhs)) + " and " +
                         shapeStr(shapeOf(rhs)) + " do not broadcast");
    if (typeOf(lhs).getElementType() != typeOf(rhs).getElementType())
      return fail(n, "operands have different element types");
    return b.create<OpT>(loc, tensorType(*shape, typeOf(lhs).getElementType()), lhs, rhs)
        .getResult();
  }
  int64_t normalizeAxis(int64_t axis, int64_t rank) const { return axis < 0 ? axis + rank : axis; }

  // --- converters -------------------------------------------------------------
  template <typename OpT> llvm::Error convertBinary(const NodeDesc &n);
  template <typename OpT> llvm::Error convertUnary(const NodeDesc &n);
  llvm::Error convertVariadic(const NodeDesc &n); // Max, Min, Sum
  llvm::Error convertClip(const NodeDesc &n);
  llvm::Error convertHardSigmoid(const NodeDesc &n);
  llvm::Error convertConv(const NodeDesc &n);
  llvm::Error convertBatchNorm(const NodeDesc &n);
  llvm::Error convertPool(const NodeDesc &n);
  llvm::Error convertGlobalPool(const NodeDesc &n);
  llvm::Error convertMatMul(const NodeDesc &n);
  llvm::Error convertGemm(const NodeDesc &n);
  llvm::Error convertSoftmax(const NodeDesc &n);
  llvm::Error convertReduce(const NodeDesc &n);
  llvm::Error convertReshape(const NodeDesc &n);
  llvm::Error convertFlatten(const NodeDesc &n);
  llvm::Error convertSqueeze(const NodeDesc &n, bool unsqueeze);
  llvm::Error convertTranspose(const NodeDesc &n);
  llvm::Error convertConcat(const NodeDesc &n);
  llvm::Error convertSlice(const NodeDesc &n);
  llvm::Error convertShape(const NodeDesc &n);
  llvm::Error convertCast(const NodeDesc &n);
  llvm::Error convertConstant(const NodeDesc &n);
  llvm::Error convertIdentity(const NodeDesc &n);

  /// Spatial window attributes shared by Conv and the pools.
  struct Window {
    SmallVector<int64_t> kernel, strides, pads, dilations;
  };
  llvm::Expected<Window> window(const NodeDesc &n, ArrayRef<int64_t> inShape,
                                ArrayRef<int64_t> kernel);

  llvm::Error checkSupported();
  llvm::Error checkInputs(const NodeDesc &n) const;
  llvm::Expected<SmallVector<Type>> inputTypes();

  const ModelDesc &model;
  MLIRContext &ctx;
  const ImportOptions &options;
  OpBuilder b;
  Location loc = UnknownLoc::get(&ctx);
  std::map<std::string, Value> values;
  llvm::DenseMap<Value, HostTensor> constantCache;
};

//===----------------------------------------------------------------------===//
// Compile-time values
//===----------------------------------------------------------------------===//

Value GraphBuilder::constant(const HostTensor &t) {
  Type elem = t.dtype == DType::F32 ? (Type)b.getF32Type() : (Type)b.getI64Type();
  auto type = tensorType(t.shape, elem);
  Value v = b.create<g::ConstantOp>(loc, reference::toAttr(t, type));
  constantCache[v] = t;
  return v;
}

std::optional<HostTensor> GraphBuilder::constantValue(Value v) {
  auto cached = constantCache.find(v);
  if (cached != constantCache.end())
    return cached->second;
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt; // a function argument
  std::vector<HostTensor> operands;
  if (!llvm::isa<g::ShapeOp>(op)) // shape only reads the static type
    for (Value operand : op->getOperands()) {
      auto c = constantValue(operand);
      if (!c)
        return std::nullopt;
      operands.push_back(std::move(*c));
    }
  else
    operands.push_back(HostTensor(DType::F32, {0})); // placeholder, never read
  auto results = reference::evaluateOp(op, operands);
  if (!results) {
    llvm::consumeError(results.takeError());
    return std::nullopt;
  }
  for (auto [res, t] : llvm::zip(op->getResults(), *results))
    constantCache[res] = t;
  return constantCache[v];
}

llvm::Expected<HostTensor> GraphBuilder::constantInput(const NodeDesc &n, size_t i,
                                                       const char *what) {
  auto c = constantValue(input(n, i));
  if (!c)
    return fail(n, std::string(what) + " (input '" + n.inputs[i] +
                       "') must be a compile-time constant");
  return *c;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename OpT> llvm::Error GraphBuilder::convertBinary(const NodeDesc &n) {
  Value lhs = input(n, 0), rhs = input(n, 1);
  Value r = rhs;
  // Pow may raise floats to integer exponents.
  if (typeOf(lhs).getElementType() != typeOf(r).getElementType() && std::is_same_v<OpT, g::PowOp>)
    r = b.create<g::CastOp>(loc, tensorType(shapeOf(r), typeOf(lhs).getElementType()), r);
  auto v = binary<OpT>(n, lhs, r);
  if (!v)
    return v.takeError();
  return define(n, 0, *v);
}

template <typename OpT> llvm::Error GraphBuilder::convertUnary(const NodeDesc &n) {
  Value x = input(n, 0);
  if (!typeOf(x).getElementType().isF32())
    return fail(n, "expects a float32 input");
  return define(n, 0, b.create<OpT>(loc, x));
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

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

llvm::Expected<GraphBuilder::Window> GraphBuilder::window(const NodeDesc &n,
                                                          ArrayRef<int64_t> inShape,
                                                          ArrayRef<int64_t> kernel) {
  if (inShape.size() != 4)
    return fail(n, "windows over other than 2 spatial dimensions are not supported yet (input " +
                       shapeStr(inShape) + ")");
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  if (w.kernel.size() != 2)
    return fail(n, "kernel_shape must have 2 entries");
  auto strides = attrInts(n, "strides", {1, 1});
  auto dilations = attrInts(n, "dilations", {1, 1});
  auto pads = attrInts(n, "pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return fail(n, "strides and dilations need 2 entries and pads 4");
  w.strides.assign(strides.begin(), strides.end());
  w.dilations.assign(dilations.begin(), dilations.end());
  std::string autoPad = attrString(n, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int i = 0; i < 2; ++i) {
      int64_t in = inShape[2 + i], out = (in + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[i] + w.dilations[i] * (w.kernel[i] - 1) + 1 - in);
      int64_t small = total / 2, large = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : large;
      pads[i + 2] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (autoPad != "NOTSET") {
    return fail(n, "unknown auto_pad '" + autoPad + "'");
  }
  // ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right].
  w.pads.assign(pads.begin(), pads.end());
  return w;
}

llvm::Error GraphBuilder::convertConv(const NodeDesc &n) {
  Value x = input(n, 0), w = input(n, 1);
  auto wShape = shapeOf(w);
  if (wShape.size() != 4)
    return fail(n, "convolutions over other than 2 spatial dimensions are not supported yet (filter " + shapeStr(wShape) + ")");
  auto kernel = attrInts(n, "kernel_shape", {wShape[2], wShape[3]});
  auto win = window(n, shapeOf(x), kernel);
  if (!win)
    return win.takeError();
  int64_t groups = attrInt(n, "group", 1);
  Value bias;
  if (hasInput(n, 2)) {
    Value bv = input(n, 2);
    bias = bv;
  }
  auto in = shapeOf(x);
  SmallVector<int64_t> out{in[0], wShape[0]};
  for (int i = 0; i < 2; ++i)
    out.push_back(g::windowOutputSize(in[2 + i], wShape[2 + i], win->strides[i], win->pads[i],
                                      win->pads[i + 2], win->dilations[i], false));
  auto conv = b.create<g::Conv2DOp>(loc, f32Tensor(out), x, w, bias,
                                    b.getDenseI64ArrayAttr(win->strides),
                                    b.getDenseI64ArrayAttr(win->pads),
                                    b.getDenseI64ArrayAttr(win->dilations),
                                    b.getI64IntegerAttr(groups));
  return define(n, 0, conv);
}

llvm::Error GraphBuilder::convertBatchNorm(const NodeDesc &n) {
  if (n.outputs.size() > 1)
    return fail(n, "training mode (extra outputs) is not supported");
  SmallVector<Value> ops;
  for (size_t i = 0; i < 5; ++i) {
    Value v = input(n, i);
    ops.push_back(v);
  }
  return define(n, 0,
                b.create<g::BatchNormOp>(loc, typeOf(ops[0]), ops[0], ops[1], ops[2], ops[3],
                                         ops[4], b.getF32FloatAttr(attrFloat(n, "epsilon", 1e-5))));
}

llvm::Error GraphBuilder::convertPool(const NodeDesc &n) {
  Value x = input(n, 0);
  if (n.outputs.size() > 1)
    return fail(n, "the Indices output is not supported");
  if (attrInt(n, "storage_order", 0) != 0)
    return fail(n, "storage_order = 1 is not supported");
  bool ceil = attrInt(n, "ceil_mode", 0) != 0;
  auto win = window(n, shapeOf(x), attrInts(n, "kernel_shape", {}));
  if (!win)
    return win.takeError();
  auto in = shapeOf(x);
  SmallVector<int64_t> out{in[0], in[1]};
  for (int i = 0; i < 2; ++i)
    out.push_back(g::windowOutputSize(in[2 + i], win->kernel[i], win->strides[i], win->pads[i],
                                      win->pads[i + 2], win->dilations[i], ceil));
  auto kernel = b.getDenseI64ArrayAttr(win->kernel), strides = b.getDenseI64ArrayAttr(win->strides),
       pads = b.getDenseI64ArrayAttr(win->pads), dil = b.getDenseI64ArrayAttr(win->dilations);
  Value r;
  if (n.op == "MaxPool")
    r = b.create<g::MaxPoolOp>(loc, f32Tensor(out), x, kernel, strides, pads, dil,
                               b.getBoolAttr(ceil));
  else
    r = b.create<g::AvgPoolOp>(loc, f32Tensor(out), x, kernel, strides, pads, dil,
                               b.getBoolAttr(ceil),
                               b.getBoolAttr(attrInt(n, "count_include_pad", 0) != 0));
  return define(n, 0, r);
}

llvm::Error GraphBuilder::convertGlobalPool(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  if (in.size() < 3)
    return fail(n, "expects an input of rank >= 3 (N, C, spatial...)");
  SmallVector<int64_t> axes, out{in[0], in[1]};
  for (int64_t d = 2; d < (int64_t)in.size(); ++d) {
    axes.push_back(d);
    out.push_back(1);
  }
  auto axesAttr = b.getDenseI64ArrayAttr(axes);
  Value r = n.op == "GlobalAveragePool"
                ? (Value)b.create<g::ReduceMeanOp>(loc, f32Tensor(out), x, axesAttr, b.getBoolAttr(true))
                : (Value)b.create<g::ReduceMaxOp>(loc, f32Tensor(out), x, axesAttr, b.getBoolAttr(true));
  return define(n, 0, r);
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertMatMul(const NodeDesc &n) {
  Value a = input(n, 0), bb = input(n, 1);
  Value lhs = a, rhs = bb;
  // numpy semantics: a 1-D lhs is a row vector, a 1-D rhs a column vector,
  // and the added dimension is dropped from the result.
  bool vecL = shapeOf(lhs).size() == 1, vecR = shapeOf(rhs).size() == 1;
  if (vecL)
    lhs = reshape(lhs, {1, shapeOf(lhs)[0]});
  if (vecR)
    rhs = reshape(rhs, {shapeOf(rhs)[0], 1});
  auto ls = shapeOf(lhs), rs = shapeOf(rhs);
  if (ls[ls.size() - 1] != rs[rs.size() - 2])
    return fail(n, "cannot multiply " + shapeStr(shapeOf(a)) + " by " + shapeStr(shapeOf(bb)));
  auto batch = g::broadcastShapes(ls.drop_back(2), rs.drop_back(2));
  if (!batch)
    return fail(n, "batch dimensions of " + shapeStr(ls) + " and " + shapeStr(rs) +
                       " do not broadcast");
  SmallVector<int64_t> out(*batch);
  out.push_back(ls[ls.size() - 2]);
  out.push_back(rs[rs.size() - 1]);
  Value r = b.create<g::MatMulOp>(loc, f32Tensor(out), lhs, rhs);
  SmallVector<int64_t> final(*batch);
  if (!vecL)
    final.push_back(out[out.size() - 2]);
  if (!vecR)
    final.push_back(out.back());
  return define(n, 0, reshape(r, final));
}

llvm::Error GraphBuilder::convertGemm(const NodeDesc &n) {
  Value a = input(n, 0), bb = input(n, 1);
  Value lhs = a, rhs = bb;
  if (shapeOf(lhs).size() != 2 || shapeOf(rhs).size() != 2)
    return fail(n, "A and B must be 2-D");
  if (attrInt(n, "transA", 0))
    lhs = transpose(lhs, {1, 0});
  if (attrInt(n, "transB", 0))
    rhs = transpose(rhs, {1, 0});
  if (shapeOf(lhs)[1] != shapeOf(rhs)[0])
    return fail(n, "cannot multiply " + shapeStr(shapeOf(lhs)) + " by " + shapeStr(shapeOf(rhs)));
  Value r = b.create<g::MatMulOp>(loc, f32Tensor({shapeOf(lhs)[0], shapeOf(rhs)[1]}), lhs, rhs);
  auto scaled = [&](Value v, double s) -> llvm::Expected<Value> {
    if (s == 1.0)
      return v;
    HostTensor t(DType::F32, {});
    t.set(0, s);
    return binary<g::MulOp>(n, v, constant(t));
  };
  auto ab = scaled(r, attrFloat(n, "alpha", 1.0));
  if (!ab)
    return ab.takeError();
  r = *ab;
  if (hasInput(n, 2)) {
    Value c = input(n, 2);
    auto cs = scaled(c, attrFloat(n, "beta", 1.0));
    if (!cs)
      return cs.takeError();
    auto sum = binary<g::AddOp>(n, r, *cs);
    if (!sum)
      return sum.takeError();
    if (shapeOf(*sum) != shapeOf(r))
      return fail(n, "C " + shapeStr(shapeOf(c)) + " does not broadcast to " + shapeStr(shapeOf(r)));
    r = *sum;
  }
  return define(n, 0, r);
}

//===----------------------------------------------------------------------===//
// Softmax and reductions
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertSoftmax(const NodeDesc &n) {
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  int64_t axis = normalizeAxis(attrInt(n, "axis", model.opset < 13 ? 1 : -1), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  if (model.opset >= 13 || axis == rank - 1)
    return define(n, 0, b.create<g::SoftmaxOp>(loc, x, b.getI64IntegerAttr(axis)));
  // Before opset 13, softmax normalizes over all dimensions from axis on.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= shape[d];
  Value flat = reshape(x, {outer, inner});
  Value s = b.create<g::SoftmaxOp>(loc, flat, b.getI64IntegerAttr(1));
  return define(n, 0, reshape(s, shape));
}

llvm::Error GraphBuilder::convertReduce(const NodeDesc &n) {
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  std::vector<int64_t> axes = attrInts(n, "axes", {});
  bool axesAreInput = (n.op == "ReduceSum" && model.opset >= 13) || model.opset >= 18;
  if (axesAreInput && hasInput(n, 1)) {
    auto c = constantInput(n, 1, "axes");
    if (!c)
      return c.takeError();
    axes.assign(c->values.begin(), c->values.end());
  }
  if (axes.empty()) {
    if (attrInt(n, "noop_with_empty_axes", 0))
      return define(n, 0, x);
    axes.resize(rank);
    std::iota(axes.begin(), axes.end(), 0);
  }
  std::set<int64_t> sorted;
  for (int64_t a : axes) {
    int64_t na = normalizeAxis(a, rank);
    if (na < 0 || na >= rank)
      return fail(n, "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    sorted.insert(na);
  }
  bool keep = attrInt(n, "keepdims", 1) != 0;
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d)
    if (!sorted.count(d))
      out.push_back(shape[d]);
    else if (keep)
      out.push_back(1);
  auto axesAttr = b.getDenseI64ArrayAttr(SmallVector<int64_t>(sorted.begin(), sorted.end()));
  auto keepAttr = b.getBoolAttr(keep);
  Value r;
  if (n.op == "ReduceMean")
    r = b.create<g::ReduceMeanOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  else if (n.op == "ReduceSum")
    r = b.create<g::ReduceSumOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  else
    r = b.create<g::ReduceMaxOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  return define(n, 0, r);
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

llvm::Error GraphBuilder::convertReshape(const NodeDesc &n) {
  Value x = input(n, 0);
  std::vector<int64_t> target;
  if (model.opset < 5) {
    target = attrInts(n, "shape", {});
  } else {
    auto c = constantInput(n, 1, "the target shape");
    if (!c)
      return c.takeError();
    target.assign(c->values.begin(), c->values.end());
  }
  auto in = shapeOf(x);
  bool allowZero = attrInt(n, "allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= in.size())
        return fail(n, "shape entry 0 at position " + std::to_string(i) + " has no input dim to copy");
      target[i] = in[i];
    }
    if (target[i] == -1) {
      if (inferred >= 0)
        return fail(n, "shape has more than one -1");
      inferred = i;
    } else if (target[i] < 0) {
      return fail(n, "invalid shape entry " + std::to_string(target[i]));
    } else {
      known *= target[i];
    }
  }
  int64_t total = HostTensor::numElements(std::vector<int64_t>(in.begin(), in.end()));
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return fail(n, "cannot reshape " + shapeStr(in) + " into " + shapeStr(target));
    target[inferred] = total / known;
  }
  if (HostTensor::numElements(target) != total)
    return fail(n, "cannot reshape " + shapeStr(in) + " (" + std::to_string(total) +
                       " elements) into " + shapeStr(target));
  return define(n, 0, reshape(x, target));
}

llvm::Error GraphBuilder::convertFlatten(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  int64_t rank = in.size(), axis = normalizeAxis(attrInt(n, "axis", 1), rank);
  if (axis < 0 || axis > rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= in[d];
  return define(n, 0, reshape(x, {outer, inner}));
}

llvm::Error GraphBuilder::convertSqueeze(const NodeDesc &n, bool unsqueeze) {
  Value x = input(n, 0);
  std::vector<int64_t> axes = attrInts(n, "axes", {});
  if (model.opset >= 13 && hasInput(n, 1)) {
    auto c = constantInput(n, 1, "axes");
    if (!c)
      return c.takeError();
    axes.assign(c->values.begin(), c->values.end());
  }
  auto in = shapeOf(x);
  std::vector<int64_t> out;
  if (unsqueeze) {
    int64_t rank = in.size() + axes.size();
    std::set<int64_t> at;
    for (int64_t a : axes)
      at.insert(normalizeAxis(a, rank));
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(at.count(d) ? 1 : in[next++]);
    if (next != in.size() || at.size() != axes.size())
      return fail(n, "invalid axes for rank " + std::to_string(rank));
  } else {
    std::set<int64_t> at;
    for (int64_t a : axes)
      at.insert(normalizeAxis(a, in.size()));
    for (int64_t d = 0; d < (int64_t)in.size(); ++d) {
      bool drop = axes.empty() ? in[d] == 1 : at.count(d) > 0;
      if (drop && in[d] != 1)
        return fail(n, "cannot squeeze dimension " + std::to_string(d) + " of size " +
                           std::to_string(in[d]));
      if (!drop)
        out.push_back(in[d]);
    }
  }
  return define(n, 0, reshape(x, out));
}

llvm::Error GraphBuilder::convertTranspose(const NodeDesc &n) {
  Value x = input(n, 0);
  int64_t rank = shapeOf(x).size();
  std::vector<int64_t> reversed(rank);
  for (int64_t i = 0; i < rank; ++i)
    reversed[i] = rank - 1 - i;
  auto perm = attrInts(n, "perm", reversed);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p] || (int64_t)perm.size() != rank)
      return fail(n, "perm is not a permutation of 0.." + std::to_string(rank - 1));
    seen[p] = true;
  }
  return define(n, 0, transpose(x, perm));
}

llvm::Error GraphBuilder::convertConcat(const NodeDesc &n) {
  SmallVector<Value> ins;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Value v = input(n, i);
    ins.push_back(v);
  }
  if (ins.empty())
    return fail(n, "needs at least one input");
  auto shape = SmallVector<int64_t>(shapeOf(ins[0]));
  int64_t axis = normalizeAxis(attrInt(n, "axis", 0), shape.size());
  if (axis < 0 || axis >= (int64_t)shape.size())
    return fail(n, "axis is out of range for rank " + std::to_string(shape.size()));
  shape[axis] = 0;
  for (Value v : ins) {
    auto s = shapeOf(v);
    for (size_t d = 0; d < s.size(); ++d)
      if ((int64_t)d != axis && (s.size() != shape.size() || s[d] != shape[d]))
        return fail(n, "input shapes " + shapeStr(shapeOf(ins[0])) + " and " + shapeStr(s) +
                           " differ outside axis " + std::to_string(axis));
    shape[axis] += s[axis];
  }
  auto type = tensorType(shape, typeOf(ins[0]).getElementType());
  return define(n, 0, b.create<g::ConcatOp>(loc, type, ins, b.getI64IntegerAttr(axis)));
}

llvm::Error GraphBuilder::convertSlice(const NodeDesc &n) {
  Value x = input(n, 0);
  auto in = shapeOf(x);
  int64_t rank = in.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (model.opset < 10) {
    starts = attrInts(n, "starts", {});
    ends = attrInts(n, "ends", {});
    axes = attrInts(n, "axes", {});
  } else {
    const char *names[] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t> *dst[] = {&starts, &ends, &axes, &steps};
    for (size_t i = 1; i <= 4; ++i) {
      if (!hasInput(n, i))
        continue;
      auto c = constantInput(n, i, names[i - 1]);
      if (!c)
        return c.takeError();
      dst[i - 1]->assign(c->values.begin(), c->values.end());
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return fail(n, "starts, ends, axes and steps must have the same length");
  SmallVector<int64_t> outStarts(rank, 0), outSteps(rank, 1), out(in.begin(), in.end());
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = normalizeAxis(axes[i], rank);
    if (a < 0 || a >= rank)
      return fail(n, "axis " + std::to_string(axes[i]) + " is out of range");
    if (steps[i] <= 0)
      return fail(n, "negative or zero steps are not supported yet");
    int64_t dim = in[a];
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t s = clampIndex(starts[i]), e = clampIndex(ends[i]);
    outStarts[a] = s;
    outSteps[a] = steps[i];
    out[a] = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
    if (out[a] == 0)
      outStarts[a] = 0;
  }
  auto type = tensorType(out, typeOf(x).getElementType());
  return define(n, 0,
                b.create<g::SliceOp>(loc, type, x, b.getDenseI64ArrayAttr(outStarts),
                                     b.getDenseI64ArrayAttr(outSteps)));
}

llvm::Error GraphBuilder::convertShape(const NodeDesc &n) {
  Value x = input(n, 0);
  if (n.attrs.count("start") || n.attrs.count("end"))
    return fail(n, "the start/end attributes are not supported yet");
  int64_t rank = shapeOf(x).size();
  return define(n, 0, b.create<g::ShapeOp>(loc, tensorType({rank}, b.getI64Type()), x));
}

llvm::Error GraphBuilder::convertCast(const NodeDesc &n) {
  Value x = input(n, 0);
  int64_t to = attrInt(n, "to", 0);
  Type elem;
  if (to == 1 /*FLOAT*/)
    elem = b.getF32Type();
  else if (to == 7 /*INT64*/ || to == 6 /*INT32*/)
    elem = b.getI64Type();
  else
    return fail(n, "cast to ONNX type " + std::to_string(to) +
                       " is not supported (float, int32, int64)");
  if (elem == typeOf(x).getElementType())
    return define(n, 0, x);
  return define(n, 0, b.create<g::CastOp>(loc, tensorType(shapeOf(x), elem), x));
}

llvm::Error GraphBuilder::convertConstant(const NodeDesc &n) {
  for (auto &[key, attr] : n.attrs) {
    HostTensor t;
    if (key == "value") {
      t = attr.tensor;
    } else if (key == "value_float") {
      t = HostTensor(DType::F32, {});
      t.set(0, attr.f);
    } else if (key == "value_int") {
      t = HostTensor(DType::I64, {});
      t.set(0, attr.i);
    } else if (key == "value_floats") {
      t = HostTensor(DType::F32, {(int64_t)attr.floats.size()});
      for (size_t i = 0; i < attr.floats.size(); ++i)
        t.set(i, attr.floats[i]);
    } else if (key == "value_ints") {
      t = HostTensor(DType::I64, {(int64_t)attr.ints.size()});
      for (size_t i = 0; i < attr.ints.size(); ++i)
        t.set(i, attr.ints[i]);
    } else {
      return fail(n, "attribute '" + key + "' is not supported");
    }
    return define(n, 0, constant(t));
  }
  return fail(n, "has no value attribute");
}

llvm::Error GraphBuilder::convertIdentity(const NodeDesc &n) {
  Value x = input(n, 0);
  if (n.op == "Dropout" && n.outputs.size() > 1 && !n.outputs[1].empty())
    return fail(n, "the mask output is not supported");
  return define(n, 0, x);
}

//===----------------------------------------------------------------------===//
// The op table and the driver
//===----------------------------------------------------------------------===//

const std::map<std::string, GraphBuilder::Converter> &GraphBuilder::converters() {
  using GB = GraphBuilder;
  static const std::map<std::string, Converter> table = {
      {"Add", &GB::convertBinary<g::AddOp>},
      {"Sub", &GB::convertBinary<g::SubOp>},
      {"Mul", &GB::convertBinary<g::MulOp>},
      {"Div", &GB::convertBinary<g::DivOp>},
      {"Pow", &GB::convertBinary<g::PowOp>},
      {"Max", &GB::convertVariadic},
      {"Min", &GB::convertVariadic},
      {"Sum", &GB::convertVariadic},
      {"Relu", &GB::convertUnary<g::ReluOp>},
      {"Sigmoid", &GB::convertUnary<g::SigmoidOp>},
      {"Tanh", &GB::convertUnary<g::TanhOp>},
      {"Exp", &GB::convertUnary<g::ExpOp>},
      {"Log", &GB::convertUnary<g::LogOp>},
      {"Sqrt", &GB::convertUnary<g::SqrtOp>},
      {"Neg", &GB::convertUnary<g::NegOp>},
      {"Abs", &GB::convertUnary<g::AbsOp>},
      {"Erf", &GB::convertUnary<g::ErfOp>},
      {"HardSwish", &GB::convertUnary<g::HardSwishOp>},
      {"HardSigmoid", &GB::convertHardSigmoid},
      {"Clip", &GB::convertClip},
      {"Conv", &GB::convertConv},
      {"BatchNormalization", &GB::convertBatchNorm},
      {"MaxPool", &GB::convertPool},
      {"AveragePool", &GB::convertPool},
      {"GlobalAveragePool", &GB::convertGlobalPool},
      {"GlobalMaxPool", &GB::convertGlobalPool},
      {"MatMul", &GB::convertMatMul},
      {"Gemm", &GB::convertGemm},
      {"Softmax", &GB::convertSoftmax},
      {"ReduceMean", &GB::convertReduce},
      {"ReduceSum", &GB::convertReduce},
      {"ReduceMax", &GB::convertReduce},
      {"Reshape", &GB::convertReshape},
      {"Flatten", &GB::convertFlatten},
      {"Squeeze", [](GB &gb, const NodeDesc &n) { return gb.convertSqueeze(n, false); }},
      {"Unsqueeze", [](GB &gb, const NodeDesc &n) { return gb.convertSqueeze(n, true); }},
      {"Transpose", &GB::convertTranspose},
      {"Concat", &GB::convertConcat},
      {"Slice", &GB::convertSlice},
      {"Shape", &GB::convertShape},
      {"Cast", &GB::convertCast},
      {"Constant", &GB::convertConstant},
      {"Identity", &GB::convertIdentity},
      {"Dropout", &GB::convertIdentity},
  };
  return table;
}

/// Inputs an op cannot do without (later ones are optional).
static size_t requiredInputs(const std::string &op, int64_t opset) {
  static const std::map<std::string, size_t> counts = {
      {"Add", 2}, {"Sub", 2}, {"Mul", 2}, {"Div", 2}, {"Pow", 2}, {"Conv", 2},
      {"BatchNormalization", 5}, {"MatMul", 2}, {"Gemm", 2}, {"Constant", 0}};
  if (op == "Reshape")
    return opset >= 5 ? 2 : 1;
  if (op == "Slice")
    return opset >= 10 ? 3 : 1;
  auto it = counts.find(op);
  return it == counts.end() ? 1 : it->second;
}

llvm::Error GraphBuilder::checkInputs(const NodeDesc &n) const {
  size_t required = requiredInputs(n.op, model.opset);
  for (size_t i = 0; i < required; ++i)
    if (!hasInput(n, i))
      return fail(n, "expects at least " + std::to_string(required) + " input" +
                         (required > 1 ? "s" : "") + ", input " + std::to_string(i) +
                         " is missing");
  for (const std::string &name : n.inputs)
    if (!name.empty() && !values.count(name))
      return fail(n, "input '" + name + "' is not defined before this node");
  return llvm::Error::success();
}

llvm::Error GraphBuilder::checkSupported() {
  std::map<std::string, std::vector<std::string>> unsupported; // op -> node names
  for (const NodeDesc &n : model.nodes)
    if (!converters().count(n.op))
      unsupported[n.op].push_back(n.name);
  if (unsupported.empty())
    return llvm::Error::success();
  std::string msg = "unsupported ONNX op" + std::string(unsupported.size() > 1 ? "s" : "") + ": ";
  bool first = true;
  for (auto &[op, nodes] : unsupported) {
    msg += (first ? "'" : ", '") + op + "' at node" + (nodes.size() > 1 ? "s " : " ");
    first = false;
    for (size_t i = 0; i < nodes.size() && i < 3; ++i)
      msg += (i ? ", '" : "'") + nodes[i] + "'";
    if (nodes.size() > 3)
      msg += " and " + std::to_string(nodes.size() - 3) + " more";
  }
  return fail(msg);
}

llvm::Expected<SmallVector<Type>> GraphBuilder::inputTypes() {
  for (const auto &given : options.inputShapes) {
    const std::string &name = given.first;
    if (!llvm::any_of(model.inputs, [&](const ValueInfo &v) { return v.name == name; }))
      return fail("--input-shape names '" + name + "', which is not a model input");
  }
  SmallVector<Type> types;
  for (const ValueInfo &in : model.inputs) {
    std::vector<int64_t> shape = in.shape;
    auto given = options.inputShapes.find(in.name);
    if (given != options.inputShapes.end()) {
      bool fits = given->second.size() == shape.size();
      for (size_t d = 0; fits && d < shape.size(); ++d)
        fits = shape[d] < 0 || shape[d] == given->second[d];
      if (!fits)
        return fail("input '" + in.name + "' has shape " + shapeStr(shape) +
                    ", which --input-shape " + shapeStr(given->second) + " does not match");
      shape = given->second;
    }
    for (int64_t d : shape)
      if (d < 0)
        return fail("input '" + in.name + "' has dynamic shape " + shapeStr(shape) +
                    "; fix it with --input-shape " + in.name + "=D0,D1,...");
    types.push_back(tensorType(shape, in.dtype == DType::F32 ? (Type)b.getF32Type()
                                                              : (Type)b.getI64Type()));
  }
  return types;
}

llvm::Expected<OwningOpRef<ModuleOp>> GraphBuilder::build() {
  if (auto err = checkSupported())
    return std::move(err);
  auto argTypes = inputTypes();
  if (!argTypes)
    return argTypes.takeError();

  OwningOpRef<ModuleOp> module = ModuleOp::create(FileLineColLoc::get(&ctx, model.path, 0, 0));
  b.setInsertionPointToEnd(module->getBody());
  auto fn = b.create<func::FuncOp>(loc, "main", b.getFunctionType(*argTypes, {}));
  Block *entry = fn.addEntryBlock();
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    values[model.inputs[i].name] = entry->getArgument(i);
    fn.setArgAttr(i, "strata.name", b.getStringAttr(model.inputs[i].name));
  }
  b.setInsertionPointToStart(entry);
  for (auto &[name, t] : model.initializers)
    values[name] = constant(t);

  for (const NodeDesc &n : model.nodes) {
    loc = NameLoc::get(b.getStringAttr(n.name));
    if (auto err = checkInputs(n))
      return std::move(err);
    if (auto err = converters().at(n.op)(*this, n))
      return std::move(err);
  }

  SmallVector<Value> results;
  for (const std::string &out : model.outputs) {
    auto it = values.find(out);
    if (it == values.end())
      return fail("output '" + out + "' is not produced by any node");
    results.push_back(it->second);
  }
  loc = UnknownLoc::get(&ctx);
  b.create<func::ReturnOp>(loc, results);
  fn.setType(b.getFunctionType(*argTypes, ValueRange(results).getTypes()));
  for (size_t i = 0; i < model.outputs.size(); ++i)
    fn.setResultAttr(i, "strata.name", b.getStringAttr(model.outputs[i]));

  std::string diag;
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      if (diag.empty()) {
        llvm::raw_string_ostream os(diag);
        if (auto name = llvm::dyn_cast<NameLoc>(d.getLocation()))
          os << "node '" << name.getName().getValue() << "': ";
        os << d.str();
      }
      return success();
    });
    if (failed(verify(*module)))
      return fail(diag.empty() ? "the imported graph does not verify" : diag);
  }
  return module;
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>> buildGraph(const ModelDesc &model, MLIRContext &ctx,
                                                 const ImportOptions &options) {
  ctx.getOrLoadDialect<g::GraphDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  if (options.constantInputs.empty())
    return GraphBuilder(model, ctx, options).build();
  // Bound inputs become initializers.
  ModelDesc bound = model;
  for (const auto &bind : options.constantInputs) {
    const std::string &name = bind.first;
    const HostTensor &value = bind.second;
    auto it = std::find_if(bound.inputs.begin(), bound.inputs.end(),
                           [&](const ValueInfo &v) { return v.name == name; });
    if (it == bound.inputs.end())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     model.path + ": cannot bind '" + name +
                                         "' to a constant: it is not a model input");
    bool fits = it->shape.size() == value.shape.size() && it->dtype == value.dtype;
    for (size_t d = 0; fits && d < value.shape.size(); ++d)
      fits = it->shape[d] < 0 || it->shape[d] == value.shape[d];
    if (!fits)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     model.path + ": the constant bound to input '" + name +
                                         "' has shape " + shapeStr(value.shape) + " (" +
                                         dtypeName(value.dtype) + "), the input is " +
                                         shapeStr(it->shape) + " (" + dtypeName(it->dtype) + ")");
    bound.initializers[name] = value;
    bound.inputs.erase(it);
  }
  return GraphBuilder(bound, ctx, options).build();
}

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> ops;
  for (auto &[op, fn] : GraphBuilder::converters())
    ops.push_back(op);
  return ops;
}

} // namespace strata::frontend
