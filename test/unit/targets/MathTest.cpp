// Accuracy of the inline exp/log/tanh/erf (targets/MathFunctions.cpp) against libm, in
// scalar and vector code, including special values.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

#include "test/unit/targets/KernelHelpers.h"

using namespace strata::testing;

namespace {

using UnaryOp = Expr (*)(Expr);

// Compiles out[i] = op(in[i]) with `lanes`-wide vectors (1 = scalar loop) and runs it.
std::vector<float> runUnary(UnaryOp op, const std::vector<float> &input, int lanes) {
  const int n = static_cast<int>(input.size());
  EXPECT_EQ(n % lanes, 0);
  Expr i = var("i");
  Expr index = lanes == 1 ? i : Ramp::make(i * lanes, 1, lanes);
  LoweredFunc f{"unary", {f32Arg("in", n), f32Arg("out", n, true)},
                serial("i", 0, n / lanes, Store::make("out", op(loadF32("in", index)), index))};
  JitKernel kernel({f});
  if (!kernel.ok()) return {};
  AlignedBuffer<float> in(n), out(n);
  for (int k = 0; k < n; ++k) in[k] = input[k];
  EXPECT_EQ(kernel.call("unary", {in.data(), out.data()}), 0);
  return std::vector<float>(out.data(), out.data() + n);
}

std::vector<float> linspace(double lo, double hi, int n) {
  std::vector<float> v;
  for (int k = 0; k < n; ++k) v.push_back(static_cast<float>(lo + (hi - lo) * k / (n - 1)));
  return v;
}

std::vector<float> logspace(double lo, double hi, int n) {
  std::vector<float> v;
  for (float e : linspace(lo, hi, n)) v.push_back(static_cast<float>(std::pow(10.0, e)));
  return v;
}

// Checks op against `reference` (evaluated in double, rounded to float) within `relTol`
// relative error, for scalar, 8-lane and 16-lane code.
void checkAccuracy(const char *name, UnaryOp op, double (*reference)(double), std::vector<float> inputs,
                   double relTol) {
  while (inputs.size() % 16) inputs.push_back(inputs.back());
  for (int lanes : {1, 8, 16}) {
    std::vector<float> got = runUnary(op, inputs, lanes);
    ASSERT_EQ(got.size(), inputs.size());
    double worst = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
      double want = static_cast<float>(reference(inputs[k]));
      double err = std::fabs(got[k] - want);
      // Relative, except in the (subnormal) range where float itself has no relative precision.
      double allowed = relTol * std::fabs(want) + 1e-38;
      worst = std::max(worst, err / (std::fabs(want) + 1e-38));
      ASSERT_LE(err, allowed) << name << "(" << inputs[k] << ") = " << got[k] << ", libm says " << want
                              << " (lanes " << lanes << ")";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    ::testing::Test::RecordProperty(std::string(name) + "_worst_rel_error_lanes" + std::to_string(lanes), text);
  }
}

TEST(MathTest, ExpMatchesLibm) {
  std::vector<float> x = linspace(-87.0, 88.5, 4001);
  for (float v : linspace(-1, 1, 257)) x.push_back(v);
  checkAccuracy("exp", strata::te::exp, [](double v) { return std::exp(v); }, x, 1e-6);
}

TEST(MathTest, LogMatchesLibm) {
  std::vector<float> x = logspace(-37.5, 38.0, 4001);
  for (float v : linspace(0.5, 2.0, 513)) x.push_back(v);
  checkAccuracy("log", strata::te::log, [](double v) { return std::log(v); }, x, 1e-6);
}

TEST(MathTest, TanhMatchesLibm) {
  std::vector<float> x = linspace(-12.0, 12.0, 4001);
  for (float v : logspace(-30, 0, 301)) x.push_back(v), x.push_back(-v);
  checkAccuracy("tanh", strata::te::tanh, [](double v) { return std::tanh(v); }, x, 1e-6);
}

TEST(MathTest, ErfMatchesLibm) {
  std::vector<float> x = linspace(-6.0, 6.0, 4001);
  for (float v : logspace(-30, 0, 301)) x.push_back(v), x.push_back(-v);
  checkAccuracy("erf", strata::te::erf, [](double v) { return std::erf(v); }, x, 1e-6);
}

TEST(MathTest, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {inf, -inf, nan, 0.0f, -0.0f, -1.0f, 1e-40f, 100.0f, -200.0f, 1.0f, 0, 0, 0, 0, 0, 0};
  for (int lanes : {1, 16}) {
    SCOPED_TRACE("lanes " + std::to_string(lanes));
    auto e = runUnary(strata::te::exp, x, lanes);
    EXPECT_EQ(e[0], inf);
    EXPECT_EQ(e[1], 0.0f);
    EXPECT_TRUE(std::isnan(e[2]));
    EXPECT_EQ(e[3], 1.0f);
    EXPECT_EQ(e[7], inf);  // exp(100) overflows
    EXPECT_EQ(e[8], 0.0f); // exp(-200) underflows
    auto l = runUnary(strata::te::log, x, lanes);
    EXPECT_EQ(l[0], inf);
    EXPECT_TRUE(std::isnan(l[1]));
    EXPECT_TRUE(std::isnan(l[2]));
    EXPECT_EQ(l[3], -inf);
    EXPECT_EQ(l[4], -inf);
    EXPECT_TRUE(std::isnan(l[5]));
    EXPECT_NEAR(l[6], std::log(1e-40), 1e-4); // subnormal input
    EXPECT_EQ(l[9], 0.0f);
    auto t = runUnary(strata::te::tanh, x, lanes);
    EXPECT_EQ(t[0], 1.0f);
    EXPECT_EQ(t[1], -1.0f);
    EXPECT_TRUE(std::isnan(t[2]));
    EXPECT_EQ(t[3], 0.0f);
    EXPECT_EQ(t[7], 1.0f);
    auto r = runUnary(strata::te::erf, x, lanes);
    EXPECT_EQ(r[0], 1.0f);
    EXPECT_EQ(r[1], -1.0f);
    EXPECT_TRUE(std::isnan(r[2]));
    EXPECT_EQ(r[3], 0.0f);
    EXPECT_EQ(r[8], -1.0f);
  }
}

TEST(MathTest, Float64UsesLibm) {
  // f64 exp/log/tanh/erf go through libm (per lane for vectors).
  Expr idx = Ramp::make(0, 1, 4);
  Expr a = Load::make(Float(64, 4), "a", idx);
  Stmt body = Block::make({Store::make("e", strata::te::exp(a), idx), Store::make("l", strata::te::log(a), idx),
                           Store::make("t", strata::te::tanh(a), idx), Store::make("r", strata::te::erf(a), idx)});
  auto f64 = [](const char *name, bool out) { return LoweredArg{name, Float(64), {4}, out}; };
  JitKernel kernel({LoweredFunc{"f64math", {f64("a", false), f64("e", true), f64("l", true), f64("t", true),
                                            f64("r", true)},
                                body}});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<double> A(4), E(4), L(4), T(4), R(4);
  double values[4] = {0.1, 0.5, 1.5, 3.0};
  for (int k = 0; k < 4; ++k) A[k] = values[k];
  ASSERT_EQ(kernel.call("f64math", {A.data(), E.data(), L.data(), T.data(), R.data()}), 0);
  for (int k = 0; k < 4; ++k) {
    EXPECT_DOUBLE_EQ(E[k], std::exp(values[k]));
    EXPECT_DOUBLE_EQ(L[k], std::log(values[k]));
    EXPECT_DOUBLE_EQ(T[k], std::tanh(values[k]));
    EXPECT_DOUBLE_EQ(R[k], std::erf(values[k]));
  }
}

} // namespace
