// Tests interval arithmetic and region inference.
#include <gtest/gtest.h>

#include "dialects/te/Bounds.h"
#include "dialects/te/IREquality.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/Simplify.h"

using namespace strata::te;

namespace {
Expr x = var("x"), y = var("y");

void expect_interval(const Interval &got, const Expr &lo, const Expr &hi) {
  EXPECT_TRUE(equal(got.min, lo)) << "min " << got.min << " want " << lo;
  EXPECT_TRUE(equal(got.max, hi)) << "max " << got.max << " want " << hi;
}
} // namespace

TEST(Bounds, Arithmetic) {
  Scope s = {{"x", Interval(0, 9)}, {"y", Interval(-2, 3)}};
  expect_interval(bounds_of_expr_in_scope(x + y, s), -2, 12);
  expect_interval(bounds_of_expr_in_scope(x - y, s), -3, 11);
  expect_interval(bounds_of_expr_in_scope(x * -2, s), -18, 0);
  expect_interval(bounds_of_expr_in_scope(x * y, s), -18, 27);
  expect_interval(bounds_of_expr_in_scope(x / 4, s), 0, 2);
  expect_interval(bounds_of_expr_in_scope(y % 4, s), 0, 3);
  expect_interval(bounds_of_expr_in_scope(min(x, 5) + 1, s), 1, 6);
  expect_interval(bounds_of_expr_in_scope(select(x < 3, x, y), s), -2, 9);
  expect_interval(bounds_of_expr_in_scope(Ramp::make(x, 2, 4), s), 0, 15);
}

TEST(Bounds, SymbolicAndUnbounded) {
  Scope s = {{"x", Interval(var("lo"), var("lo") + 7)}};
  expect_interval(bounds_of_expr_in_scope(x * 2 + 1, s), var("lo") * 2 + 1, var("lo") * 2 + 15);
  Interval u = bounds_of_expr_in_scope(Load::make(Int(32), "b", x), s);
  EXPECT_FALSE(u.has_lower_bound());
  EXPECT_FALSE(u.has_upper_bound());
}

TEST(Bounds, BoxesRequiredOfStencil) {
  // for y in [0, 4): for x in [0, 8): out(y, x) = in(y + 1, x - 1) + in(y, x + 2)
  Expr in1 = Call::make(Float(32), "in", {y + 1, x - 1}, CallType::FuncRef);
  Expr in2 = Call::make(Float(32), "in", {y, x + 2}, CallType::FuncRef);
  Stmt body = Provide::make("out", {in1 + in2}, {y, x});
  Stmt loops = For::make("y", 0, 4, ForKind::Serial, For::make("x", 0, 8, ForKind::Serial, body));
  auto boxes = boxes_required(loops);
  ASSERT_EQ(boxes.count("in"), 1u);
  expect_interval(boxes["in"][0], 0, 4);
  expect_interval(boxes["in"][1], -1, 9);
  auto written = boxes_provided(loops);
  expect_interval(written["out"][0], 0, 3);
  expect_interval(written["out"][1], 0, 7);
}

TEST(Bounds, GuardsAndCorrelatedLoopBounds) {
  // A guarded split x = xo * 8 + xi, if (x < 17): the region stops at 16.
  Expr xo = var("xo"), xi = var("xi");
  Stmt body = IfThenElse::make(x < 17, Provide::make("f", {Expr(1.0f)}, {x}));
  Stmt s = For::make("xo", 0, 3, ForKind::Serial,
                     For::make("xi", 0, 8, ForKind::Serial, LetStmt::make("x", xo * 8 + xi, body)));
  expect_interval(boxes_provided(s)["f"][0], 0, 16);
  // A loop whose min and extent are lets of the same variable keeps their correlation.
  Stmt inner = For::make("r", var("m"), var("e"), ForKind::Serial, Provide::make("g", {Expr(1.0f)}, {var("r")}));
  Stmt t = For::make("t", 0, 5, ForKind::Serial,
                     LetStmt::make("m", var("t") * 4,
                                   LetStmt::make("e", min(19 - var("t") * 4, 6), inner)));
  expect_interval(boxes_provided(t)["g"][0], 0, 18);
}

TEST(Bounds, PointsStayPoints) {
  // A GPU work-item's coordinates in a fused loop: f = b * 64 + t, a point for fixed b and t.
  Expr f = var("b") * 64 + var("t");
  Scope none;
  // The point's position inside a dimension of 25 is the point f % 25, not [0, 24].
  expect_interval(bounds_of_expr_in_scope(f % 25, none), f % 25, f % 25);
  // A divisor bound to a constant (a fused loop's extent, from a let) counts as the constant.
  Scope extent = {{"e", Interval(25, 25)}};
  expect_interval(bounds_of_expr_in_scope(f / var("e"), extent), f / 25, f / 25);
  expect_interval(bounds_of_expr_in_scope(f % var("e"), extent), f % 25, f % 25);
  // A variable divisor that is not a single constant still gives no bound.
  Scope range = {{"e", Interval(2, 25)}};
  EXPECT_FALSE(bounds_of_expr_in_scope(f % var("e"), range).has_upper_bound());
  // A guard does not clamp a point (it would hide that producers need exactly that point).
  Stmt body = IfThenElse::make(var("p") < 300, Provide::make("g", {Expr(1.0f)}, {var("p") % 4}));
  Stmt s = LetStmt::make("p", f, body);
  Expr point = simplify(f % 4); // t % 4
  expect_interval(boxes_provided(s)["g"][0], point, point);
}
