//===- GraphBuilderImpl.h - the ONNX-node converter, shared by its files --===//
//
// Private to compiler/frontends. GraphBuilder.cpp holds the driver, the op
// table and compile-time evaluation; convert/*.cpp hold the converters by op
// family (Elementwise, NN, Shape, Resize, ConvTranspose, Indexing; Extra for
// less common ops written as decompositions).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontends/GraphBuilder.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <functional>
#include <map>
#include <set>

namespace strata::frontend::detail {

using namespace mlir;
namespace g = strata::graph;

struct AxisResampling; // convert/Resize.cpp

/// "[1,3,?,?]"
std::string shapeStr(ArrayRef<int64_t> shape);

/// The number of elements of a shape.
inline int64_t product(ArrayRef<int64_t> shape) {
  int64_t p = 1;
  for (int64_t d : shape)
    p *= d;
  return p;
}

/// Element strides of a row-major buffer of `shape`.
inline std::vector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
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
  // Every read is recorded: after a node converts, an attribute it never read
  // is an error rather than silently ignored (see build()).
  const AttrValue *findAttr(const NodeDesc &n, const std::string &key) const {
    attrsRead.insert(key);
    auto it = n.attrs.find(key);
    return it == n.attrs.end() ? nullptr : &it->second;
  }
  bool hasAttr(const NodeDesc &n, const std::string &key) const { return findAttr(n, key); }
  int64_t attrInt(const NodeDesc &n, const std::string &key, int64_t dflt) const {
    const AttrValue *a = findAttr(n, key);
    return a ? a->i : dflt;
  }
  double attrFloat(const NodeDesc &n, const std::string &key, double dflt) const {
    const AttrValue *a = findAttr(n, key);
    if (!a)
      return dflt;
    return a->kind == AttrValue::Kind::Int ? (double)a->i : a->f;
  }
  std::vector<int64_t> attrInts(const NodeDesc &n, const std::string &key,
                                std::vector<int64_t> dflt) const {
    const AttrValue *a = findAttr(n, key);
    return a ? a->ints : dflt;
  }
  std::string attrString(const NodeDesc &n, const std::string &key, std::string dflt) const {
    const AttrValue *a = findAttr(n, key);
    return a ? a->s : dflt;
  }
  /// An attribute the node has that its converter never read, or "".
  std::string unreadAttribute(const NodeDesc &n) const;

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
  /// The elements of an integer compile-time input (shapes, axes, indices).
  llvm::Expected<std::vector<int64_t>> constantInts(const NodeDesc &n, size_t i, const char *what);
  /// An error unless a compile-time tensor of `shape` is small enough to build
  /// (a corrupt or hostile model must not make the compiler allocate terabytes):
  /// all that the importer makes share options.maxConstantElements.
  llvm::Error checkConstantSize(const NodeDesc &n, llvm::ArrayRef<int64_t> shape);
  /// checkConstantSize's test and bookkeeping; the message names no node.
  std::optional<std::string> reserveConstant(llvm::ArrayRef<int64_t> shape);
  /// An error if `indices` is a compile-time constant with an index outside
  /// [-size, size) (negative indices count from the end). Indices known only at
  /// run time are clamped by the generated code instead (docs/design.md).
  llvm::Error checkConstantIndices(const NodeDesc &n, Value indices, int64_t size, const std::string &where);
  /// Warns (stderr) where a graph output's declared shape or type differs from the inferred one.
  void warnIfDeclaredDiffers(const std::string &output, Value result) const;
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
  template <typename OpT>
  static constexpr bool isCompare =
      llvm::is_one_of<OpT, g::EqualOp, g::LessOp, g::LessEqualOp, g::GreaterOp, g::GreaterEqualOp>::value;
  template <typename OpT>
  static constexpr bool isLogical = llvm::is_one_of<OpT, g::AndOp, g::OrOp, g::XorOp, g::NotOp>::value;

  /// "float32", "int64", "bool" (int32 is computed as int64 inside).
  static std::string elementName(Value v);

  template <typename OpT> llvm::Expected<Value> binary(const NodeDesc &n, Value lhs, Value rhs) {
    auto shape = g::broadcastShapes(shapeOf(lhs), shapeOf(rhs));
    if (!shape)
      return fail(n, "operand shapes " + shapeStr(shapeOf(lhs)) + " and " +
                         shapeStr(shapeOf(rhs)) + " do not broadcast");
    Type elem = typeOf(lhs).getElementType();
    if (elem != typeOf(rhs).getElementType())
      return fail(n, "operands have different element types (" + elementName(lhs) + ", " +
                         elementName(rhs) + ")");
    if (isLogical<OpT> != elem.isInteger(1))
      return fail(n, std::string("operands are ") + elementName(lhs) + "; " +
                         (isLogical<OpT> ? "it needs bool" : "bool operands are not supported"));
    Type resultElem = isCompare<OpT> ? b.getI1Type() : elem;
    return b.create<OpT>(loc, tensorType(*shape, resultElem), lhs, rhs).getResult();
  }
  /// binary() for operands the caller knows to fit (they broadcast and share
  /// an element type).
  template <typename OpT> Value emit(const NodeDesc &n, Value lhs, Value rhs) {
    return llvm::cantFail(binary<OpT>(n, lhs, rhs));
  }
  /// Before opset 7, B of a binary op (and Gemm's C) broadcasts only with
  /// attribute broadcast = 1, aligned with A's axes from `axis` on (default:
  /// A's last axes); returns B reshaped for numpy broadcasting, or an error.
  llvm::Expected<Value> legacyBroadcast(const NodeDesc &n, Value a, Value bv);
  /// Where(cond, x, y) for operands the caller knows to broadcast.
  Value where(Value cond, Value x, Value y);
  /// A rank-0 constant of element type elem (f32, i64 or i1).
  Value scalarOf(Type elem, int64_t v);
  /// `count` elements of v along `axis` from `start`, `step` apart.
  Value sliceAxis(Value v, int64_t axis, int64_t start, int64_t count, int64_t step = 1);
  /// The [outer, inner] view of x split before `axis` (Softmax and Hardmax
  /// before opset 13); axis becomes 1. Unchanged when axis is the last one.
  Value flattenAt(Value x, int64_t &axis);
  int64_t normalizeAxis(int64_t axis, int64_t rank) const { return axis < 0 ? axis + rank : axis; }

  // --- converters -------------------------------------------------------------
  template <typename OpT> llvm::Error convertBinary(const NodeDesc &n);
  template <typename OpT> llvm::Error convertUnary(const NodeDesc &n);
  llvm::Error convertVariadic(const NodeDesc &n); // Max, Min, Sum
  llvm::Error convertClip(const NodeDesc &n);
  llvm::Error convertHardSigmoid(const NodeDesc &n);
  llvm::Error convertArg(const NodeDesc &n); // ArgMax, ArgMin
  llvm::Error convertLayerNorm(const NodeDesc &n);
  llvm::Error convertInstanceNorm(const NodeDesc &n);
  llvm::Error convertLRN(const NodeDesc &n);
  /// Over axes (kept as size-1 dims): mean, the (biased) variance,
  /// 1 / sqrt(var + eps), and (x - mean) * that.
  struct Moments {
    Value mean, var, invStdDev, normalized;
  };
  Moments normalize(const NodeDesc &n, Value x, ArrayRef<int64_t> axes, double eps);
  llvm::Error convertConstantOfShape(const NodeDesc &n);
  llvm::Error convertSize(const NodeDesc &n);
  llvm::Error convertRange(const NodeDesc &n);
  llvm::Error convertSplit(const NodeDesc &n);
  llvm::Error convertExpand(const NodeDesc &n);
  llvm::Error convertGather(const NodeDesc &n);
  llvm::Error convertTile(const NodeDesc &n);
  llvm::Error convertPad(const NodeDesc &n);
  llvm::Error convertDepthSpace(const NodeDesc &n, bool toSpace);
  /// A reduction over sorted, non-negative axes; kind is an ONNX op name
  /// (ReduceMean, ReduceSum, ReduceMax, ReduceProd).
  Value reduce(StringRef kind, Value x, ArrayRef<int64_t> axes, bool keep);
  /// ReduceMax / ReduceMin of bool x (opset 20): any / all.
  llvm::Error reduceBool(const NodeDesc &n, Value x, ArrayRef<int64_t> axes, bool keep);
  /// Ops written as a combination of graph ops (Reciprocal, Softsign, Softplus,
  /// LeakyRelu, PRelu, Elu, Selu, Mean); see convert/Elementwise.cpp.
  llvm::Error convertDecomposed(const NodeDesc &n);
  /// A float32 scalar constant.
  Value scalar(double v);
  /// Conv and ConvTranspose: the input has rank >= 3 and the filter the same rank.
  llvm::Error checkFilterRank(const NodeDesc &n, Value x, Value w) const;
  llvm::Error convertConv(const NodeDesc &n);
  llvm::Error convertBatchNorm(const NodeDesc &n);
  /// BatchNormalization with training_mode = 1: batch statistics, running stats updated.
  llvm::Error convertBatchNormTraining(const NodeDesc &n);
  llvm::Error convertPool(const NodeDesc &n);
  llvm::Error convertGlobalPool(const NodeDesc &n);
  llvm::Error convertMatMul(const NodeDesc &n);
  llvm::Error convertGemm(const NodeDesc &n);
  llvm::Error convertSoftmax(const NodeDesc &n); // Softmax, LogSoftmax
  llvm::Error convertReduce(const NodeDesc &n);
  llvm::Error convertReshape(const NodeDesc &n);
  llvm::Error convertFlatten(const NodeDesc &n);
  llvm::Error convertSqueeze(const NodeDesc &n, bool unsqueeze);
  llvm::Error convertTranspose(const NodeDesc &n);
  llvm::Error convertConcat(const NodeDesc &n);
  llvm::Error convertSlice(const NodeDesc &n);
  llvm::Error convertShape(const NodeDesc &n);
  llvm::Error convertCast(const NodeDesc &n); // Cast, CastLike
  llvm::Error convertWhere(const NodeDesc &n);
  llvm::Error convertConstant(const NodeDesc &n);
  llvm::Error convertIdentity(const NodeDesc &n);
  llvm::Error convertDropout(const NodeDesc &n);

  // convert/Extra.cpp: less common ops as decompositions (formulas there).
  llvm::Error convertExtraActivation(const NodeDesc &n); // Celu, ThresholdedRelu, Shrink
  llvm::Error convertIsNaNInf(const NodeDesc &n);        // IsNaN, IsInf
  llvm::Error convertMod(const NodeDesc &n);
  llvm::Error convertTrilu(const NodeDesc &n);
  llvm::Error convertEyeLike(const NodeDesc &n);
  llvm::Error convertOneHot(const NodeDesc &n);
  llvm::Error convertHardmax(const NodeDesc &n);
  llvm::Error convertCumSum(const NodeDesc &n);
  llvm::Error convertGatherElements(const NodeDesc &n);
  llvm::Error convertMeanVarianceNorm(const NodeDesc &n);
  llvm::Error convertLpNorm(const NodeDesc &n); // LpNormalization, GlobalLpPool
  /// The axis Softmax, LogSoftmax and Hardmax work over, and the view they see:
  /// before opset 13, x flattened to [outer, inner] at the axis.
  llvm::Expected<std::pair<Value, int64_t>> softmaxView(const NodeDesc &n, Value x);
  /// An error unless x is float32 (naming x's type, as not supported).
  llvm::Error requireFloat(const NodeDesc &n, Value x);
  /// The single value of compile-time input i, as an integer.
  llvm::Expected<int64_t> constantInt(const NodeDesc &n, size_t i, const char *what);
  /// The i1 one-hot pattern of idx (i64, size 1 at axis): idx == iota along axis,
  /// which has `depth` entries.
  Value oneHotMask(const NodeDesc &n, Value idx, int64_t axis, int64_t depth);
  /// The Lp norm over axes, kept as size-1 dims.
  Value lpNorm(const NodeDesc &n, Value x, ArrayRef<int64_t> axes, double p);

  // convert/Indexing.cpp: GatherND, TopK, the scatters, ReverseSequence.
  llvm::Error convertGatherND(const NodeDesc &n);
  llvm::Error convertTopK(const NodeDesc &n);
  llvm::Error convertScatter(const NodeDesc &n); // ScatterElements, Scatter, ScatterND
  llvm::Error convertReverseSequence(const NodeDesc &n);
  /// Scatters update element u to flat data position target[u]: with reduction
  /// "none" a later u wins; "add", "mul", "max", "min" combine in order.
  llvm::Expected<Value> scatterConstant(const NodeDesc &n, Value data, Value updates,
                                        ArrayRef<int64_t> target, StringRef reduction);

  llvm::Error convertConvTranspose(const NodeDesc &n);
  /// A ConvTranspose whose windows do not overlap as a 1x1 conv and a depth-to-space.
  Value subPixel(const NodeDesc &n, Value x, Value w, int64_t cout, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> pads);
  /// Resize (opsets 10-19) and Upsample; see convert/Resize.cpp.
  llvm::Error convertResize(const NodeDesc &n);
  /// One axis of a resize: a weighted sum of gathers along `axis`.
  Value resample(const NodeDesc &n, Value x, int64_t axis, const AxisResampling &r);

  /// Spatial window attributes shared by Conv, ConvTranspose and the pools, in
  /// 2-D form: a 1-D op (input [N, C, L]) runs as the 2-D op on [N, C, 1, L]
  /// (see as2D) with a window of 1 on the dummy axis. Pools also accept 3-D
  /// windows (maxSpatial = 3), which keep their three axes.
  struct Window {
    SmallVector<int64_t> kernel, strides, pads, dilations;
  };
  /// The window attributes as written (pads explicit; auto_pad is the caller's).
  llvm::Expected<Window> windowAttrs(const NodeDesc &n, ArrayRef<int64_t> inShape,
                                     ArrayRef<int64_t> kernel, int64_t maxSpatial = 2);
  /// windowAttrs with auto_pad resolved for a forward window (Conv, pools).
  llvm::Expected<Window> window(const NodeDesc &n, ArrayRef<int64_t> inShape,
                                ArrayRef<int64_t> kernel, int64_t maxSpatial = 2);
  /// A graph max_pool or avg_pool (by n.op) of a [N, C, H, W] value.
  Value pool2D(const NodeDesc &n, Value x, const Window &w, bool ceil);
  /// A 3-D pool of [N, C, D, H, W] as two 2-D pools (see convert/NN.cpp).
  Value pool3D(const NodeDesc &n, Value x, const Window &w, bool ceil);
  /// MaxPool's Indices for the 2-D pool `max` of x (both [N, C, ., .]).
  Value maxPoolIndices(Value x, Value max, const Window &w, bool columnMajor);
  /// A 1-D window op's shape [N, C, L] as [N, C, 1, L]; other ranks unchanged.
  static SmallVector<int64_t> as2DShape(ArrayRef<int64_t> shape);
  Value as2D(Value v) { return reshape(v, as2DShape(shapeOf(v))); }
  /// Undoes as2D on a result when the op's input had rank 3.
  Value from2D(Value v, size_t rank) {
    auto s = shapeOf(v);
    return rank == 3 ? reshape(v, {s[0], s[1], s[3]}) : v;
  }

  llvm::Error checkInputs(const NodeDesc &n) const;
  llvm::Expected<SmallVector<Type>> inputTypes();

  const ModelDesc &model;
  MLIRContext &ctx;
  const ImportOptions &options;
  OpBuilder b;
  Location loc = UnknownLoc::get(&ctx);
  std::map<std::string, Value> values;
  /// The logical type of int64-computed tensors that are narrow integers (see "Element types"
  /// in docs/design.md), so that an output with no declared type is narrowed back on exit.
  std::map<std::string, DType> narrowTypes;
  void recordNarrowTypes(const NodeDesc &n);
  llvm::DenseMap<Value, HostTensor> constantCache;
  int64_t constantElements = 0; // made so far, against options.maxConstantElements
  std::string constantRefusal;  // why constantValue last refused to evaluate, if for size
  mutable std::set<std::string> attrsRead; // by the node being converted
};


template <typename OpT> llvm::Error GraphBuilder::convertBinary(const NodeDesc &n) {
  Value lhs = input(n, 0), rhs = input(n, 1);
  if (model.opset < 7) {
    auto aligned = legacyBroadcast(n, lhs, rhs);
    if (!aligned)
      return aligned.takeError();
    rhs = *aligned;
  }
  Value r = rhs;
  // Pow's exponent may have another type than its base: a float base casts an integer
  // exponent (exact up to 2^24); an integer base keeps a float32 exponent (see g::PowOp).
  Type baseElem = typeOf(lhs).getElementType(), expElem = typeOf(r).getElementType();
  if (std::is_same_v<OpT, g::PowOp> && baseElem != expElem) {
    bool intBase = baseElem.isInteger() && !baseElem.isInteger(1);
    if (intBase && expElem.isF32()) {
      auto shape = g::broadcastShapes(shapeOf(lhs), shapeOf(r));
      if (!shape)
        return fail(n, "operand shapes " + shapeStr(shapeOf(lhs)) + " and " + shapeStr(shapeOf(r)) +
                           " do not broadcast");
      return define(n, 0, b.create<g::PowOp>(loc, tensorType(*shape, baseElem), lhs, r));
    }
    r = b.create<g::CastOp>(loc, tensorType(shapeOf(r), baseElem), r);
  }
  auto v = binary<OpT>(n, lhs, r);
  if (!v)
    return v.takeError();
  return define(n, 0, *v);
}

template <typename OpT> llvm::Error GraphBuilder::convertUnary(const NodeDesc &n) {
  Value x = input(n, 0);
  Type elem = typeOf(x).getElementType();
  bool integerToo = std::is_same_v<OpT, g::NegOp> || std::is_same_v<OpT, g::AbsOp>;
  bool ok = isLogical<OpT> ? elem.isInteger(1) : elem.isF32() || (integerToo && elem.isInteger(64));
  if (!ok)
    return fail(n, elementName(x) + " inputs are not supported (" +
                       (isLogical<OpT> ? "bool" : integerToo ? "float32, int32, int64" : "float32") +
                       " only)");
  return define(n, 0, b.create<OpT>(loc, x));
}


} // namespace strata::frontend::detail
