//===- GraphOps.cpp - verifiers and folders of the graph dialect ----------===//
//
// Verifiers check shapes and attributes and say exactly what is wrong, since
// a model importer's mistakes surface here first.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace strata::graph;

namespace strata::graph {

std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  llvm::SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin,
                         int64_t padEnd, int64_t dilation, bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t numer = in + padBegin + padEnd - span;
  if (numer < 0)
    return 0;
  int64_t out = (ceilMode ? (numer + stride - 1) / stride : numer / stride) + 1;
  // ONNX/PyTorch rule: with ceil mode the last window must start inside the
  // input or the begin padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

} // namespace strata::graph

static RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto valueType = llvm::dyn_cast<ShapedType>(getValue().getType());
  if (!valueType || valueType != getType())
    return emitOpError("value type ") << getValue().getType() << " does not match result type "
                                      << getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// The operands broadcast numpy-style to the result's shape.
static LogicalResult verifyBroadcastShape(Operation *op, ValueRange operands) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto next = broadcastShapes(shape, tensorType(v).getShape());
    if (!next) {
      auto d = op->emitOpError("operand shapes ");
      for (auto [i, w] : llvm::enumerate(operands))
        d << (i == 0 ? "" : i + 1 == operands.size() ? " and " : ", ") << shapeStr(tensorType(w).getShape());
      return d << " are not broadcast-compatible";
    }
    shape = *next;
  }
  auto result = tensorType(op->getResult(0));
  if (ArrayRef<int64_t>(shape) != result.getShape())
    return op->emitOpError("result shape ")
           << shapeStr(result.getShape()) << " should be the broadcast shape " << shapeStr(shape);
  return success();
}

/// lhs, rhs (and, unless the op is a comparison, the result) share one element type.
static LogicalResult verifyBroadcastBinary(Operation *op, bool isCompare = false) {
  auto lhs = tensorType(op->getOperand(0)), rhs = tensorType(op->getOperand(1));
  auto result = tensorType(op->getResult(0));
  if (lhs.getElementType() != rhs.getElementType() ||
      (!isCompare && lhs.getElementType() != result.getElementType()))
    return op->emitOpError("operands") << (isCompare ? "" : " and result")
           << " must have one element type, got " << lhs.getElementType() << ", "
           << rhs.getElementType() << " -> " << result.getElementType();
  return verifyBroadcastShape(op, op->getOperands());
}

LogicalResult AddOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult PowOp::verify() {
  // An integer base may take a float32 exponent (ONNX Pow's T1); the result has the base's type.
  auto lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  bool intBase = lhs.getElementType().isInteger() && !lhs.getElementType().isInteger(1);
  if (intBase && rhs.getElementType().isF32()) {
    if (tensorType(getResult()).getElementType() != lhs.getElementType())
      return emitOpError("result must have the base's element type");
    return verifyBroadcastShape(*this, getOperands());
  }
  return verifyBroadcastBinary(*this);
}
LogicalResult MaxOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MinOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult AndOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult OrOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult XorOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult EqualOp::verify() { return verifyBroadcastBinary(*this, /*isCompare=*/true); }
LogicalResult LessOp::verify() { return verifyBroadcastBinary(*this, /*isCompare=*/true); }
LogicalResult LessEqualOp::verify() { return verifyBroadcastBinary(*this, /*isCompare=*/true); }
LogicalResult GreaterOp::verify() { return verifyBroadcastBinary(*this, /*isCompare=*/true); }
LogicalResult GreaterEqualOp::verify() { return verifyBroadcastBinary(*this, /*isCompare=*/true); }

LogicalResult WhereOp::verify() {
  if (tensorType(getX()).getElementType() != tensorType(getY()).getElementType() ||
      tensorType(getX()).getElementType() != getType().getElementType())
    return emitOpError("x, y and the result must have one element type, got ")
           << tensorType(getX()).getElementType() << ", " << tensorType(getY()).getElementType()
           << " -> " << getType().getElementType();
  return verifyBroadcastShape(*this, getOperands());
}

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError("min ") << getMin().convertToFloat() << " is greater than max "
                               << getMax().convertToFloat();
  return success();
}

bool strata::graph::isElementwise(Operation *op) {
#define STRATA_IS_LIBM_OP(Op, fn, onnx) || llvm::isa<Op>(op)
  if (false STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_IS_LIBM_OP))
    return true;
#undef STRATA_IS_LIBM_OP
  return llvm::isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ReluOp, SigmoidOp, TanhOp,
                   ExpOp, LogOp, SqrtOp, NegOp, AbsOp, ErfOp, FloorOp, CeilOp, RoundOp, SignOp, HardSwishOp, ClipOp, HardSigmoidOp,
                   CastOp, BatchNormOp, EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp,
                   AndOp, OrOp, XorOp, NotOp, WhereOp>(op);
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  auto in = tensorType(getInput()), w = tensorType(getFilter()), out = tensorType(getResult());
  if (in.getRank() != 4 || w.getRank() != 4 || out.getRank() != 4)
    return emitOpError("expects 4-D input (NCHW), filter (OIHW) and result, got ranks ")
           << in.getRank() << ", " << w.getRank() << ", " << out.getRank();
  if (getStrides().size() != 2 || getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError("expects 2 strides, 2 dilations and 4 pads [top, left, bottom, right]");
  if (llvm::any_of(getStrides(), [](int64_t s) { return s <= 0; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d <= 0; }))
    return emitOpError("strides and dilations must be positive");
  if (llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError("pads must be non-negative");
  int64_t groups = getGroups();
  int64_t cin = in.getDimSize(1), cout = w.getDimSize(0);
  if (groups <= 0 || cin % groups != 0 || cout % groups != 0)
    return emitOpError("groups ") << groups << " must divide input channels " << cin
                                  << " and output channels " << cout;
  if (w.getDimSize(1) * groups != cin)
    return emitOpError("filter has ") << w.getDimSize(1) << " input channels per group but input has "
                                      << cin << " channels in " << groups << " group(s)";
  if (getBias()) {
    auto b = tensorType(getBias());
    if (b.getRank() != 1 || b.getDimSize(0) != cout)
      return emitOpError("bias shape ") << shapeStr(b.getShape()) << " should be [" << cout << "]";
  }
  auto pads = getPads();
  int64_t oh = windowOutputSize(in.getDimSize(2), w.getDimSize(2), getStrides()[0], pads[0],
                                pads[2], getDilations()[0], false);
  int64_t ow = windowOutputSize(in.getDimSize(3), w.getDimSize(3), getStrides()[1], pads[1],
                                pads[3], getDilations()[1], false);
  SmallVector<int64_t> expect{in.getDimSize(0), cout, oh, ow};
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  return success();
}

//===----------------------------------------------------------------------===//
// Conv2DBlockedOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DBlockedOp::verify() {
  auto in = tensorType(getInput()), w = tensorType(getFilter()), out = tensorType(getResult());
  if (in.getRank() != 5 || w.getRank() != 6 || out.getRank() != 5)
    return emitOpError("expects a 5-D input [N, C/b, H, W, b], 6-D filter and 5-D result, got ranks ")
           << in.getRank() << ", " << w.getRank() << ", " << out.getRank();
  if (getStrides().size() != 2 || getDilations().size() != 2 || getPads().size() != 4 ||
      llvm::any_of(getStrides(), [](int64_t s) { return s <= 0; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d <= 0; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError("expects 2 positive strides, 2 positive dilations and 4 non-negative pads");
  int64_t b = out.getDimSize(4), ib = in.getDimSize(4), channels = in.getDimSize(1) * ib;
  int64_t groups = getGroups();
  if (w.getDimSize(5) != b || (ib != b && !(ib == 1 && groups == 1)))
    return emitOpError("input, filter and result must have the same channel block ")
           << b << " (or, with groups = 1, an input block of 1)";
  SmallVector<int64_t> expectW;
  if (groups == 1)
    expectW = {out.getDimSize(1), in.getDimSize(1), w.getDimSize(2), w.getDimSize(3), ib, b};
  else if (groups == channels && out.getDimSize(1) == in.getDimSize(1))
    expectW = {in.getDimSize(1), 1, w.getDimSize(2), w.getDimSize(3), 1, b};
  else
    return emitOpError("groups ") << groups << " must be 1 or the channel count " << channels
                                  << " (depthwise)";
  if (w.getShape() != ArrayRef<int64_t>(expectW))
    return emitOpError("filter shape ") << shapeStr(w.getShape()) << " should be " << shapeStr(expectW);
  if (getBias()) {
    auto bias = tensorType(getBias());
    SmallVector<int64_t> expectB{out.getDimSize(1), b};
    if (bias.getShape() != ArrayRef<int64_t>(expectB))
      return emitOpError("bias shape ") << shapeStr(bias.getShape()) << " should be " << shapeStr(expectB);
  }
  auto pads = getPads();
  int64_t oh = windowOutputSize(in.getDimSize(2), w.getDimSize(2), getStrides()[0], pads[0],
                                pads[2], getDilations()[0], false);
  int64_t ow = windowOutputSize(in.getDimSize(3), w.getDimSize(3), getStrides()[1], pads[1],
                                pads[3], getDilations()[1], false);
  SmallVector<int64_t> expect{in.getDimSize(0), out.getDimSize(1), oh, ow, b};
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  return success();
}

//===----------------------------------------------------------------------===//
// MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::verify() {
  auto a = tensorType(getLhs()), b = tensorType(getRhs()), out = tensorType(getResult());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("expects operands of rank >= 2 (the frontend expands 1-D operands), got ")
           << a.getRank() << " and " << b.getRank();
  int64_t m = a.getDimSize(a.getRank() - 2), k = a.getDimSize(a.getRank() - 1);
  int64_t k2 = b.getDimSize(b.getRank() - 2), n = b.getDimSize(b.getRank() - 1);
  if (k != k2)
    return emitOpError("contraction sizes differ: lhs ") << shapeStr(a.getShape()) << " has K = " << k
                                                         << ", rhs " << shapeStr(b.getShape())
                                                         << " has K = " << k2;
  auto batch = broadcastShapes(a.getShape().drop_back(2), b.getShape().drop_back(2));
  if (!batch)
    return emitOpError("batch dimensions of ") << shapeStr(a.getShape()) << " and "
                                               << shapeStr(b.getShape()) << " do not broadcast";
  SmallVector<int64_t> expect(*batch);
  expect.push_back(m);
  expect.push_back(n);
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  return success();
}

LogicalResult MatMulPackedOp::verify() {
  auto a = tensorType(getLhs()), b = tensorType(getRhs()), out = tensorType(getResult());
  if (a.getRank() < 2 || b.getRank() != 3)
    return emitOpError("expects lhs [..., M, K] and rhs [NB, K, p], got ")
           << shapeStr(a.getShape()) << " and " << shapeStr(b.getShape());
  if (a.getDimSize(a.getRank() - 1) != b.getDimSize(1))
    return emitOpError("contraction sizes differ: lhs ") << shapeStr(a.getShape())
                                                         << ", rhs panels " << shapeStr(b.getShape());
  SmallVector<int64_t> expect(a.getShape().drop_back());
  expect.push_back(b.getDimSize(0));
  expect.push_back(b.getDimSize(2));
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  return success();
}

//===----------------------------------------------------------------------===//
// BatchNormOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::verify() {
  auto in = tensorType(getInput());
  if (in.getRank() < 2)
    return emitOpError("expects input of rank >= 2 (N, C, ...), got rank ") << in.getRank();
  if (in != tensorType(getResult()))
    return emitOpError("result type must equal input type");
  int64_t c = in.getDimSize(1);
  for (Value v : {getScale(), getBias(), getMean(), getVariance()}) {
    auto t = tensorType(v);
    if (t.getRank() != 1 || t.getDimSize(0) != c)
      return emitOpError("scale, bias, mean and variance must have shape [") << c << "], got "
                                                                            << shapeStr(t.getShape());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static LogicalResult verifyPool(Operation *op, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations, bool ceil) {
  auto in = tensorType(op->getOperand(0)), out = tensorType(op->getResult(0));
  // NCHW, or channel-blocked NCHW{b} (graph-block-layout): the window runs over H and W.
  bool blocked = in.getRank() == 5 && out.getRank() == 5 && in.getDimSize(4) == out.getDimSize(4);
  if (!blocked && (in.getRank() != 4 || out.getRank() != 4))
    return op->emitOpError("expects 4-D NCHW (or 5-D NCHW{b}) input and result");
  if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return op->emitOpError("expects 2 kernel sizes, 2 strides, 2 dilations and 4 pads");
  if (llvm::any_of(kernel, [](int64_t v) { return v <= 0; }) ||
      llvm::any_of(strides, [](int64_t v) { return v <= 0; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v <= 0; }))
    return op->emitOpError("kernel, strides and dilations must be positive");
  for (int i = 0; i < 2; ++i)
    if (pads[i] >= kernel[i] * dilations[i] || pads[i + 2] >= kernel[i] * dilations[i])
      return op->emitOpError("pad ") << std::max(pads[i], pads[i + 2])
                                     << " is not smaller than the window " << kernel[i];
  SmallVector<int64_t> expect{in.getDimSize(0), in.getDimSize(1)};
  for (int i = 0; i < 2; ++i)
    expect.push_back(windowOutputSize(in.getDimSize(2 + i), kernel[i], strides[i], pads[i],
                                      pads[i + 2], dilations[i], ceil));
  if (blocked)
    expect.push_back(in.getDimSize(4));
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return op->emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                            << shapeStr(expect);
  return success();
}

LogicalResult MaxPoolOp::verify() {
  return verifyPool(*this, getKernel(), getStrides(), getPads(), getDilations(), getCeilMode());
}
LogicalResult AvgPoolOp::verify() {
  return verifyPool(*this, getKernel(), getStrides(), getPads(), getDilations(), getCeilMode());
}

//===----------------------------------------------------------------------===//
// Softmax and reductions
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = tensorType(getInput()).getRank(), axis = (int64_t)getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

static LogicalResult verifyReduce(Operation *op, ArrayRef<int64_t> axes, bool keepdims) {
  auto in = tensorType(op->getOperand(0)), out = tensorType(op->getResult(0));
  SmallVector<int64_t> expect;
  for (int64_t i = 0; i < (int64_t)axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= in.getRank())
      return op->emitOpError("axis ") << axes[i] << " is out of range for rank " << in.getRank();
    if (i > 0 && axes[i] <= axes[i - 1])
      return op->emitOpError("axes must be sorted and unique");
  }
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      expect.push_back(in.getDimSize(d));
    else if (keepdims)
      expect.push_back(1);
  }
  if (out.getShape() != ArrayRef<int64_t>(expect))
    return op->emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                            << shapeStr(expect);
  return success();
}

LogicalResult ReduceSumOp::verify() { return verifyReduce(*this, getAxes(), getKeepdims()); }
LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this, getAxes(), getKeepdims()); }
LogicalResult ReduceMaxOp::verify() { return verifyReduce(*this, getAxes(), getKeepdims()); }
LogicalResult ReduceProdOp::verify() { return verifyReduce(*this, getAxes(), getKeepdims()); }
LogicalResult ArgMaxOp::verify() {
  return verifyReduce(*this, {(int64_t)getAxis()}, getKeepdims());
}
LogicalResult ArgMinOp::verify() {
  return verifyReduce(*this, {(int64_t)getAxis()}, getKeepdims());
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type");
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ") << shapeStr(in.getShape()) << " (" << in.getNumElements()
                                          << " elements) into " << shapeStr(out.getShape()) << " ("
                                          << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

LogicalResult TransposeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  auto perm = getPerm();
  if ((int64_t)perm.size() != in.getRank())
    return emitOpError("perm has ") << perm.size() << " entries for rank " << in.getRank();
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> expect;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm is not a permutation of 0..") << in.getRank() - 1;
    seen[p] = true;
    expect.push_back(in.getDimSize(p));
  }
  if (out.getShape() != ArrayRef<int64_t>(expect) || in.getElementType() != out.getElementType())
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto out = tensorType(getResult());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= out.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank " << out.getRank();
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto t = tensorType(v);
    if (t.getRank() != out.getRank() || t.getElementType() != out.getElementType())
      return emitOpError("inputs must share rank and element type with the result");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != out.getDimSize(d))
        return emitOpError("input shape ") << shapeStr(t.getShape()) << " differs from result "
                                           << shapeStr(out.getShape()) << " outside axis " << axis;
    total += t.getDimSize(axis);
  }
  if (total != out.getDimSize(axis))
    return emitOpError("inputs sum to ") << total << " along axis " << axis << ", result has "
                                         << out.getDimSize(axis);
  return success();
}

LogicalResult SliceOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  auto starts = getStarts(), steps = getSteps();
  if ((int64_t)starts.size() != in.getRank() || (int64_t)steps.size() != in.getRank() ||
      out.getRank() != in.getRank())
    return emitOpError("starts and steps need one entry per dimension of rank ") << in.getRank();
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (steps[d] == 0)
      return emitOpError("step in dim ") << d << " must not be 0";
    int64_t n = out.getDimSize(d);
    int64_t last = starts[d] + (n - 1) * steps[d];
    if (n > 0 && (starts[d] < 0 || starts[d] >= in.getDimSize(d) || last < 0 ||
                  last >= in.getDimSize(d)))
      return emitOpError("dim ") << d << ": " << n << " elements from " << starts[d]
                                 << " with step " << steps[d] << " exceed size "
                                 << in.getDimSize(d);
  }
  return success();
}

LogicalResult ExpandOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  auto shape = broadcastShapes(in.getShape(), out.getShape());
  if (!shape || ArrayRef<int64_t>(*shape) != out.getShape() ||
      in.getElementType() != out.getElementType())
    return emitOpError("cannot broadcast ") << shapeStr(in.getShape()) << " to "
                                            << shapeStr(out.getShape());
  return success();
}

LogicalResult GatherOp::verify() {
  auto in = tensorType(getInput()), idx = tensorType(getIndices()), out = tensorType(getResult());
  int64_t axis = (int64_t)getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank " << in.getRank();
  SmallVector<int64_t> expect(in.getShape().take_front(axis));
  expect.append(idx.getShape().begin(), idx.getShape().end());
  expect.append(in.getShape().begin() + axis + 1, in.getShape().end());
  if (out.getShape() != ArrayRef<int64_t>(expect) || in.getElementType() != out.getElementType())
    return emitOpError("result shape ") << shapeStr(out.getShape()) << " should be "
                                        << shapeStr(expect);
  // Indices are clamped into the axis, which an empty axis has no room for.
  if (in.getDimSize(axis) == 0 && out.getNumElements() > 0)
    return emitOpError("gathers from axis ") << axis << ", which is empty, into a non-empty result "
                                             << shapeStr(out.getShape());
  return success();
}

LogicalResult ShapeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (out.getDimSize(0) != in.getRank())
    return emitOpError("result must have ") << in.getRank() << " elements";
  return success();
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  return DenseElementsAttr::get(llvm::cast<ShapedType>(getType()),
                                tensorType(getInput()).getShape());
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

Operation *KernelOp::getAnchorOp() {
  Block &body = getBody().front();
  for (Operation &op : body.without_terminator())
    if (op.getName().stripDialect() == getAnchor())
      return &op;
  for (Operation &op : body.without_terminator())
    if (!llvm::isa<ConstantOp>(op))
      return &op;
  return nullptr;
}

LogicalResult KernelOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("region has ") << body.getNumArguments() << " arguments for "
                                      << getInputs().size() << " inputs";
  for (auto [arg, in] : llvm::zip(body.getArguments(), getInputs()))
    if (arg.getType() != in.getType())
      return emitOpError("region argument type ") << arg.getType() << " differs from input type "
                                                  << in.getType();
  auto yield = llvm::cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yielded types differ from the kernel's result types");
  return success();
}

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.cpp.inc"
