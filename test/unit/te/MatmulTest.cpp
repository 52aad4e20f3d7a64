// Tests that reductions over an RDom lower correctly, including the register-blocked matmul
// schedule from DESIGN.md ("Register blocking").
#include "TestUtil.h"

using namespace strata::te;
using namespace strata::te::testing;

using Matmul = InContext;

namespace {

constexpr int M = 17, N = 33, K = 19;

// out(i, j) = max(C(i, j) + bias(j), 0) where C(i, j) = sum_k A(i, k) * B(k, j).
Pipe matmul() {
  Var i("i"), j("j");
  Input A("A", Float(32), {M, K}), B("B", Float(32), {K, N}), bias("bias", Float(32), {N});
  RDom k({{0, K}}, "k");
  Func C("C"), out("out");
  C(i, j) = 0.0f;
  C(i, j) += A(i, k) * B(k, j);
  out(i, j) = max(C(i, j) + bias(j), 0.0f);
  out.set_shape({M, N});
  return {{A, B, bias}, out, {{"C", C}}};
}

// The micro-kernel schedule: MR x NR output tiles, NR vectorized, MR unrolled, the
// accumulator computed per tile (so it is MR x NR, register-sized) with k outside the block.
void register_blocked(Pipe &p, int mr, int nr, int vec) {
  Func C = p.funcs["C"];
  p.out.tile("i", "j", "io", "jo", "ii", "ji", mr, nr).vectorize("ji", vec).unroll("ii");
  C.compute_at(p.out, "jo").store_in(MemoryType::Register);
  C.vectorize("j", vec).unroll("i");
  C.update().reorder({"k.x", "i", "j"}).vectorize("j", vec).unroll("i");
}

} // namespace

TEST_F(Matmul, UnscheduledMatchesPlainLoops) {
  Pipe p = matmul();
  RunResult r = run(p);
  ASSERT_EQ(r.error, "");
  // Inputs are filled in argument order A, B, bias (see TestUtil's input_value).
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) {
      float acc = 0.0f;
      for (int k = 0; k < K; k++)
        acc = acc + float(input_value(0, i * K + k)) * float(input_value(1, k * N + j));
      float want = std::max(acc + float(input_value(2, j)), 0.0f);
      ASSERT_EQ(r.values[i * N + j], double(want)) << i << "," << j;
    }
  }
}

TEST_F(Matmul, ReductionLoopInsidePureLoops) {
  Pipe p = matmul();
  EXPECT_EQ(p.funcs["C"].update().loops(), (std::vector<std::string>{"i", "j", "k.x"}));
}

TEST_F(Matmul, RegisterBlocked) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) { register_blocked(p, 6, 16, 8); });
  expect_same_as_unscheduled(matmul, [](Pipe &p) { register_blocked(p, 4, 8, 8); });
}

TEST_F(Matmul, RegisterBlockedIRShape) {
  Pipe p = matmul();
  register_blocked(p, 6, 16, 8);
  auto f = lower({p.out});
  ASSERT_TRUE(f.ok()) << f.error();
  std::string ir = to_string(f->body);
  // Accumulator is the 6x16 block, in registers; loads/stores of it are dense vectors.
  EXPECT_NE(ir.find("allocate C[float32 * 6 * 16] in register"), std::string::npos) << ir;
  EXPECT_NE(ir.find("for (C.s1.k.x, 0, 19)"), std::string::npos) << ir;
  EXPECT_NE(ir.find("ramp("), std::string::npos) << ir;
  EXPECT_EQ(ir.find("vectorized"), std::string::npos) << ir; // all vectorized loops became vectors
  EXPECT_EQ(ir.find("unrolled"), std::string::npos) << ir;
  // Buffer arguments: inputs in order of use, then the output.
  ASSERT_EQ(f->args.size(), 4u);
  EXPECT_EQ(f->args[3].name, p.out.name());
  EXPECT_TRUE(f->args[3].is_output);
}

TEST_F(Matmul, SplitReductionWithGuard) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) {
    p.funcs["C"].compute_root().update().split("k.x", "ko", "ki", 4).reorder({"ko", "i", "j", "ki"});
  });
}

TEST_F(Matmul, ParallelOuterTiles) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) {
    register_blocked(p, 6, 16, 8);
    p.out.parallel("io");
  });
}

TEST_F(Matmul, ComputeRootUpdateSchedule) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) {
    Func C = p.funcs["C"];
    C.compute_root().vectorize("j", 8).parallel("i");
    C.update().vectorize("j", 8).unroll("k.x", 2);
  });
}
