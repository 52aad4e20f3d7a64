//===- NN.cpp - conv2d, matmul, batch_norm, pooling, softmax, reductions --===//
#include "dialects/graph/reference/Kernels.h"

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
namespace g = strata::graph;

namespace strata::reference::detail {

namespace {

/// The output positions o in [0, outSize) whose input position
/// o * stride + offset lies inside [0, size): a half-open range [lo, hi).
std::pair<int64_t, int64_t> insideRange(int64_t offset, int64_t stride, int64_t size,
                                        int64_t outSize) {
  auto ceilDivPositive = [](int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; };
  int64_t lo = std::min(ceilDivPositive(-offset, stride), outSize);
  int64_t hi = std::min(ceilDivPositive(size - offset, stride), outSize);
  return {lo, std::max(lo, hi)};
}

const double kNegInf = -std::numeric_limits<double>::infinity();

} // namespace

//===----------------------------------------------------------------------===//
// conv2d: NCHW input, OIHW filter, groups, strides, dilations, pads [t, l, b, r]
//===----------------------------------------------------------------------===//

HostTensor evalConv2D(Operation *op, ArrayRef<HostTensor> in) {
  auto conv = llvm::cast<g::Conv2DOp>(op);
  const HostTensor &x = in[0], &w = in[1];
  const HostTensor *bias = in.size() > 2 ? &in[2] : nullptr;
  HostTensor out = tensorFor(conv.getResult());
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t O = out.shape[1], OH = out.shape[2], OW = out.shape[3];
  int64_t KH = w.shape[2], KW = w.shape[3];
  int64_t groups = conv.getGroups(), cPerGroup = C / groups, oPerGroup = O / groups;
  auto strides = conv.getStrides(), pads = conv.getPads(), dil = conv.getDilations();

  // One output plane at a time, accumulated in double: for each filter tap,
  // add weight * (the shifted, strided input plane) over the output positions
  // whose input position is inside the image (padding contributes zero).
  std::vector<double> acc(OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      std::fill(acc.begin(), acc.end(), bias ? bias->f(o) : 0.0);
      int64_t firstChannel = (o / oPerGroup) * cPerGroup;
      for (int64_t ci = 0; ci < cPerGroup; ++ci) {
        const float *plane = x.floats() + (n * C + firstChannel + ci) * H * W;
        for (int64_t ky = 0; ky < KH; ++ky) {
          int64_t offY = ky * dil[0] - pads[0];
          auto [oy0, oy1] = insideRange(offY, strides[0], H, OH);
          for (int64_t kx = 0; kx < KW; ++kx) {
            int64_t offX = kx * dil[1] - pads[1];
            auto [ox0, ox1] = insideRange(offX, strides[1], W, OW);
            double wv = w.f(((o * cPerGroup + ci) * KH + ky) * KW + kx);
            for (int64_t oy = oy0; oy < oy1; ++oy) {
              int64_t row = (oy * strides[0] + offY) * W + offX;
              double *a = &acc[oy * OW];
              for (int64_t ox = ox0; ox < ox1; ++ox)
                a[ox] += wv * plane[row + ox * strides[1]];
            }
          }
        }
      }
      int64_t base = (n * O + o) * OH * OW;
      for (int64_t i = 0; i < OH * OW; ++i)
        out.setF(base + i, acc[i]);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// matmul: [..., M, K] x [..., K, N] with broadcast batch dimensions
//===----------------------------------------------------------------------===//

HostTensor evalMatMul(Operation *op, const HostTensor &a, const HostTensor &b) {
  HostTensor out = tensorFor(op->getResult(0));
  size_t rank = out.shape.size();
  int64_t M = out.shape[rank - 2], N = out.shape[rank - 1], K = a.shape.back();
  Shape batch(out.shape.begin(), out.shape.end() - 2);
  Shape aBatch(a.shape.begin(), a.shape.end() - 2), bBatch(b.shape.begin(), b.shape.end() - 2);
  StridedWalk walk(batch, {broadcastStrides(aBatch, batch, M * K), broadcastStrides(bBatch, batch, K * N)});
  int64_t numBatches = HostTensor::numElements(batch);
  std::vector<double> row(N);
  for (int64_t bi = 0; bi < numBatches; ++bi, walk.next()) {
    const float *A = a.floats() + walk.offset(0), *B = b.floats() + walk.offset(1);
    for (int64_t i = 0; i < M; ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t k = 0; k < K; ++k) {
        double av = A[i * K + k];
        for (int64_t j = 0; j < N; ++j)
          row[j] += av * B[k * N + j];
      }
      for (int64_t j = 0; j < N; ++j)
        out.setF((bi * M + i) * N + j, row[j]);
    }
  }
  return out;
}

/// result[..., m, j, l] = sum_k lhs[..., m, k] * rhs[j, k, l]: rows of lhs against panels of rhs.
HostTensor evalMatMulPacked(Operation *op, const HostTensor &a, const HostTensor &b) {
  HostTensor out = tensorFor(op->getResult(0));
  int64_t K = a.shape.back(), NB = b.shape[0], P = b.shape[2];
  int64_t rows = a.numElements() / K;
  std::vector<double> row(NB * P);
  for (int64_t i = 0; i < rows; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t j = 0; j < NB; ++j)
      for (int64_t k = 0; k < K; ++k) {
        double av = a.f(i * K + k);
        for (int64_t l = 0; l < P; ++l)
          row[j * P + l] += av * b.f((j * K + k) * P + l);
      }
    for (int64_t c = 0; c < NB * P; ++c)
      out.setF(i * NB * P + c, row[c]);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// batch_norm: y = scale * (x - mean) / sqrt(var + eps) + bias, channel dim 1
//===----------------------------------------------------------------------===//

HostTensor evalBatchNorm(Operation *op, ArrayRef<HostTensor> in) {
  auto bn = llvm::cast<g::BatchNormOp>(op);
  const HostTensor &x = in[0], &scale = in[1], &bias = in[2], &mean = in[3], &var = in[4];
  HostTensor out = tensorFor(bn.getResult());
  int64_t C = x.shape[1], inner = 1;
  for (size_t d = 2; d < x.shape.size(); ++d)
    inner *= x.shape[d];
  double eps = bn.getEpsilon().convertToFloat();
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = (i / inner) % C;
    out.setF(i, scale.f(c) * (x.f(i) - mean.f(c)) / std::sqrt(var.f(c) + eps) +
                   bias.f(c));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// max_pool / avg_pool: NCHW (or NCHW{b}) windows with pads, dilations, ceil_mode
//===----------------------------------------------------------------------===//

HostTensor evalPool(Operation *op, const HostTensor &x) {
  bool isMax = llvm::isa<g::MaxPoolOp>(op), countPad = false;
  ArrayRef<int64_t> kernel, strides, pads, dil;
  if (auto p = llvm::dyn_cast<g::MaxPoolOp>(op)) {
    kernel = p.getKernel(), strides = p.getStrides(), pads = p.getPads(), dil = p.getDilations();
  } else {
    auto a = llvm::cast<g::AvgPoolOp>(op);
    kernel = a.getKernel(), strides = a.getStrides(), pads = a.getPads(), dil = a.getDilations();
    countPad = a.getCountIncludePad();
  }
  HostTensor out = tensorFor(op->getResult(0));
  int64_t H = x.shape[2], W = x.shape[3], OH = out.shape[2], OW = out.shape[3];
  int64_t L = x.shape.size() == 5 ? x.shape[4] : 1; // NCHW{b}: b channels per pixel
  for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t l = 0; l < L; ++l) {
          double acc = isMax ? kNegInf : 0.0;
          int64_t count = 0;
          for (int64_t ky = 0; ky < kernel[0]; ++ky)
            for (int64_t kx = 0; kx < kernel[1]; ++kx) {
              int64_t iy = oy * strides[0] - pads[0] + ky * dil[0];
              int64_t ix = ox * strides[1] - pads[1] + kx * dil[1];
              bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              // count_include_pad counts padding cells; cells that ceil_mode lets
              // the window hang past the padding never count (PyTorch, ONNX Runtime).
              bool inPadded = iy < H + pads[2] && ix < W + pads[3];
              if (inside) {
                double v = x.f(((nc * H + iy) * W + ix) * L + l);
                acc = isMax ? nanMax(acc, v) : acc + v;
              }
              if (countPad ? inPadded : inside)
                ++count;
            }
          if (!isMax)
            acc = count ? acc / count : 0.0;
          out.setF(((nc * OH + oy) * OW + ox) * L + l, acc);
        }
  return out;
}

//===----------------------------------------------------------------------===//
// softmax along one axis, shifted by the maximum for stability
//===----------------------------------------------------------------------===//

HostTensor evalSoftmax(Operation *op, const HostTensor &x) {
  int64_t axis = llvm::cast<g::SoftmaxOp>(op).getAxis();
  HostTensor out = tensorFor(op->getResult(0));
  auto [outer, n, inner] = splitAt(x.shape, axis);
  std::vector<double> e(n);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i;
      double mx = kNegInf, sum = 0;
      for (int64_t k = 0; k < n; ++k)
        mx = nanMax(mx, (double)x.f(base + k * inner));
      for (int64_t k = 0; k < n; ++k)
        sum += e[k] = std::exp(x.f(base + k * inner) - mx);
      for (int64_t k = 0; k < n; ++k)
        out.setF(base + k * inner, e[k] / sum);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// reduce_sum / reduce_mean / reduce_max / reduce_prod over sorted axes, keepdims or not
//===----------------------------------------------------------------------===//

HostTensor evalReduce(Operation *op, const HostTensor &x) {
  ArrayRef<int64_t> axes = llvm::TypeSwitch<Operation *, ArrayRef<int64_t>>(op)
                               .Case<g::ReduceSumOp, g::ReduceMeanOp, g::ReduceMaxOp, g::ReduceProdOp>(
                                   [](auto r) { return r.getAxes(); })
                               .Default([](Operation *) { return ArrayRef<int64_t>(); });
  bool isMax = llvm::isa<g::ReduceMaxOp>(op), isMean = llvm::isa<g::ReduceMeanOp>(op),
       isProd = llvm::isa<g::ReduceProdOp>(op);
  HostTensor out = tensorFor(op->getResult(0));
  // Whether or not keepdims drops them, the output is laid out like the input
  // with the reduced dimensions set to 1; reading it with stride 0 along those
  // dimensions maps every input element to its output element.
  Shape kept = x.shape;
  int64_t count = 1;
  for (int64_t a : axes) {
    count *= kept[a];
    kept[a] = 1;
  }
  Shape outStrides = stridesOf(kept);
  for (int64_t a : axes)
    outStrides[a] = 0;
  std::vector<double> acc(out.numElements(), isMax ? kNegInf : isProd ? 1.0 : 0.0);
  StridedWalk walk(x.shape, {outStrides});
  for (int64_t i = 0; i < x.numElements(); ++i, walk.next()) {
    double &a = acc[walk.offset(0)];
    a = isMax ? nanMax(a, (double)x.f(i)) : isProd ? a * x.f(i) : a + x.f(i);
  }
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.setF(i, isMean ? acc[i] / count : acc[i]);
  return out;
}

HostTensor evalArg(Operation *op, const HostTensor &x) {
  bool isMax = llvm::isa<g::ArgMaxOp>(op);
  int64_t axis = (int64_t)op->getAttrOfType<IntegerAttr>("axis").getInt();
  bool last = op->getAttrOfType<BoolAttr>("select_last_index").getValue();
  HostTensor out = tensorFor(op->getResult(0));
  auto [outer, n, inner] = splitAt(x.shape, axis);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t e = 0; e < inner; ++e) {
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        double v = x.f((o * n + k) * inner + e), b = x.f((o * n + best) * inner + e);
        bool better = isMax ? (v > b || (last && v == b)) : (v < b || (last && v == b));
        if (better)
          best = k;
      }
      out.setI(o * inner + e, best);
    }
  return out;
}

} // namespace strata::reference::detail
