// Codegen correctness: loop IR built by hand -> LLVM -> JIT -> compared with values computed
// here in C++.
#include <cmath>
#include <limits>

#include "runtime/strata_runtime.h"
#include "test/unit/targets/KernelHelpers.h"

using namespace strata::testing;

namespace {

TEST(CodeGenTest, ScalarLoop) {
  // out[i] = a[i] * 2 + b[i]
  Expr i = var("i");
  LoweredFunc f{"axpy", {f32Arg("a", 37), f32Arg("b", 37), f32Arg("out", 37, true)},
                serial("i", 0, 37, Store::make("out", loadF32("a", i) * 2.0f + loadF32("b", i), i))};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> a(37), b(37), out(37, -1.0f);
  for (int k = 0; k < 37; ++k) a[k] = k * 0.25f, b[k] = 100.0f - k;
  ASSERT_EQ(kernel.call("axpy", {a.data(), b.data(), out.data()}), 0);
  for (int k = 0; k < 37; ++k) EXPECT_FLOAT_EQ(out[k], a[k] * 2 + b[k]) << k;
}

TEST(CodeGenTest, VectorizedLoopWithRampBroadcastAndGather) {
  // out[8xo + l] = a[8xo + l] * 3 + b[2 (8xo + l)] + c[0]    (dense, gather, broadcast load)
  constexpr int n = 64;
  Expr xo = var("xo");
  Expr dense = Ramp::make(xo * 8, 1, 8);
  Expr strided = Ramp::make(xo * 16, 2, 8);
  Expr value = loadF32("a", dense) * 3.0f + loadF32("b", strided) +
               Load::make(Float(32, 8), "c", Broadcast::make(0, 8));
  LoweredFunc f{"vec", {f32Arg("a", n), f32Arg("b", 2 * n), f32Arg("c", 1), f32Arg("out", n, true)},
                serial("xo", 0, n / 8, Store::make("out", value, dense))};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> a(n), b(2 * n), c(1, 0.5f), out(n);
  for (int k = 0; k < n; ++k) a[k] = k;
  for (int k = 0; k < 2 * n; ++k) b[k] = 1000.0f * k;
  ASSERT_EQ(kernel.call("vec", {a.data(), b.data(), c.data(), out.data()}), 0);
  for (int k = 0; k < n; ++k) EXPECT_FLOAT_EQ(out[k], a[k] * 3 + b[2 * k] + 0.5f) << k;

  std::string ir = compileToIR({f}, "x86-64-avx2");
  EXPECT_NE(ir.find("load <8 x float>"), std::string::npos);
  EXPECT_NE(ir.find("llvm.masked.gather.v8f32"), std::string::npos);
  // xo * 8 floats is a multiple of 32 bytes: the dense accesses are known to be aligned.
  EXPECT_NE(ir.find(", align 32"), std::string::npos);
}

TEST(CodeGenTest, ScatterStore) {
  // out[2l + 1] = l (lanes 0..7) via a strided vector store.
  Expr idx = Ramp::make(1, 2, 8);
  LoweredFunc f{"scatter", {f32Arg("out", 16, true)},
                Store::make("out", Cast::make(Float(32, 8), Ramp::make(0, 1, 8)), idx)};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> out(16, -1.0f);
  ASSERT_EQ(kernel.call("scatter", {out.data()}), 0);
  for (int k = 0; k < 16; ++k) EXPECT_EQ(out[k], k % 2 ? float(k / 2) : -1.0f) << k;
}

TEST(CodeGenTest, ParallelLoopCapturesVariablesAndBuffers) {
  // let scale = s[0]; parallel p in [0,16): for i in [0,64): out[64p+i] = in[64p+i]*scale + p
  strata_set_num_threads(4);
  Expr p = var("p"), i = var("i"), scale = Variable::make(Float(32), "scale");
  Expr idx = p * 64 + i;
  Stmt body = serial("i", 0, 64, Store::make("out", loadF32("in", idx) * scale + cast(Float(32), p), idx));
  Stmt loop = For::make("p", 0, 16, ForKind::Parallel, body);
  LoweredFunc f{"par", {f32Arg("in", 1024), f32Arg("s", 1), f32Arg("out", 1024, true)},
                LetStmt::make("scale", loadF32("s", 0), loop)};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> in(1024), s(1, 2.0f), out(1024);
  for (int k = 0; k < 1024; ++k) in[k] = k;
  ASSERT_EQ(kernel.call("par", {in.data(), s.data(), out.data()}), 0);
  for (int k = 0; k < 1024; ++k) ASSERT_FLOAT_EQ(out[k], 2.0f * k + k / 64) << k;
  strata_set_num_threads(0);
}

TEST(CodeGenTest, NestedParallelLoops) {
  Expr y = var("y"), x = var("x");
  Stmt inner = For::make("x", 0, 10, ForKind::Parallel, Store::make("out", y * 10 + x, y * 10 + x));
  LoweredFunc f{"nested", {i32Arg("out", 100, true)}, For::make("y", 0, 10, ForKind::Parallel, inner)};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<int32_t> out(100, -1);
  ASSERT_EQ(kernel.call("nested", {out.data()}), 0);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(out[k], k);
}

int floorDiv(int a, int b) {
  if (b == 0) return 0;
  int q = a / b, r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}
int euclidMod(int a, int b) {
  if (b == 0) return 0;
  int r = a % b;
  return r < 0 ? r + std::abs(b) : r;
}

TEST(CodeGenTest, IntegerDivisionAndModuloFollowTheIRRules) {
  std::vector<int> as = {7, -7, 0, 13, -13, 100, -1, 5};
  std::vector<int> bs = {2, 2, 3, -4, -4, 0, 3, -1};
  const int n = static_cast<int>(as.size());
  Expr i = var("i"), a = loadI32("a", i), b = loadI32("b", i);
  Stmt body = Block::make({Store::make("div", a / b, i), Store::make("mod", a % b, i),
                           Store::make("div4", a / 4, i), Store::make("mod4", a % 4, i),
                           Store::make("div3", a / 3, i), Store::make("mod3", a % 3, i)});
  LoweredFunc f{"intdiv",
                {i32Arg("a", n), i32Arg("b", n), i32Arg("div", n, true), i32Arg("mod", n, true),
                 i32Arg("div4", n, true), i32Arg("mod4", n, true), i32Arg("div3", n, true),
                 i32Arg("mod3", n, true)},
                serial("i", 0, n, body)};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<int32_t> A(n), B(n), div(n), mod(n), div4(n), mod4(n), div3(n), mod3(n);
  for (int k = 0; k < n; ++k) A[k] = as[k], B[k] = bs[k];
  ASSERT_EQ(kernel.call("intdiv", {A.data(), B.data(), div.data(), mod.data(), div4.data(), mod4.data(),
                                   div3.data(), mod3.data()}),
            0);
  for (int k = 0; k < n; ++k) {
    SCOPED_TRACE(std::to_string(as[k]) + " / " + std::to_string(bs[k]));
    EXPECT_EQ(div[k], floorDiv(as[k], bs[k]));
    EXPECT_EQ(mod[k], euclidMod(as[k], bs[k]));
    EXPECT_EQ(div4[k], floorDiv(as[k], 4));
    EXPECT_EQ(mod4[k], euclidMod(as[k], 4));
    EXPECT_EQ(div3[k], floorDiv(as[k], 3));
    EXPECT_EQ(mod3[k], euclidMod(as[k], 3));
  }
}

TEST(CodeGenTest, SelectComparisonsMinMaxAndCasts) {
  // Vector of 8: out = select(a > 0.5 && a != 2, a, -a); mn = min(a, 1); mx = max(a, 1);
  // fl = float(int(a) % 3) (truncating cast, Euclidean mod)
  Expr idx = Ramp::make(0, 1, 8);
  Expr a = loadF32("a", idx);
  Stmt body = Block::make({
      Store::make("out", select(a > 0.5f && a != 2.0f, a, -a), idx),
      Store::make("mn", min(a, 1.0f), idx),
      Store::make("mx", max(a, 1.0f), idx),
      Store::make("fl", cast(Float(32), cast(Int(32), a) % 3), idx),
  });
  LoweredFunc f{"sel", {f32Arg("a", 8), f32Arg("out", 8, true), f32Arg("mn", 8, true), f32Arg("mx", 8, true),
                        f32Arg("fl", 8, true)},
                body};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  float values[8] = {-3.5f, 0.0f, 0.25f, 0.75f, 2.0f, 3.0f, -0.75f, 10.5f};
  AlignedBuffer<float> A(8), out(8), mn(8), mx(8), fl(8);
  for (int k = 0; k < 8; ++k) A[k] = values[k];
  ASSERT_EQ(kernel.call("sel", {A.data(), out.data(), mn.data(), mx.data(), fl.data()}), 0);
  for (int k = 0; k < 8; ++k) {
    float v = values[k];
    EXPECT_EQ(out[k], (v > 0.5f && v != 2.0f) ? v : -v) << k;
    EXPECT_EQ(mn[k], std::min(v, 1.0f)) << k;
    EXPECT_EQ(mx[k], std::max(v, 1.0f)) << k;
    EXPECT_EQ(fl[k], float(euclidMod(int(v), 3))) << k;
  }
}

TEST(CodeGenTest, IfThenElseAndScalarSelect) {
  Expr i = var("i");
  Stmt body = IfThenElse::make(i < 5, Store::make("out", i * 10, i),
                               Store::make("out", select(i % 2 == 0, Expr(1), Expr(2)), i));
  LoweredFunc f{"branches", {i32Arg("out", 10, true)}, serial("i", 0, 10, body)};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<int32_t> out(10);
  ASSERT_EQ(kernel.call("branches", {out.data()}), 0);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(out[k], k < 5 ? k * 10 : (k % 2 == 0 ? 1 : 2)) << k;
}

TEST(CodeGenTest, ElementaryIntrinsics) {
  Expr idx = Ramp::make(0, 1, 8);
  Expr a = loadF32("a", idx), b = loadF32("b", idx);
  Stmt body = Block::make({
      Store::make("o_sqrt", sqrt(abs(a)), idx),
      Store::make("o_abs", abs(a), idx),
      Store::make("o_floor", floor(a), idx),
      Store::make("o_ceil", ceil(a), idx),
      Store::make("o_round", round(a), idx),
      Store::make("o_pow", pow(abs(a), b), idx),
      Store::make("o_fma", fmuladd(a, b, a), idx),
      Store::make("o_iabs", abs(cast(Int(32), a)), idx),
  });
  std::vector<LoweredArg> args = {f32Arg("a", 8), f32Arg("b", 8)};
  for (const char *name : {"o_sqrt", "o_abs", "o_floor", "o_ceil", "o_round", "o_pow", "o_fma"})
    args.push_back(f32Arg(name, 8, true));
  args.push_back(i32Arg("o_iabs", 8, true));
  JitKernel kernel({LoweredFunc{"elem", args, body}});
  ASSERT_TRUE(kernel.ok());
  float av[8] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.7f, -3.2f};
  AlignedBuffer<float> A(8), B(8), sq(8), ab(8), fl(8), ce(8), ro(8), pw(8), fm(8);
  AlignedBuffer<int32_t> ia(8);
  for (int k = 0; k < 8; ++k) A[k] = av[k], B[k] = 0.5f * k - 1.0f;
  ASSERT_EQ(kernel.call("elem", {A.data(), B.data(), sq.data(), ab.data(), fl.data(), ce.data(), ro.data(),
                                 pw.data(), fm.data(), ia.data()}),
            0);
  for (int k = 0; k < 8; ++k) {
    float x = av[k], y = B[k];
    EXPECT_FLOAT_EQ(sq[k], std::sqrt(std::fabs(x)));
    EXPECT_EQ(ab[k], std::fabs(x));
    EXPECT_EQ(fl[k], std::floor(x));
    EXPECT_EQ(ce[k], std::ceil(x));
    EXPECT_EQ(ro[k], std::nearbyint(x)) << "round half to even of " << x;
    EXPECT_FLOAT_EQ(pw[k], std::pow(std::fabs(x), y));
    EXPECT_FLOAT_EQ(fm[k], x * y + x);
    EXPECT_EQ(ia[k], std::abs(int(x)));
  }
}

TEST(CodeGenTest, LetsMarkersAndLeftoverUnrolledOrVectorizedLoops) {
  // Lowering normally removes Unrolled/Vectorized loops; codegen still compiles them (as
  // serial loops with LLVM loop hints), and Let / ProducerConsumer / Evaluate are honoured.
  Expr i = var("i"), j = var("j"), t = Variable::make(Float(32), "t");
  Stmt unrolled = For::make("i", 0, 4, ForKind::Unrolled,
                            Store::make("out", Let::make("t", loadF32("a", i) * 3.0f, t + t), i));
  Stmt vectorized = For::make("j", 4, 12, ForKind::Vectorized, Store::make("out", loadF32("a", j) - 1.0f, j));
  Stmt body = ProducerConsumer::make("out", true, Block::make({unrolled, vectorized, Evaluate::make(0)}));
  LoweredFunc f{"hints", {f32Arg("a", 16), f32Arg("out", 16, true)}, body};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> a(16), out(16);
  for (int k = 0; k < 16; ++k) a[k] = k;
  ASSERT_EQ(kernel.call("hints", {a.data(), out.data()}), 0);
  for (int k = 0; k < 16; ++k) EXPECT_EQ(out[k], k < 4 ? 6.0f * k : k - 1.0f) << k;
  std::string ir = compileToIR({f}, "host");
  EXPECT_NE(ir.find("llvm.loop.unroll.full"), std::string::npos);
  EXPECT_NE(ir.find("llvm.loop.vectorize.enable"), std::string::npos);
}

} // namespace
