// Tests that each schedule primitive computes exactly what the unscheduled Func computes,
// including extents (17, 33) that the split factors do not divide.
#include <cmath>

#include "TestUtil.h"
#include "lowering/te_to_loops/OutlineGPU.h"

using namespace strata::te;
using namespace strata::te::testing;

using Schedule = InContext;

namespace {

constexpr int H = 17, W = 33;

// out(y, x) = sigmoid(A(y, x) * 2 + 1) + A(y, x), through two intermediate Funcs.
Pipe elementwise() {
  Var y("y"), x("x");
  Input A("A", Float(32), {H, W});
  Func f("f"), g("g"), out("out");
  f(y, x) = A(y, x) * 2.0f + 1.0f;
  g(y, x) = sigmoid(f(y, x));
  out(y, x) = g(y, x) + A(y, x);
  out.set_shape({H, W});
  return {{A}, out, {{"f", f}, {"g", g}}};
}

// 3x3 box blur: bx blurs rows of `in`, out blurs columns of bx.
Pipe blur() {
  Var y("y"), x("x");
  Input in("in", Float(32), {H + 2, W + 2});
  Func bx("bx"), out("out");
  bx(y, x) = (in(y, x) + in(y, x + 1) + in(y, x + 2)) / 3.0f;
  out(y, x) = (bx(y, x) + bx(y + 1, x) + bx(y + 2, x)) / 3.0f;
  out.set_shape({H, W});
  return {{in}, out, {{"bx", bx}}};
}

} // namespace

TEST_F(Schedule, DefaultElementwise) {
  RunResult r = run(elementwise());
  ASSERT_EQ(r.error, "");
  float a = float(input_value(0, 5));
  float f = a * 2.0f + 1.0f;
  float want = 1.0f / (1.0f + std::exp(f * -1.0f)) + a;
  EXPECT_EQ(r.values[5], double(want));
}

TEST_F(Schedule, SplitGuardWithIf) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.out.split("x", "xo", "xi", 8, TailStrategy::GuardWithIf);
  });
}

TEST_F(Schedule, SplitShiftInward) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.out.split("x", "xo", "xi", 8, TailStrategy::ShiftInward);
  });
}

TEST_F(Schedule, SplitFactorLargerThanExtent) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.split("y", "yo", "yi", 64); });
}

TEST_F(Schedule, SplitRoundUpOnIntermediateWithRoom) {
  // f is computed past x = 32 up to 39; its input has room for that.
  auto build = [] {
    Var y("y"), x("x");
    Input A("A", Float(32), {H, 40});
    Func f("f"), out("out");
    f(y, x) = A(y, x) * 3.0f;
    out(y, x) = f(y, x) - 1.0f;
    out.set_shape({H, W});
    return Pipe{{A}, out, {{"f", f}}};
  };
  expect_same_as_unscheduled(build, [](Pipe &p) {
    Func f = p.funcs["f"];
    f.compute_root().split("x", "xo", "xi", 8, TailStrategy::RoundUp);
  });
}

TEST_F(Schedule, VectorizeWithShiftInwardTail) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.vectorize("x", 8); });
}

TEST_F(Schedule, VectorizeWithGuardedTail) {
  auto s = [](Pipe &p) { p.out.vectorize("x", 8, TailStrategy::GuardWithIf); };
  expect_same_as_unscheduled(elementwise, s);
  // The tail guard is specialised: a vector body runs when all 8 lanes are inside.
  Pipe p = elementwise();
  s(p);
  RunResult r = run(p);
  EXPECT_NE(r.ir.find("x8("), std::string::npos) << r.ir;
  EXPECT_NE(r.ir.find("ramp("), std::string::npos) << r.ir;
}

TEST_F(Schedule, Unroll) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.unroll("y", 4); });
}

TEST_F(Schedule, UnrollWholeSmallLoop) {
  auto build = [] {
    Var y("y"), x("x");
    Input A("A", Float(32), {3, W});
    Func out("out");
    out(y, x) = A(y, x) + 1.0f;
    out.set_shape({3, W});
    return Pipe{{A}, out};
  };
  expect_same_as_unscheduled(build, [](Pipe &p) { p.out.unroll("y"); });
}

TEST_F(Schedule, ParallelAndGpuMarks) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.parallel("y"); });
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.out.split("x", "xo", "xi", 8, TailStrategy::GuardWithIf).gpu_blocks("xo").gpu_threads("xi");
  });
  Pipe p = elementwise();
  p.out.parallel("y");
  RunResult r = run(p);
  EXPECT_NE(r.ir.find(") parallel {"), std::string::npos) << r.ir;
}

TEST_F(Schedule, Fuse) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.fuse("y", "x", "yx").parallel("yx"); });
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.out.fuse("y", "x", "yx").split("yx", "o", "i", 16, TailStrategy::GuardWithIf).vectorize("i");
  });
}

TEST_F(Schedule, Reorder) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) { p.out.reorder({"x", "y"}); });
}

TEST_F(Schedule, Tile) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.out.tile("y", "x", "yo", "xo", "yi", "xi", 4, 8).vectorize("xi").unroll("yi");
  });
}

TEST_F(Schedule, ComputeRootAndInline) {
  expect_same_as_unscheduled(elementwise, [](Pipe &p) {
    p.funcs["f"].compute_root().vectorize("x", 4);
    p.funcs["g"].compute_root();
  });
  expect_same_as_unscheduled(blur, [](Pipe &p) { p.funcs["bx"].compute_inline(); });
}

TEST_F(Schedule, BlurComputeRoot) {
  expect_same_as_unscheduled(blur, [](Pipe &p) {
    p.funcs["bx"].compute_root().vectorize("x", 8);
    p.out.vectorize("x", 8).parallel("y");
  });
}

TEST_F(Schedule, BlurComputeAtTile) {
  expect_same_as_unscheduled(blur, [](Pipe &p) {
    p.out.tile("y", "x", "yo", "xo", "yi", "xi", 8, 8);
    p.funcs["bx"].compute_at(p.out, "xo").vectorize("x", 4);
  });
}

TEST_F(Schedule, BlurComputeAtInnermost) {
  expect_same_as_unscheduled(blur, [](Pipe &p) { p.funcs["bx"].compute_at(p.out, "x"); });
}

TEST_F(Schedule, BlurStoreAtRowComputeAtColumn) {
  expect_same_as_unscheduled(blur, [](Pipe &p) {
    p.funcs["bx"].store_at(p.out, "y").compute_at(p.out, "x");
  });
}

TEST_F(Schedule, StoreInStack) {
  expect_same_as_unscheduled(blur, [](Pipe &p) {
    p.out.split("y", "yo", "yi", 4, TailStrategy::GuardWithIf);
    p.funcs["bx"].compute_at(p.out, "yo").store_in(MemoryType::Stack);
  });
  Pipe p = blur();
  p.out.split("y", "yo", "yi", 4, TailStrategy::GuardWithIf);
  p.funcs["bx"].compute_at(p.out, "yo").store_in(MemoryType::Stack);
  RunResult r = run(p);
  // Tile-sized, constant storage: 6 rows (4 + 2 halo) of 33 columns.
  EXPECT_NE(r.ir.find("allocate bx[float32 * 6 * 33] in stack"), std::string::npos) << r.ir;
}

TEST_F(Schedule, StorageReorderedAndPadded) {
  auto layout = [](Pipe &p) {
    p.funcs["bx"].compute_root().reorder_storage({"x", "y"}).pad_storage("y", 3);
  };
  expect_same_as_unscheduled(blur, layout);
  Pipe p = blur();
  layout(p);
  RunResult r = run(p);
  // Column-major, each column's 19 rows padded to 22.
  EXPECT_NE(r.ir.find("allocate bx[float32 * 33 * 22]"), std::string::npos) << r.ir;
  EXPECT_NE(r.ir.find("bx[(bx.s0.y + (bx.s0.x * 22))] ="), std::string::npos) << r.ir;
}

// ---- GPU shared memory ------------------------------------------------------------------------

namespace {

constexpr int M = 16, N = 32, K = 12;

// out(y, x) = sum_k A(y, k) * B(k, x) + 1, through an accumulator Func.
Pipe matmul() {
  Var y("y"), x("x");
  Input A("A", Float(32), {M, K}), B("B", Float(32), {K, N});
  RDom k({{0, K}}, "k");
  Func acc("acc"), out("out");
  acc(y, x) = 0.0f;
  acc(y, x) += A(y, k) * B(k, x);
  out(y, x) = acc(y, x) + 1.0f;
  out.set_shape({M, N});
  return {{A, B}, out, {{"acc", acc}}};
}

// A work-group per 8 x 16 tile, a work-item per 2 x 4 block of it accumulated in registers; the
// rows of A and columns of B each k-step of 4 needs are staged in shared memory by the group.
void tiled(Pipe &p, TailStrategy tail = TailStrategy::ShiftInward) {
  Func &acc = p.funcs["acc"];
  p.out.split("y", "yo", "yi", 8, tail).split("yi", "ty", "ry", 2)
      .split("x", "xo", "xi", 16, tail).split("xi", "tx", "rx", 4)
      .reorder({"yo", "xo", "ty", "tx", "ry", "rx"})
      .gpu_blocks("yo").gpu_blocks("xo").gpu_threads("ty").gpu_threads("tx");
  acc.compute_at(p.out, "tx").store_in(MemoryType::Register);
  acc.update().split("k.x", "ko", "ki", 4).reorder({"ko", "ki", "y", "x"});
  for (const Input &operand : p.inputs)
    acc.in(operand.name()).compute_at(acc, "ko").store_in(MemoryType::GPUShared);
}

/// What a GPU target lowers with: cooperative loops shared out among the work-items.
LowerOptions gpuLowering() {
  LowerOptions o;
  o.share_cooperative_loops = true;
  return o;
}

} // namespace

TEST_F(Schedule, GpuSharedStagingComputesTheSame) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) { tiled(p); });
  Pipe p = matmul();
  tiled(p);
  RunResult r = run(p);
  // The group's whole tile, not a work-item's block: 8 rows x 4 of A, 4 x 16 columns of B.
  std::string a = p.inputs[0].name() + "_in_" + p.funcs["acc"].name();
  std::string b = p.inputs[1].name() + "_in_" + p.funcs["acc"].name();
  EXPECT_NE(r.ir.find("allocate " + a + "[float32 * 8 * 4] in gpu_shared"), std::string::npos) << r.ir;
  EXPECT_NE(r.ir.find("allocate " + b + "[float32 * 4 * 16] in gpu_shared"), std::string::npos) << r.ir;
  EXPECT_NE(r.ir.find("gpu_cooperative"), std::string::npos) << r.ir;
}

TEST_F(Schedule, GpuSharedStagingKMajorAndPadded) {
  // A's tile stored k-major with 4 elements of padding per k, as gpu_matmul's a_k_major does.
  auto kMajor = [](Pipe &p) {
    tiled(p);
    for (const auto &callee : p.funcs["acc"].contents()->callees)
      if (callee->name == p.inputs[0].name() + "_in_" + p.funcs["acc"].name()) {
        Func staged(callee);
        staged.reorder_storage({staged.name() + "_1", staged.name() + "_0"})
            .pad_storage(staged.name() + "_0", 4);
      }
  };
  expect_same_as_unscheduled(matmul, kMajor);
  Pipe p = matmul();
  kMajor(p);
  RunResult r = run(p);
  std::string a = p.inputs[0].name() + "_in_" + p.funcs["acc"].name();
  EXPECT_NE(r.ir.find("allocate " + a + "[float32 * 4 * 12] in gpu_shared"), std::string::npos) << r.ir;
}

TEST_F(Schedule, GpuSharedStagingIsSharedOutForTheGPU) {
  // 16 work-items stage 8 x 4 values of A (2 each) and 4 x 16 of B (4 each) between barriers.
  Pipe p = matmul();
  tiled(p);
  strata::Result<LoweredFunc> f = lower({p.out}, gpuLowering());
  ASSERT_TRUE(f.ok()) << f.error();
  std::string ir = to_string(f->body);
  EXPECT_EQ(ir.find("gpu_cooperative"), std::string::npos) << ir;
  std::string a = p.inputs[0].name() + "_in_" + p.funcs["acc"].name();
  EXPECT_NE(ir.find(a + "[gpu_local_id()] ="), std::string::npos) << ir;
  EXPECT_NE(ir.find(a + "[(gpu_local_id() + 16)] ="), std::string::npos) << ir;
  EXPECT_EQ(ir.find(a + "[(gpu_local_id() + 32)] ="), std::string::npos) << ir;
  // One barrier before both tiles are staged, one after: A's and B's stores do not conflict.
  size_t barriers = 0;
  for (size_t at = ir.find("gpu_barrier()"); at != std::string::npos; at = ir.find("gpu_barrier()", at + 1))
    ++barriers;
  EXPECT_EQ(barriers, 2u) << ir;
  // The interpreter runs only the cooperative form, and says so.
  std::map<std::string, HostBuffer *> none;
  strata::Status st = evaluate(f->body, none);
  EXPECT_FALSE(st.ok());
}

TEST_F(Schedule, GpuSharedOutlinesIntoOneLaunch) {
  Pipe p = matmul();
  tiled(p);
  strata::Result<LoweredFunc> f = lower({p.out}, gpuLowering());
  ASSERT_TRUE(f.ok()) << f.error();
  strata::Result<GPUProgram> program = outline_gpu_kernels(*f);
  ASSERT_TRUE(program.ok()) << program.error();
  ASSERT_EQ(program->launches.size(), 1u);
  EXPECT_EQ(program->launches[0].workItems(), 4 * 4);
}

TEST_F(Schedule, GpuSharedGuardsThatFoldAwayAreFine) {
  // M and N are multiples of the tiles: the guards of GuardWithIf fold away.
  Pipe p = matmul();
  tiled(p, TailStrategy::GuardWithIf);
  strata::Result<LoweredFunc> f = lower({p.out}, gpuLowering());
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_TRUE(outline_gpu_kernels(*f).ok());
}

TEST_F(Schedule, GpuSharedRefusesDivergentStaging) {
  // 33 columns in guarded tiles of 16: the last tile's work-items past the end would skip the
  // staging loop, whose barriers the others wait at.
  Var y("y"), x("x");
  Input A("A", Float(32), {M, 48}); // wide enough for the whole last tile
  Func in("in"), out("out");
  in(y, x) = A(y, x) * 2.0f;
  out(y, x) = in(y, x) + 1.0f;
  out.set_shape({M, 33});
  out.split("x", "xo", "xi", 16, TailStrategy::GuardWithIf).reorder({"xo", "xi", "y"});
  out.gpu_blocks("xo").gpu_threads("xi");
  in.compute_at(out, "y").store_in(MemoryType::GPUShared); // inside the guard on x
  strata::Result<LoweredFunc> f = lower({out}, gpuLowering());
  ASSERT_TRUE(f.ok()) << f.error();
  strata::Result<GPUProgram> program = outline_gpu_kernels(*f);
  ASSERT_FALSE(program.ok());
  EXPECT_NE(program.error().find("is not reached by every work-item of the group"), std::string::npos)
      << program.error() << "\n" << to_string(f->body);
}

TEST_F(Schedule, GpuSharedLoopsTakeNoSchedule) {
  Var y("y"), x("x");
  Input A("A2", Float(32), {M, N});
  Func in("in2"), out("out2");
  in(y, x) = A(y, x) * 2.0f;
  out(y, x) = in(y, x) + 1.0f;
  out.set_shape({M, N});
  out.split("x", "xo", "xi", 16).gpu_blocks("xo").gpu_threads("xi");
  in.compute_at(out, "xo").store_in(MemoryType::GPUShared).split("x", "a", "b", 2);
  strata::Result<LoweredFunc> f = lower({out});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("Func 'in2' is stored in GPU shared memory: its loops are shared out"),
            std::string::npos)
      << f.error();
}

namespace {

/// The staged tiles of tiled(), each vectorized by `lanes` along its last dimension (k for A's
/// 8 x 4 tile, x for B's 4 x 16), as gpu_matmul's vector_loads does.
void tiledVectorLoads(Pipe &p, int lanes) {
  tiled(p);
  for (const auto &callee : p.funcs["acc"].contents()->callees) {
    Func staged(callee);
    staged.vectorize(staged.name() + "_1", lanes);
  }
}

} // namespace

TEST_F(Schedule, GpuSharedVectorLoadsComputeTheSame) {
  expect_same_as_unscheduled(matmul, [](Pipe &p) { tiledVectorLoads(p, 4); });
}

TEST_F(Schedule, GpuSharedVectorLoadsAreSharedOutAsVectors) {
  // A's 8 x 4 tile is 8 vectors of 4 for 16 work-items (the first 8 load one each), B's 4 x 16
  // is 16 (one each); each is one vector load and store.
  Pipe p = matmul();
  tiledVectorLoads(p, 4);
  strata::Result<LoweredFunc> f = lower({p.out}, gpuLowering());
  ASSERT_TRUE(f.ok()) << f.error();
  std::string ir = to_string(f->body);
  std::string a = p.inputs[0].name() + "_in_" + p.funcs["acc"].name();
  std::string b = p.inputs[1].name() + "_in_" + p.funcs["acc"].name();
  EXPECT_NE(ir.find("if ((gpu_local_id() < 8)) {\n"), std::string::npos) << ir;
  EXPECT_NE(ir.find(a + "[ramp((gpu_local_id() * 4), 1, 4)] = " + p.inputs[0].name() + "[ramp("),
            std::string::npos) << ir;
  EXPECT_NE(ir.find(b + "[ramp((gpu_local_id() * 4), 1, 4)] = " + p.inputs[1].name() + "[ramp("),
            std::string::npos) << ir;
  EXPECT_TRUE(outline_gpu_kernels(*f).ok());
}

TEST_F(Schedule, GpuSharedVectorLoadsNeedAWholeNumberOfVectors) {
  // A's tile is 4 wide along k: vectors of 8 would read past it.
  Pipe p = matmul();
  tiledVectorLoads(p, 8);
  strata::Result<LoweredFunc> f = lower({p.out}, gpuLowering());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("in GPU shared memory is vectorized by 8 along '" + p.inputs[0].name() + "_in_" +
                           p.funcs["acc"].name() + "_1', but its region there (4 points) is not a multiple of 8"),
            std::string::npos)
      << f.error();
}
