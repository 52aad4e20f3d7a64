//===- Interpreter.cpp - plain loops per graph op -------------------------===//
#include "compiler/reference/Interpreter.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Block.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference {

//===----------------------------------------------------------------------===//
// Attribute conversion
//===----------------------------------------------------------------------===//

HostTensor fromAttr(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  bool isFloat = type.getElementType().isF32();
  HostTensor t(isFloat ? DType::F32 : DType::I64,
               std::vector<int64_t>(type.getShape().begin(), type.getShape().end()));
  auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
  if (dense && !dense.isSplat()) {
    // Raw data: much faster than per-element APFloat access for large weights.
    ArrayRef<char> raw = dense.getRawData();
    for (int64_t i = 0; i < t.numElements(); ++i) {
      if (isFloat) {
        float v;
        std::memcpy(&v, raw.data() + i * 4, 4);
        t.values[i] = v;
      } else {
        int64_t v;
        std::memcpy(&v, raw.data() + i * 8, 8);
        t.values[i] = (double)v;
      }
    }
    return t;
  }
  int64_t i = 0;
  if (isFloat)
    for (APFloat v : attr.getValues<APFloat>())
      t.values[i++] = v.convertToFloat();
  else
    for (APInt v : attr.getValues<APInt>())
      t.values[i++] = (double)v.getSExtValue();
  if (i == 1 && t.numElements() > 1) // a splat that iterated once
    std::fill(t.values.begin(), t.values.end(), t.values[0]);
  return t;
}

DenseElementsAttr toAttr(const HostTensor &t, RankedTensorType type) {
  if (t.dtype == DType::F32) {
    std::vector<float> data(t.values.begin(), t.values.end());
    return DenseElementsAttr::get(type, ArrayRef<float>(data));
  }
  std::vector<int64_t> data;
  data.reserve(t.values.size());
  for (double v : t.values)
    data.push_back((int64_t)v);
  return DenseElementsAttr::get(type, ArrayRef<int64_t>(data));
}

namespace {

llvm::Error fail(Operation *op, const std::string &msg) {
  std::string where;
  llvm::raw_string_ostream os(where);
  os << op->getLoc();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "reference: '" + op->getName().getStringRef().str() + "' at " +
                                     where + ": " + msg);
}

std::vector<int64_t> shapeOf(Value v) {
  auto s = llvm::cast<RankedTensorType>(v.getType()).getShape();
  return std::vector<int64_t>(s.begin(), s.end());
}

DType dtypeOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getElementType().isF32() ? DType::F32
                                                                             : DType::I64;
}

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = (int)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// Calls fn(outIndex, coords) for every element of `shape`, in row-major order.
void forEach(const std::vector<int64_t> &shape,
             const std::function<void(int64_t, const std::vector<int64_t> &)> &fn) {
  int64_t n = HostTensor::numElements(shape);
  std::vector<int64_t> c(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(i, c);
    for (int d = (int)shape.size() - 1; d >= 0; --d) {
      if (++c[d] < shape[d])
        break;
      c[d] = 0;
    }
  }
}

/// Flat index into `in` for output coordinates under numpy broadcasting.
int64_t broadcastIndex(const HostTensor &in, const std::vector<int64_t> &strides,
                       const std::vector<int64_t> &coords) {
  size_t offset = coords.size() - in.shape.size();
  int64_t idx = 0;
  for (size_t d = 0; d < in.shape.size(); ++d)
    if (in.shape[d] != 1)
      idx += coords[d + offset] * strides[d];
  return idx;
}

HostTensor binary(Value result, const HostTensor &a, const HostTensor &b,
                  const std::function<double(double, double)> &fn) {
  HostTensor out(dtypeOf(result), shapeOf(result));
  auto sa = stridesOf(a.shape), sb = stridesOf(b.shape);
  forEach(out.shape, [&](int64_t i, const std::vector<int64_t> &c) {
    out.set(i, fn(a.values[broadcastIndex(a, sa, c)], b.values[broadcastIndex(b, sb, c)]));
  });
  return out;
}

HostTensor unary(Value result, const HostTensor &a, const std::function<double(double)> &fn) {
  HostTensor out(dtypeOf(result), shapeOf(result));
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.set(i, fn(a.values[i]));
  return out;
}

double intDiv(double a, double b) { // ONNX integer Div truncates
  return b == 0 ? 0 : std::trunc(a / b);
}

HostTensor conv2d(g::Conv2DOp op, ArrayRef<HostTensor> in) {
  const HostTensor &x = in[0], &w = in[1];
  HostTensor out(DType::F32, shapeOf(op.getResult()));
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t O = out.shape[1], OH = out.shape[2], OW = out.shape[3];
  int64_t KH = w.shape[2], KW = w.shape[3], groups = op.getGroups();
  int64_t cg = C / groups, og = O / groups;
  auto s = op.getStrides(), p = op.getPads(), d = op.getDilations();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      int64_t grp = o / og;
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double acc = in.size() > 2 ? in[2].values[o] : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < KH; ++ky) {
              int64_t iy = oy * s[0] - p[0] + ky * d[0];
              if (iy < 0 || iy >= H)
                continue;
              for (int64_t kx = 0; kx < KW; ++kx) {
                int64_t ix = ox * s[1] - p[1] + kx * d[1];
                if (ix < 0 || ix >= W)
                  continue;
                acc += x.values[((n * C + grp * cg + ci) * H + iy) * W + ix] *
                       w.values[((o * cg + ci) * KH + ky) * KW + kx];
              }
            }
          out.set(((n * O + o) * OH + oy) * OW + ox, acc);
        }
    }
  return out;
}

HostTensor matmul(g::MatMulOp op, const HostTensor &a, const HostTensor &b) {
  HostTensor out(DType::F32, shapeOf(op.getResult()));
  size_t rank = out.shape.size();
  int64_t M = out.shape[rank - 2], N = out.shape[rank - 1], K = a.shape.back();
  std::vector<int64_t> batchShape(out.shape.begin(), out.shape.end() - 2);
  auto batchOffset = [&](const HostTensor &t, const std::vector<int64_t> &bc) {
    size_t tb = t.shape.size() - 2, offset = bc.size() - tb;
    int64_t idx = 0;
    for (size_t dd = 0; dd < tb; ++dd)
      idx = idx * t.shape[dd] + (t.shape[dd] == 1 ? 0 : bc[dd + offset]);
    return idx * t.shape[tb] * t.shape[tb + 1];
  };
  forEach(batchShape, [&](int64_t bi, const std::vector<int64_t> &bc) {
    int64_t ao = batchOffset(a, bc), bo = batchOffset(b, bc);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += a.values[ao + i * K + k] * b.values[bo + k * N + j];
        out.set((bi * M + i) * N + j, acc);
      }
  });
  return out;
}

HostTensor pool(Operation *op, const HostTensor &x, bool isMax, ArrayRef<int64_t> kernel,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads, ArrayRef<int64_t> dil,
                bool countIncludePad) {
  HostTensor out(DType::F32, shapeOf(op->getResult(0)));
  int64_t H = x.shape[2], W = x.shape[3], OH = out.shape[2], OW = out.shape[3];
  for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < kernel[0]; ++ky)
          for (int64_t kx = 0; kx < kernel[1]; ++kx) {
            int64_t iy = oy * strides[0] - pads[0] + ky * dil[0];
            int64_t ix = ox * strides[1] - pads[1] + kx * dil[1];
            bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            // Padding cells count for count_include_pad, cells past the padding never do.
            bool inPadded = iy >= -pads[0] && iy < H + pads[2] && ix >= -pads[1] && ix < W + pads[3];
            if (inside) {
              double v = x.values[(nc * H + iy) * W + ix];
              acc = isMax ? std::max(acc, v) : acc + v;
            }
            if (countIncludePad ? inPadded : inside)
              ++count;
          }
        out.set((nc * OH + oy) * OW + ox, isMax ? acc : (count ? acc / count : 0.0));
      }
  return out;
}

HostTensor reduce(Operation *op, const HostTensor &x, ArrayRef<int64_t> axes, char kind) {
  HostTensor out(DType::F32, shapeOf(op->getResult(0)));
  double init = kind == 'x' ? -std::numeric_limits<double>::infinity() : kind == 'p' ? 1.0 : 0.0;
  std::vector<double> acc(out.numElements(), init);
  // Output flat index of each input element: drop (or zero) the reduced coordinates.
  std::vector<int64_t> keptShape;
  for (int64_t d = 0; d < x.rank(); ++d)
    keptShape.push_back(llvm::is_contained(axes, d) ? 1 : x.shape[d]);
  auto keptStrides = stridesOf(keptShape);
  int64_t count = 1;
  for (int64_t a : axes)
    count *= x.shape[a];
  forEach(x.shape, [&](int64_t i, const std::vector<int64_t> &c) {
    int64_t o = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      if (!llvm::is_contained(axes, d))
        o += c[d] * keptStrides[d];
    acc[o] = kind == 'x'   ? std::max(acc[o], x.values[i])
             : kind == 'p' ? acc[o] * x.values[i]
                           : acc[o] + x.values[i];
  });
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.set(i, kind == 'm' ? acc[i] / count : acc[i]);
  return out;
}

HostTensor softmax(const HostTensor &x, int64_t axis) {
  HostTensor out(DType::F32, x.shape);
  int64_t outer = 1, inner = 1, n = x.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape[d];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + in; };
      double mx = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t k = 0; k < n; ++k)
        mx = std::max(mx, x.values[at(k)]);
      for (int64_t k = 0; k < n; ++k)
        sum += std::exp(x.values[at(k)] - mx);
      for (int64_t k = 0; k < n; ++k)
        out.set(at(k), std::exp(x.values[at(k)] - mx) / sum);
    }
  return out;
}

HostTensor transpose(g::TransposeOp op, const HostTensor &x) {
  HostTensor out(x.dtype, shapeOf(op.getResult()));
  auto perm = op.getPerm();
  auto inStrides = stridesOf(x.shape);
  forEach(out.shape, [&](int64_t i, const std::vector<int64_t> &c) {
    int64_t idx = 0;
    for (size_t d = 0; d < perm.size(); ++d)
      idx += c[d] * inStrides[perm[d]];
    out.values[i] = x.values[idx];
  });
  return out;
}

HostTensor concat(g::ConcatOp op, ArrayRef<HostTensor> in) {
  HostTensor out(dtypeOf(op.getResult()), shapeOf(op.getResult()));
  int64_t axis = op.getAxis();
  forEach(out.shape, [&](int64_t i, const std::vector<int64_t> &c) {
    int64_t k = c[axis];
    size_t which = 0;
    while (k >= in[which].shape[axis])
      k -= in[which++].shape[axis];
    std::vector<int64_t> cc = c;
    cc[axis] = k;
    auto s = stridesOf(in[which].shape);
    int64_t idx = 0;
    for (size_t d = 0; d < cc.size(); ++d)
      idx += cc[d] * s[d];
    out.values[i] = in[which].values[idx];
  });
  return out;
}

HostTensor slice(g::SliceOp op, const HostTensor &x) {
  HostTensor out(x.dtype, shapeOf(op.getResult()));
  auto starts = op.getStarts(), steps = op.getSteps();
  auto s = stridesOf(x.shape);
  forEach(out.shape, [&](int64_t i, const std::vector<int64_t> &c) {
    int64_t idx = 0;
    for (size_t d = 0; d < c.size(); ++d)
      idx += (starts[d] + c[d] * steps[d]) * s[d];
    out.values[i] = x.values[idx];
  });
  return out;
}

HostTensor batchNorm(g::BatchNormOp op, ArrayRef<HostTensor> in) {
  const HostTensor &x = in[0];
  HostTensor out(DType::F32, x.shape);
  int64_t C = x.shape[1], inner = x.numElements() / (x.shape[0] * C);
  double eps = op.getEpsilon().convertToFloat();
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = (i / inner) % C;
    out.set(i, (x.values[i] - in[3].values[c]) * in[1].values[c] /
                       std::sqrt(in[4].values[c] + eps) +
                   in[2].values[c]);
  }
  return out;
}

llvm::Expected<std::vector<HostTensor>> runBlock(Block &block, ArrayRef<HostTensor> args);

llvm::Expected<HostTensor> evaluateSingle(Operation *op, ArrayRef<HostTensor> in) {
  Value r = op->getNumResults() ? op->getResult(0) : Value();
  using R = llvm::Expected<HostTensor>;
  bool isInt = r && dtypeOf(r) == DType::I64;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](g::ConstantOp c) -> R { return fromAttr(c.getValue()); })
      .Case([&](g::AddOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return a + b; }); })
      .Case([&](g::SubOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return a - b; }); })
      .Case([&](g::MulOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return a * b; }); })
      .Case([&](g::DivOp) -> R {
        return binary(r, in[0], in[1], [isInt](double a, double b) { return isInt ? intDiv(a, b) : a / b; });
      })
      .Case([&](g::PowOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return std::pow(a, b); }); })
      .Case([&](g::MaxOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return std::max(a, b); }); })
      .Case([&](g::MinOp) -> R { return binary(r, in[0], in[1], [](double a, double b) { return std::min(a, b); }); })
      .Case([&](g::ReluOp) -> R { return unary(r, in[0], [](double x) { return std::max(x, 0.0); }); })
      .Case([&](g::SigmoidOp) -> R { return unary(r, in[0], [](double x) { return 1 / (1 + std::exp(-x)); }); })
      .Case([&](g::TanhOp) -> R { return unary(r, in[0], [](double x) { return std::tanh(x); }); })
      .Case([&](g::ExpOp) -> R { return unary(r, in[0], [](double x) { return std::exp(x); }); })
      .Case([&](g::LogOp) -> R { return unary(r, in[0], [](double x) { return std::log(x); }); })
      .Case([&](g::SqrtOp) -> R { return unary(r, in[0], [](double x) { return std::sqrt(x); }); })
      .Case([&](g::NegOp) -> R { return unary(r, in[0], [](double x) { return -x; }); })
      .Case([&](g::AbsOp) -> R { return unary(r, in[0], [](double x) { return std::fabs(x); }); })
      .Case([&](g::ErfOp) -> R { return unary(r, in[0], [](double x) { return std::erf(x); }); })
      .Case([&](g::FloorOp) -> R { return unary(r, in[0], [](double x) { return std::floor(x); }); })
      .Case([&](g::CeilOp) -> R { return unary(r, in[0], [](double x) { return std::ceil(x); }); })
      .Case([&](g::RoundOp) -> R { return unary(r, in[0], [](double x) { return std::nearbyint(x); }); })
      .Case([&](g::SignOp) -> R {
        return unary(r, in[0], [](double x) { return std::isnan(x) ? x : (double)((x > 0) - (x < 0)); });
      })
      .Case([&](g::HardSwishOp) -> R {
        return unary(r, in[0], [](double x) { return x * std::max(0.0, std::min(1.0, x / 6 + 0.5)); });
      })
      .Case([&](g::ClipOp c) -> R {
        double lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
        return unary(r, in[0], [=](double x) { return std::min(std::max(x, lo), hi); });
      })
      .Case([&](g::HardSigmoidOp h) -> R {
        double a = h.getAlpha().convertToFloat(), b = h.getBeta().convertToFloat();
        return unary(r, in[0], [=](double x) { return std::max(0.0, std::min(1.0, a * x + b)); });
      })
      .Case([&](g::CastOp) -> R { return unary(r, in[0], [](double x) { return x; }); })
      .Case([&](g::Conv2DOp c) -> R { return conv2d(c, in); })
      .Case([&](g::MatMulOp m) -> R { return matmul(m, in[0], in[1]); })
      .Case([&](g::BatchNormOp b) -> R { return batchNorm(b, in); })
      .Case([&](g::MaxPoolOp p) -> R {
        return pool(op, in[0], true, p.getKernel(), p.getStrides(), p.getPads(), p.getDilations(), false);
      })
      .Case([&](g::AvgPoolOp p) -> R {
        return pool(op, in[0], false, p.getKernel(), p.getStrides(), p.getPads(), p.getDilations(),
                    p.getCountIncludePad());
      })
      .Case([&](g::ReduceSumOp o) -> R { return reduce(op, in[0], o.getAxes(), 's'); })
      .Case([&](g::ReduceMeanOp o) -> R { return reduce(op, in[0], o.getAxes(), 'm'); })
      .Case([&](g::ReduceMaxOp o) -> R { return reduce(op, in[0], o.getAxes(), 'x'); })
      .Case([&](g::ReduceProdOp o) -> R { return reduce(op, in[0], o.getAxes(), 'p'); })
      .Case([&](g::SoftmaxOp s) -> R { return softmax(in[0], s.getAxis()); })
      .Case([&](g::ReshapeOp) -> R {
        HostTensor t = in[0];
        t.shape = shapeOf(r);
        return t;
      })
      .Case([&](g::TransposeOp t) -> R { return transpose(t, in[0]); })
      .Case([&](g::ConcatOp c) -> R { return concat(c, in); })
      .Case([&](g::SliceOp s) -> R { return slice(s, in[0]); })
      .Case([&](g::ShapeOp s) -> R {
        auto shape = shapeOf(s.getInput());
        HostTensor t(DType::I64, {(int64_t)shape.size()});
        for (size_t i = 0; i < shape.size(); ++i)
          t.values[i] = (double)shape[i];
        return t;
      })
      .Default([&](Operation *) -> R { return fail(op, "unsupported op"); });
}

llvm::Expected<std::vector<HostTensor>> runBlock(Block &block, ArrayRef<HostTensor> args) {
  llvm::DenseMap<Value, HostTensor> env;
  for (auto [arg, t] : llvm::zip(block.getArguments(), args))
    env[arg] = t;
  for (Operation &op : block) {
    std::vector<HostTensor> operands;
    for (Value v : op.getOperands()) {
      auto it = env.find(v);
      if (it == env.end())
        return fail(&op, "operand is not defined in this block");
      operands.push_back(it->second);
    }
    if (op.hasTrait<OpTrait::IsTerminator>())
      return operands;
    auto results = evaluateOp(&op, operands);
    if (!results)
      return results.takeError();
    for (auto [res, t] : llvm::zip(op.getResults(), *results))
      env[res] = std::move(t);
  }
  return fail(block.getParentOp(), "block has no terminator");
}

} // namespace

llvm::Expected<std::vector<HostTensor>> evaluateOp(Operation *op, ArrayRef<HostTensor> operands) {
  if (operands.size() != op->getNumOperands())
    return fail(op, "expected " + std::to_string(op->getNumOperands()) + " operands, got " +
                        std::to_string(operands.size()));
  if (auto kernel = llvm::dyn_cast<g::KernelOp>(op))
    return runBlock(kernel.getBody().front(), operands);
  // Operand shapes must match the IR (ShapeOp reads only its static type).
  if (!llvm::isa<g::ShapeOp>(op))
    for (auto [i, v] : llvm::enumerate(op->getOperands()))
      if (operands[i].shape != shapeOf(v))
        return fail(op, "operand " + std::to_string(i) + " has the wrong shape");
  auto r = evaluateSingle(op, operands);
  if (!r)
    return r.takeError();
  return std::vector<HostTensor>{std::move(*r)};
}

llvm::Expected<std::vector<HostTensor>> runFunction(func::FuncOp fn, ArrayRef<HostTensor> inputs) {
  Block &body = fn.getBody().front();
  if (inputs.size() != body.getNumArguments())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "reference: the function takes " +
                                       std::to_string(body.getNumArguments()) + " inputs, got " +
                                       std::to_string(inputs.size()));
  for (auto [i, arg] : llvm::enumerate(body.getArguments()))
    if (inputs[i].shape != shapeOf(arg)) {
      auto str = [](const std::vector<int64_t> &s) {
        std::string r = "[";
        for (size_t k = 0; k < s.size(); ++k)
          r += (k ? "," : "") + std::to_string(s[k]);
        return r + "]";
      };
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "reference: input " + std::to_string(i) + " has shape " +
                                         str(inputs[i].shape) + " but the function expects " +
                                         str(shapeOf(arg)));
    }
  return runBlock(body, inputs);
}

} // namespace strata::reference
