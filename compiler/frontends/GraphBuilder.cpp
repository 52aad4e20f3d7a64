//===- GraphBuilder.cpp - ONNX-style nodes -> graph dialect ---------------===//
//
// One converter per ONNX op type. Converters compute result shapes
// themselves (shapes are static) and read compile-time operands (Reshape's
// shape, Slice's starts, Clip's bounds) through constantValue(), which
// evaluates constant subgraphs with the reference interpreter — that is how
// Shape -> Slice -> Concat -> Reshape chains resolve at import.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontends/FirstDiagnostic.h"
#include "compiler/frontends/GraphBuilderImpl.h"
#include "compiler/frontends/ModelChecks.h"
#include "compiler/frontends/Opsets.h"

#include "dialects/graph/reference/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

namespace strata::frontend {
namespace detail {

std::string shapeStr(ArrayRef<int64_t> shape) { return strata::shapeStr(shape.vec()); }

//===----------------------------------------------------------------------===//
// Compile-time values
//===----------------------------------------------------------------------===//

Value GraphBuilder::constant(const HostTensor &value) {
  // Narrow integers are computed in int64 (see docs/design.md, "Element types").
  HostTensor t = value;
  if (isNarrowInt(t.dtype))
    t.dtype = DType::I64;
  auto type = tensorType(t.shape, reference::elementTypeOf(t.dtype, &ctx));
  Value v = b.create<g::ConstantOp>(loc, reference::toAttr(t, type));
  constantCache[v] = t;
  return v;
}

void GraphBuilder::recordNarrowTypes(const NodeDesc &n) {
  // ONNX gives most ops' output the type of input 0 (Where's: input 1's); these have their
  // own output type.
  static const std::set<std::string> ownType = {"Shape",  "Size",     "ArgMax",          "ArgMin",
                                                "NonZero", "OneHot",  "ConstantOfShape", "EyeLike",
                                                "Constant", "Cast",    "CastLike"};
  std::optional<DType> narrow;
  if (n.op == "Cast" || n.op == "CastLike") {
    // The converter's narrowing cast is followed by the widening one.
    Value v = values.at(n.outputs[0]);
    if (auto widen = v.getDefiningOp<g::CastOp>()) {
      Type from = typeOf(widen->getOperand(0)).getElementType();
      if (from.isInteger() && !from.isInteger(1) && !from.isInteger(64))
        narrow = reference::dtypeOf(from);
    }
  } else if (!ownType.count(n.op)) {
    size_t source = n.op == "Where" ? 1 : 0;
    if (source < n.inputs.size())
      if (auto it = narrowTypes.find(n.inputs[source]); it != narrowTypes.end())
        narrow = it->second;
  }
  size_t outputs = n.op == "Split" ? n.outputs.size() : std::min<size_t>(1, n.outputs.size());
  for (size_t i = 0; i < outputs; ++i) {
    auto v = values.find(n.outputs[i]);
    if (narrow && v != values.end() && typeOf(v->second).getElementType().isInteger(64))
      narrowTypes[n.outputs[i]] = *narrow;
    else
      narrowTypes.erase(n.outputs[i]);
  }
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
  for (Type t : op->getResultTypes())
    if (auto refusal = reserveConstant(llvm::cast<RankedTensorType>(t).getShape())) {
      constantRefusal = *refusal;
      return std::nullopt;
    }
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
  if (!hasInput(n, i))
    return fail(n, std::string(what) + " (input " + std::to_string(i) + ") is missing");
  constantRefusal.clear();
  auto c = constantValue(input(n, i));
  if (!c && !constantRefusal.empty())
    return fail(n, std::string(what) + " (input '" + n.inputs[i] +
                       "') cannot be computed at compile time: " + constantRefusal);
  if (!c)
    return fail(n, std::string(what) + " (input '" + n.inputs[i] +
                       "') must be a compile-time constant");
  return *c;
}

llvm::Expected<std::vector<int64_t>> GraphBuilder::constantInts(const NodeDesc &n, size_t i,
                                                               const char *what) {
  auto c = constantInput(n, i, what);
  if (!c)
    return c.takeError();
  if (c->isFloat())
    return fail(n, std::string(what) + " (input '" + n.inputs[i] + "') must be integers, not " +
                       dtypeName(c->dtype));
  return c->intValues();
}

llvm::Error GraphBuilder::checkConstantIndices(const NodeDesc &n, Value indices, int64_t size,
                                               const std::string &where) {
  auto c = constantValue(indices);
  if (!c || c->isFloat())
    return llvm::Error::success();
  for (int64_t k = 0; k < c->numElements(); ++k)
    if (c->i(k) < -size || c->i(k) >= size)
      return fail(n, "index " + std::to_string(c->i(k)) + " is out of range for " + where + " of size " +
                         std::to_string(size));
  return llvm::Error::success();
}

std::optional<std::string> GraphBuilder::reserveConstant(ArrayRef<int64_t> shape) {
  int64_t count = 1, total = 0;
  bool fits = true;
  for (int64_t d : shape)
    fits = fits && d >= 0 && !__builtin_mul_overflow(count, d, &count);
  fits = fits && !__builtin_add_overflow(constantElements, count, &total) &&
         total <= options.maxConstantElements;
  if (fits) {
    constantElements = total;
    return std::nullopt;
  }
  uint64_t limit = options.maxConstantElements;
  std::string limitStr = llvm::isPowerOf2_64(limit) ? "2^" + std::to_string(llvm::Log2_64(limit))
                                                    : std::to_string(limit);
  return "a compile-time tensor of shape " + shapeStr(shape) + " is too large (the compile-time " +
         "tensors the importer makes may hold " + limitStr + " elements in all)";
}

llvm::Error GraphBuilder::checkConstantSize(const NodeDesc &n, ArrayRef<int64_t> shape) {
  if (auto refusal = reserveConstant(shape))
    return fail(n, *refusal);
  return llvm::Error::success();
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
      {"Equal", &GB::convertBinary<g::EqualOp>},
      {"Less", &GB::convertBinary<g::LessOp>},
      {"LessOrEqual", &GB::convertBinary<g::LessEqualOp>},
      {"Greater", &GB::convertBinary<g::GreaterOp>},
      {"GreaterOrEqual", &GB::convertBinary<g::GreaterEqualOp>},
      {"And", &GB::convertBinary<g::AndOp>},
      {"Or", &GB::convertBinary<g::OrOp>},
      {"Xor", &GB::convertBinary<g::XorOp>},
      {"Not", &GB::convertUnary<g::NotOp>},
      {"Where", &GB::convertWhere},
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
#define STRATA_CONVERT_LIBM_OP(Op, fn, onnx) {onnx, &GB::convertUnary<g::Op>},
      STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_CONVERT_LIBM_OP)
#undef STRATA_CONVERT_LIBM_OP
      {"HardSwish", &GB::convertUnary<g::HardSwishOp>},
      {"Floor", &GB::convertUnary<g::FloorOp>},
      {"Ceil", &GB::convertUnary<g::CeilOp>},
      {"Round", &GB::convertUnary<g::RoundOp>},
      {"Sign", &GB::convertUnary<g::SignOp>},
      {"Reciprocal", &GB::convertDecomposed},
      {"Softsign", &GB::convertDecomposed},
      {"Softplus", &GB::convertDecomposed},
      {"LeakyRelu", &GB::convertDecomposed},
      {"PRelu", &GB::convertDecomposed},
      {"Elu", &GB::convertDecomposed},
      {"Selu", &GB::convertDecomposed},
      {"Mean", &GB::convertDecomposed},
      {"HardSigmoid", &GB::convertHardSigmoid},
      {"Clip", &GB::convertClip},
      {"Conv", &GB::convertConv},
      {"ConvTranspose", &GB::convertConvTranspose},
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
      {"ReduceMin", &GB::convertReduce},
      {"ReduceProd", &GB::convertReduce},
      {"ReduceL1", &GB::convertReduce},
      {"ReduceL2", &GB::convertReduce},
      {"ReduceSumSquare", &GB::convertReduce},
      {"ReduceLogSum", &GB::convertReduce},
      {"ReduceLogSumExp", &GB::convertReduce},
      {"LogSoftmax", &GB::convertSoftmax},
      {"ArgMax", &GB::convertArg},
      {"ArgMin", &GB::convertArg},
      {"LayerNormalization", &GB::convertLayerNorm},
      {"InstanceNormalization", &GB::convertInstanceNorm},
      {"LRN", &GB::convertLRN},
      {"ConstantOfShape", &GB::convertConstantOfShape},
      {"Size", &GB::convertSize},
      {"Range", &GB::convertRange},
      {"Split", &GB::convertSplit},
      {"Expand", &GB::convertExpand},
      {"Gather", &GB::convertGather},
      {"Tile", &GB::convertTile},
      {"Pad", &GB::convertPad},
      {"Resize", &GB::convertResize},
      {"Upsample", &GB::convertResize},
      {"DepthToSpace", [](GB &gb, const NodeDesc &n) { return gb.convertDepthSpace(n, true); }},
      {"SpaceToDepth", [](GB &gb, const NodeDesc &n) { return gb.convertDepthSpace(n, false); }},
      {"Reshape", &GB::convertReshape},
      {"Flatten", &GB::convertFlatten},
      {"Squeeze", [](GB &gb, const NodeDesc &n) { return gb.convertSqueeze(n, false); }},
      {"Unsqueeze", [](GB &gb, const NodeDesc &n) { return gb.convertSqueeze(n, true); }},
      {"Transpose", &GB::convertTranspose},
      {"Concat", &GB::convertConcat},
      {"Slice", &GB::convertSlice},
      {"Shape", &GB::convertShape},
      {"Cast", &GB::convertCast},
      {"CastLike", &GB::convertCast},
      {"Constant", &GB::convertConstant},
      {"Identity", &GB::convertIdentity},
      {"Dropout", &GB::convertDropout},
      {"Celu", &GB::convertExtraActivation},
      {"ThresholdedRelu", &GB::convertExtraActivation},
      {"Shrink", &GB::convertExtraActivation},
      {"IsNaN", &GB::convertIsNaNInf},
      {"IsInf", &GB::convertIsNaNInf},
      {"Mod", &GB::convertMod},
      {"Trilu", &GB::convertTrilu},
      {"EyeLike", &GB::convertEyeLike},
      {"OneHot", &GB::convertOneHot},
      {"Hardmax", &GB::convertHardmax},
      {"CumSum", &GB::convertCumSum},
      {"GatherElements", &GB::convertGatherElements},
      {"MeanVarianceNormalization", &GB::convertMeanVarianceNorm},
      {"LpNormalization", &GB::convertLpNorm},
      {"GlobalLpPool", &GB::convertLpNorm},
      {"GatherND", &GB::convertGatherND},
      {"TopK", &GB::convertTopK},
      {"ScatterElements", &GB::convertScatter},
      {"Scatter", &GB::convertScatter},
      {"ScatterND", &GB::convertScatter},
      {"ReverseSequence", &GB::convertReverseSequence},
  };
  return table;
}

std::string GraphBuilder::unreadAttribute(const NodeDesc &n) const {
  // Attributes that do not change an inference result, so a converter may
  // leave them unread.
  static const std::set<std::pair<std::string, std::string>> harmless = {
      {"Dropout", "seed"},                   // only used in training mode
      {"BatchNormalization", "momentum"},    // updates running stats, training only
      {"BatchNormalization", "is_test"},     // opset < 7: inference either way here
      {"LayerNormalization", "stash_type"},  // precision of the mean/variance (float32 here)
      {"Range", "stash_type"},               // opset 27: precision for float16/bfloat16 only
      {"Cast", "saturate"},                  // opset 19: for float8 targets only (never here)
      {"CastLike", "saturate"},
      {"Cast", "round_mode"},                // opset 24: for float8e8m0 targets only
      {"CastLike", "round_mode"},
  };
  for (const auto &[key, value] : n.attrs) {
    // Before opset 6, many ops had consumed_inputs, a hint for in-place updates.
    if (key == "consumed_inputs" && model.opset < 6)
      continue;
    if (!attrsRead.count(key) && !harmless.count({n.op, key}))
      return key;
  }
  return "";
}

/// Inputs an op cannot do without (later ones are optional).
static size_t requiredInputs(const std::string &op, int64_t opset) {
  static const std::map<std::string, size_t> counts = {
      {"Add", 2}, {"Sub", 2}, {"Mul", 2}, {"Div", 2}, {"Pow", 2}, {"Conv", 2}, {"ConvTranspose", 2},
      {"BatchNormalization", 5}, {"MatMul", 2}, {"Gemm", 2}, {"PRelu", 2}, {"Constant", 0},
      {"Expand", 2}, {"Gather", 2}, {"Equal", 2}, {"Less", 2}, {"LessOrEqual", 2},
      {"Greater", 2}, {"GreaterOrEqual", 2}, {"And", 2}, {"Or", 2}, {"Xor", 2}, {"Where", 3},
      {"CastLike", 2}, {"Tile", 2}, {"Range", 3},
      {"LayerNormalization", 2}, {"InstanceNormalization", 3},
      {"Mod", 2}, {"OneHot", 3}, {"CumSum", 2}, {"GatherElements", 2},
      {"GatherND", 2}, {"ScatterElements", 3}, {"Scatter", 3}, {"ScatterND", 3}, {"ReverseSequence", 2}};
  if (op == "Reshape")
    return opset >= 5 ? 2 : 1;
  if (op == "Slice")
    return opset >= 10 ? 3 : 1;
  if (op == "TopK")
    return opset >= 10 ? 2 : 1;
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
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    auto since = inputIntroducedIn(n.op, i);
    if (!n.inputs[i].empty() && since && model.opset < *since)
      return fail(n, "input " + std::to_string(i) + " ('" + n.inputs[i] + "') is not an input of " + n.op +
                         " before opset " + std::to_string(*since) + " (the model imports opset " +
                         std::to_string(model.opset) + ")");
  }
  for (const std::string &name : n.inputs)
    if (!name.empty() && !values.count(name))
      return fail(n, "input '" + name + "' is not defined before this node");
  return llvm::Error::success();
}

/// Static shapes beyond 2^40 elements (a 0 dim counted as 1) are refused: no machine holds
/// such a tensor, and below it the int64 shape arithmetic of converters and passes (element
/// counts, strides, sums of dims) cannot overflow.
static bool tooLarge(ArrayRef<int64_t> shape) {
  constexpr int64_t kMaxElements = int64_t(1) << 40;
  int64_t count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, std::max<int64_t>(d, 1), &count) || count > kMaxElements)
      return true;
  return false;
}

static std::string tooLargeMessage(const std::string &what, ArrayRef<int64_t> shape) {
  return what + " has shape " + shapeStr(shape) + ", more than 2^40 elements";
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
    if (tooLarge(shape))
      return fail(tooLargeMessage("input '" + in.name + "'", shape));
    types.push_back(tensorType(shape, reference::elementTypeOf(in.dtype, &ctx)));
  }
  return types;
}

void GraphBuilder::warnIfDeclaredDiffers(const std::string &output, Value result) const {
  auto declaredShape = model.outputShapes.find(output);
  auto declaredType = model.outputTypes.find(output);
  DType inferredType = reference::dtypeOf(typeOf(result).getElementType());
  ArrayRef<int64_t> inferred = shapeOf(result);
  bool shapeDiffers = false;
  if (declaredShape != model.outputShapes.end()) {
    const std::vector<int64_t> &d = declaredShape->second;
    shapeDiffers = d.size() != inferred.size();
    for (size_t i = 0; !shapeDiffers && i < d.size(); ++i)
      shapeDiffers = d[i] >= 0 && d[i] != inferred[i];
  }
  bool typeDiffers = declaredType != model.outputTypes.end() && declaredType->second != inferredType;
  if (!shapeDiffers && !typeDiffers)
    return;
  auto describe = [](const std::string &shape, DType t) { return shape + " " + dtypeName(t); };
  llvm::errs() << model.path << ": warning: output '" << output << "' is declared as "
               << describe(declaredShape != model.outputShapes.end() ? shapeStr(declaredShape->second) : "?",
                           typeDiffers ? declaredType->second : inferredType)
               << " but Strata infers " << describe(shapeStr(inferred), inferredType) << "\n";
}

llvm::Expected<OwningOpRef<ModuleOp>> GraphBuilder::build() {
  if (auto err = checkStructure(model))
    return std::move(err);
  if (auto err = frontend::checkSupported(model))
    return std::move(err);
  auto argTypes = inputTypes();
  if (!argTypes)
    return argTypes.takeError();

  OwningOpRef<ModuleOp> module = ModuleOp::create(FileLineColLoc::get(&ctx, model.path, 0, 0));
  b.setInsertionPointToEnd(module->getBody());
  auto fn = b.create<func::FuncOp>(loc, "main", b.getFunctionType(*argTypes, {}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    Value arg = entry->getArgument(i);
    fn.setArgAttr(i, "strata.name", b.getStringAttr(model.inputs[i].name));
    // Narrow integer inputs are widened on entry: inside, they are computed in int64.
    if (isNarrowInt(model.inputs[i].dtype)) {
      arg = b.create<g::CastOp>(loc, tensorType(shapeOf(arg), b.getI64Type()), arg);
      narrowTypes[model.inputs[i].name] = model.inputs[i].dtype;
    }
    values[model.inputs[i].name] = arg;
  }
  for (auto &[name, t] : model.initializers) {
    if (tooLarge(t.shape)) // possible with a 0 dim: no data
      return fail(tooLargeMessage("initializer '" + name + "'", t.shape));
    values[name] = constant(t);
    if (isNarrowInt(t.dtype))
      narrowTypes[name] = t.dtype;
  }

  // A node that cannot be converted does not stop the import: the others are
  // still checked, so that every problem is reported at once. Nodes that
  // depend on a failed one are skipped (their problem is a consequence).
  std::vector<std::string> problems;
  std::set<std::string> failedValues;
  for (const NodeDesc &n : model.nodes) {
    loc = NameLoc::get(b.getStringAttr(n.name));
    bool dependsOnFailure =
        llvm::any_of(n.inputs, [&](const std::string &in) { return failedValues.count(in); });
    llvm::Error err = dependsOnFailure ? llvm::Error::success() : checkInputs(n);
    attrsRead.clear();
    if (!dependsOnFailure && !err)
      err = converters().at(n.op)(*this, n);
    for (size_t i = 0; !dependsOnFailure && !err && i < n.outputs.size(); ++i) {
      auto it = values.find(n.outputs[i]);
      if (it != values.end() && tooLarge(shapeOf(it->second)))
        err = fail(n, tooLargeMessage("output '" + n.outputs[i] + "'", shapeOf(it->second)));
    }
    if (!dependsOnFailure && !err) {
      std::string unread = unreadAttribute(n);
      if (!unread.empty())
        err = fail(n, "attribute '" + unread + "' is not supported");
    }
    if (!dependsOnFailure && !err) {
      recordNarrowTypes(n);
      continue;
    }
    if (err) {
      std::string msg = llvm::toString(std::move(err));
      llvm::StringRef rest(msg);
      problems.push_back(rest.consume_front(model.path + ": ") ? rest.str() : msg);
    }
    failedValues.insert(n.outputs.begin(), n.outputs.end());
  }
  if (problems.size() == 1)
    return fail(problems[0]);
  if (!problems.empty()) {
    std::string msg = std::to_string(problems.size()) + " nodes cannot be imported: ";
    for (size_t i = 0; i < problems.size(); ++i)
      msg += (i ? "; " : "") + problems[i];
    return fail(msg);
  }

  SmallVector<Value> results;
  for (const std::string &out : model.outputs) {
    auto it = values.find(out);
    if (it == values.end())
      return fail("output '" + out + "' is not produced by any node");
    Value result = it->second;
    // Outputs declared as narrow integers are narrowed back on exit; so are undeclared ones
    // whose logical type is narrow.
    auto declared = model.outputTypes.find(out);
    if (declared != model.outputTypes.end() && isNarrowInt(declared->second) &&
        typeOf(result).getElementType().isInteger(64))
      result = b.create<g::CastOp>(
          loc, tensorType(shapeOf(result), reference::elementTypeOf(declared->second, &ctx)), result);
    else if (auto narrow = narrowTypes.find(out); narrow != narrowTypes.end() &&
             declared == model.outputTypes.end() && typeOf(result).getElementType().isInteger(64))
      result = b.create<g::CastOp>(
          loc, tensorType(shapeOf(result), reference::elementTypeOf(narrow->second, &ctx)), result);
    warnIfDeclaredDiffers(out, result);
    results.push_back(result);
  }
  loc = UnknownLoc::get(&ctx);
  b.create<func::ReturnOp>(loc, results);
  fn.setType(b.getFunctionType(*argTypes, ValueRange(results).getTypes()));
  for (size_t i = 0; i < model.outputs.size(); ++i)
    fn.setResultAttr(i, "strata.name", b.getStringAttr(model.outputs[i]));

  {
    FirstDiagnostic diag(ctx);
    if (failed(verify(*module)))
      return fail(diag.message("the imported graph does not verify"));
  }
  return module;
}

} // namespace detail

using detail::GraphBuilder;
using detail::shapeStr;
using namespace mlir;
namespace g = strata::graph;

llvm::Error checkSupported(const ModelDesc &model) {
  if (auto err = checkOpset(model))
    return err;
  std::map<std::string, std::vector<std::string>> unsupported; // op -> node names
  for (const NodeDesc &n : model.nodes)
    if (isDefaultDomain(n.domain) && !detail::GraphBuilder::converters().count(n.op))
      unsupported[n.op].push_back(n.name);
  std::string domains = otherDomainNodes(model);
  if (unsupported.empty() && model.unsupportedTypes.empty() && domains.empty())
    return llvm::Error::success();
  std::vector<std::string> parts;
  if (!model.unsupportedTypes.empty()) {
    std::string msg = "unsupported element type" + std::string(model.unsupportedTypes.size() > 1 ? "s" : "") +
                      " (Strata supports float32, int64, int32, int16, int8, uint32, uint16, uint8, bool): ";
    for (size_t i = 0; i < model.unsupportedTypes.size(); ++i)
      msg += (i ? ", " : "") + model.unsupportedTypes[i];
    parts.push_back(msg);
  }
  if (!domains.empty())
    parts.push_back(domains);
  if (!unsupported.empty()) {
    std::string msg = "unsupported ONNX op" + std::string(unsupported.size() > 1 ? "s" : "") + ": ";
    bool first = true;
    for (auto &[op, nodes] : unsupported) {
      msg += (first ? "'" : ", '") + op + "' at node" + (nodes.size() > 1 ? "s " : " ");
      first = false;
      std::vector<std::string> quoted;
      for (const std::string &name : nodes)
        quoted.push_back("'" + name + "'");
      msg += firstFew(quoted);
    }
    parts.push_back(msg);
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(), model.path + ": " + llvm::join(parts, "; "));
}

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