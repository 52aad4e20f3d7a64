//===- Interpreter.cpp - dispatch, blocks, functions, attributes ----------===//
//
// The driver of the reference interpreter: converts attributes, checks
// operand values against the IR, dispatches each graph op to its family's
// loops (Elementwise.cpp, NN.cpp, Shape.cpp), and runs blocks (function
// bodies and graph.kernel regions) value by value.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/reference/Interpreter.h"
#include "dialects/graph/reference/Kernels.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstring>
#include <type_traits>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference {

//===----------------------------------------------------------------------===//
// Shared helpers (Kernels.h)
//===----------------------------------------------------------------------===//

namespace detail {

Shape shapeOf(Value v) {
  auto s = llvm::cast<ShapedType>(v.getType()).getShape();
  return Shape(s.begin(), s.end());
}

DType dtypeOf(Value v) { return reference::dtypeOf(llvm::cast<ShapedType>(v.getType()).getElementType()); }

HostTensor tensorFor(Value v) { return HostTensor(dtypeOf(v), shapeOf(v)); }

Shape stridesOf(const Shape &shape) {
  Shape s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    s[d - 1] = s[d] * shape[d];
  return s;
}

AxisSplit splitAt(const Shape &shape, int64_t axis) {
  AxisSplit s;
  s.n = shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    s.outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    s.inner *= shape[d];
  return s;
}

Shape broadcastStrides(const Shape &in, const Shape &out, int64_t elementStride) {
  Shape contiguous = stridesOf(in), s(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d)
    s[lead + d] = in[d] == 1 ? 0 : contiguous[d] * elementStride;
  return s;
}

static std::string locStr(Location loc) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << loc;
  return s;
}

llvm::Error opError(Operation *op, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "reference: '" + op->getName().getStringRef() + "' at " +
                                     locStr(op->getLoc()) + ": " + msg);
}

} // namespace detail

using namespace detail;

//===----------------------------------------------------------------------===//
// Attribute conversion
//===----------------------------------------------------------------------===//

/// Reads t.numElements() values of T from (possibly unaligned) raw data.
template <typename T>
static void copyRaw(HostTensor &t, const char *data) {
  for (int64_t i = 0; i < t.numElements(); ++i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    if constexpr (std::is_floating_point_v<T>)
      t.setF(i, v);
    else
      t.setI(i, v);
  }
}

DType dtypeOf(Type elementType) {
  if (elementType.isF32())
    return DType::F32;
  if (elementType.isInteger(1))
    return DType::Bool;
  bool isUnsigned = elementType.isUnsignedInteger();
  switch (elementType.getIntOrFloatBitWidth()) {
  case 8: return isUnsigned ? DType::U8 : DType::I8;
  case 16: return isUnsigned ? DType::U16 : DType::I16;
  case 32: return isUnsigned ? DType::U32 : DType::I32;
  default: assert(elementType.isInteger(64) && "dtypeOf: not a graph element type"); return DType::I64;
  }
}

Type elementTypeOf(DType dtype, MLIRContext *ctx) {
  auto uint = [&](unsigned bits) { return IntegerType::get(ctx, bits, IntegerType::Unsigned); };
  switch (dtype) {
  case DType::F32: return Float32Type::get(ctx);
  case DType::I64: return IntegerType::get(ctx, 64);
  case DType::I32: return IntegerType::get(ctx, 32);
  case DType::Bool: return IntegerType::get(ctx, 1);
  case DType::I8: return IntegerType::get(ctx, 8);
  case DType::U8: return uint(8);
  case DType::I16: return IntegerType::get(ctx, 16);
  case DType::U16: return uint(16);
  case DType::U32: return uint(32);
  }
  return {};
}

llvm::Expected<HostTensor> tryFromAttr(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  Type elem = type.getElementType();
  auto error = [&](const std::string &msg) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "reference: cannot read constant of type " << type << ": " << msg;
    return llvm::createStringError(llvm::inconvertibleErrorCode(), s);
  };
  if (!elem.isF32() && !elem.isInteger(64) && !elem.isInteger(32) && !elem.isInteger(16) &&
      !elem.isInteger(8) && !elem.isInteger(1))
    return error("only f32 and i64, i32, i16, i8, i1 integers are supported");
  bool isFloat = elem.isF32();
  HostTensor t(dtypeOf(elem), Shape(type.getShape().begin(), type.getShape().end()));
  auto dense = llvm::dyn_cast<DenseIntOrFPElementsAttr>(attr);
  // i1 data is bit-packed and narrow integers are rare: those go element by element below.
  if (dense && (isFloat || elem.isInteger(64))) {
    // Raw data: much faster than per-element APFloat access for large weights.
    // A splat stores one element.
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      HostTensor one(t.dtype, {1});
      isFloat ? copyRaw<float>(one, raw.data()) : copyRaw<int64_t>(one, raw.data());
      t.fill(one);
    } else {
      isFloat ? copyRaw<float>(t, raw.data()) : copyRaw<int64_t>(t, raw.data());
    }
    return t;
  }
  if (auto res = llvm::dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    auto data = res.tryGetAsArrayRef();
    if (!data || (int64_t)data->size() != t.numElements())
      return error("the resource blob is missing or has the wrong size");
    copyRaw<float>(t, (const char *)data->data());
    return t;
  }
  if (auto res = llvm::dyn_cast<DenseI64ResourceElementsAttr>(attr)) {
    auto data = res.tryGetAsArrayRef();
    if (!data || (int64_t)data->size() != t.numElements())
      return error("the resource blob is missing or has the wrong size");
    copyRaw<int64_t>(t, (const char *)data->data());
    return t;
  }
  // Any other ElementsAttr: element by element.
  int64_t i = 0;
  if (isFloat) {
    auto values = attr.tryGetValues<APFloat>();
    if (!values)
      return error("its elements cannot be read");
    for (APFloat v : *values)
      t.setF(i++, v.convertToFloat());
  } else {
    auto values = attr.tryGetValues<APInt>();
    if (!values)
      return error("its elements cannot be read");
    bool zeroExtend = elem.isInteger(1) || elem.isUnsignedInteger();
    for (APInt v : *values)
      t.setI(i++, zeroExtend ? (int64_t)v.getZExtValue() : v.getSExtValue());
  }
  return t;
}

HostTensor fromAttr(ElementsAttr attr) {
  auto t = tryFromAttr(attr);
  if (!t)
    llvm::report_fatal_error(llvm::Twine(llvm::toString(t.takeError())), /*gen_crash_diag=*/false);
  return std::move(*t);
}

DenseElementsAttr toAttr(const HostTensor &t, RankedTensorType type) {
  assert(type.getNumElements() == t.numElements() && "toAttr: element count differs from the type");
  // DenseElementsAttr::get stores a splat when all elements are equal.
  if (t.isFloat())
    return DenseElementsAttr::get(type, ArrayRef<float>(t.floatValues()));
  Type elem = type.getElementType();
  if (elem.isInteger(1)) {
    llvm::SmallVector<bool> data(t.numElements());
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = t.i(i) != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(data));
  }
  if (!elem.isInteger(64)) { // narrow integers
    unsigned bits = elem.getIntOrFloatBitWidth();
    std::vector<APInt> data;
    for (int64_t v : t.intValues())
      data.push_back(APInt(64, (uint64_t)v).trunc(bits));
    return DenseElementsAttr::get(type, data);
  }
  return DenseElementsAttr::get(type, ArrayRef<int64_t>(t.intValues()));
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {

llvm::Expected<std::vector<HostTensor>> runBlock(Block &block, ArrayRef<HostTensor> args);

llvm::Error unsupported(Operation *op) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "reference: unsupported op '" + op->getName().getStringRef() +
                                     "' at " + locStr(op->getLoc()));
}

/// Graph dialect ops other than graph.yield (which only its kernel runs).
bool isGraphOp(Operation *op) {
  return op->getDialect() && llvm::isa<g::GraphDialect>(op->getDialect()) &&
         !llvm::isa<g::YieldOp>(op);
}

/// Checks operand values against the op's operand types.
llvm::Error checkOperands(Operation *op, ArrayRef<HostTensor> in) {
  if (!isGraphOp(op))
    return unsupported(op);
  if (in.size() != op->getNumOperands())
    return opError(op, "expected " + std::to_string(op->getNumOperands()) + " operands, got " +
                           std::to_string(in.size()));
  if (llvm::isa<g::ShapeOp>(op)) // reads only the static type; its operand value may be empty
    return llvm::Error::success();
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    if (!llvm::isa<RankedTensorType>(v.getType()))
      return opError(op, "operand " + std::to_string(i) + " is not a ranked tensor");
    if (in[i].shape != shapeOf(v))
      return opError(op, "operand " + std::to_string(i) + " has shape " + shapeStr(in[i].shape) +
                             " but the op expects " + shapeStr(shapeOf(v)));
    if (in[i].dtype != dtypeOf(v))
      return opError(op, "operand " + std::to_string(i) + " has element type " +
                             dtypeName(in[i].dtype) + " but the op expects " +
                             dtypeName(dtypeOf(v)));
    if (in[i].numElements() != HostTensor::numElements(in[i].shape))
      return opError(op, "operand " + std::to_string(i) + " holds " +
                             std::to_string(in[i].numElements()) + " values for shape " +
                             shapeStr(in[i].shape));
  }
  return llvm::Error::success();
}

/// One op, operands already checked: one function per op family.
llvm::Expected<std::vector<HostTensor>> dispatch(Operation *op, ArrayRef<HostTensor> in) {
  if (auto kernel = llvm::dyn_cast<g::KernelOp>(op))
    return runBlock(kernel.getBody().front(), in);
  using R = llvm::Expected<HostTensor>;
  R result =
      llvm::TypeSwitch<Operation *, R>(op)
          .Case([&](g::ConstantOp c) -> R { return tryFromAttr(c.getValue()); })
          .Case<g::AddOp, g::SubOp, g::MulOp, g::DivOp, g::PowOp, g::MaxOp, g::MinOp, g::EqualOp,
                g::LessOp, g::LessEqualOp, g::GreaterOp, g::GreaterEqualOp, g::AndOp, g::OrOp, g::XorOp>(
              [&](auto) -> R { return evalBinary(op, in[0], in[1]); })
          .Case<g::ReluOp, g::SigmoidOp, g::TanhOp, g::ExpOp, g::LogOp, g::SqrtOp, g::NegOp,
                g::AbsOp, g::NotOp, g::ErfOp, g::FloorOp, g::CeilOp, g::RoundOp, g::SignOp, g::HardSwishOp,
                g::ClipOp, g::HardSigmoidOp>(
              [&](auto) -> R { return evalUnary(op, in[0]); })
#define STRATA_DISPATCH_LIBM_OP(Op, fn, onnx) .Case([&](g::Op) -> R { return evalUnary(op, in[0]); })
          STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_DISPATCH_LIBM_OP)
#undef STRATA_DISPATCH_LIBM_OP
          .Case([&](g::CastOp) -> R { return evalCast(op, in[0]); })
          .Case([&](g::WhereOp) -> R { return evalWhere(op, in[0], in[1], in[2]); })
          .Case([&](g::Conv2DOp) -> R { return evalConv2D(op, in); })
          .Case([&](g::MatMulOp) -> R { return evalMatMul(op, in[0], in[1]); })
          .Case([&](g::MatMulPackedOp) -> R { return evalMatMulPacked(op, in[0], in[1]); })
          .Case([&](g::BatchNormOp) -> R { return evalBatchNorm(op, in); })
          .Case<g::MaxPoolOp, g::AvgPoolOp>([&](auto) -> R { return evalPool(op, in[0]); })
          .Case([&](g::SoftmaxOp) -> R { return evalSoftmax(op, in[0]); })
          .Case<g::ReduceSumOp, g::ReduceMeanOp, g::ReduceMaxOp, g::ReduceProdOp>(
              [&](auto) -> R { return evalReduce(op, in[0]); })
          .Case<g::ArgMaxOp, g::ArgMinOp>([&](auto) -> R { return evalArg(op, in[0]); })
          .Case([&](g::ReshapeOp) -> R { return evalReshape(op, in[0]); })
          .Case([&](g::TransposeOp) -> R { return evalTranspose(op, in[0]); })
          .Case([&](g::ConcatOp) -> R { return evalConcat(op, in); })
          .Case([&](g::SliceOp) -> R { return evalSlice(op, in[0]); })
          .Case([&](g::ExpandOp) -> R { return evalExpand(op, in[0]); })
          .Case([&](g::GatherOp) -> R { return evalGather(op, in[0], in[1]); })
          .Case([&](g::ShapeOp) -> R { return evalShape(op); })
          .Default([&](Operation *) -> R { return unsupported(op); });
  if (!result)
    return result.takeError();
  // Every non-kernel graph op has one result; a mismatch here is a bug in the loops.
  Value r = op->getResult(0);
  if (result->shape != shapeOf(r) || result->dtype != dtypeOf(r) ||
      result->numElements() != HostTensor::numElements(result->shape))
    return opError(op, "internal error: computed a " + std::string(dtypeName(result->dtype)) + " " +
                           shapeStr(result->shape) + " result for " + dtypeName(dtypeOf(r)) + " " +
                           shapeStr(shapeOf(r)));
  std::vector<HostTensor> results;
  results.push_back(std::move(*result));
  return results;
}

/// Runs a block (a function body or a kernel region) on its argument values
/// and returns its terminator's operands. A value is moved out of the
/// environment at its last use and freed, so memory stays at the live set.
llvm::Expected<std::vector<HostTensor>> runBlock(Block &block, ArrayRef<HostTensor> args) {
  llvm::DenseMap<Value, Operation *> lastUser;
  for (Operation &op : block)
    for (Value v : op.getOperands())
      lastUser[v] = &op;
  llvm::DenseMap<Value, HostTensor> env;
  for (auto [arg, t] : llvm::zip(block.getArguments(), args))
    env[arg] = t;
  for (Operation &op : block) {
    std::vector<HostTensor> operands;
    operands.reserve(op.getNumOperands());
    for (auto [i, v] : llvm::enumerate(op.getOperands())) {
      auto it = env.find(v);
      if (it == env.end())
        return opError(&op, "operand " + std::to_string(i) + " is not defined in this block");
      bool usedLater = lastUser[v] != &op ||
                       llvm::is_contained(op.getOperands().drop_front(i + 1), v);
      if (usedLater) {
        operands.push_back(it->second);
      } else {
        operands.push_back(std::move(it->second));
        env.erase(it);
      }
    }
    if (op.hasTrait<OpTrait::IsTerminator>())
      return operands;
    if (auto err = checkOperands(&op, operands))
      return std::move(err);
    auto results = dispatch(&op, operands);
    if (!results)
      return results.takeError();
    for (auto [res, t] : llvm::zip(op.getResults(), *results))
      env[res] = std::move(t);
  }
  return opError(block.getParentOp(), "its block has no terminator");
}

/// Verifies `op` (and what it holds), turning the first error diagnostic into
/// "reference: <what> does not verify: <location>: <message>".
llvm::Error verifyForRun(Operation *op, const std::string &what) {
  std::string message;
  ScopedDiagnosticHandler handler(op->getContext(), [&](Diagnostic &diag) {
    if (message.empty() && diag.getSeverity() == DiagnosticSeverity::Error)
      message = locStr(diag.getLocation()) + ": " + diag.str();
    return success();
  });
  if (succeeded(mlir::verify(op)))
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "reference: " + what + " does not verify: " + message);
}

std::string plural(size_t n, const char *noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<HostTensor>> evaluateOp(Operation *op, ArrayRef<HostTensor> operands) {
  if (auto err = checkOperands(op, operands))
    return std::move(err);
  if (auto err = verifyForRun(op, "'" + op->getName().getStringRef().str() + "' at " +
                                         locStr(op->getLoc())))
    return std::move(err);
  return dispatch(op, operands);
}

llvm::Expected<std::vector<HostTensor>> runFunction(func::FuncOp fn, ArrayRef<HostTensor> inputs) {
  auto error = [](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "reference: " + msg);
  };
  if (fn.isExternal())
    return error("function @" + fn.getSymName().str() + " has no body");
  if (auto err = verifyForRun(fn, "function @" + fn.getSymName().str()))
    return std::move(err);
  Block &body = fn.getBody().front();
  if (inputs.size() != body.getNumArguments())
    return error("the function takes " + plural(body.getNumArguments(), "input") + ", got " +
                 std::to_string(inputs.size()));
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    std::string which = "input " + std::to_string(i);
    if (!llvm::isa<RankedTensorType>(arg.getType()))
      return error(which + " is not a ranked tensor in the function");
    if (inputs[i].shape != shapeOf(arg))
      return error(which + " has shape " + shapeStr(inputs[i].shape) + " but the function expects " +
                   shapeStr(shapeOf(arg)));
    if (inputs[i].dtype != dtypeOf(arg))
      return error(which + " has element type " + dtypeName(inputs[i].dtype) +
                   " but the function expects " + dtypeName(dtypeOf(arg)));
    if (inputs[i].numElements() != HostTensor::numElements(inputs[i].shape))
      return error(which + " holds " + std::to_string(inputs[i].numElements()) +
                   " values for shape " + shapeStr(inputs[i].shape));
  }
  return runBlock(body, inputs);
}

} // namespace strata::reference
