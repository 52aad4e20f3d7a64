// Tests of the JIT engine with hand-built LLVM modules.
#include <atomic>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/jit/JitEngine.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "runtime/strata_runtime.h"

using namespace strata;

namespace {

// int32_t vadd(float *a, float *b, float *out, int32_t n): out[i] = a[i] + b[i].
std::unique_ptr<llvm::Module> buildVectorAdd(llvm::LLVMContext &ctx, const std::string &name) {
  auto module = std::make_unique<llvm::Module>(name, ctx);
  llvm::IRBuilder<> b(ctx);
  llvm::Type *ptr = b.getPtrTy(), *i32 = b.getInt32Ty();
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(i32, {ptr, ptr, ptr, i32}, false),
                                    llvm::Function::ExternalLinkage, name, *module);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *loop = llvm::BasicBlock::Create(ctx, "loop", fn);
  auto *exit = llvm::BasicBlock::Create(ctx, "exit", fn);
  b.SetInsertPoint(entry);
  llvm::Value *n = fn->getArg(3);
  b.CreateCondBr(b.CreateICmpSGT(n, b.getInt32(0)), loop, exit);
  b.SetInsertPoint(loop);
  llvm::PHINode *i = b.CreatePHI(i32, 2);
  i->addIncoming(b.getInt32(0), entry);
  llvm::Value *x = b.CreateLoad(b.getFloatTy(), b.CreateGEP(b.getFloatTy(), fn->getArg(0), i));
  llvm::Value *y = b.CreateLoad(b.getFloatTy(), b.CreateGEP(b.getFloatTy(), fn->getArg(1), i));
  b.CreateStore(b.CreateFAdd(x, y), b.CreateGEP(b.getFloatTy(), fn->getArg(2), i));
  llvm::Value *next = b.CreateAdd(i, b.getInt32(1));
  i->addIncoming(next, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);
  b.SetInsertPoint(exit);
  b.CreateRet(b.getInt32(0));
  return module;
}

std::unique_ptr<jit::JitEngine> hostEngine() {
  auto engine = jit::JitEngine::create(targets::hostTarget());
  if (!engine) {
    ADD_FAILURE() << llvm::toString(engine.takeError());
    return nullptr;
  }
  return std::move(*engine);
}

TEST(JitEngineTest, RunsAHandBuiltVectorAdd) {
  auto engine = hostEngine();
  ASSERT_TRUE(engine);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto module = buildVectorAdd(*ctx, "vadd");
  ASSERT_FALSE(static_cast<bool>(engine->addModule(std::move(module), std::move(ctx))));
  auto fn = engine->lookupFunction<int32_t(float *, float *, float *, int32_t)>("vadd");
  ASSERT_TRUE(static_cast<bool>(fn)) << llvm::toString(fn.takeError());
  std::vector<float> a(1003), b(1003), out(1003, -1.0f);
  for (int i = 0; i < 1003; ++i) {
    a[i] = 0.5f * i;
    b[i] = 1000.0f - i;
  }
  EXPECT_EQ((*fn)(a.data(), b.data(), out.data(), 1003), 0);
  for (int i = 0; i < 1003; ++i) ASSERT_EQ(out[i], a[i] + b[i]) << i;
}

TEST(JitEngineTest, CompiledCodeCallsTheRuntime) {
  // int32_t call_pf(ptr body, ptr closure, i32 n) { return strata_parallel_for(body, closure, n); }
  auto engine = hostEngine();
  ASSERT_TRUE(engine);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto module = std::make_unique<llvm::Module>("calls_runtime", *ctx);
  llvm::IRBuilder<> b(*ctx);
  llvm::Type *ptr = b.getPtrTy(), *i32 = b.getInt32Ty();
  auto *pfType = llvm::FunctionType::get(i32, {ptr, ptr, i32}, false);
  llvm::FunctionCallee pf = module->getOrInsertFunction("strata_parallel_for", pfType);
  auto *fn = llvm::Function::Create(pfType, llvm::Function::ExternalLinkage, "call_pf", *module);
  b.SetInsertPoint(llvm::BasicBlock::Create(*ctx, "entry", fn));
  b.CreateRet(b.CreateCall(pf, {fn->getArg(0), fn->getArg(1), fn->getArg(2)}));
  ASSERT_FALSE(static_cast<bool>(engine->addModule(std::move(module), std::move(ctx))));
  auto callPf = engine->lookupFunction<int32_t(strata_task_fn, void *, int32_t)>("call_pf");
  ASSERT_TRUE(static_cast<bool>(callPf)) << llvm::toString(callPf.takeError());
  std::vector<std::atomic<int>> hits(100);
  auto body = [](int32_t task, void *closure) -> int {
    (*static_cast<std::vector<std::atomic<int>> *>(closure))[task]++;
    return 0;
  };
  EXPECT_EQ((*callPf)(body, &hits, 100), 0);
  for (auto &h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(JitEngineTest, SeveralIndependentEngines) {
  auto first = hostEngine(), second = hostEngine();
  ASSERT_TRUE(first && second);
  // The same symbol name in two engines does not clash.
  for (auto *engine : {first.get(), second.get()}) {
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto module = buildVectorAdd(*ctx, "vadd");
    ASSERT_FALSE(static_cast<bool>(engine->addModule(std::move(module), std::move(ctx))));
  }
  auto f1 = first->lookupFunction<int32_t(float *, float *, float *, int32_t)>("vadd");
  auto f2 = second->lookupFunction<int32_t(float *, float *, float *, int32_t)>("vadd");
  ASSERT_TRUE(f1 && f2);
  EXPECT_NE(*f1, *f2);
  first.reset(); // destroying one engine leaves the other's code alive
  float a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, out[3] = {};
  EXPECT_EQ((*f2)(a, b, out, 3), 0);
  EXPECT_EQ(out[2], 9.0f);
}

TEST(JitEngineTest, UnknownSymbolIsAnError) {
  auto engine = hostEngine();
  ASSERT_TRUE(engine);
  auto missing = engine->lookup("no_such_function");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("JIT: no symbol 'no_such_function'"),
            std::string::npos);
}

TEST(JitEngineTest, InvalidModuleIsAnError) {
  auto engine = hostEngine();
  ASSERT_TRUE(engine);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto module = std::make_unique<llvm::Module>("broken", *ctx);
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getInt32Ty(*ctx), false),
                                    llvm::Function::ExternalLinkage, "broken", *module);
  llvm::BasicBlock::Create(*ctx, "entry", fn); // no terminator
  llvm::Error err = engine->addModule(std::move(module), std::move(ctx));
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("invalid LLVM module 'broken'"), std::string::npos);
}

TEST(JitEngineTest, RefusesTargetsTheHostCannotRun) {
  auto engine = jit::JitEngine::create(llvm::cantFail(targets::parseTarget("aarch64")));
  ASSERT_FALSE(static_cast<bool>(engine));
  EXPECT_NE(llvm::toString(engine.takeError()).find("cannot run on this host"), std::string::npos);
}

} // namespace
