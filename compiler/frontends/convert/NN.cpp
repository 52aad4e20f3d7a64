//===- NN.cpp - conv, pooling, matmul, softmax, reductions -> graph ----- ===//
#include "compiler/frontends/GraphBuilderImpl.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace strata::frontend::detail {

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

SmallVector<int64_t> GraphBuilder::as2DShape(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape);
  if (s.size() == 3)
    s.insert(s.begin() + 2, 1);
  return s;
}

llvm::Expected<GraphBuilder::Window> GraphBuilder::windowAttrs(const NodeDesc &n,
                                                               ArrayRef<int64_t> inShape,
                                                               ArrayRef<int64_t> kernel,
                                                               int64_t maxSpatial) {
  int64_t spatial = (int64_t)inShape.size() - 2;
  if (spatial < 1 || spatial > maxSpatial)
    return fail(n, "windows over " + std::to_string(std::max<int64_t>(spatial, 0)) +
                       " spatial dimensions are not supported yet, only 1 " +
                       (maxSpatial == 2 ? "or 2" : "to " + std::to_string(maxSpatial)) +
                       " (input " + shapeStr(inShape) + ")");
  std::string count = std::to_string(spatial), count2 = std::to_string(2 * spatial);
  auto strides = attrInts(n, "strides", std::vector<int64_t>(spatial, 1));
  auto dilations = attrInts(n, "dilations", std::vector<int64_t>(spatial, 1));
  auto pads = attrInts(n, "pads", std::vector<int64_t>(2 * spatial, 0));
  if ((int64_t)kernel.size() != spatial)
    return fail(n, "kernel_shape must have " + count + " entries");
  if ((int64_t)strides.size() != spatial || (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return fail(n, "strides and dilations need " + count + " entries and pads " + count2);
  for (int64_t i = 0; i < spatial; ++i)
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1)
      return fail(n, "kernel_shape, strides and dilations must be positive");
  // Bounded so that the window arithmetic (in * stride, dilation * kernel, in + pads) of the
  // converters and verifiers cannot overflow int64 (shapes are below 2^40).
  constexpr int64_t kMaxWindow = int64_t(1) << 20;
  for (int64_t i = 0; i < spatial; ++i)
    if (kernel[i] > kMaxWindow || strides[i] > kMaxWindow || dilations[i] > kMaxWindow)
      return fail(n, "kernel_shape, strides and dilations must be at most 2^20");
  for (int64_t p : pads)
    if (p < -kMaxWindow || p > kMaxWindow)
      return fail(n, "pads must be in [-2^20, 2^20]");
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides.assign(strides.begin(), strides.end());
  w.dilations.assign(dilations.begin(), dilations.end());
  // ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right].
  w.pads.assign(pads.begin(), pads.end());
  if (spatial == 1) { // the dummy axis: a window of 1, no stride, no padding
    w.kernel.insert(w.kernel.begin(), 1);
    w.strides.insert(w.strides.begin(), 1);
    w.dilations.insert(w.dilations.begin(), 1);
    w.pads = {0, pads[0], 0, pads[1]};
  }
  return w;
}

llvm::Expected<GraphBuilder::Window> GraphBuilder::window(const NodeDesc &n,
                                                          ArrayRef<int64_t> inShape,
                                                          ArrayRef<int64_t> kernel,
                                                          int64_t maxSpatial) {
  auto w = windowAttrs(n, inShape, kernel, maxSpatial);
  if (!w)
    return w.takeError();
  auto in = as2DShape(inShape);
  size_t axes = w->kernel.size();
  std::string autoPad = attrString(n, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < axes; ++i) {
      int64_t out = (in[2 + i] + w->strides[i] - 1) / w->strides[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * w->strides[i] + w->dilations[i] * (w->kernel[i] - 1) + 1 - in[2 + i]);
      int64_t small = total / 2, large = total - small;
      w->pads[i] = autoPad == "SAME_UPPER" ? small : large;
      w->pads[i + axes] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    w->pads.assign(2 * axes, 0);
  } else if (autoPad != "NOTSET") {
    return fail(n, "unknown auto_pad '" + autoPad + "'");
  }
  return w;
}

llvm::Error GraphBuilder::checkFilterRank(const NodeDesc &n, Value x, Value w) const {
  if (shapeOf(x).size() < 3)
    return fail(n, "expects an input of rank >= 3 (N, C, spatial...), not " + shapeStr(shapeOf(x)));
  if (shapeOf(w).size() == shapeOf(x).size())
    return llvm::Error::success();
  return fail(n, "the filter " + shapeStr(shapeOf(w)) + " and the input " + shapeStr(shapeOf(x)) +
                     " differ in rank");
}

llvm::Error GraphBuilder::convertConv(const NodeDesc &n) {
  Value x = input(n, 0), w = input(n, 1);
  size_t rank = shapeOf(x).size();
  if (auto err = checkFilterRank(n, x, w))
    return err;
  auto kernel = attrInts(n, "kernel_shape", std::vector<int64_t>(shapeOf(w).begin() + 2, shapeOf(w).end()));
  auto win = window(n, shapeOf(x), kernel);
  if (!win)
    return win.takeError();
  x = as2D(x);
  w = as2D(w);
  int64_t groups = attrInt(n, "group", 1);
  Value bias = input(n, 2);
  auto in = shapeOf(x), wShape = shapeOf(w);
  SmallVector<int64_t> out{in[0], wShape[0]};
  for (int i = 0; i < 2; ++i)
    out.push_back(g::windowOutputSize(in[2 + i], wShape[2 + i], win->strides[i], win->pads[i],
                                      win->pads[i + 2], win->dilations[i], false));
  auto conv = b.create<g::Conv2DOp>(loc, f32Tensor(out), x, w, bias,
                                    b.getDenseI64ArrayAttr(win->strides),
                                    b.getDenseI64ArrayAttr(win->pads),
                                    b.getDenseI64ArrayAttr(win->dilations),
                                    b.getI64IntegerAttr(groups));
  return define(n, 0, from2D(conv, rank));
}

llvm::Error GraphBuilder::convertBatchNorm(const NodeDesc &n) {
  bool extraOutputs = n.outputs.size() > 1 && // drop_begin of an empty list is undefined
                      llvm::any_of(llvm::drop_begin(n.outputs), [](auto &o) { return !o.empty(); });
  if (model.opset >= 14 && attrInt(n, "training_mode", 0) != 0)
    return convertBatchNormTraining(n);
  if (extraOutputs)
    return fail(n, model.opset >= 14
                       ? "running_mean and running_var are outputs of training mode only"
                       : "training mode before opset 14 (outputs mean, var, saved_mean, "
                         "saved_var) is not supported");
  SmallVector<Value> ops;
  for (size_t i = 0; i < 5; ++i) {
    Value v = input(n, i);
    ops.push_back(v);
  }
  return define(n, 0,
                b.create<g::BatchNormOp>(loc, typeOf(ops[0]), ops[0], ops[1], ops[2], ops[3],
                                         ops[4], b.getF32FloatAttr(attrFloat(n, "epsilon", 1e-5))));
}

llvm::Error GraphBuilder::convertBatchNormTraining(const NodeDesc &n) {
  // Training mode (opset 14+) normalizes with the statistics of the batch, over
  // all axes but the channel axis 1, and updates the running statistics:
  //   Y            = (X - mean) / sqrt(var + epsilon) * scale + B
  //   running_mean = input_mean * momentum + mean * (1 - momentum)
  //   running_var  = input_var * momentum + var * (1 - momentum)
  // var is the biased (population) variance, for Y and running_var alike, as
  // in ONNX's reference (numpy's var).
  Value x = input(n, 0);
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  if (rank < 2)
    return fail(n, "expects an input of rank >= 2 (N, C, ...)");
  int64_t C = shape[1];
  for (size_t i = 0; i < 5; ++i)
    if (auto err = requireFloat(n, input(n, i)))
      return err;
  for (size_t i = 1; i < 5; ++i)
    if (shapeOf(input(n, i)) != ArrayRef<int64_t>{C})
      return fail(n, "scale, B, input_mean and input_var must have shape [" + std::to_string(C) + "]");
  auto op = [&](auto tag, Value a, Value c) -> Value {
    return llvm::cantFail(binary<decltype(tag)>(n, a, c));
  };
  SmallVector<int64_t> axes, perChannel(rank, 1);
  perChannel[1] = C;
  for (int64_t d = 0; d < rank; ++d)
    if (d != 1)
      axes.push_back(d);
  Moments m = normalize(n, x, axes, attrFloat(n, "epsilon", 1e-5));
  Value y = op(g::AddOp(), op(g::MulOp(), m.normalized, reshape(input(n, 1), perChannel)),
               reshape(input(n, 2), perChannel));
  double momentum = attrFloat(n, "momentum", 0.9);
  auto running = [&](Value old, Value batch) {
    return op(g::AddOp(), op(g::MulOp(), old, scalar(momentum)),
              op(g::MulOp(), reshape(batch, {C}), scalar(1 - momentum)));
  };
  if (auto err = define(n, 0, y))
    return err;
  if (n.outputs.size() > 1 && !n.outputs[1].empty())
    if (auto err = define(n, 1, running(input(n, 3), m.mean)))
      return err;
  if (n.outputs.size() > 2 && !n.outputs[2].empty())
    if (auto err = define(n, 2, running(input(n, 4), m.var)))
      return err;
  return llvm::Error::success();
}

llvm::Error GraphBuilder::convertPool(const NodeDesc &n) {
  Value x = input(n, 0);
  if (!typeOf(x).getElementType().isF32()) // integers of every width are int64 by now
    return fail(n, "integer inputs are not supported (float32 only)");
  bool indices = n.outputs.size() > 1 && !n.outputs[1].empty();
  int64_t storageOrder = attrInt(n, "storage_order", 0);
  if (storageOrder != 0 && storageOrder != 1)
    return fail(n, "storage_order must be 0 (row-major) or 1 (column-major)");
  bool ceil = attrInt(n, "ceil_mode", 0) != 0;
  size_t rank = shapeOf(x).size();
  auto win = window(n, shapeOf(x), attrInts(n, "kernel_shape", {}), 3);
  if (!win)
    return win.takeError();
  if (n.op == "AveragePool" && model.opset < 19 &&
      llvm::any_of(win->dilations, [](int64_t d) { return d != 1; }))
    return fail(n, "dilations are not part of AveragePool before opset 19 (the model imports opset " +
                       std::to_string(model.opset) + ")");
  if (rank == 5) {
    if (indices)
      return fail(n, "the Indices output of a 3-D MaxPool is not supported yet");
    return define(n, 0, pool3D(n, x, *win, ceil));
  }
  x = as2D(x);
  Value r = pool2D(n, x, *win, ceil);
  if (auto err = define(n, 0, from2D(r, rank)))
    return err;
  if (indices) {
    // Constants per window tap (two of the output's plane) and per channel; a few ops per tap.
    auto in = shapeOf(x), out = shapeOf(r);
    if (win->kernel[0] * win->kernel[1] > 65536)
      return fail(n, "the Indices output supports windows of at most 65536 taps");
    if (auto err = checkConstantSize(n, {win->kernel[0] * win->kernel[1], 2, out[2], out[3]}))
      return err;
    if (auto err = checkConstantSize(n, {in[0], in[1]}))
      return err;
    return define(n, 1, from2D(maxPoolIndices(x, r, *win, storageOrder == 1), rank));
  }
  return llvm::Error::success();
}

Value GraphBuilder::pool2D(const NodeDesc &n, Value x, const Window &w, bool ceil) {
  auto in = shapeOf(x);
  SmallVector<int64_t> out{in[0], in[1]};
  for (int i = 0; i < 2; ++i)
    out.push_back(g::windowOutputSize(in[2 + i], w.kernel[i], w.strides[i], w.pads[i],
                                      w.pads[i + 2], w.dilations[i], ceil));
  auto kernel = b.getDenseI64ArrayAttr(w.kernel), strides = b.getDenseI64ArrayAttr(w.strides),
       pads = b.getDenseI64ArrayAttr(w.pads), dil = b.getDenseI64ArrayAttr(w.dilations);
  if (n.op == "MaxPool")
    return b.create<g::MaxPoolOp>(loc, f32Tensor(out), x, kernel, strides, pads, dil,
                                  b.getBoolAttr(ceil));
  return b.create<g::AvgPoolOp>(loc, f32Tensor(out), x, kernel, strides, pads, dil,
                                b.getBoolAttr(ceil),
                                b.getBoolAttr(attrInt(n, "count_include_pad", 0) != 0));
}

Value GraphBuilder::pool3D(const NodeDesc &n, Value x, const Window &w, bool ceil) {
  // A box window is separable: pool (H, W) on [N, C*D, H, W], then D with a
  // (kd, 1) window on [N, C, D, H'*W']. Max is exact (padding never wins in
  // either step). Average is exact too: the cells a window counts (inside the
  // input, or inside the padding with count_include_pad) are a box, so their
  // number is the product of the per-axis counts, and the mean over D of the
  // (H, W) means, which share one (H, W) count, is the mean over the box.
  auto s = shapeOf(x);
  int64_t N = s[0], C = s[1], D = s[2], H = s[3], W = s[4];
  Window plane{{w.kernel[1], w.kernel[2]}, {w.strides[1], w.strides[2]},
               {w.pads[1], w.pads[2], w.pads[4], w.pads[5]}, {w.dilations[1], w.dilations[2]}};
  Window depth{{w.kernel[0], 1}, {w.strides[0], 1}, {w.pads[0], 0, w.pads[3], 0},
               {w.dilations[0], 1}};
  Value planes = pool2D(n, reshape(x, {N, C * D, H, W}), plane, ceil);
  int64_t OH = shapeOf(planes)[2], OW = shapeOf(planes)[3];
  Value r = pool2D(n, reshape(planes, {N, C, D, OH * OW}), depth, ceil);
  return reshape(r, {N, C, shapeOf(r)[2], OH, OW});
}

Value GraphBuilder::maxPoolIndices(Value x, Value max, const Window &w, bool columnMajor) {
  // Indices[n, c, oh, ow] is the flat position of the first maximal tap of the
  // window, in the window's row-major scan order, ONNX's rule for ties:
  //   acc = -1; for each tap t, last to first: acc = Where(x_t == max && valid_t, index_t, acc)
  // x_t (x at tap t of every window) is two gathers at constant positions;
  // valid_t (the tap is inside the input: padding never wins) and index_t
  // (h * W + w, or h + w * H for storage_order 1) are constants. The channel's
  // offset (n * C + c) * H * W is added last; ONNX uses it in both orders.
  auto in = shapeOf(x), out = shapeOf(max);
  int64_t N = in[0], C = in[1], H = in[2], W = in[3], OH = out[2], OW = out[3];
  // Input positions of tap k along spatial axis a, one per output position
  // (outside [0, size) in the padding).
  auto positions = [&](int a, int64_t k) {
    SmallVector<int64_t> p;
    for (int64_t o = 0; o < out[2 + a]; ++o)
      p.push_back(o * w.strides[a] - w.pads[a] + k * w.dilations[a]);
    return p;
  };
  // x gathered along `axis` at the positions, clamped into the input (the
  // clamped values are masked out).
  auto gather = [&](Value v, int64_t axis, ArrayRef<int64_t> pos) -> Value {
    HostTensor idx(DType::I64, {(int64_t)pos.size()});
    for (size_t i = 0; i < pos.size(); ++i)
      idx.setI(i, std::clamp<int64_t>(pos[i], 0, in[axis] - 1));
    SmallVector<int64_t> shape(shapeOf(v));
    shape[axis] = pos.size();
    return b.create<g::GatherOp>(loc, f32Tensor(shape), v, constant(idx), b.getI64IntegerAttr(axis));
  };
  auto inside = [](int64_t p, int64_t size) { return p >= 0 && p < size; };
  auto i1 = b.getI1Type(), i64 = b.getI64Type();
  Value acc = constant(HostTensor::ofInts(DType::I64, {1, 1, 1, 1}, {-1}));
  for (int64_t ky = w.kernel[0] - 1; ky >= 0; --ky) {
    auto rows = positions(0, ky);
    Value tapRows = gather(x, 2, rows);
    for (int64_t kx = w.kernel[1] - 1; kx >= 0; --kx) {
      auto cols = positions(1, kx);
      Value tap = gather(tapRows, 3, cols);
      HostTensor index(DType::I64, {1, 1, OH, OW}), valid(DType::Bool, {1, 1, OH, OW});
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t r = rows[oh], c = cols[ow];
          index.setI(oh * OW + ow, columnMajor ? r + c * H : r * W + c);
          valid.setI(oh * OW + ow, inside(r, H) && inside(c, W));
        }
      Value hit = b.create<g::EqualOp>(loc, tensorType({N, C, OH, OW}, i1), tap, max);
      if (llvm::is_contained(valid.intValues(), 0))
        hit = b.create<g::AndOp>(loc, tensorType({N, C, OH, OW}, i1), hit, constant(valid));
      acc = b.create<g::WhereOp>(loc, tensorType({N, C, OH, OW}, i64), hit, constant(index), acc);
    }
  }
  HostTensor offset(DType::I64, {N, C, 1, 1});
  for (int64_t nc = 0; nc < N * C; ++nc)
    offset.setI(nc, nc * H * W);
  return b.create<g::AddOp>(loc, tensorType({N, C, OH, OW}, i64), acc, constant(offset));
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
  for (Value v : {a, bb})
    if (auto err = requireFloat(n, v))
      return err;
  if (shapeOf(a).empty() || shapeOf(bb).empty())
    return fail(n, "cannot multiply " + shapeStr(shapeOf(a)) + " by " + shapeStr(shapeOf(bb)) +
                       " (scalars are not matrices)");
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
  for (Value v : {a, bb})
    if (auto err = requireFloat(n, v))
      return err;
  // beta is read even without C, where it has no effect (not an unsupported attribute).
  double beta = attrFloat(n, "beta", 1.0);
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
    return binary<g::MulOp>(n, v, scalar(s));
  };
  auto ab = scaled(r, attrFloat(n, "alpha", 1.0));
  if (!ab)
    return ab.takeError();
  r = *ab;
  if (hasInput(n, 2)) {
    Value c = input(n, 2);
    if (auto err = requireFloat(n, c))
      return err;
    if (model.opset < 7) {
      auto aligned = legacyBroadcast(n, r, c);
      if (!aligned)
        return aligned.takeError();
      c = *aligned;
    }
    auto cs = scaled(c, beta);
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

llvm::Expected<std::pair<Value, int64_t>> GraphBuilder::softmaxView(const NodeDesc &n, Value x) {
  int64_t rank = shapeOf(x).size();
  int64_t axis = normalizeAxis(attrInt(n, "axis", model.opset < 13 ? 1 : -1), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  return std::pair{model.opset < 13 ? flattenAt(x, axis) : x, axis};
}

llvm::Error GraphBuilder::convertSoftmax(const NodeDesc &n) {
  // Softmax and LogSoftmax over `axis`; before opset 13 both normalize over all
  // dimensions from the axis on (a [outer, inner] view).
  //   log_softmax(x) = (x - max) - log(sum(exp(x - max)))
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  auto view = softmaxView(n, x);
  if (!view)
    return view.takeError();
  auto [v, axis] = *view;
  Value r;
  if (n.op == "Softmax") {
    r = b.create<g::SoftmaxOp>(loc, v, b.getI64IntegerAttr(axis));
  } else {
    SmallVector<int64_t> ax{axis};
    Value shifted = llvm::cantFail(binary<g::SubOp>(n, v, reduce("ReduceMax", v, ax, true)));
    Value lse = b.create<g::LogOp>(loc, reduce("ReduceSum", b.create<g::ExpOp>(loc, shifted), ax, true));
    r = llvm::cantFail(binary<g::SubOp>(n, shifted, lse));
  }
  return define(n, 0, reshape(r, shapeOf(x)));
}

Value GraphBuilder::flattenAt(Value x, int64_t &axis) {
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  if (axis == rank - 1)
    return x;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= shape[d];
  axis = 1;
  return reshape(x, {outer, inner});
}

llvm::Error GraphBuilder::convertReduce(const NodeDesc &n) {
  Value x = input(n, 0);
  auto elem = typeOf(x).getElementType();
  if (!elem.isF32() && !elem.isInteger(1)) // integers of every width are int64 by now
    return fail(n, "int64 inputs are not supported yet (float32 only)");
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  bool keep = attrInt(n, "keepdims", 1) != 0; // read first: a no-op reduction ignores it
  // Axes are an attribute before opset 18 (ReduceSum: 13), then an optional
  // input with noop_with_empty_axes saying what no axes mean.
  bool axesAreInput = (n.op == "ReduceSum" && model.opset >= 13) || model.opset >= 18;
  std::vector<int64_t> axes;
  bool noop = false;
  if (!axesAreInput) {
    axes = attrInts(n, "axes", {});
  } else {
    noop = attrInt(n, "noop_with_empty_axes", 0) != 0;
    if (hasInput(n, 1)) {
      auto c = constantInts(n, 1, "axes");
      if (!c)
        return c.takeError();
      axes = std::move(*c);
    }
  }
  if (axes.empty()) {
    if (noop)
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
  SmallVector<int64_t> ax(sorted.begin(), sorted.end());
  if (elem.isInteger(1))
    return reduceBool(n, x, ax, keep);
  // ONNX reductions outside the dialect's sum/mean/max/prod are decompositions:
  //   ReduceMin = -max(-x)            ReduceL1 = sum(|x|)       ReduceL2 = sqrt(sum(x*x))
  //   ReduceSumSquare = sum(x*x)      ReduceLogSum = log(sum(x))
  //   ReduceLogSumExp = log(sum(exp(x - max))) + max   (stable for large x)
  auto square = [&](Value v) { return llvm::cantFail(binary<g::MulOp>(n, v, v)); };
  Value r;
  if (n.op == "ReduceMean" || n.op == "ReduceSum" || n.op == "ReduceMax" || n.op == "ReduceProd")
    r = reduce(n.op, x, ax, keep);
  else if (n.op == "ReduceMin")
    r = b.create<g::NegOp>(loc, reduce("ReduceMax", b.create<g::NegOp>(loc, x), ax, keep));
  else if (n.op == "ReduceL1")
    r = reduce("ReduceSum", b.create<g::AbsOp>(loc, x), ax, keep);
  else if (n.op == "ReduceL2")
    r = b.create<g::SqrtOp>(loc, reduce("ReduceSum", square(x), ax, keep));
  else if (n.op == "ReduceSumSquare")
    r = reduce("ReduceSum", square(x), ax, keep);
  else if (n.op == "ReduceLogSum")
    r = b.create<g::LogOp>(loc, reduce("ReduceSum", x, ax, keep));
  else if (n.op == "ReduceLogSumExp") {
    Value m = reduce("ReduceMax", x, ax, true);
    Value e = b.create<g::ExpOp>(loc, llvm::cantFail(binary<g::SubOp>(n, x, m)));
    Value lse = b.create<g::LogOp>(loc, reduce("ReduceSum", e, ax, keep));
    r = llvm::cantFail(binary<g::AddOp>(n, lse, keep ? m : reshape(m, shapeOf(lse))));
  } else
    return fail(n, "no lowering for this reduction");
  return define(n, 0, r);
}

llvm::Error GraphBuilder::reduceBool(const NodeDesc &n, Value x, ArrayRef<int64_t> axes, bool keep) {
  // ReduceMax and ReduceMin of bool (opset 20) are "any" and "all": over x as
  // 0/1 floats, max(x) > 0.5 and -max(-x) > 0.5. An empty set gives -inf
  // (false) for max and +inf (true) for min, ONNX's identities.
  if (n.op != "ReduceMax" && n.op != "ReduceMin")
    return fail(n, "bool inputs are not supported (only ReduceMax and ReduceMin take bool)");
  if (model.opset < 20)
    return fail(n, "bool inputs are not supported before opset 20");
  Value f = b.create<g::CastOp>(loc, f32Tensor(shapeOf(x)), x);
  Value r = n.op == "ReduceMax"
                ? reduce("ReduceMax", f, axes, keep)
                : b.create<g::NegOp>(loc, reduce("ReduceMax", b.create<g::NegOp>(loc, f), axes, keep));
  return define(n, 0, emit<g::GreaterOp>(n, r, scalar(0.5)));
}

Value GraphBuilder::reduce(StringRef kind, Value x, ArrayRef<int64_t> axes, bool keep) {
  SmallVector<int64_t> out;
  auto shape = shapeOf(x);
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
    if (!llvm::is_contained(axes, d))
      out.push_back(shape[d]);
    else if (keep)
      out.push_back(1);
  auto axesAttr = b.getDenseI64ArrayAttr(axes);
  auto keepAttr = b.getBoolAttr(keep);
  if (kind == "ReduceMean")
    return b.create<g::ReduceMeanOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  if (kind == "ReduceSum")
    return b.create<g::ReduceSumOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  if (kind == "ReduceProd")
    return b.create<g::ReduceProdOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
  return b.create<g::ReduceMaxOp>(loc, f32Tensor(out), x, axesAttr, keepAttr);
}

llvm::Error GraphBuilder::convertArg(const NodeDesc &n) {
  Value x = input(n, 0);
  if (!typeOf(x).getElementType().isF32())
    return fail(n, "int64 inputs are not supported yet (float32 only)");
  auto shape = shapeOf(x);
  int64_t rank = shape.size(), axis = normalizeAxis(attrInt(n, "axis", 0), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  bool keep = attrInt(n, "keepdims", 1) != 0, last = attrInt(n, "select_last_index", 0) != 0;
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      out.push_back(shape[d]);
    else if (keep)
      out.push_back(1);
  auto type = tensorType(out, b.getI64Type());
  auto axisAttr = b.getI64IntegerAttr(axis);
  Value r = n.op == "ArgMax"
                ? (Value)b.create<g::ArgMaxOp>(loc, type, x, axisAttr, b.getBoolAttr(keep), b.getBoolAttr(last))
                : (Value)b.create<g::ArgMinOp>(loc, type, x, axisAttr, b.getBoolAttr(keep), b.getBoolAttr(last));
  return define(n, 0, r);
}

//===----------------------------------------------------------------------===//
// Normalizations (decompositions)
//===----------------------------------------------------------------------===//

GraphBuilder::Moments GraphBuilder::normalize(const NodeDesc &n, Value x, ArrayRef<int64_t> axes,
                                              double eps) {
  auto op = [&](auto tag, Value a, Value c) -> Value {
    return llvm::cantFail(binary<decltype(tag)>(n, a, c));
  };
  Moments m;
  m.mean = reduce("ReduceMean", x, axes, true);
  Value centered = op(g::SubOp(), x, m.mean);
  m.var = reduce("ReduceMean", op(g::MulOp(), centered, centered), axes, true);
  m.invStdDev = op(g::DivOp(), scalar(1), b.create<g::SqrtOp>(loc, op(g::AddOp(), m.var, scalar(eps))));
  m.normalized = op(g::MulOp(), centered, m.invStdDev);
  return m;
}

llvm::Error GraphBuilder::convertLayerNorm(const NodeDesc &n) {
  // Over axes [axis, rank) (opset 17):
  //   Mean = mean(X), InvStdDev = 1 / sqrt(mean((X - Mean)^2) + epsilon),
  //   Y = (X - Mean) * InvStdDev * Scale + B
  if (attrInt(n, "stash_type", 1) != 1)
    return fail(n, "stash_type other than float32 is not supported yet");
  Value x = input(n, 0), scale = input(n, 1);
  if (auto err = requireFloat(n, x))
    return err;
  int64_t rank = shapeOf(x).size(), axis = normalizeAxis(attrInt(n, "axis", -1), rank);
  if (axis < 0 || axis >= rank)
    return fail(n, "axis is out of range for rank " + std::to_string(rank));
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  Moments m = normalize(n, x, axes, attrFloat(n, "epsilon", 1e-5));
  auto y = binary<g::MulOp>(n, m.normalized, scale);
  if (!y)
    return y.takeError();
  Value r = *y;
  if (hasInput(n, 2)) {
    auto biased = binary<g::AddOp>(n, r, input(n, 2));
    if (!biased)
      return biased.takeError();
    r = *biased;
  }
  if (shapeOf(r) != shapeOf(x))
    return fail(n, "Scale and B must broadcast to X " + shapeStr(shapeOf(x)));
  if (auto err = define(n, 0, r))
    return err;
  if (n.outputs.size() > 1 && !n.outputs[1].empty())
    if (auto err = define(n, 1, m.mean))
      return err;
  if (n.outputs.size() > 2 && !n.outputs[2].empty())
    if (auto err = define(n, 2, m.invStdDev))
      return err;
  return llvm::Error::success();
}

llvm::Error GraphBuilder::convertInstanceNorm(const NodeDesc &n) {
  // Y = normalize(X over the spatial axes) * scale[c] + B[c]
  Value x = input(n, 0), scale = input(n, 1), bias = input(n, 2);
  for (Value v : {x, scale, bias})
    if (auto err = requireFloat(n, v))
      return err;
  auto shape = shapeOf(x);
  int64_t rank = shape.size();
  if (rank < 3)
    return fail(n, "expects an input of rank >= 3 (N, C, spatial...)");
  SmallVector<int64_t> axes, perChannel(rank, 1);
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  perChannel[1] = shape[1];
  if (shapeOf(scale) != ArrayRef<int64_t>{shape[1]} || shapeOf(bias) != ArrayRef<int64_t>{shape[1]})
    return fail(n, "scale and B must have shape [" + std::to_string(shape[1]) + "]");
  Value y = normalize(n, x, axes, attrFloat(n, "epsilon", 1e-5)).normalized;
  Value scaled = llvm::cantFail(binary<g::MulOp>(n, y, reshape(scale, perChannel)));
  return define(n, 0, llvm::cantFail(binary<g::AddOp>(n, scaled, reshape(bias, perChannel))));
}

llvm::Error GraphBuilder::convertLRN(const NodeDesc &n) {
  // y = x / (bias + alpha / size * sum of x^2 over a window of `size` channels)^beta.
  // The channel window sum is an average pool (padding counted) over a [N, 1, C, H*W]
  // view of x^2, times size.
  Value x = input(n, 0);
  if (auto err = requireFloat(n, x))
    return err;
  auto shape = shapeOf(x);
  if (shape.size() < 3)
    return fail(n, "expects an input of rank >= 3 (N, C, spatial...)");
  int64_t size = attrInt(n, "size", 0);
  if (size <= 0)
    return fail(n, "size must be positive");
  double alpha = attrFloat(n, "alpha", 1e-4), beta = attrFloat(n, "beta", 0.75),
         bias = attrFloat(n, "bias", 1.0);
  int64_t N = shape[0], C = shape[1], rest = 1;
  for (size_t d = 2; d < shape.size(); ++d)
    rest *= shape[d];
  auto op = [&](auto tag, Value a, Value c) -> Value {
    return llvm::cantFail(binary<decltype(tag)>(n, a, c));
  };
  Value sq = reshape(op(g::MulOp(), x, x), {N, 1, C, rest});
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  Value avg = b.create<g::AvgPoolOp>(
      loc, f32Tensor({N, 1, C, rest}), sq, b.getDenseI64ArrayAttr({size, 1}),
      b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({lo, 0, hi, 0}),
      b.getDenseI64ArrayAttr({1, 1}), b.getBoolAttr(false), b.getBoolAttr(true));
  Value sum = reshape(op(g::MulOp(), avg, scalar((double)size)), shape);
  Value denom = op(g::PowOp(), op(g::AddOp(), scalar(bias), op(g::MulOp(), scalar(alpha / size), sum)),
                   scalar(beta));
  return define(n, 0, op(g::DivOp(), x, denom));
}

} // namespace strata::frontend::detail
