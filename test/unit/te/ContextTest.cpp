// Tests that TE names are local to a Context: a lowering names its Funcs from scratch.
#include <gtest/gtest.h>

#include "dialects/te/Func.h"
#include "lowering/te_to_loops/Lower.h"

using namespace strata::te;

TEST(Context, NamesAreLocalToTheCurrentContext) {
  Context outer;
  Func f("f"), again("f");
  EXPECT_EQ(again.name(), "f$1"); // taken by a live Func of this Context
  EXPECT_EQ(Func().name(), "f0");
  {
    Context inner; // sees nothing of `outer`, and numbers from 0 again
    EXPECT_EQ(Func("f").name(), "f");
    EXPECT_EQ(Func().name(), "f0");
  }
  EXPECT_EQ(Func("f").name(), "f$2"); // `outer` is current again
}

TEST(Context, FuncsOutliveTheirContextAndLowerWithoutOne) {
  Func out = [] {
    Context names;
    Var x("x");
    Input in("in", Float(32), {8});
    Func f("out");
    f(x) = in(x) * 2.0f;
    f.set_shape({8});
    return f;
  }();
  EXPECT_TRUE(lower({out}).ok());
}

TEST(ContextDeathTest, FuncsAreMadeInsideAContext) {
  EXPECT_DEATH(Func("f"), "inside a te::Context, and none is current on this thread");
}
