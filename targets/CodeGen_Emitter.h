// Internal to targets/: the visitor that turns loop IR into LLVM IR for one module.
// CodeGen_LLVM::compile() creates one per call (so CodeGen_LLVM itself stays stateless);
// its methods are split by family into CodeGen_Expr.cpp and CodeGen_Stmt.cpp.
#ifndef STRATA_TARGETS_CODEGEN_EMITTER_H
#define STRATA_TARGETS_CODEGEN_EMITTER_H

#include <map>
#include <string>
#include <vector>

#include "dialects/te/IRVisitor.h"
#include "llvm/IR/IRBuilder.h"
#include "runtime/strata_runtime.h"
#include "targets/CodeGen_LLVM.h"

namespace strata::targets::detail {

using te::Expr;
using te::Stmt;

// Allocations of at most this many bytes with a constant size live on the stack; larger or
// dynamic ones go to strata_aligned_alloc. Worker threads have the default 8 MB stacks.
constexpr int64_t kMaxStackAllocationBytes = 64 * 1024;
// Alignment guaranteed for argument buffers and allocations (STRATA_ALIGNMENT).
constexpr int64_t kBufferAlignment = STRATA_ALIGNMENT;

struct BufferInfo {
  llvm::Value *base = nullptr;
  te::Type elemType;
  // Alias scope of this buffer in the current function. Distinct buffers never overlap
  // (arguments by contract, allocations by construction), and scoped-noalias metadata says
  // so even where the noalias attribute cannot: inside outlined parallel bodies, whose
  // buffer pointers come out of a closure.
  llvm::MDNode *scope = nullptr;
  // Known alignment of the base pointer in bytes (caller buffers may be less than 64).
  int64_t alignment = kBufferAlignment;
};

// Translates the statements and expressions of one module.
class Emitter : public te::IRVisitor {
public:
  Emitter(const CodeGen_LLVM &codegen, llvm::Module &module)
      : codegen_(codegen), module_(module), ctx_(module.getContext()), b_(ctx_) {
    // Float multiplies and adds may be contracted into FMAs (the IR's one relaxation).
    llvm::FastMathFlags fmf;
    fmf.setAllowContract(true);
    b_.setFastMathFlags(fmf);
  }

  // Emits `func` (and its _argv wrapper and parallel bodies) into the module.
  llvm::Error emitFunction(const te::LoweredFunc &func);

private:
  // ---- helpers ---------------------------------------------------------------------------
  llvm::Type *llvmType(te::Type t);
  llvm::Type *storageType(te::Type t); // in memory: Bool is i8
  llvm::Value *codegen(const Expr &e);
  void codegen(const Stmt &s) { dispatch(s); }
  void fail(const std::string &message);
  llvm::Function *declareRuntime(const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Type *> args);
  void setFunctionAttributes(llvm::Function &fn);
  void returnIfNonZero(llvm::Value *status);
  // Names a fresh instruction after the let it binds (readable IR); constants and values
  // that already have a name (arguments, other lets) are left alone.
  static llvm::Value *nameValue(llvm::Value *v, const std::string &name) {
    if (llvm::isa<llvm::Instruction>(v) && !v->hasName()) v->setName(name);
    return v;
  }
  llvm::Value *splat(int lanes, llvm::Value *v) {
    return lanes > 1 ? b_.CreateVectorSplat(lanes, v) : v;
  }
  const BufferInfo *lookupBuffer(const std::string &name);
  llvm::Value *elementPointer(const BufferInfo &buffer, llvm::Value *index);
  llvm::Align accessAlignment(const BufferInfo &buffer, const Expr &baseIndex, int lanes);
  int64_t knownMultiple(const Expr &e);
  llvm::MDNode *newAliasScope(const std::string &bufferName);
  void addAliasInfo(llvm::Instruction *access, const BufferInfo &buffer);
  void emitSerialLoop(const te::For *op, llvm::MDNode *loopHints);
  void emitParallelLoop(const te::For *op);
  llvm::Value *emitIntrinsic(const te::Call *op);
  llvm::Value *perLaneLibmCall(const char *name, llvm::Value *x);
  llvm::Value *integerPow(llvm::Value *base, llvm::Value *exponent);
  struct SafeDivisor {
    llvm::Value *value, *isZero, *isMinusOne;
  };
  SafeDivisor safeDivisor(llvm::Value *b, const int64_t *constB, te::Type t);

  template <typename T> void push(std::map<std::string, std::vector<T>> &scope, const std::string &n, T v) {
    scope[n].push_back(v);
  }
  template <typename T> void pop(std::map<std::string, std::vector<T>> &scope, const std::string &n) {
    auto it = scope.find(n);
    it->second.pop_back();
    if (it->second.empty()) scope.erase(it);
  }

  // ---- expressions -----------------------------------------------------------------------
  void visit(const te::IntImm *op) override;
  void visit(const te::FloatImm *op) override;
  void visit(const te::Variable *op) override;
  void visit(const te::Cast *op) override;
  void visit(const te::Add *op) override;
  void visit(const te::Sub *op) override;
  void visit(const te::Mul *op) override;
  void visit(const te::Div *op) override;
  void visit(const te::Mod *op) override;
  void visit(const te::Min *op) override;
  void visit(const te::Max *op) override;
  void visit(const te::EQ *op) override;
  void visit(const te::NE *op) override;
  void visit(const te::LT *op) override;
  void visit(const te::LE *op) override;
  void visit(const te::GT *op) override;
  void visit(const te::GE *op) override;
  void visit(const te::And *op) override;
  void visit(const te::Or *op) override;
  void visit(const te::Not *op) override;
  void visit(const te::Select *op) override;
  void visit(const te::Load *op) override;
  void visit(const te::Ramp *op) override;
  void visit(const te::Broadcast *op) override;
  void visit(const te::Let *op) override;
  void visit(const te::Call *op) override;
  void compare(const Expr &a, const Expr &b, llvm::CmpInst::Predicate fp,
               llvm::CmpInst::Predicate sp, llvm::CmpInst::Predicate up);

  // ---- statements ------------------------------------------------------------------------
  void visit(const te::For *op) override;
  void visit(const te::Store *op) override;
  void visit(const te::Provide *op) override;
  void visit(const te::Allocate *op) override;
  void visit(const te::IfThenElse *op) override;
  void visit(const te::Block *op) override;
  void visit(const te::LetStmt *op) override;
  void visit(const te::ProducerConsumer *op) override;
  void visit(const te::Evaluate *op) override;
  void visit(const te::Realize *op) override;

  const CodeGen_LLVM &codegen_;
  llvm::Module &module_;
  llvm::LLVMContext &ctx_;
  llvm::IRBuilder<> b_;
  llvm::Value *value_ = nullptr; // result of the last expression visited
  std::string error_;            // first error of the current function

  // Scopes, keyed by name (names are unique after lowering, but a stack per name keeps
  // nested bindings of generated code correct anyway).
  std::map<std::string, std::vector<llvm::Value *>> vars_;
  std::map<std::string, std::vector<BufferInfo>> buffers_;
  std::map<std::string, std::vector<int64_t>> multiples_; // known divisors of let values

  // Per function being emitted (a kernel or an outlined parallel body).
  std::string funcName_;
  llvm::Function *fn_ = nullptr;
  llvm::MDNode *aliasDomain_ = nullptr; // created on first use in each function
  std::vector<llvm::Value *> heapAllocations_; // live strata_aligned_alloc results, to free on error
  int gpuBlockLoops_ = 0, gpuThreadLoops_ = 0;  // GPU loops seen so far: the next one's dimension

  // NVPTX: each function is a kernel (one launch of an outlined GPU kernel, its GPU loops the
  // work-group and work-item indices).
  bool gpu() const { return codegen_.target().arch == Arch::NVPTX64; }
  void emitGPUIndexLoop(const te::For *op);
  llvm::Value *gpuLocalId();
  void emitBarrier();
  llvm::Value *sharedBuffer(const te::Allocate *op, int64_t count);
  // The kernel's thread indices (x first) and work-group extents, for cooperative loops.
  std::vector<std::pair<llvm::Value *, int64_t>> gpuThreadIds_;
  bool memorySinceBarrier_ = true; // loads or stores since the last barrier (or maybe)
};

} // namespace strata::targets::detail

#endif
