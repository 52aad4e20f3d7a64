// Helpers for codegen tests: build LoweredFuncs by hand, compile them, run them in the JIT.
#ifndef STRATA_TEST_UNIT_TARGETS_KERNELHELPERS_H
#define STRATA_TEST_UNIT_TARGETS_KERNELHELPERS_H

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/jit/JitEngine.h"
#include "dialects/te/IROperator.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "targets/CodeGen_LLVM.h"
#include "targets/Emit.h"

namespace strata::testing {

using namespace strata::te;

inline LoweredArg f32Arg(const std::string &name, int64_t size, bool output = false) {
  return {name, Float(32), {size}, output};
}
inline LoweredArg i32Arg(const std::string &name, int64_t size, bool output = false) {
  return {name, Int(32), {size}, output};
}

inline Expr loadF32(const std::string &buffer, Expr index) {
  return Load::make(Float(32, index.type().lanes), buffer, index);
}
inline Expr loadI32(const std::string &buffer, Expr index) {
  return Load::make(Int(32, index.type().lanes), buffer, index);
}
inline Stmt serial(const std::string &name, Expr min, Expr extent, Stmt body) {
  return For::make(name, min, extent, ForKind::Serial, body);
}

// Textual LLVM IR of `funcs` compiled for `targetName`, before optimization.
inline std::string compileToIR(const std::vector<LoweredFunc> &funcs, const std::string &targetName) {
  llvm::LLVMContext ctx;
  auto target = llvm::cantFail(targets::parseTarget(targetName));
  auto module = targets::CodeGen_LLVM::create(target)->compile(funcs, "test", ctx);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return "";
  }
  return targets::printModule(**module);
}

// The funcs compiled for the host and loaded into a JIT engine.
class JitKernel {
public:
  explicit JitKernel(const std::vector<LoweredFunc> &funcs,
                     const targets::Target &target = targets::hostTarget()) {
    auto engine = jit::JitEngine::create(target);
    if (!engine) {
      ADD_FAILURE() << llvm::toString(engine.takeError());
      return;
    }
    engine_ = std::move(*engine);
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto module = targets::CodeGen_LLVM::create(target)->compile(funcs, "kernel", *ctx);
    if (!module) {
      ADD_FAILURE() << llvm::toString(module.takeError());
      engine_.reset();
      return;
    }
    if (llvm::Error err = engine_->addModule(std::move(*module), std::move(ctx))) {
      ADD_FAILURE() << llvm::toString(std::move(err));
      engine_.reset();
    }
  }
  bool ok() const { return engine_ != nullptr; }

  // Calls `name` through its generated `name_argv` entry point.
  int call(const std::string &name, std::vector<void *> args) {
    auto fn = engine_->lookupFunction<int32_t(void **)>(name + "_argv");
    if (!fn) {
      ADD_FAILURE() << llvm::toString(fn.takeError());
      return -1;
    }
    return (*fn)(args.data());
  }

private:
  std::unique_ptr<jit::JitEngine> engine_;
};

// 64-byte aligned storage, as the kernels' argument contract requires.
template <typename T> class AlignedBuffer {
public:
  explicit AlignedBuffer(size_t n, T fill = T()) : n_(n) {
    data_ = static_cast<T *>(std::aligned_alloc(64, ((n * sizeof(T) + 63) / 64) * 64 + 64));
    for (size_t i = 0; i < n; ++i) data_[i] = fill;
  }
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer &) = delete;
  T &operator[](size_t i) { return data_[i]; }
  T *data() { return data_; }
  size_t size() const { return n_; }

private:
  T *data_;
  size_t n_;
};

} // namespace strata::testing

#endif
