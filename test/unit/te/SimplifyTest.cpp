// Tests that each simplifier rule group rewrites as documented, and that float rewrites stay
// IEEE-safe.
#include <gtest/gtest.h>

#include <cmath>

#include "dialects/te/Evaluate.h"
#include "dialects/te/IREquality.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/Simplify.h"

using namespace strata::te;

namespace {
Expr x = var("x"), y = var("y");
Expr fx = Variable::make(Float(32), "fx");

void expect_simplifies(const Expr &in, const Expr &want,
                       const std::map<std::string, ConstInterval> &known = {}) {
  Expr got = simplify(in, known);
  EXPECT_TRUE(equal(got, want)) << to_string(in) << "\n  gave " << to_string(got)
                                << "\n  want " << to_string(want);
}
} // namespace

TEST(Simplify, ConstantFolding) {
  expect_simplifies(Expr(3) + 4 * 5, 23);
  expect_simplifies(Expr(-7) / 2, -4); // floor division
  expect_simplifies(Expr(-7) % 2, 1);  // Euclidean modulo
  expect_simplifies(Expr(7) / 0, 0);
  expect_simplifies(Expr(1.5f) * 2.0f, Expr(3.0f));
  expect_simplifies(cast<int>(Expr(-2.7f)), -2);
  expect_simplifies(min(Expr(3), 9), 3);
  expect_simplifies(Expr(2) < 3, make_bool(true));
}

TEST(Simplify, AddSubLinear) {
  expect_simplifies(x + 0, x);
  expect_simplifies((x + 3) + 4, x + 7);
  expect_simplifies(x - x, 0);
  expect_simplifies((x + y + 5) - (y + 2), x + 3);
  expect_simplifies(x * 2 + x, x * 3);
  expect_simplifies((x + 1) * 4 - x * 4, 4);
}

TEST(Simplify, MulDivMod) {
  expect_simplifies(x * 1, x);
  expect_simplifies(x * 0, 0);
  expect_simplifies((x * 8) / 8, x);
  expect_simplifies((x * 8 + y) % 8, y % 8);
  // A constant multiple of the divisor drops out too (a work-item's later shares).
  expect_simplifies((y + 256) % 16, y % 16);
  expect_simplifies((y - 20) % 8, (y + 4) % 8);
  expect_simplifies((x * 8 + 3) / 8, x);
  expect_simplifies((x * 8 + y) / 8, x, {{"y", ConstInterval::range(0, 7)}});
  expect_simplifies((x * 8 + y) % 8, y, {{"y", ConstInterval::range(0, 7)}});
  expect_simplifies(x / 1, x);
  expect_simplifies(x % 1, 0);
  // A fused index split apart and put back together (floored division, any sign of x).
  expect_simplifies((x / 12) * 12 + x % 12, x);
  expect_simplifies(((x / 12) * 12 + x % 12) * 3 + y, x * 3 + y);
  expect_simplifies((x / 12) * 12 + y % 12, (x / 12) * 12 + y % 12);
  // c < 0: floored division and Euclidean modulo do not add back up (x = -1: 1 * -4 + 3).
  EXPECT_FALSE(equal(simplify((x / -4) * -4 + x % -4), x));
}

TEST(Simplify, FloatsStayIeeeSafe) {
  // x * 0.0 is not 0 (NaN, inf, -0.0), x + 0.0 is not x (-0.0 + 0.0 == +0.0).
  EXPECT_TRUE(equal(simplify(fx * 0.0f), fx * 0.0f));
  EXPECT_TRUE(equal(simplify(fx + 0.0f), fx + 0.0f));
  expect_simplifies(fx + -0.0f, fx);
  expect_simplifies(fx - 0.0f, fx);
  expect_simplifies(fx * 1.0f, fx);
  // No reassociation: (fx + 1) + 2 keeps both adds.
  EXPECT_TRUE(equal(simplify((fx + 1.0f) + 2.0f), (fx + 1.0f) + 2.0f));
  // Float32 folding rounds like float32.
  Expr third = simplify(Expr(1.0f) / 3.0f);
  EXPECT_EQ(*as_const_float(third), double(1.0f / 3.0f));
}

TEST(Simplify, MinMax) {
  expect_simplifies(min(x, x), x);
  expect_simplifies(min(x + 1, x + 5), x + 1);
  expect_simplifies(max(x + 1, x + 5), x + 5);
  expect_simplifies(min(min(x, 4), 2), min(x, 2));
  expect_simplifies(min(x, 10), x, {{"x", ConstInterval::range(0, 9)}});
  expect_simplifies(max(x, 0), x, {{"x", ConstInterval::range(0, 9)}});
  expect_simplifies(min(Broadcast::make(x, 4), Broadcast::make(y, 4)), Broadcast::make(min(x, y), 4));
  // Guarded tile extents get a constant bound: min(x + 7, 16) - x -> min(16 - x, 7)
  expect_simplifies(min(x + 7, 16) - x, min(16 - x, 7));
}

TEST(Simplify, ComparisonsAndLogic) {
  expect_simplifies(x + 1 < x + 2, make_bool(true));
  expect_simplifies(x < 16, make_bool(true), {{"x", ConstInterval::range(0, 15)}});
  expect_simplifies(x >= 16, make_bool(false), {{"x", ConstInterval::range(0, 15)}});
  expect_simplifies((x < y) && make_bool(true), x < y);
  expect_simplifies((x < y) || make_bool(true), make_bool(true));
  expect_simplifies(!(x < y), y <= x);
  // Float comparisons with NaN cannot be negated or folded.
  EXPECT_TRUE(equal(simplify(!(fx < 1.0f)), !(fx < 1.0f)));
  EXPECT_TRUE(equal(simplify(fx == fx), fx == fx));
}

TEST(Simplify, SelectAndVectors) {
  expect_simplifies(select(make_bool(true), x, y), x);
  expect_simplifies(select(x < y, x, x), x);
  expect_simplifies(Ramp::make(x, 1, 4) + Broadcast::make(y, 4), Ramp::make(x + y, 1, 4));
  expect_simplifies(Ramp::make(x, 1, 4) * Broadcast::make(Expr(3), 4), Ramp::make(x * 3, 3, 4));
  expect_simplifies(Ramp::make(x, 0, 4), Broadcast::make(x, 4));
}

TEST(Simplify, LoopBoundsAndLets) {
  Stmt s = For::make("i", 0, 16, ForKind::Serial,
                     IfThenElse::make(var("i") < 16, Store::make("b", Expr(1.0f), var("i"))));
  Stmt want = For::make("i", 0, 16, ForKind::Serial, Store::make("b", Expr(1.0f), var("i")));
  EXPECT_TRUE(equal(simplify(s), want)) << simplify(s);
  Stmt l = LetStmt::make("t", var("i") * 2 + 1, Store::make("b", Expr(1.0f), var("t") - 1));
  EXPECT_TRUE(equal(simplify(l), Store::make("b", Expr(1.0f), var("i") * 2)));
  EXPECT_FALSE(simplify(For::make("i", 0, 0, ForKind::Serial, want)).defined());
}

TEST(Simplify, PreservesValues) {
  // Spot-check integer rewrites against the evaluator over a grid of values.
  std::vector<Expr> exprs = {(x * 8 + y) / 8,  (x * 8 + y) % 8, (x - 3) / 4 * 4 + (x - 3) % 4,
                             min(x + 7, 16) - x + 1, max(x * 2, x + 3) - x, (x + y) / 3 - y / 3};
  for (const Expr &e : exprs) {
    Expr s = simplify(e);
    for (int a = -9; a <= 9; a++) {
      for (int b = -9; b <= 9; b++) {
        std::map<std::string, double> v = {{"x", a}, {"y", b}};
        ASSERT_EQ(*evaluate(e, v), *evaluate(s, v))
            << to_string(e) << " vs " << to_string(s) << " at x=" << a << " y=" << b;
      }
    }
  }
}
