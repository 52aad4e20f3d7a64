//===- ReductionAccuracyTests.cpp - long sums, means and softmax vs float64 ===//
//
// One float32 running sum over 10^4..10^6 terms loses the small terms once
// the sum is large (a 19,000-class softmax was off by 1.2e-4). Here the
// compiled code and the reference interpreter are both held to 1e-5 relative
// of a float64 computation written in this file, on inputs with one dominant
// term, over the innermost axis and over outer axes.
//
//===----------------------------------------------------------------------===//
#include "test/e2e/Harness.h"
#include "test/e2e/OpCase.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace strata;
using namespace strata::testing;

namespace {

constexpr double kRelTol = 1e-5;

/// A tensor as [outer, n, inner] around the reduced (or softmax) axes.
struct View {
  int64_t outer, n, inner;
};

std::vector<float> uniform(int64_t count, float lo, float hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// Logits like a recognition model's output layer: N(0, 2.5) with, in most
/// rows, one confident class far above the rest (p ~ 0.99).
std::vector<float> logits(View v, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.f, 2.5f);
  std::vector<float> x(v.outer * v.n * v.inner);
  for (float &e : x)
    e = dist(gen);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i)
      if ((o + i) % 3 != 2) // every third row has no confident class
        x[(o * v.n + (o * 7919 + i * 104729) % v.n) * v.inner + i] = 18.f;
  return x;
}

std::vector<double> sum64(const std::vector<float> &x, View v, bool mean) {
  std::vector<double> out(v.outer * v.inner, 0.0);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t k = 0; k < v.n; ++k)
      for (int64_t i = 0; i < v.inner; ++i)
        out[o * v.inner + i] += x[(o * v.n + k) * v.inner + i];
  if (mean)
    for (double &e : out)
      e /= (double)v.n;
  return out;
}

std::vector<double> softmax64(const std::vector<float> &x, View v, bool log) {
  std::vector<double> out(x.size());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t k) { return (o * v.n + k) * v.inner + i; };
      double mx = -INFINITY, sum = 0;
      for (int64_t k = 0; k < v.n; ++k)
        mx = std::max(mx, (double)x[at(k)]);
      for (int64_t k = 0; k < v.n; ++k)
        sum += std::exp((double)x[at(k)] - mx);
      for (int64_t k = 0; k < v.n; ++k)
        out[at(k)] = log ? (double)x[at(k)] - mx - std::log(sum) : std::exp((double)x[at(k)] - mx) / sum;
    }
  return out;
}

/// max |got - want| / max(|want|, floor): relative error, absolute below `floor`.
double maxRelError(const std::vector<float> &got, const std::vector<double> &want, double floor = 0) {
  EXPECT_EQ(got.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    double err = std::fabs((double)got[i] - want[i]) / std::max(std::fabs(want[i]), floor);
    if (!(err <= worst)) // NaN counts as the worst
      worst = err;
  }
  return worst;
}

/// The largest |sum - 1| over softmax rows.
double worstRowSum(const std::vector<float> &y, View v) {
  double worst = 0;
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double s = 0;
      for (int64_t k = 0; k < v.n; ++k)
        s += y[(o * v.n + k) * v.inner + i];
      worst = std::max(worst, std::fabs(s - 1));
    }
  return worst;
}

struct Outputs {
  std::vector<float> compiled, reference;
};

/// Compiles a one-input, one-output model and runs it and the reference interpreter on x.
Outputs run(const std::string &name, const json &m, std::vector<int64_t> shape, const std::vector<float> &x) {
  std::string path = writeTempFile(name + ".json", m.dump());
  Outputs out;
  auto exe = compile(path);
  EXPECT_TRUE(exe.ok()) << exe.error();
  if (!exe.ok())
    return out;
  out.compiled.resize(exe->outputs()[0].num_elements());
  const void *in[] = {x.data()};
  void *res[] = {out.compiled.data()};
  Status s = exe->run(in, res);
  EXPECT_TRUE(s.ok()) << s.message();
  auto ref = runReference(path, {HostTensor::ofFloats(shape, x)});
  if (ref.size() == 1)
    out.reference = ref[0].floatValues();
  return out;
}

json reduceModel(const std::string &op, std::vector<int64_t> shape, std::vector<int64_t> axes, int keepdims) {
  json axesInit = {{"shape", {axes.size()}}, {"dtype", "int64"}, {"data", axes}};
  return model({input("x", shape)}, {node(op, {"x", "axes"}, {"y"}, {{"keepdims", keepdims}})}, {"y"},
               {{"axes", axesInit}}, 18);
}

json softmaxModel(const std::string &op, std::vector<int64_t> shape, int axis) {
  return model({input("x", shape)}, {node(op, {"x"}, {"y"}, {{"axis", axis}})}, {"y"});
}

void expectWithin(const Outputs &out, const std::vector<double> &want, double floor = 0) {
  double compiled = maxRelError(out.compiled, want, floor);
  double reference = maxRelError(out.reference, want, floor);
  EXPECT_LE(compiled, kRelTol) << "compiled";
  EXPECT_LE(reference, kRelTol) << "reference interpreter";
  std::printf("max relative error vs float64: compiled %.3g, reference %.3g\n", compiled, reference);
}

// Rows of 10^6 small positive terms and one of 1e4: first (every later term
// is added to a large sum), last, and a row of signed terms.
std::vector<float> dominantRows(int64_t n) {
  std::vector<float> x = uniform(3 * n, 0.f, 2e-3f, 11);
  x[0] = 1e4f;
  x[2 * n - 1] = 1e4f;
  std::vector<float> mixed = uniform(n, -1.f, 1.f, 12);
  std::copy(mixed.begin(), mixed.end(), x.begin() + 2 * n);
  x[2 * n + n / 2] = 1e4f;
  return x;
}

TEST(ReductionAccuracy, SumOfMillionInnermost) {
  const int64_t n = 1000000;
  std::vector<float> x = dominantRows(n);
  expectWithin(run("sum_1e6", reduceModel("ReduceSum", {3, n}, {1}, 0), {3, n}, x), sum64(x, {3, n, 1}, false));
}

TEST(ReductionAccuracy, MeanOfMillionInnermost) {
  const int64_t n = 1000000;
  std::vector<float> x = dominantRows(n);
  expectWithin(run("mean_1e6", reduceModel("ReduceMean", {3, n}, {1}, 1), {3, n}, x), sum64(x, {3, n, 1}, true));
}

// The reduced axis is outside the contiguous one: each output sums a strided column.
TEST(ReductionAccuracy, MeanOverOuterAxis) {
  const int64_t n = 100000, inner = 6;
  std::vector<float> x = uniform(n * inner, 0.f, 2e-3f, 13);
  for (int64_t i = 0; i < inner; ++i)
    x[i * 7 * inner + i] = 1e5f; // the other terms are below half its ulp
  expectWithin(run("mean_outer", reduceModel("ReduceMean", {n, inner}, {0}, 0), {n, inner}, x),
               sum64(x, {1, n, inner}, true));
}

// Two trailing axes reduced together (120,000 terms).
TEST(ReductionAccuracy, SumOverTwoAxes) {
  std::vector<float> x = uniform(3 * 300 * 400, 0.f, 2e-3f, 14);
  for (int64_t o = 0; o < 3; ++o)
    x[o * 120000 + o * 4567] = 1e5f;
  expectWithin(run("sum_two_axes", reduceModel("ReduceSum", {3, 300, 400}, {1, 2}, 0), {3, 300, 400}, x),
               sum64(x, {3, 120000, 1}, false));
}

/// Softmax over the middle axis of [outer, n, inner] ([outer, n] when inner is 1): within
/// kRelTol of float64, and every slice sums to 1 within kRelTol.
void expectAccurateSoftmax(const std::string &name, View v, uint32_t seed) {
  std::vector<int64_t> shape{v.outer, v.n};
  if (v.inner > 1)
    shape.push_back(v.inner);
  std::vector<float> x = logits(v, seed);
  Outputs out = run(name, softmaxModel("Softmax", shape, 1), shape, x);
  expectWithin(out, softmax64(x, v, false));
  EXPECT_LE(worstRowSum(out.compiled, v), kRelTol) << "compiled rows sum to 1";
  EXPECT_LE(worstRowSum(out.reference, v), kRelTol) << "reference rows sum to 1";
}

// Every axis reduced: a single result (120,000 terms).
TEST(ReductionAccuracy, SumOfAllAxes) {
  std::vector<float> x = uniform(300 * 400, 0.f, 2e-3f, 19);
  x[0] = 1e5f;
  expectWithin(run("sum_all", reduceModel("ReduceSum", {300, 400}, {0, 1}, 0), {300, 400}, x),
               sum64(x, {1, 120000, 1}, false));
}

TEST(ReductionAccuracy, Softmax19000Classes) { expectAccurateSoftmax("softmax_19000", {8, 19000, 1}, 15); }

TEST(ReductionAccuracy, SoftmaxOverOuterAxis) { expectAccurateSoftmax("softmax_outer", {2, 19000, 3}, 16); }

// Log-probabilities of the confident class are near 0: relative error
// above 1, absolute below.
TEST(ReductionAccuracy, LogSoftmax19000Classes) {
  View v{4, 19000, 1};
  std::vector<float> x = logits(v, 17);
  expectWithin(run("logsoftmax_19000", softmaxModel("LogSoftmax", {v.outer, v.n}, -1), {v.outer, v.n}, x),
               softmax64(x, v, true), 1.0);
}

// Mean and variance over 20,000 values around 10: an error in the mean
// shifts every output. Absolute error below 1 (the outputs are ~N(0, 1)).
TEST(ReductionAccuracy, LayerNormalizationLongAxis) {
  const int64_t n = 20000;
  std::mt19937 gen(18);
  std::normal_distribution<float> dist(10.f, 1.f);
  std::vector<float> x(2 * n);
  for (float &e : x)
    e = dist(gen);
  x[5] = 1e3f;
  json m = model({input("x", {2, n})}, {node("LayerNormalization", {"x", "scale"}, {"y"}, {{"axis", -1}})}, {"y"},
                 {{"scale", {{"shape", {n}}, {"fill", 1.0}}}});
  std::vector<double> want(x.size());
  for (int64_t o = 0; o < 2; ++o) {
    double mean = 0, var = 0;
    for (int64_t k = 0; k < n; ++k)
      mean += x[o * n + k];
    mean /= n;
    for (int64_t k = 0; k < n; ++k)
      var += (x[o * n + k] - mean) * (x[o * n + k] - mean);
    var /= n;
    for (int64_t k = 0; k < n; ++k)
      want[o * n + k] = (x[o * n + k] - mean) / std::sqrt(var + 1e-5);
  }
  expectWithin(run("layernorm_long", m, {2, n}, x), want, 1.0);
}

// The forms the lane and column schedules take, against the reference interpreter: 1-D
// (a 0-d total), an epilogue fused after the anchor, keepdims, tails, another reduced axis
// outside the lanes, and arg-reductions across columns.
std::vector<OpCase> shapeCases() {
  json axes0 = {{"shape", {1}}, {"dtype", "int64"}, {"data", {0}}};
  json axes02 = {{"shape", {2}}, {"dtype", "int64"}, {"data", {0, 2}}};
  json axesLast = {{"shape", {1}}, {"dtype", "int64"}, {"data", {-1}}};
  auto reduceCase = [&](const std::string &name, const std::string &op, std::vector<int64_t> shape, json axes,
                        int keepdims) {
    return OpCase{name, model({input("x", shape)}, {node(op, {"x", "axes"}, {"y"}, {{"keepdims", keepdims}})},
                              {"y"}, {{"axes", axes}}, 18)};
  };
  std::vector<OpCase> cases;
  cases.push_back({"softmax_1d", model({input("x", {100})}, {node("Softmax", {"x"}, {"y"}, {{"axis", 0}})}, {"y"})});
  cases.push_back({"softmax_then_mul",
                   model({input("x", {2, 3, 50}), input("z", {2, 3, 50})},
                         {node("Softmax", {"x"}, {"s"}, {{"axis", -1}}), node("Mul", {"s", "z"}, {"y"})}, {"y"})});
  cases.push_back(reduceCase("sum_keepdims_tail", "ReduceSum", {5, 77}, axesLast, 1));
  cases.push_back(reduceCase("max_tail", "ReduceMax", {3, 70}, axesLast, 0));
  cases.push_back(reduceCase("sum_outer_and_last", "ReduceSum", {3, 5, 70}, axes02, 0));
  cases.push_back(reduceCase("mean_columns_tail", "ReduceMean", {33, 13}, axes0, 1));
  cases.push_back({"argmax_columns", model({input("x", {40, 12})}, {node("ArgMax", {"x"}, {"y"}, {{"axis", 0}})}, {"y"})});
  // Products of 40 terms in [-1, 1) are tiny: relative error only.
  OpCase prod = reduceCase("prod_lanes", "ReduceProd", {4, 40}, axesLast, 0);
  prod.atol = 0;
  cases.push_back(prod);
  return cases;
}

STRATA_OP_CASE_SUITE(ReductionShapes, shapeCases);

} // namespace
