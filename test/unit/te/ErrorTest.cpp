// Tests that bad schedules and definitions fail with messages that name what is at fault.
#include "TestUtil.h"

using namespace strata::te;
using namespace strata::te::testing;

using Errors = InContext;

namespace {

struct Conv {
  Var n{"n"}, c{"c"}, y{"y"}, x{"x"};
  Input in{"in", Float(32), {1, 2, 6, 6}};
  RDom r{{{0, 2}, {0, 3}}, "r"};
  Func conv{"conv"};
  Conv() {
    conv(n, c, y, x) = 0.0f;
    conv(n, c, y, x) += in(n, r.x, y + r.y, x);
    conv.set_shape({1, 2, 4, 6});
  }
};

std::string lower_error(const Func &f) {
  auto r = lower({f});
  return r.ok() ? "" : r.error();
}

} // namespace

TEST_F(Errors, NoSuchLoop) {
  Conv c;
  c.conv.vectorize("xi");
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' has no loop 'xi' (loops: n, c, y, x)");
  EXPECT_EQ(lower_error(c.conv), c.conv.error().message());
}

TEST_F(Errors, StorageLayoutNamesTheArguments) {
  Conv c;
  c.conv.reorder_storage({"x", "y", "c"});
  EXPECT_EQ(c.conv.error().message(), "schedule error: reorder_storage of Func 'conv' must name "
                                      "each of its arguments once (n, c, y, x)");
  EXPECT_EQ(lower_error(c.conv), c.conv.error().message());
}

TEST_F(Errors, StoragePaddingNamesTheArgument) {
  Conv c;
  c.conv.pad_storage("xi", 4);
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' has no argument 'xi' to pad (arguments: n, c, y, x)");
}

TEST_F(Errors, StoragePaddingIsNotNegative) {
  Conv c;
  c.conv.pad_storage("x", -1);
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: pad_storage of Func 'conv' by -1 elements (must be >= 0)");
}

TEST_F(Errors, UpdateStageNamedInMessage) {
  Conv c;
  c.conv.update().split("q", "qo", "qi", 4);
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' (update 0) has no loop 'q' (loops: n, c, y, x, r.x, r.y)");
}

TEST_F(Errors, FirstErrorSticks) {
  Conv c;
  c.conv.split("x", "xo", "xi", 0).vectorize("nope");
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' cannot split loop 'x' by factor 0 (must be positive)");
}

TEST_F(Errors, ReductionLoopsKeepTheirOrder) {
  Conv c;
  c.conv.update().reorder({"r.y", "r.x"});
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' (update 0) cannot reorder reduction loops 'r.y' and "
            "'r.x': it would change the order of the reduction");
}

TEST_F(Errors, CannotVectorizeReductionLoop) {
  Conv c;
  c.conv.update().vectorize("r.x");
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' (update 0) cannot make reduction loop 'r.x' vectorized: "
            "its iterations depend on each other");
}

TEST_F(Errors, ShiftInwardOnUpdate) {
  Conv c;
  c.conv.update().split("x", "xo", "xi", 4, TailStrategy::ShiftInward);
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' (update 0) cannot split loop 'x' with ShiftInward: an "
            "update would be applied twice to some points");
}

TEST_F(Errors, ScanCannotBeParallel) {
  Var y("y"), x("x");
  Input in("in", Float(32), {4, 8});
  RDom r({{1, 7}}, "r");
  Func scan("scan");
  scan(y, x) = in(y, x);
  scan(y, r) = scan(y, r - 1) + scan(y, r);
  ASSERT_TRUE(scan.error().ok()) << scan.error().message();
  scan.update().split("y", "yo", "yi", 2); // splitting keeps the order: fine
  EXPECT_TRUE(scan.error().ok()) << scan.error().message();
  scan.update().parallel("yo");
  EXPECT_EQ(scan.error().message(), "schedule error: Func 'scan' (update 0) cannot make loop 'yo' "
                                    "parallel: the stage reads its own other points");
}

TEST_F(Errors, ScanLowersAndRuns) {
  auto build = [] {
    Var y("y"), x("x");
    Input in("in", Float(32), {4, 8});
    RDom r({{1, 7}}, "r");
    Func scan("scan");
    scan(y, x) = in(y, x);
    scan(y, r) = scan(y, r - 1) + scan(y, r);
    scan.set_shape({4, 8});
    return Pipe{{in}, scan};
  };
  Pipe p = build();
  RunResult got = run(p);
  ASSERT_EQ(got.error, "");
  for (int y = 0; y < 4; y++) {
    float acc = 0;
    for (int x = 0; x < 8; x++) {
      acc = x == 0 ? float(input_value(0, y * 8)) : acc + float(input_value(0, y * 8 + x));
      EXPECT_EQ(got.values[y * 8 + x], double(acc));
    }
  }
  expect_same_as_unscheduled(build, [](Pipe &q) { q.out.update().split("y", "yo", "yi", 3); });
}

TEST_F(Errors, ComputeAtMissingLoop) {
  Var y("y"), x("x");
  Input in("in", Float(32), {4, 4});
  Func f("f"), g("g");
  f(y, x) = in(y, x) * 2.0f;
  g(y, x) = f(y, x) + 1.0f;
  g.set_shape({4, 4});
  f.compute_at(g, "xo");
  EXPECT_EQ(lower_error(g), "schedule error: Func 'f' is computed at loop 'xo' of Func 'g', "
                            "which has no such loop (loops: y, x)");
}

TEST_F(Errors, RoundUpReadingInputOutOfBounds) {
  Var y("y"), x("x");
  Input in("in", Float(32), {4, 6});
  Func f("f"), g("g");
  f(y, x) = in(y, x) * 2.0f;
  g(y, x) = f(y, x) + 1.0f;
  g.set_shape({4, 6});
  f.compute_root().split("x", "xo", "xi", 4, TailStrategy::RoundUp);
  EXPECT_EQ(lower_error(g), "bounds error: input 'in' dimension 1 is accessed over [0, 7] but its "
                            "extent is 6 (a RoundUp split or a stencil without clamping?)");
}

TEST_F(Errors, OutputWithoutShape) {
  Var x("x");
  Func f("f");
  f(x) = x * 2;
  EXPECT_EQ(lower_error(f), "lowering error: output Func 'f' needs a shape with 1 extents (call set_shape)");
}

TEST_F(Errors, BadDefinitions) {
  Var x("x"), y("y");
  Func f("f");
  f(x) = y + 1;
  EXPECT_EQ(f.error().message(),
            "definition error: Func 'f': pure definition uses 'y', which is not one of its arguments");
  Func g("g");
  g(x) = cast<float>(x);
  g(x) += 1; // int constant is converted to the Func's type
  EXPECT_TRUE(g.error().ok()) << g.error().message();
  g(x) = x;
  EXPECT_EQ(g.error().message(),
            "definition error: Func 'g' update 1: value type int32 differs from the Func's type float32");
}

TEST_F(Errors, InlineFuncWithUpdates) {
  Conv c;
  c.conv.compute_inline();
  EXPECT_EQ(c.conv.error().message(),
            "schedule error: Func 'conv' has update definitions and cannot be inlined");
}
