// Code generation from Strata's loop IR (dialects/te, after storage flattening) to LLVM IR.
//
// Layering, as in Halide: this class owns everything common to CPU targets (expressions,
// loops, parallel outlining, allocation, math functions); CodeGen_X86 and CodeGen_AArch64
// override a few virtual hooks. create() is the factory.
//
// What the output looks like, per LoweredFunc `f`:
//   define i32 @f(ptr noalias nonnull align 64 %arg0, ...)   ; returns 0 or a strata_status
//   define i32 @f_argv(ptr %args)   ; calls @f with args[i]: for callers that only know arity
//   define internal i32 @f.par.<loop>(i32 %task, ptr %closure)  ; one per parallel loop
// Vector expressions use LLVM vector types directly (a Ramp-indexed load is one vector
// load, other vector indices are gathers), fmuladd maps to llvm.fmuladd, and f32
// exp/log/tanh/erf are inline polynomials so vector code stays vector code.
//
// Codegen is stateless (compile() may be called concurrently on one object) and
// deterministic: the same functions give byte-identical IR.
#ifndef STRATA_TARGETS_CODEGEN_LLVM_H
#define STRATA_TARGETS_CODEGEN_LLVM_H

#include <memory>
#include <string>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "dialects/te/LoweredFunc.h"
#include "targets/Target.h"

namespace llvm {
class Function;
class LLVMContext;
class Module;
} // namespace llvm

namespace strata::targets {

class CodeGen_LLVM {
public:
  // The code generator for `target` (x86 or aarch64).
  static std::unique_ptr<CodeGen_LLVM> create(const Target &target);
  virtual ~CodeGen_LLVM();

  // Compiles `funcs` into a new module named `moduleName`, with the target's triple and
  // data layout. Malformed input (unknown names, IR that is not flattened, GPU loops) gives
  // an error naming the function and the problem. The module is not optimized yet: pass it
  // to optimizeModule / emitObject (targets/Emit.h) or to the JIT.
  llvm::Expected<std::unique_ptr<llvm::Module>> compile(llvm::ArrayRef<te::LoweredFunc> funcs,
                                                        llvm::StringRef moduleName,
                                                        llvm::LLVMContext &context) const;

  const Target &target() const { return target_; }

  // ---- Per-target hooks -----------------------------------------------------------------
  // Attributes every generated function gets, beyond target-cpu/target-features (which the
  // base class sets from the Target).
  virtual void addTargetFunctionAttributes(llvm::Function &fn) const;

protected:
  explicit CodeGen_LLVM(Target target);

private:
  Target target_;
};

} // namespace strata::targets

#endif
