//===- NaiveTest.cpp - the interpreter against independent naive formulas -===//
//
// Random inputs over many attribute combinations, each result compared with a
// formula written here from the op's definition, one output element at a
// time, sharing no code with the interpreter.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include <algorithm>
#include <limits>

using namespace strata;
using namespace strata::testing;

namespace {

int64_t outSize(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t d, bool ceil) {
  int64_t span = d * (k - 1) + 1, numer = in + p0 + p1 - span;
  int64_t n = (ceil ? (numer + s - 1) / s : numer / s) + 1;
  if (ceil && (n - 1) * s >= in + p0) // the last window must start inside the input or begin pad
    --n;
  return n;
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

struct ConvCase {
  int64_t n, c, h, w, o, kh, kw, groups;
  std::vector<int64_t> strides, pads, dilations;
  bool bias;
};

class ConvTest : public ReferenceTest, public ::testing::WithParamInterface<ConvCase> {};

TEST_P(ConvTest, MatchesTheDefinition) {
  const ConvCase &p = GetParam();
  int64_t oh = outSize(p.h, p.kh, p.strides[0], p.pads[0], p.pads[2], p.dilations[0], false);
  int64_t ow = outSize(p.w, p.kw, p.strides[1], p.pads[1], p.pads[3], p.dilations[1], false);
  std::vector<int64_t> xs{p.n, p.c, p.h, p.w}, ws{p.o, p.c / p.groups, p.kh, p.kw}, bs{p.o},
      ys{p.n, p.o, oh, ow};
  std::string args = "%x: " + ty(xs) + ", %w: " + ty(ws) + (p.bias ? ", %b: " + ty(bs) : "");
  std::string operands = p.bias ? "%x, %w, %b" : "%x, %w";
  std::string types = ty(xs) + ", " + ty(ws) + (p.bias ? ", " + ty(bs) : "");
  std::string text = "func.func @main(" + args + ") -> " + ty(ys) + " {\n  %y = graph.conv2d " +
                     operands + " {strides = " + i64s(p.strides) + ", pads = " + i64s(p.pads) +
                     ", dilations = " + i64s(p.dilations) + ", groups = " +
                     std::to_string(p.groups) + " : i64} : (" + types + ") -> " + ty(ys) +
                     "\n  return %y : " + ty(ys) + "\n}";
  HostTensor x = random(xs), w = random(ws), b = random(bs);
  std::vector<HostTensor> inputs{x, w};
  if (p.bias)
    inputs.push_back(b);
  auto r = run(text, inputs);
  ASSERT_EQ(r.size(), 1u);

  // y[n,o,i,j] = bias[o] + sum over c in o's group, ky, kx of
  //              x[n, c, i*sh - top + ky*dh, j*sw - left + kx*dw] * w[o, c - first, ky, kx]
  // with x zero outside the image.
  int64_t cg = p.c / p.groups, og = p.o / p.groups;
  std::vector<double> want;
  for (int64_t i = 0; i < HostTensor::numElements(ys); ++i) {
    auto c = coords(ys, i);
    int64_t n = c[0], o = c[1], first = (o / og) * cg;
    double sum = p.bias ? b.asDouble(o) : 0.0;
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t ky = 0; ky < p.kh; ++ky)
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          int64_t iy = c[2] * p.strides[0] - p.pads[0] + ky * p.dilations[0];
          int64_t ix = c[3] * p.strides[1] - p.pads[1] + kx * p.dilations[1];
          if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w)
            continue;
          sum += x.asDouble(flat(xs, {n, first + ci, iy, ix})) * w.asDouble(flat(ws, {o, ci, ky, kx}));
        }
    want.push_back(sum);
  }
  expectClose(r[0], ys, want);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ConvTest,
    ::testing::Values(
        ConvCase{1, 3, 7, 9, 4, 3, 3, 1, {1, 1}, {1, 1, 1, 1}, {1, 1}, true},    // same padding
        ConvCase{2, 3, 8, 10, 5, 3, 3, 1, {2, 2}, {1, 1, 1, 1}, {1, 1}, true},   // stride 2, batch 2
        ConvCase{1, 4, 9, 9, 6, 3, 2, 2, {2, 1}, {0, 1, 2, 0}, {1, 2}, false},   // groups, asymmetric
        ConvCase{1, 6, 10, 8, 6, 3, 3, 6, {1, 1}, {1, 1, 1, 1}, {1, 1}, true},   // depthwise
        ConvCase{1, 4, 11, 11, 8, 5, 5, 4, {2, 2}, {2, 1, 2, 3}, {1, 1}, true},  // depthwise x2
        ConvCase{1, 2, 12, 12, 3, 3, 3, 1, {1, 1}, {2, 2, 2, 2}, {2, 2}, false}, // dilation 2
        ConvCase{1, 8, 5, 5, 16, 1, 1, 1, {1, 1}, {0, 0, 0, 0}, {1, 1}, true},   // pointwise
        ConvCase{1, 3, 6, 6, 2, 3, 3, 1, {3, 3}, {2, 0, 0, 2}, {1, 1}, true}));  // stride 3

//===----------------------------------------------------------------------===//
// pooling
//===----------------------------------------------------------------------===//

struct PoolCase {
  int64_t h, w;
  std::vector<int64_t> kernel, strides, pads;
  bool ceil;
};

class PoolTest : public ReferenceTest, public ::testing::WithParamInterface<PoolCase> {};

TEST_P(PoolTest, MatchesTheDefinition) {
  const PoolCase &p = GetParam();
  int64_t oh = outSize(p.h, p.kernel[0], p.strides[0], p.pads[0], p.pads[2], 1, p.ceil);
  int64_t ow = outSize(p.w, p.kernel[1], p.strides[1], p.pads[1], p.pads[3], 1, p.ceil);
  std::vector<int64_t> xs{2, 3, p.h, p.w}, ys{2, 3, oh, ow};
  std::string attrs = "kernel = " + i64s(p.kernel) + ", strides = " + i64s(p.strides) +
                      ", pads = " + i64s(p.pads) + ", dilations = array<i64: 1, 1>, ceil_mode = " +
                      (p.ceil ? "true" : "false");
  std::string sig = " : (" + ty(xs) + ") -> " + ty(ys) + "\n";
  std::string text = "func.func @main(%x: " + ty(xs) + ") -> (" + ty(ys) + ", " + ty(ys) + ", " +
                     ty(ys) + ") {\n" + "  %0 = graph.max_pool %x {" + attrs + "}" + sig +
                     "  %1 = graph.avg_pool %x {" + attrs + ", count_include_pad = false}" + sig +
                     "  %2 = graph.avg_pool %x {" + attrs + ", count_include_pad = true}" + sig +
                     "  return %0, %1, %2 : " + ty(ys) + ", " + ty(ys) + ", " + ty(ys) + "\n}";
  HostTensor x = random(xs);
  auto r = run(text, {x});
  ASSERT_EQ(r.size(), 3u);

  // The ONNX Runtime / PyTorch formulation: the window [start, start + k)
  // clipped to the padded image gives the count_include_pad divisor, clipped
  // to the image gives the cells read and the other divisor.
  std::vector<double> wantMax, wantAvg, wantAvgPad;
  for (int64_t i = 0; i < HostTensor::numElements(ys); ++i) {
    auto c = coords(ys, i);
    int64_t hs = c[2] * p.strides[0] - p.pads[0], ws = c[3] * p.strides[1] - p.pads[1];
    int64_t he = std::min(hs + p.kernel[0], p.h + p.pads[2]);
    int64_t we = std::min(ws + p.kernel[1], p.w + p.pads[3]);
    int64_t padCount = (he - hs) * (we - ws);
    hs = std::max<int64_t>(hs, 0), ws = std::max<int64_t>(ws, 0);
    he = std::min(he, p.h), we = std::min(we, p.w);
    double mx = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t y = hs; y < he; ++y)
      for (int64_t xx = ws; xx < we; ++xx) {
        double v = x.asDouble(flat(xs, {c[0], c[1], y, xx}));
        mx = std::max(mx, v);
        sum += v;
      }
    wantMax.push_back(mx);
    wantAvg.push_back(sum / ((he - hs) * (we - ws)));
    wantAvgPad.push_back(sum / padCount);
  }
  expectClose(r[0], ys, wantMax);
  expectClose(r[1], ys, wantAvg);
  expectClose(r[2], ys, wantAvgPad);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, PoolTest,
    ::testing::Values(PoolCase{8, 8, {2, 2}, {2, 2}, {0, 0, 0, 0}, false},
                      PoolCase{7, 7, {2, 2}, {2, 2}, {0, 0, 0, 0}, true},  // ceil: hangs over
                      PoolCase{7, 9, {3, 3}, {2, 2}, {1, 1, 1, 1}, true},  // ceil with padding
                      PoolCase{6, 7, {3, 2}, {2, 3}, {1, 0, 0, 1}, true},  // asymmetric
                      PoolCase{5, 5, {3, 3}, {1, 1}, {1, 1, 1, 1}, false}, // same-size
                      PoolCase{9, 6, {3, 3}, {3, 2}, {2, 1, 2, 1}, false}));

//===----------------------------------------------------------------------===//
// matmul with broadcast batch dimensions
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, MatMulBroadcastsBatchDims) {
  struct Case {
    std::vector<int64_t> a, b, out;
  };
  for (const Case &k : std::vector<Case>{{{3, 4}, {4, 5}, {3, 5}},
                                         {{2, 3, 4}, {4, 5}, {2, 3, 5}},
                                         {{4, 5}, {3, 5, 2}, {3, 4, 2}},
                                         {{2, 1, 3, 4}, {5, 4, 6}, {2, 5, 3, 6}},
                                         {{3, 1, 2, 7}, {3, 7, 1}, {3, 3, 2, 1}}}) {
    std::string text = "func.func @main(%a: " + ty(k.a) + ", %b: " + ty(k.b) + ") -> " +
                       ty(k.out) + " {\n  %y = graph.matmul %a, %b : (" + ty(k.a) + ", " +
                       ty(k.b) + ") -> " + ty(k.out) + "\n  return %y : " + ty(k.out) + "\n}";
    HostTensor a = random(k.a), b = random(k.b);
    auto r = run(text, {a, b});
    ASSERT_EQ(r.size(), 1u);
    // y[..., i, j] = sum_k a[..., i, k] * b[..., k, j]; a batch coordinate
    // reads index 0 of a size-1 (or missing) batch dimension.
    size_t rank = k.out.size();
    int64_t K = k.a.back();
    auto index = [&](const std::vector<int64_t> &shape, const std::vector<int64_t> &outC,
                     int64_t row, int64_t col) {
      std::vector<int64_t> c(shape.size());
      for (size_t d = 0; d + 2 < shape.size(); ++d)
        c[d] = shape[d] == 1 ? 0 : outC[d + rank - shape.size()];
      c[shape.size() - 2] = row, c[shape.size() - 1] = col;
      return flat(shape, c);
    };
    std::vector<double> want;
    for (int64_t i = 0; i < HostTensor::numElements(k.out); ++i) {
      auto c = coords(k.out, i);
      double sum = 0;
      for (int64_t kk = 0; kk < K; ++kk)
        sum += a.asDouble(index(k.a, c, c[rank - 2], kk)) * b.asDouble(index(k.b, c, kk, c[rank - 1]));
      want.push_back(sum);
    }
    SCOPED_TRACE(ty(k.a) + " x " + ty(k.b));
    expectClose(r[0], k.out, want);
  }
}

//===----------------------------------------------------------------------===//
// broadcasting binary ops
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, BinaryOpsBroadcastLikeNumpy) {
  struct Case {
    std::vector<int64_t> a, b, out;
  };
  for (const Case &k : std::vector<Case>{{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
                                         {{2, 1, 4}, {3, 1}, {2, 3, 4}},
                                         {{1}, {2, 3}, {2, 3}},
                                         {{4, 1, 3, 1}, {5, 1, 2}, {4, 5, 3, 2}},
                                         {{1, 3, 1, 1}, {2, 3, 4, 5}, {2, 3, 4, 5}}}) {
    std::string sig = " : (" + ty(k.a) + ", " + ty(k.b) + ") -> " + ty(k.out) + "\n";
    std::string text = "func.func @main(%a: " + ty(k.a) + ", %b: " + ty(k.b) + ") -> (" +
                       ty(k.out) + ", " + ty(k.out) + ", " + ty(k.out) + ") {\n" +
                       "  %0 = graph.sub %a, %b" + sig + "  %1 = graph.div %a, %b" + sig +
                       "  %2 = graph.min %a, %b" + sig + "  return %0, %1, %2 : " + ty(k.out) +
                       ", " + ty(k.out) + ", " + ty(k.out) + "\n}";
    HostTensor a = random(k.a), b = random(k.b, 0.5, 2);
    auto r = run(text, {a, b});
    ASSERT_EQ(r.size(), 3u);
    auto at = [&](const HostTensor &t, const std::vector<int64_t> &outC) {
      std::vector<int64_t> c(t.shape.size());
      for (size_t d = 0; d < t.shape.size(); ++d)
        c[d] = t.shape[d] == 1 ? 0 : outC[d + outC.size() - t.shape.size()];
      return t.asDouble(flat(t.shape, c));
    };
    std::vector<double> sub, div, mn;
    for (int64_t i = 0; i < HostTensor::numElements(k.out); ++i) {
      auto c = coords(k.out, i);
      sub.push_back(at(a, c) - at(b, c));
      div.push_back(at(a, c) / at(b, c));
      mn.push_back(std::min(at(a, c), at(b, c)));
    }
    SCOPED_TRACE(ty(k.a) + " and " + ty(k.b));
    expectClose(r[0], k.out, sub);
    expectClose(r[1], k.out, div);
    expectClose(r[2], k.out, mn);
  }
}

//===----------------------------------------------------------------------===//
// reductions, softmax, transpose, slice, concat on rank-4 tensors
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, ReductionsOverAnyAxesWithAndWithoutKeepdims) {
  std::vector<int64_t> xs{2, 3, 4, 5};
  HostTensor x = random(xs, 0.5, 1.5);
  for (std::vector<int64_t> axes : std::vector<std::vector<int64_t>>{
           {0}, {1}, {3}, {1, 2}, {0, 3}, {2, 3}, {0, 1, 2, 3}})
    for (bool keep : {false, true}) {
      std::vector<int64_t> ys;
      for (int64_t d = 0; d < 4; ++d)
        if (!llvm::is_contained(axes, d))
          ys.push_back(xs[d]);
        else if (keep)
          ys.push_back(1);
      std::string attrs = " {axes = " + i64s(axes) + ", keepdims = " + (keep ? "true" : "false") +
                          "} : (" + ty(xs) + ") -> " + ty(ys) + "\n";
      std::string text = "func.func @main(%x: " + ty(xs) + ") -> (" + ty(ys) + ", " + ty(ys) +
                         ", " + ty(ys) + ", " + ty(ys) + ") {\n" + "  %0 = graph.reduce_sum %x" +
                         attrs + "  %1 = graph.reduce_mean %x" + attrs +
                         "  %2 = graph.reduce_max %x" + attrs + "  %3 = graph.reduce_prod %x" +
                         attrs + "  return %0, %1, %2, %3 : " + ty(ys) + ", " + ty(ys) + ", " +
                         ty(ys) + ", " + ty(ys) + "\n}";
      auto r = run(text, {x});
      ASSERT_EQ(r.size(), 4u);
      // For each output element, visit every input element whose kept
      // coordinates equal the output's.
      int64_t nOut = HostTensor::numElements(ys);
      std::vector<double> sum(nOut), mean(nOut), mx(nOut), prod(nOut);
      for (int64_t o = 0; o < nOut; ++o) {
        auto oc = coords(ys, o);
        double s = 0, m = -1e300, p = 1;
        int64_t count = 0;
        for (int64_t i = 0; i < x.numElements(); ++i) {
          auto ic = coords(xs, i);
          bool match = true;
          for (int64_t d = 0, od = 0; d < 4; ++d) {
            bool reduced = llvm::is_contained(axes, d);
            if (!reduced && ic[d] != oc[od])
              match = false;
            if (!reduced || keep)
              ++od;
          }
          if (!match)
            continue;
          s += x.asDouble(i), m = std::max(m, x.asDouble(i)), p *= x.asDouble(i), ++count;
        }
        sum[o] = s, mean[o] = s / count, mx[o] = m, prod[o] = p;
      }
      SCOPED_TRACE(attrs);
      expectClose(r[0], ys, sum);
      expectClose(r[1], ys, mean);
      expectClose(r[2], ys, mx);
      expectClose(r[3], ys, prod);
    }
}

TEST_F(ReferenceTest, SoftmaxAlongEachAxis) {
  std::vector<int64_t> xs{2, 3, 4};
  HostTensor x = random(xs, -3, 3);
  for (int64_t axis = 0; axis < 3; ++axis) {
    std::string text = "func.func @main(%x: " + ty(xs) + ") -> " + ty(xs) +
                       " {\n  %y = graph.softmax %x {axis = " + std::to_string(axis) +
                       " : i64} : " + ty(xs) + "\n  return %y : " + ty(xs) + "\n}";
    auto r = run(text, {x});
    ASSERT_EQ(r.size(), 1u);
    std::vector<double> want;
    for (int64_t i = 0; i < x.numElements(); ++i) {
      auto c = coords(xs, i);
      double denom = 0;
      for (int64_t k = 0; k < xs[axis]; ++k) {
        auto ck = c;
        ck[axis] = k;
        denom += std::exp(x.asDouble(flat(xs, ck)));
      }
      want.push_back(std::exp(x.asDouble(i)) / denom);
    }
    SCOPED_TRACE("axis " + std::to_string(axis));
    expectClose(r[0], xs, want);
  }
}

TEST_F(ReferenceTest, TransposeSliceConcatOnRank4) {
  std::vector<int64_t> xs{2, 3, 4, 5}, ts{4, 2, 5, 3}, ss{1, 2, 2, 2}, cs{2, 7, 4, 5};
  std::vector<int64_t> perm{2, 0, 3, 1}, starts{1, 0, 1, 0}, steps{1, 2, 2, 3};
  std::string text =
      "func.func @main(%x: " + ty(xs) + ", %y: " + ty({2, 4, 4, 5}) + ") -> (" + ty(ts) + ", " +
      ty(ss) + ", " + ty(cs) + ") {\n" + "  %0 = graph.transpose %x {perm = " + i64s(perm) +
      "} : (" + ty(xs) + ") -> " + ty(ts) + "\n" + "  %1 = graph.slice %x {starts = " +
      i64s(starts) + ", steps = " + i64s(steps) + "} : (" + ty(xs) + ") -> " + ty(ss) + "\n" +
      "  %2 = graph.concat %x, %y {axis = 1 : i64} : (" + ty(xs) + ", " + ty({2, 4, 4, 5}) +
      ") -> " + ty(cs) + "\n" + "  return %0, %1, %2 : " + ty(ts) + ", " + ty(ss) + ", " + ty(cs) +
      "\n}";
  HostTensor x = random(xs), y = random({2, 4, 4, 5});
  auto r = run(text, {x, y});
  ASSERT_EQ(r.size(), 3u);
  std::vector<double> t, s, c;
  for (int64_t i = 0; i < HostTensor::numElements(ts); ++i) {
    auto oc = coords(ts, i);
    std::vector<int64_t> ic(4);
    for (int d = 0; d < 4; ++d)
      ic[perm[d]] = oc[d]; // result dim d is input dim perm[d]
    t.push_back(x.asDouble(flat(xs, ic)));
  }
  for (int64_t i = 0; i < HostTensor::numElements(ss); ++i) {
    auto oc = coords(ss, i);
    for (int d = 0; d < 4; ++d)
      oc[d] = starts[d] + oc[d] * steps[d];
    s.push_back(x.asDouble(flat(xs, oc)));
  }
  for (int64_t i = 0; i < HostTensor::numElements(cs); ++i) {
    auto oc = coords(cs, i);
    if (oc[1] < 3) {
      c.push_back(x.asDouble(flat(xs, oc)));
    } else {
      oc[1] -= 3;
      c.push_back(y.asDouble(flat({2, 4, 4, 5}, oc)));
    }
  }
  expectClose(r[0], ts, t, 0);
  expectClose(r[1], ss, s, 0);
  expectClose(r[2], cs, c, 0);
}

} // namespace
