//===- ComputeDefinitions.cpp ---------------------------------------------===//
//
// Conventions: a Func's pure arguments are Vars named <prefix>_d0..dN; reads
// are clamped into bounds wherever a select guards them, because selects
// evaluate both sides (see the IR rules in dialects/te/IR.h).
//
//===----------------------------------------------------------------------===//
#include "lowering/graph_to_te/ComputeDefinitions.h"

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
namespace g = strata::graph;
using strata::te::Expr;

namespace strata::lowering {

te::Type teType(Type elementType) {
  if (elementType.isF32())
    return te::Float(32);
  if (elementType.isInteger(1))
    return te::Bool();
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return elementType.isUnsignedInteger() ? te::UInt(bits) : te::Int(bits);
}

TensorValue TensorValue::of(const te::Input &in) {
  TensorValue v;
  v.shape = in.shape();
  v.type = in.type();
  v.read = [in](const std::vector<Expr> &at) { return in(at); };
  return v;
}

TensorValue TensorValue::of(const te::Func &f, std::vector<int> shape) {
  TensorValue v;
  v.shape = std::move(shape);
  v.type = f.type();
  v.func = f;
  v.isFunc = true;
  v.read = [f](const std::vector<Expr> &at) { return Expr(f(at)); };
  return v;
}

namespace {

/// f(a, b) on tensor values: integers wrap (two's complement, as the reference interpreter,
/// numpy and ONNX Runtime compute), so signed ones are computed in the unsigned type of their
/// width and cast back. TE's signed arithmetic never overflows (IR.h): the simplifier and
/// codegen may assume it does not, and folded (x + 1 > x) to true for x = INT64_MAX.
Expr wrapping(Expr a, Expr b, const std::function<Expr(Expr, Expr)> &f) {
  if (!a.type().is_int())
    return f(a, b);
  te::Type u = te::UInt(a.type().bits, a.type().lanes);
  return te::cast(a.type(), f(te::cast(u, a), te::cast(u, b)));
}

std::vector<int> shapeOf(Value v) {
  auto s = llvm::cast<RankedTensorType>(v.getType()).getShape();
  return std::vector<int>(s.begin(), s.end());
}

llvm::Error unsupported(Operation *op, const std::string &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + op->getName().getStringRef().str() + "': " + what);
}

class Definer {
public:
  Definer(Operation *op, ArrayRef<TensorValue> operands, const std::string &prefix, int reductionLanes)
      : op(op), operands(operands), prefix(prefix), reductionLanes(reductionLanes),
        outShape(shapeOf(op->getResult(0))),
        outType(teType(llvm::cast<RankedTensorType>(op->getResult(0).getType()).getElementType())) {
    for (size_t d = 0; d < outShape.size(); ++d)
      vars.push_back(te::Var(prefix + "_d" + std::to_string(d)));
  }

  llvm::Expected<OpFuncs> define();

private:
  std::vector<Expr> args() const { return std::vector<Expr>(vars.begin(), vars.end()); }
  te::Func func(const std::string &suffix = "") { return te::Func(prefix + suffix); }
  Expr f32(double v) const { return te::make_const(te::Float(32), v); }
  Expr i32(int64_t v) const { return te::make_const(te::Int(32), v); }

  /// Reads operand `i` at the output coordinates under numpy broadcasting.
  Expr broadcastRead(size_t i, const std::vector<Expr> &at) const {
    const TensorValue &in = operands[i];
    size_t offset = at.size() - in.shape.size();
    std::vector<Expr> idx;
    for (size_t d = 0; d < in.shape.size(); ++d)
      idx.push_back(in.shape[d] == 1 && outShape[d + offset] != 1 ? i32(0) : at[d + offset]);
    return in(idx);
  }

  OpFuncs pure(Expr value) {
    te::Func f = func();
    f(args()) = value;
    return {f, te::Func(), false, {}, {}};
  }

  llvm::Expected<OpFuncs> binary(std::function<Expr(Expr, Expr)> fn) {
    return pure(fn(broadcastRead(0, args()), broadcastRead(1, args())));
  }
  llvm::Expected<OpFuncs> unary(std::function<Expr(Expr)> fn) {
    return pure(fn(operands[0](args())));
  }

  llvm::Expected<OpFuncs> conv2d(g::Conv2DOp conv);
  llvm::Expected<OpFuncs> conv2dBlocked(g::Conv2DBlockedOp conv);
  llvm::Expected<OpFuncs> matmul();
  llvm::Expected<OpFuncs> matmulPacked();
  llvm::Expected<OpFuncs> pool(bool isMax, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                               bool countIncludePad);
  Helper reduction(const std::string &suffix, const std::vector<int> &shape, ArrayRef<int64_t> axes,
                   std::vector<Expr> at, const std::vector<Expr> &kept, Expr init,
                   const std::function<Expr(Expr, Expr)> &fold,
                   const std::function<Expr(const std::vector<Expr> &)> &term);
  llvm::Expected<OpFuncs> reduce(ArrayRef<int64_t> axes, bool keepdims, char kind);
  llvm::Expected<OpFuncs> softmax(int64_t axis);
  llvm::Expected<OpFuncs> argReduce(int64_t axis, bool keepdims, bool last, bool isMax);
  llvm::Expected<OpFuncs> concat(int64_t axis);
  llvm::Expected<OpFuncs> reshape();

  Operation *op;
  ArrayRef<TensorValue> operands;
  std::string prefix;
  int reductionLanes; // lane partials of a long reduction along the last axis
  std::vector<int> outShape;
  te::Type outType;
  std::vector<te::Var> vars;
};

llvm::Expected<OpFuncs> Definer::conv2d(g::Conv2DOp conv) {
  const TensorValue &in = operands[0], &w = operands[1];
  int H = in.shape[2], W = in.shape[3];
  int cinPerGroup = w.shape[1], KH = w.shape[2], KW = w.shape[3];
  int coutPerGroup = outShape[1] / (int)conv.getGroups();
  auto s = conv.getStrides(), p = conv.getPads(), d = conv.getDilations();
  Expr n = vars[0], c = vars[1], y = vars[2], x = vars[3];
  te::RDom r({{i32(0), i32(cinPerGroup)}, {i32(0), i32(KH)}, {i32(0), i32(KW)}}, prefix + "_r");
  Expr iy = y * i32(s[0]) - i32(p[0]) + r.y * i32(d[0]);
  Expr ix = x * i32(s[1]) - i32(p[1]) + r.z * i32(d[1]);
  // Grouped: output channel c reads its group's input channels. Without groups the channel is
  // r.x alone, so that bounds inference sees a tile's input channels as exactly tile_k wide.
  Expr ic = conv.getGroups() == 1 ? r.x : (c / i32(coutPerGroup)) * i32(cinPerGroup) + r.x;
  bool padded = p[0] || p[1] || p[2] || p[3];
  // The (zero-padded) input, in coordinates shifted by the top/left pads, as its own pure
  // Func: inlined by default; a schedule can materialize it (packed, and without the
  // selects, so the taps become dense vector loads).
  te::Func pad = func("_pad");
  te::Var pn(prefix + "_pn"), pc(prefix + "_pc"), py(prefix + "_py"), px(prefix + "_px");
  Expr sy = Expr(py) - i32(p[0]), sx = Expr(px) - i32(p[1]);
  if (padded)
    pad(pn, pc, py, px) =
        te::select(sy >= i32(0) && sy < i32(H) && sx >= i32(0) && sx < i32(W),
                   in({pn, pc, te::clamp(sy, i32(0), i32(H - 1)), te::clamp(sx, i32(0), i32(W - 1))}),
                   f32(0));
  else
    pad(pn, pc, py, px) = in({pn, pc, py, px});
  Expr tap = pad(n, ic, iy + i32(p[0]), ix + i32(p[1]));
  te::Func acc = func("_acc");
  acc(args()) = conv.getBias() ? operands[2]({c}) : f32(0);
  acc(args()) += w({c, r.x, r.y, r.z}) * tap;
  OpFuncs funcs{acc, acc, true, {}, {}};
  funcs.prologue.push_back(pad);
  return funcs;
}

llvm::Expected<OpFuncs> Definer::conv2dBlocked(g::Conv2DBlockedOp conv) {
  // input [N, C/b, H, W, b], filter [O/b, IB, KH, KW, ib, b], result [N, O/b, OH, OW, b].
  const TensorValue &in = operands[0], &w = operands[1];
  int H = in.shape[2], W = in.shape[3];
  int IB = w.shape[1], KH = w.shape[2], KW = w.shape[3], ib = w.shape[4];
  bool depthwise = conv.getGroups() > 1;
  auto s = conv.getStrides(), p = conv.getPads(), d = conv.getDilations();
  Expr n = vars[0], c = vars[1], y = vars[2], x = vars[3], lane = vars[4];
  // Depthwise reduces over the taps only; dense over (input block, ky, kx, channel in block).
  te::RDom r = depthwise ? te::RDom({{i32(0), i32(KH)}, {i32(0), i32(KW)}}, prefix + "_r")
                         : te::RDom({{i32(0), i32(IB)}, {i32(0), i32(KH)}, {i32(0), i32(KW)},
                                     {i32(0), i32(ib)}},
                                    prefix + "_r");
  Expr ky = depthwise ? Expr(r[0]) : Expr(r[1]), kx = depthwise ? Expr(r[1]) : Expr(r[2]);
  Expr iy = y * i32(s[0]) + ky * i32(d[0]), ix = x * i32(s[1]) + kx * i32(d[1]);
  // The zero-padded input in coordinates shifted by the top/left pads (see conv2d).
  te::Func pad = func("_pad");
  te::Var pn(prefix + "_pn"), pc(prefix + "_pc"), py(prefix + "_py"), px(prefix + "_px"),
      pl(prefix + "_pl");
  Expr sy = Expr(py) - i32(p[0]), sx = Expr(px) - i32(p[1]);
  if (p[0] || p[1] || p[2] || p[3])
    pad(pn, pc, py, px, pl) = te::select(
        sy >= i32(0) && sy < i32(H) && sx >= i32(0) && sx < i32(W),
        in({pn, pc, te::clamp(sy, i32(0), i32(H - 1)), te::clamp(sx, i32(0), i32(W - 1)), pl}),
        f32(0));
  else
    pad(pn, pc, py, px, pl) = in({pn, pc, py, px, pl});
  Expr tap = depthwise ? pad(n, c, iy, ix, lane) : pad(n, r[0], iy, ix, r[3]);
  Expr weight = depthwise ? w({c, i32(0), ky, kx, i32(0), lane}) : w({c, r[0], ky, kx, r[3], lane});
  te::Func acc = func("_acc");
  acc(args()) = conv.getBias() ? operands[2]({c, lane}) : f32(0);
  acc(args()) += weight * tap;
  OpFuncs funcs{acc, acc, true, {}, {}};
  funcs.prologue.push_back(pad);
  return funcs;
}

llvm::Expected<OpFuncs> Definer::matmul() {
  const TensorValue &a = operands[0], &b = operands[1];
  size_t rank = outShape.size();
  int K = a.shape.back();
  te::RDom r({{i32(0), i32(K)}}, prefix + "_r");
  auto operandIndex = [&](const TensorValue &t, Expr row, Expr col) {
    std::vector<Expr> idx;
    size_t batch = t.shape.size() - 2, offset = (rank - 2) - batch;
    for (size_t dd = 0; dd < batch; ++dd)
      idx.push_back(t.shape[dd] == 1 && outShape[dd + offset] != 1 ? i32(0) : Expr(vars[dd + offset]));
    idx.push_back(row);
    idx.push_back(col);
    return idx;
  };
  // B through a pure copy Func: inlined by default; a schedule computing it at a column
  // panel packs the panel densely (K x panel width), the order the micro-kernel reads it.
  te::Func bv = func("_b");
  std::vector<Expr> bvArgs;
  for (size_t dd = 0; dd < b.shape.size(); ++dd)
    bvArgs.push_back(te::Var(prefix + "_b" + std::to_string(dd)));
  bv(bvArgs) = b(bvArgs);
  te::Func acc = func("_acc");
  acc(args()) = f32(0);
  acc(args()) += a(operandIndex(a, vars[rank - 2], r.x)) * bv(operandIndex(b, r.x, vars[rank - 1]));
  OpFuncs funcs{acc, acc, true, {}, {}};
  funcs.prologue.push_back(bv);
  return funcs;
}

/// out(..., m, j, l) = sum_k lhs(..., m, k) * rhs(j, k, l): each panel read contiguously.
llvm::Expected<OpFuncs> Definer::matmulPacked() {
  const TensorValue &a = operands[0], &b = operands[1];
  size_t rank = outShape.size();
  te::RDom r({{i32(0), i32(b.shape[1])}}, prefix + "_r");
  std::vector<Expr> row(vars.begin(), vars.end() - 2);
  row.push_back(r.x);
  te::Func acc = func("_acc");
  acc(args()) = f32(0);
  acc(args()) += a(row) * b({vars[rank - 2], r.x, vars[rank - 1]});
  return OpFuncs{acc, acc, true, {}, {}};
}

llvm::Expected<OpFuncs> Definer::pool(bool isMax, ArrayRef<int64_t> kernel,
                                      ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                      ArrayRef<int64_t> dilations, bool countIncludePad) {
  const TensorValue &in = operands[0];
  int H = in.shape[2], W = in.shape[3];
  Expr n = vars[0], c = vars[1], y = vars[2], x = vars[3];
  te::RDom r({{i32(0), i32(kernel[0])}, {i32(0), i32(kernel[1])}}, prefix + "_r");
  Expr y0 = y * i32(strides[0]) - i32(pads[0]), x0 = x * i32(strides[1]) - i32(pads[1]);
  Expr iy = y0 + r.x * i32(dilations[0]), ix = x0 + r.y * i32(dilations[1]);
  Expr inside = iy >= i32(0) && iy < i32(H) && ix >= i32(0) && ix < i32(W);
  std::vector<Expr> at{n, c, te::clamp(iy, i32(0), i32(H - 1)), te::clamp(ix, i32(0), i32(W - 1))};
  if (vars.size() == 5) // NCHW{b}: the window over H and W, one vector of b channels
    at.push_back(vars[4]);
  Expr tap = in(at);
  te::Func acc = func("_acc");
  if (isMax) {
    Expr lowest = f32(-std::numeric_limits<float>::infinity());
    acc(args()) = lowest;
    acc(args()) = te::max(acc(args()), te::select(inside, tap, lowest));
    return OpFuncs{acc, acc, true, {}, {}};
  }
  acc(args()) = f32(0);
  acc(args()) += te::select(inside, tap, f32(0));
  // Window cells counted: inside the input, or inside input plus padding. Per
  // axis, the taps k in [0, K) with lo <= o0 + k * d < hi; with dilation d > 1
  // those are ceil((lo - o0) / d) <= k < ceil((hi - o0) / d) (floor division).
  auto taps = [&](Expr o0, int64_t K, int64_t d, int lo, int hi) -> Expr {
    if (d == 1)
      return te::min(o0 + i32(K), i32(hi)) - te::max(o0, i32(lo));
    Expr first = te::max((i32(lo) - o0 + i32(d - 1)) / i32(d), i32(0));
    Expr end = te::min((i32(hi) - o0 + i32(d - 1)) / i32(d), i32(K));
    return te::max(end - first, i32(0));
  };
  int loY = countIncludePad ? -(int)pads[0] : 0, hiY = countIncludePad ? H + (int)pads[2] : H;
  int loX = countIncludePad ? -(int)pads[1] : 0, hiX = countIncludePad ? W + (int)pads[3] : W;
  Expr countY = taps(y0, kernel[0], dilations[0], loY, hiY);
  Expr countX = taps(x0, kernel[1], dilations[1], loX, hiX);
  te::Func avg = func();
  avg(args()) = acc(args()) / te::cast(te::Float(32), countY * countX);
  return OpFuncs{avg, acc, true, {}, {}};
}

/// Folds term(input coordinates) over `axes` of an input of `shape` into a Func over the
/// kept coordinates `kept`: total = init, then total = fold(total, term) at every reduced
/// point. `at` holds the input coordinates of the kept axes (its entries on reduced axes are
/// replaced). A long reduction along the last axis goes through reductionLanes interleaved
/// partials (then the tail, then the partials, into the total), which the schedule vectorizes.
Helper Definer::reduction(const std::string &suffix, const std::vector<int> &shape,
                          ArrayRef<int64_t> axes, std::vector<Expr> at, const std::vector<Expr> &kept,
                          Expr init, const std::function<Expr(Expr, Expr)> &fold,
                          const std::function<Expr(const std::vector<Expr> &)> &term) {
  const int64_t last = (int64_t)shape.size() - 1;
  const int n = shape[last];
  // The reduced axes in order, the last axis (if reduced) over [lo, lo + extent).
  auto ranges = [&](int lo, int extent) {
    std::vector<std::pair<Expr, Expr>> r;
    for (int64_t a : axes)
      r.push_back(a == last ? std::make_pair(i32(lo), i32(extent)) : std::make_pair(i32(0), i32(shape[a])));
    return r;
  };
  // The input coordinates at the variables of `r`, the last axis at lastAt(its variable).
  auto coords = [&](const te::RDom &r, const std::function<Expr(Expr)> &lastAt) {
    for (size_t i = 0; i < axes.size(); ++i)
      at[axes[i]] = axes[i] == last ? lastAt(r[i]) : Expr(r[i]);
    return at;
  };
  auto same = [](Expr e) { return e; };
  te::Func total = func(suffix);
  total(kept) = init;
  Helper h{total, 0, {}};
  // Fewer lanes for a shorter reduction (down to 16), so that it still has lanes to spread.
  int lanes = reductionLanes;
  while (lanes > kMinReductionLanes && n < 2 * lanes)
    lanes /= 2;
  if (axes.back() != last || n < 2 * lanes) {
    te::RDom r(ranges(0, n), prefix + suffix + "_r");
    total(kept) = fold(total(kept), term(coords(r, same)));
    if (axes.back() != last)
      h.columns = n;
    return h;
  }
  const int full = n / lanes * lanes;
  te::Var lane(prefix + suffix + "_lane");
  std::vector<Expr> laneArgs = kept;
  laneArgs.push_back(lane);
  h.partial = func(suffix + "_lanes");
  h.partial(laneArgs) = init;
  te::RDom r(ranges(0, full / lanes), prefix + suffix + "_r");
  h.partial(laneArgs) =
      fold(h.partial(laneArgs), term(coords(r, [&](Expr k) { return k * i32(lanes) + Expr(lane); })));
  if (full < n) {
    te::RDom tail(ranges(full, n - full), prefix + suffix + "_rt");
    total(kept) = fold(total(kept), term(coords(tail, same)));
  }
  te::RDom rl({{i32(0), i32(lanes)}}, prefix + suffix + "_rl");
  laneArgs.back() = rl.x;
  total(kept) = fold(total(kept), h.partial(laneArgs));
  return h;
}

Expr add(Expr a, Expr b) { return a + b; }
Expr sub(Expr a, Expr b) { return a - b; }
Expr mul(Expr a, Expr b) { return a * b; }
/// -x; an integer wraps (-INT64_MIN is INT64_MIN, as in the reference).
Expr negate(Expr x) { return x.type().is_float() ? -x : wrapping(te::make_zero(x.type()), x, sub); }
Expr maximum(Expr a, Expr b) { return te::max(a, b); }

llvm::Expected<OpFuncs> Definer::reduce(ArrayRef<int64_t> axes, bool keepdims, char kind) {
  const TensorValue &in = operands[0];
  int64_t count = 1;
  std::vector<Expr> at; // input coordinates of the kept axes
  size_t outDim = 0;
  for (int64_t dd = 0; dd < (int64_t)in.shape.size(); ++dd) {
    bool reduced = llvm::is_contained(axes, dd);
    at.push_back(reduced ? i32(0) : Expr(vars[outDim]));
    count *= reduced ? in.shape[dd] : 1;
    outDim += !reduced || keepdims;
  }
  // Sums and products accumulate in float64: a float32 sum drops the small terms once it is
  // large (1e-4 relative over 10^6 terms of 1e-3 behind one of 1e4; still 1e-5 with 16
  // float32 partials); in float64 the error stays near n * 1e-16, and the conversions cost
  // less than the loads. The maximum is exact in float32.
  te::Type f64 = te::Float(64);
  auto read = [&](const std::vector<Expr> &idx) { return kind == 'x' ? in(idx) : te::cast(f64, in(idx)); };
  Helper total = kind == 'x'   ? reduction("_acc", in.shape, axes, at, args(),
                                           f32(-std::numeric_limits<float>::infinity()), maximum, read)
                 : kind == 'p' ? reduction("_acc", in.shape, axes, at, args(), te::make_const(f64, 1.0), mul, read)
                               : reduction("_acc", in.shape, axes, at, args(), te::make_const(f64, 0.0), add, read);
  Expr acc = total.func(args());
  if (kind == 'm')
    acc = acc / te::make_const(f64, (double)count);
  te::Func out = func();
  out(args()) = kind == 'x' ? acc : te::cast(te::Float(32), acc);
  OpFuncs funcs;
  funcs.result = out;
  funcs.reductions = {total};
  return funcs;
}

llvm::Expected<OpFuncs> Definer::argReduce(int64_t axis, bool keepdims, bool last, bool isMax) {
  // Two single-value reductions: the extreme value, then the first (or last)
  // index holding it.
  const TensorValue &in = operands[0];
  int n = in.shape[axis];
  std::vector<Expr> outer; // output coordinates without the axis
  for (size_t dd = 0; dd < vars.size(); ++dd)
    if (!keepdims || (int64_t)dd != axis)
      outer.push_back(vars[dd]);
  auto at = [&](Expr k) {
    std::vector<Expr> idx = outer;
    idx.insert(idx.begin() + axis, k);
    return idx;
  };
  te::RDom r({{i32(0), i32(n)}}, prefix + "_r"), r2({{i32(0), i32(n)}}, prefix + "_r2");
  te::Func extreme = func("_extreme"), index = func("_index"), out = func();
  Expr inf = f32(std::numeric_limits<float>::infinity());
  extreme(outer) = isMax ? -inf : inf;
  extreme(outer) = isMax ? te::max(extreme(outer), in(at(r.x))) : te::min(extreme(outer), in(at(r.x)));
  Expr hit = in(at(r2.x)) == extreme(outer);
  index(outer) = last ? i32(-1) : i32(n);
  index(outer) = last ? te::max(index(outer), te::select(hit, Expr(r2.x), i32(-1)))
                      : te::min(index(outer), te::select(hit, Expr(r2.x), i32(n)));
  out(args()) = te::cast(te::Int(64), te::min(te::max(index(outer), i32(0)), i32(n - 1)));
  int columns = axis + 1 < (int64_t)in.shape.size() ? in.shape.back() : 0;
  OpFuncs funcs;
  funcs.result = out;
  funcs.reductions = {{extreme, columns, {}}, {index, columns, {}}};
  return funcs;
}

llvm::Expected<OpFuncs> Definer::softmax(int64_t axis) {
  const TensorValue &in = operands[0];
  std::vector<Expr> outer; // all coordinates but the axis
  for (size_t dd = 0; dd < vars.size(); ++dd)
    if ((int64_t)dd != axis)
      outer.push_back(vars[dd]);
  int64_t axes[] = {axis};
  te::Type f64 = te::Float(64);
  // The max may skip NaNs: a NaN in the row makes its exp, the sum and so every output NaN
  // anyway. select(x > acc, x, acc) is one x86 max instruction; a NaN-propagating max is four
  // (softmax 40x19000: 0.335 -> 0.317 ms, AVX-512, 1 thread).
  Helper mx = reduction("_max", in.shape, axes, args(), outer,
                        f32(-std::numeric_limits<float>::infinity()),
                        [](Expr acc, Expr x) { return te::select(x > acc, x, acc); },
                        [&](const std::vector<Expr> &idx) { return in(idx); });
  te::Func ex = func("_exp"), recip = func("_recip"), out = func();
  ex(args()) = te::exp(in(args()) - mx.func(outer));
  // The sum in float64 (see reduce); its reciprocal rounded once, so the result is one multiply.
  Helper sum = reduction("_sum", in.shape, axes, args(), outer, te::make_const(f64, 0.0), add,
                         [&](const std::vector<Expr> &idx) { return te::cast(f64, ex(idx)); });
  recip(outer) = te::cast(te::Float(32), te::make_const(f64, 1.0) / sum.func(outer));
  out(args()) = ex(args()) * recip(outer);
  OpFuncs funcs;
  funcs.result = out;
  funcs.reductions = {mx, {ex, in.shape.back(), {}}, sum, {recip, mx.columns, {}}};
  funcs.sliceAxis = (int)axis;
  return funcs;
}

llvm::Expected<OpFuncs> Definer::concat(int64_t axis) {
  std::vector<int64_t> starts;
  int64_t offset = 0;
  for (const TensorValue &t : operands) {
    starts.push_back(offset);
    offset += t.shape[axis];
  }
  // A select chain from the last input backwards: input i where axis < start of
  // the next. Inputs empty along the axis are never read (reading one would be
  // out of bounds), unless all are (then the output is empty too).
  auto readInput = [&](size_t i) {
    std::vector<Expr> idx = args();
    idx[axis] = te::clamp(Expr(vars[axis]) - i32(starts[i]), i32(0), i32(operands[i].shape[axis] - 1));
    return operands[i](idx);
  };
  std::vector<size_t> read;
  for (size_t i = 0; i < operands.size(); ++i)
    if (operands[i].shape[axis] > 0)
      read.push_back(i);
  if (read.empty())
    read.push_back(0);
  Expr value = readInput(read.back());
  for (int k = (int)read.size() - 2; k >= 0; --k)
    value = te::select(Expr(vars[axis]) < i32(starts[read[k + 1]]), readInput(read[k]), value);
  return pure(value);
}

llvm::Expected<OpFuncs> Definer::reshape() {
  // Row-major: the flat index of the output coordinate, unflattened for the input.
  Expr flat = i32(0);
  for (size_t dd = 0; dd < vars.size(); ++dd)
    flat = flat * i32(outShape[dd]) + Expr(vars[dd]);
  const TensorValue &in = operands[0];
  std::vector<Expr> idx(in.shape.size());
  for (int dd = (int)in.shape.size() - 1; dd >= 0; --dd) {
    idx[dd] = flat % i32(in.shape[dd]);
    flat = flat / i32(in.shape[dd]);
  }
  return pure(operands[0](idx));
}

llvm::Expected<OpFuncs> Definer::define() {
  auto one = [this](double v) { return f32(v); };
  return llvm::TypeSwitch<Operation *, llvm::Expected<OpFuncs>>(op)
      .Case([&](g::AddOp) { return binary([](Expr a, Expr b) { return wrapping(a, b, add); }); })
      .Case([&](g::SubOp) { return binary([](Expr a, Expr b) { return wrapping(a, b, sub); }); })
      .Case([&](g::MulOp) { return binary([](Expr a, Expr b) { return wrapping(a, b, mul); }); })
      .Case([&](g::DivOp) {
        // Integer division truncates toward zero (C, ONNX, the reference
        // interpreter); TE's rounds toward negative infinity, which is one less
        // where the exact quotient is negative and not whole.
        return binary([](Expr a, Expr b) {
          if (a.type().is_float())
            return a / b;
          Expr zero = te::make_zero(a.type());
          return te::select(a % b != zero && (a < zero) != (b < zero), a / b + te::make_const(a.type(), 1), a / b);
        });
      })
      .Case([&](g::PowOp) {
        return binary([](Expr a, Expr b) {
          if (a.type().is_float() || !b.type().is_float())
            return te::pow(a, b);
          // An integer base to a float exponent: exact for a whole exponent, else pow in
          // double truncated (saturating), as the reference computes it.
          te::Type t = a.type(), f64 = te::Float(64, a.type().lanes);
          Expr whole = te::floor(b) == b && te::abs(b) < te::make_const(b.type(), 0x1p62);
          Expr exact = te::pow(a, te::cast(t, te::select(whole, b, te::make_zero(b.type()))));
          return te::select(whole, exact, te::cast(t, te::pow(te::cast(f64, a), te::cast(f64, b))));
        });
      })
      .Case([&](g::MaxOp) { return binary([](Expr a, Expr b) { return te::max(a, b); }); })
      .Case([&](g::MinOp) { return binary([](Expr a, Expr b) { return te::min(a, b); }); })
      .Case([&](g::EqualOp) { return binary([](Expr a, Expr b) { return a == b; }); })
      .Case([&](g::LessOp) { return binary([](Expr a, Expr b) { return a < b; }); })
      .Case([&](g::LessEqualOp) { return binary([](Expr a, Expr b) { return a <= b; }); })
      .Case([&](g::GreaterOp) { return binary([](Expr a, Expr b) { return a > b; }); })
      .Case([&](g::GreaterEqualOp) { return binary([](Expr a, Expr b) { return a >= b; }); })
      .Case([&](g::AndOp) { return binary([](Expr a, Expr b) { return a && b; }); })
      .Case([&](g::OrOp) { return binary([](Expr a, Expr b) { return a || b; }); })
      .Case([&](g::XorOp) { return binary([](Expr a, Expr b) { return a != b; }); })
      .Case([&](g::NotOp) { return unary([](Expr x) { return !x; }); })
      .Case([&](g::WhereOp) {
        return pure(te::select(broadcastRead(0, args()), broadcastRead(1, args()), broadcastRead(2, args())));
      })
      .Case([&](g::ReluOp) { return unary([&](Expr x) { return te::max(x, one(0)); }); })
      .Case([&](g::SigmoidOp) {
        return unary([&](Expr x) { return one(1) / (one(1) + te::exp(-x)); });
      })
      .Case([&](g::TanhOp) { return unary([](Expr x) { return te::tanh(x); }); })
      .Case([&](g::ExpOp) { return unary([](Expr x) { return te::exp(x); }); })
      .Case([&](g::LogOp) { return unary([](Expr x) { return te::log(x); }); })
      .Case([&](g::SqrtOp) { return unary([](Expr x) { return te::sqrt(x); }); })
      .Case([&](g::NegOp) { return unary(negate); })
      .Case([&](g::AbsOp) {
        // |INT64_MIN| wraps to itself, as in the reference.
        return unary([](Expr x) {
          return x.type().is_float() ? te::abs(x) : te::select(x < te::make_zero(x.type()), negate(x), x);
        });
      })
      .Case([&](g::ErfOp) { return unary([](Expr x) { return te::erf(x); }); })
#define STRATA_DEFINE_LIBM_OP(Op, fn, onnx) .Case([&](g::Op) { return unary([](Expr x) { return te::fn(x); }); })
      STRATA_GRAPH_FOR_EACH_LIBM_OP(STRATA_DEFINE_LIBM_OP)
#undef STRATA_DEFINE_LIBM_OP
      .Case([&](g::FloorOp) { return unary([](Expr x) { return te::floor(x); }); })
      .Case([&](g::CeilOp) { return unary([](Expr x) { return te::ceil(x); }); })
      .Case([&](g::RoundOp) { return unary([](Expr x) { return te::round(x); }); })
      .Case([&](g::SignOp) {
        // select chains keep NaN: both comparisons are false and x itself is returned.
        return unary([&](Expr x) {
          return te::select(x > one(0), one(1), te::select(x < one(0), one(-1), te::select(x == one(0), one(0), x)));
        });
      })
      .Case([&](g::HardSwishOp) {
        return unary([&](Expr x) {
          return x * te::max(one(0), te::min(one(1), x / one(6) + one(0.5)));
        });
      })
      .Case([&](g::ClipOp c) {
        double lo = c.getMin().convertToFloat(), hi = c.getMax().convertToFloat();
        return unary([&, lo, hi](Expr x) { return te::min(te::max(x, one(lo)), one(hi)); });
      })
      .Case([&](g::HardSigmoidOp h) {
        double alpha = h.getAlpha().convertToFloat(), beta = h.getBeta().convertToFloat();
        return unary([&, alpha, beta](Expr x) {
          return te::max(one(0), te::min(one(1), one(alpha) * x + one(beta)));
        });
      })
      .Case([&](g::CastOp) {
        return unary([&](Expr x) {
          // Float to a narrow integer goes through int64, so that it wraps as integer
          // narrowing does (a direct conversion of an out-of-range value is undefined).
          if (x.type().is_float() && outType.is_int_or_uint() && outType.bits < 64)
            x = te::cast(te::Int(64), x);
          return te::cast(outType, x);
        });
      })
      .Case([&](g::BatchNormOp bn) {
        double eps = bn.getEpsilon().convertToFloat();
        std::vector<Expr> c{vars[1]};
        return pure((operands[0](args()) - operands[3](c)) * operands[1](c) /
                        te::sqrt(operands[4](c) + one(eps)) +
                    operands[2](c));
      })
      .Case([&](g::ConstantOp c) -> llvm::Expected<OpFuncs> {
        // A single value the fuser copied into the kernel: an immediate.
        auto dense = llvm::dyn_cast<DenseElementsAttr>(c.getValue());
        if (!dense || dense.getNumElements() != 1)
          return unsupported(op, "only single-value constants are computed inside a kernel");
        Type elem = dense.getElementType();
        if (llvm::isa<FloatType>(elem))
          return pure(te::make_const(outType, (*dense.getValues<APFloat>().begin()).convertToDouble()));
        APInt v = *dense.getValues<APInt>().begin();
        return pure(te::make_const(outType, elem.isUnsignedInteger() || elem.isInteger(1)
                                                ? (int64_t)v.getZExtValue()
                                                : v.getSExtValue()));
      })
      .Case([&](g::Conv2DOp c) { return conv2d(c); })
      .Case([&](g::Conv2DBlockedOp c) { return conv2dBlocked(c); })
      .Case([&](g::MatMulOp) { return matmul(); })
      .Case([&](g::MatMulPackedOp) { return matmulPacked(); })
      .Case([&](g::MaxPoolOp p) {
        return pool(true, p.getKernel(), p.getStrides(), p.getPads(), p.getDilations(), false);
      })
      .Case([&](g::AvgPoolOp p) {
        return pool(false, p.getKernel(), p.getStrides(), p.getPads(), p.getDilations(),
                    p.getCountIncludePad());
      })
      .Case([&](g::ReduceSumOp r) { return reduce(r.getAxes(), r.getKeepdims(), 's'); })
      .Case([&](g::ReduceMeanOp r) { return reduce(r.getAxes(), r.getKeepdims(), 'm'); })
      .Case([&](g::ReduceMaxOp r) { return reduce(r.getAxes(), r.getKeepdims(), 'x'); })
      .Case([&](g::ReduceProdOp r) { return reduce(r.getAxes(), r.getKeepdims(), 'p'); })
      .Case([&](g::ArgMaxOp a) {
        return argReduce(a.getAxis(), a.getKeepdims(), a.getSelectLastIndex(), true);
      })
      .Case([&](g::ArgMinOp a) {
        return argReduce(a.getAxis(), a.getKeepdims(), a.getSelectLastIndex(), false);
      })
      .Case([&](g::SoftmaxOp s) { return softmax(s.getAxis()); })
      .Case([&](g::TransposeOp t) {
        std::vector<Expr> idx(vars.size());
        for (size_t i = 0; i < vars.size(); ++i)
          idx[t.getPerm()[i]] = vars[i];
        return pure(operands[0](idx));
      })
      .Case([&](g::SliceOp s) {
        std::vector<Expr> idx;
        for (size_t i = 0; i < vars.size(); ++i)
          idx.push_back(Expr(vars[i]) * i32(s.getSteps()[i]) + i32(s.getStarts()[i]));
        return pure(operands[0](idx));
      })
      .Case([&](g::ConcatOp c) { return concat(c.getAxis()); })
      .Case([&](g::ExpandOp) { return pure(broadcastRead(0, args())); })
      .Case([&](g::GatherOp gth) {
        int64_t axis = (int64_t)gth.getAxis();
        const TensorValue &in = operands[0], &indices = operands[1];
        size_t r = indices.shape.size();
        std::vector<Expr> at(vars.begin() + axis, vars.begin() + axis + r);
        // Negative indices count from the end; out of range (invalid in ONNX) they clamp, as in
        // the reference: in the indices' own type, so that 2^32 + 1 clamps rather than
        // truncating to 1.
        Expr k = indices(at);
        int n = in.shape[axis];
        te::Type t = k.type();
        Expr zero = te::make_zero(t);
        k = te::cast(te::Int(32), te::clamp(te::select(k < zero, k + te::make_const(t, n), k), zero,
                                            te::make_const(t, n - 1)));
        std::vector<Expr> idx(vars.begin(), vars.begin() + axis);
        idx.push_back(k);
        idx.insert(idx.end(), vars.begin() + axis + r, vars.end());
        return pure(in(idx));
      })
      .Case([&](g::ReshapeOp) { return reshape(); })
      .Default([&](Operation *) -> llvm::Expected<OpFuncs> {
        return unsupported(op, "no compute definition");
      });
}

} // namespace

int reductionLanes(const targets::Target &target) {
  return target.isGPU() ? kGpuReductionLanes : 4 * target.vectorLanesF32;
}

llvm::Expected<OpFuncs> defineOp(Operation *op, ArrayRef<TensorValue> operands,
                                 const std::string &prefix, int reductionLanes) {
  return Definer(op, operands, prefix, reductionLanes).define();
}

} // namespace strata::lowering
