// Codegen: allocation, error reporting, emitted IR/assembly, determinism, and aarch64
// objects run under qemu.
#include <cstring>

#include "compiler/aot/Archive.h"
#include "runtime/strata_runtime.h"
#include "test/unit/targets/KernelHelpers.h"
#include "test/unit/targets/TestUtil.h"

using namespace strata::testing;

namespace {

// out[i] = 2 * a[15 - i] via a scratch buffer `tmp` of `extents` (product 16).
LoweredFunc reverseThroughScratch(const std::string &name, std::vector<Expr> extents, MemoryType memory) {
  Expr i = var("i"), j = var("j");
  Stmt fill = serial("i", 0, 16, Store::make("tmp", loadF32("a", i) * 2.0f, i));
  Stmt drain = serial("j", 0, 16, Store::make("out", loadF32("tmp", 15 - j), j));
  return {name, {f32Arg("a", 16), f32Arg("out", 16, true)},
          Allocate::make("tmp", Float(32), std::move(extents), memory, Block::make(fill, drain))};
}

TEST(CodeGenOutputTest, StackAndHeapAllocations) {
  std::vector<LoweredFunc> funcs = {
      reverseThroughScratch("on_stack", {16}, MemoryType::Auto),
      reverseThroughScratch("on_heap", {16}, MemoryType::Heap),
      reverseThroughScratch("huge_heap", {4096, 4096}, MemoryType::Auto), // 64 MB: too big for the stack
  };
  JitKernel kernel(funcs);
  ASSERT_TRUE(kernel.ok());
  for (const char *name : {"on_stack", "on_heap", "huge_heap"}) {
    AlignedBuffer<float> a(16), out(16);
    for (int k = 0; k < 16; ++k) a[k] = k;
    ASSERT_EQ(kernel.call(name, {a.data(), out.data()}), 0) << name;
    for (int k = 0; k < 16; ++k) EXPECT_EQ(out[k], 2.0f * (15 - k)) << name << " " << k;
  }
  std::string ir = compileToIR(funcs, "host");
  EXPECT_NE(ir.find("alloca [16 x float], align 64"), std::string::npos);
  EXPECT_NE(ir.find("@strata_aligned_alloc(i64"), std::string::npos);
  EXPECT_NE(ir.find("call void @strata_aligned_free"), std::string::npos);
}

TEST(CodeGenOutputTest, DynamicSizedAllocation) {
  // The scratch size comes from a buffer at run time: n = size[0].
  Expr i = var("i"), n = Variable::make(Int(32), "n");
  Stmt fill = serial("i", 0, n, Store::make("tmp", loadF32("a", i) + 1.0f, i));
  Stmt drain = serial("j", 0, n, Store::make("out", loadF32("tmp", var("j")), var("j")));
  LoweredFunc f{"dyn", {i32Arg("size", 1), f32Arg("a", 32), f32Arg("out", 32, true)},
                LetStmt::make("n", loadI32("size", 0),
                              Allocate::make("tmp", Float(32), {n}, MemoryType::Auto, Block::make(fill, drain)))};
  JitKernel kernel({f});
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<int32_t> size(1, 20);
  AlignedBuffer<float> a(32, 5.0f), out(32, 0.0f);
  ASSERT_EQ(kernel.call("dyn", {size.data(), a.data(), out.data()}), 0);
  for (int k = 0; k < 32; ++k) EXPECT_EQ(out[k], k < 20 ? 6.0f : 0.0f) << k;
}

TEST(CodeGenOutputTest, AllocationFailureIsReturnedAsStatus) {
  // 2^60 floats cannot be allocated: the kernel returns STRATA_ERROR_OUT_OF_MEMORY, also
  // from inside a parallel loop (through strata_parallel_for's status).
  auto hugeAlloc = [](Stmt use) {
    return Allocate::make("tmp", Float(32), {1 << 30, 1 << 30}, MemoryType::Heap, use);
  };
  Stmt touch = Store::make("out", loadF32("tmp", 0), 0);
  std::vector<LoweredFunc> funcs = {
      {"oom", {f32Arg("out", 1, true)}, hugeAlloc(touch)},
      {"oom_par", {f32Arg("out", 1, true)}, For::make("p", 0, 4, ForKind::Parallel, hugeAlloc(touch))},
  };
  JitKernel kernel(funcs);
  ASSERT_TRUE(kernel.ok());
  AlignedBuffer<float> out(1);
  EXPECT_EQ(kernel.call("oom", {out.data()}), STRATA_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(strata_last_error()).find("out of memory"), std::string::npos);
  EXPECT_EQ(kernel.call("oom_par", {out.data()}), STRATA_ERROR_OUT_OF_MEMORY);
}

std::string compileError(const LoweredFunc &f, const std::string &target = "host") {
  llvm::LLVMContext ctx;
  auto module = strata::targets::CodeGen_LLVM::create(llvm::cantFail(strata::targets::parseTarget(target)))
                    ->compile({f}, "bad", ctx);
  if (module) return "(no error)";
  return llvm::toString(module.takeError());
}

TEST(CodeGenOutputTest, ErrorsNameTheProblem) {
  EXPECT_EQ(compileError({"f", {f32Arg("out", 4, true)}, Store::make("nope", 1.0f, 0)}),
            "codegen of 'f': unknown buffer 'nope'");
  EXPECT_EQ(compileError({"f", {f32Arg("out", 4, true)}, Store::make("out", Variable::make(Float(32), "v"), 0)}),
            "codegen of 'f': unknown variable 'v'");
  EXPECT_EQ(compileError({"f", {f32Arg("out", 4, true)}, Provide::make("g", {Expr(1.0f)}, {Expr(0)})}),
            "codegen of 'f': codegen needs storage-flattened IR, but found Provide to 'g'");
  EXPECT_EQ(compileError({"f", {f32Arg("out", 4, true)},
                          For::make("t", 0, 4, ForKind::GPUThread, Store::make("out", 1.0f, var("t")))}),
            "codegen of 'f': loop 't' is bound to a GPU gpu_thread but target 'host' is a CPU");
  EXPECT_EQ(compileError({"f", {f32Arg("x", 4), f32Arg("x", 4)}, Evaluate::make(0)}),
            "function 'f': duplicate argument 'x'");
}

// A vectorized elementwise kernel: out = exp(a) * 0.5 + b, lanes-wide, over 256 elements.
LoweredFunc vectorKernel(int lanes) {
  Expr xo = var("xo");
  Expr idx = Ramp::make(xo * lanes, 1, lanes);
  return {"vk", {f32Arg("a", 256), f32Arg("b", 256), f32Arg("out", 256, true)},
          serial("xo", 0, 256 / lanes,
                 Store::make("out", fmuladd(strata::te::exp(loadF32("a", idx)), 0.5f, loadF32("b", idx)), idx))};
}

TEST(CodeGenOutputTest, Avx512UsesSixteenLaneVectorsAndZmm) {
  LoweredFunc f = vectorKernel(16);
  std::string ir = compileToIR({f}, "x86-64-avx512");
  EXPECT_NE(ir.find("<16 x float>"), std::string::npos);
  EXPECT_NE(ir.find("@llvm.fmuladd.v16f32"), std::string::npos);
  EXPECT_NE(ir.find("\"prefer-vector-width\"=\"512\""), std::string::npos);
  // exp stays vector code: no libm call.
  EXPECT_EQ(ir.find("@expf"), std::string::npos);

  llvm::LLVMContext ctx;
  auto target = llvm::cantFail(strata::targets::parseTarget("x86-64-avx512"));
  auto module = llvm::cantFail(strata::targets::CodeGen_LLVM::create(target)->compile({f}, "m", ctx));
  auto asmText = strata::targets::emitAssembly(*module, target);
  ASSERT_TRUE(static_cast<bool>(asmText)) << llvm::toString(asmText.takeError());
  EXPECT_NE(asmText->find("zmm"), std::string::npos);
  EXPECT_NE(asmText->find("vfmadd"), std::string::npos);
}

TEST(CodeGenOutputTest, ParallelLoopCallsTheRuntime) {
  Expr p = var("p");
  LoweredFunc f{"pf", {f32Arg("out", 8, true)}, For::make("p", 0, 8, ForKind::Parallel, Store::make("out", 1.0f, p))};
  std::string ir = compileToIR({f}, "host");
  EXPECT_NE(ir.find("call i32 @strata_parallel_for(ptr @pf.par.p"), std::string::npos);
  EXPECT_NE(ir.find("define internal i32 @pf.par.p(i32 %task, ptr noalias %closure)"), std::string::npos);
  EXPECT_NE(ir.find("define i32 @pf(ptr noalias nonnull align 64 dereferenceable(32) %out)"), std::string::npos);
}

TEST(CodeGenOutputTest, ParallelBodiesKeepBuffersApart) {
  // Inside the outlined body the buffers come out of the closure, so the noalias attribute
  // is gone; scoped-noalias metadata must say that `a` and `out` do not overlap.
  Expr p = var("p");
  LoweredFunc f{"pf2", {f32Arg("a", 8), f32Arg("out", 8, true)},
                For::make("p", 0, 8, ForKind::Parallel, Store::make("out", loadF32("a", p) + 1.0f, p))};
  std::string ir = compileToIR({f}, "host");
  size_t body = ir.find("define internal i32 @pf2.par.p");
  ASSERT_NE(body, std::string::npos);
  std::string task = ir.substr(body, ir.find("\n}", body) - body);
  EXPECT_NE(task.find("!alias.scope"), std::string::npos) << task;
  EXPECT_NE(task.find("!noalias"), std::string::npos) << task;
}

std::vector<char> objectFor(const std::vector<LoweredFunc> &funcs, const std::string &targetName) {
  llvm::LLVMContext ctx; // a fresh context each time: nothing may leak between compilations
  auto target = llvm::cantFail(strata::targets::parseTarget(targetName));
  auto module = strata::targets::CodeGen_LLVM::create(target)->compile(funcs, "det", ctx);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return {};
  }
  auto object = strata::targets::emitObject(**module, target);
  if (!object) {
    ADD_FAILURE() << llvm::toString(object.takeError());
    return {};
  }
  return *object;
}

TEST(CodeGenOutputTest, ObjectsAreDeterministic) {
  Expr p = var("p"), i = var("i");
  std::vector<LoweredFunc> funcs = {
      vectorKernel(8), reverseThroughScratch("scratch", {16}, MemoryType::Heap),
      {"par", {f32Arg("a", 64), f32Arg("out", 64, true)},
       For::make("p", 0, 8, ForKind::Parallel,
                 serial("i", 0, 8, Store::make("out", strata::te::tanh(loadF32("a", p * 8 + i)), p * 8 + i)))}};
  for (const char *target : {"x86-64-avx2", "x86-64-avx512", "aarch64"}) {
    std::vector<char> first = objectFor(funcs, target), second = objectFor(funcs, target);
    ASSERT_FALSE(first.empty()) << target;
    EXPECT_EQ(first, second) << target;
    EXPECT_EQ(compileToIR(funcs, target), compileToIR(funcs, target)) << target;
  }
}

TEST(CodeGenOutputTest, AArch64ObjectLinksAndRunsUnderQemu) {
  if (!haveProgram("aarch64-linux-gnu-gcc") || !haveProgram("qemu-aarch64"))
    GTEST_SKIP() << "needs aarch64-linux-gnu-gcc and qemu-aarch64";
  // The vector kernel (with inline exp) plus a parallel loop, compiled for aarch64, linked
  // with an archive holding the aarch64 runtime, checked by a C program under qemu.
  Expr p = var("p"), i = var("i");
  std::vector<LoweredFunc> funcs = {
      vectorKernel(4),
      {"par", {f32Arg("a", 64), f32Arg("out", 64, true)},
       For::make("p", 0, 8, ForKind::Parallel,
                 serial("i", 0, 8, Store::make("out", strata::te::erf(loadF32("a", p * 8 + i)), p * 8 + i)))}};
  std::vector<char> object = objectFor(funcs, "aarch64");
  ASSERT_FALSE(object.empty());
  auto runtime = strata::aot::runtimeObjects(strata::targets::Arch::AArch64);
  ASSERT_TRUE(static_cast<bool>(runtime)) << llvm::toString(runtime.takeError());
  std::vector<strata::aot::ArchiveMember> members = {{"kernels.o", object}};
  members.insert(members.end(), runtime->begin(), runtime->end());

  ScratchDir dir("strata-aarch64-test");
  llvm::Error err = strata::aot::writeStaticLibraryFile(dir / "libkernels.a", members);
  ASSERT_FALSE(static_cast<bool>(err)) << llvm::toString(std::move(err));
  writeFile(dir / "main.c", R"(#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int vk(float *a, float *b, float *out);
int par(float *a, float *out);
int main(void) {
  float *a = aligned_alloc(64, 1024), *b = aligned_alloc(64, 1024), *out = aligned_alloc(64, 1024);
  for (int i = 0; i < 256; ++i) { a[i] = (i - 128) / 32.0f; b[i] = i; }
  if (vk(a, b, out) != 0) return 2;
  for (int i = 0; i < 256; ++i)
    if (fabsf(out[i] - (expf(a[i]) * 0.5f + b[i])) > 1e-5f * fabsf(out[i]) + 1e-6f) { printf("vk %d\n", i); return 3; }
  if (par(a, out) != 0) return 4;
  for (int i = 0; i < 64; ++i)
    if (fabsf(out[i] - erff(a[i])) > 1e-6f) { printf("par %d %g %g\n", i, out[i], erff(a[i])); return 5; }
  printf("ok\n");
  return 0;
}
)");
  auto link = runCommand("aarch64-linux-gnu-gcc -O1 " + (dir / "main.c") + " " + (dir / "libkernels.a") +
                         " -lpthread -lm -o " + (dir / "prog"));
  ASSERT_EQ(link.status, 0) << link.output;
  // binfmt_misc is not mounted here, so qemu must be invoked explicitly.
  auto run = runCommand("STRATA_NUM_THREADS=3 qemu-aarch64 -L /usr/aarch64-linux-gnu " + (dir / "prog"));
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output, "ok\n");
}

} // namespace
