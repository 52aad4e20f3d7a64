// Tests that IR nodes, operators, the printer and structural equality behave as IR.h states.
#include <gtest/gtest.h>

#include "dialects/te/IREquality.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "dialects/te/IRVisitor.h"

using namespace strata::te;

TEST(IR, TypesAndHelpers) {
  EXPECT_EQ(Float(32).with_lanes(8), Float(32, 8));
  EXPECT_TRUE(Bool().is_bool());
  EXPECT_EQ(to_string(Float(32, 8)), "float32x8");
  EXPECT_EQ(to_string(Int(64)), "int64");
}

TEST(IR, LiteralPromotionFollowsOtherOperand) {
  Expr x = Variable::make(Float(32), "x");
  Expr e = x * 0.5;
  EXPECT_EQ(e.type(), Float(32));
  Expr i = var("i");
  EXPECT_EQ((i + 1).type(), Int(32));
  // int expr with float literal becomes float, not the other way round.
  EXPECT_EQ((i + 0.5f).type(), Float(32));
  Expr v = Variable::make(Float(32, 4), "v");
  EXPECT_EQ((v + x).type(), Float(32, 4));
}

TEST(IR, PrinterIsReadable) {
  Expr x = var("x");
  Stmt body = Store::make("out", Load::make(Float(32), "in", x) + 1.0f, x);
  Stmt loop = For::make("x", 0, 16, ForKind::Vectorized, body);
  EXPECT_EQ(to_string(loop), "for (x, 0, 16) vectorized {\n  out[x] = (in[x] + 1.0f)\n}\n");
  EXPECT_EQ(to_string(min(x, 3) + select(x < 2, x, 0)), "(min(x, 3) + select((x < 2), x, 0))");
  EXPECT_EQ(to_string(Ramp::make(x, 1, 8)), "ramp(x, 1, 8)");
}

TEST(IR, AsDowncastsWithoutRtti) {
  Expr e = var("x") + 2;
  ASSERT_NE(e.as<Add>(), nullptr);
  EXPECT_EQ(e.as<Mul>(), nullptr);
  EXPECT_EQ(e.as<Add>()->b.as<IntImm>()->value, 2);
}

TEST(IR, StructuralEquality) {
  Expr x = var("x");
  EXPECT_TRUE(equal(x * 2 + 1, var("x") * 2 + 1));
  EXPECT_FALSE(equal(x * 2 + 1, x * 2 + 2));
  EXPECT_FALSE(equal(Expr(0.0f), Expr(-0.0f)));
  Stmt a = For::make("i", 0, 4, ForKind::Serial, Store::make("b", x, x));
  Stmt b = For::make("i", 0, 4, ForKind::Serial, Store::make("b", x, x));
  Stmt c = For::make("i", 0, 4, ForKind::Parallel, Store::make("b", x, x));
  EXPECT_TRUE(equal(a, b));
  EXPECT_FALSE(equal(a, c));
}

namespace {
class RenameX : public IRMutator {
  Expr visit(const Variable *op) override { return op->name == "x" ? var("y") : Expr(op); }
};
class CountAdds : public IRVisitor {
public:
  int n = 0;
  void visit(const Add *op) override {
    n++;
    IRVisitor::visit(op);
  }
};
} // namespace

TEST(IR, MutatorKeepsUnchangedNodesShared) {
  Expr e = var("z") * 3 + 1;
  Expr same = RenameX().mutate(e);
  EXPECT_TRUE(same.same_as(e));
  Expr f = var("x") * 3 + var("z");
  Expr g = RenameX().mutate(f);
  EXPECT_TRUE(equal(g, var("y") * 3 + var("z")));
  EXPECT_TRUE(g.as<Add>()->b.same_as(f.as<Add>()->b));
  CountAdds c;
  c.dispatch(f + f);
  EXPECT_EQ(c.n, 3);
}

TEST(IR, BlockFlattensAndDropsUndefined) {
  Stmt s = Evaluate::make(0);
  Stmt b = Block::make({s, Stmt(), Block::make(s, s)});
  ASSERT_NE(b.as<Block>(), nullptr);
  EXPECT_EQ(b.as<Block>()->stmts.size(), 3u);
  EXPECT_TRUE(Block::make({Stmt(), s}).same_as(s));
}

TEST(IRDeathTest, MakeChecksTypes) {
  EXPECT_DEATH(Add::make(var("x"), Expr(1.0f)), "operand types differ: int32 vs float32");
  EXPECT_DEATH(Call::make(Float(32), "sigmoid", {Expr(1.0f)}, CallType::Intrinsic),
               "unknown intrinsic 'sigmoid'");
}
