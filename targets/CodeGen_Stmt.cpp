// Emitter: statements, loops (serial and parallel), allocation, and whole functions.
#include <algorithm>
#include <set>

#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/IntrinsicsNVPTX.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MathExtras.h"
#include "runtime/strata_runtime.h"
#include "lowering/te_to_loops/OutlineGPU.h"
#include "targets/CodeGen_Emitter.h"

namespace strata::targets::detail {

namespace {


// Names every Variable, Load and Store in a statement refers to: the candidates for what a
// parallel loop body must capture. A std::set keeps the closure layout deterministic.
class CollectNames : public te::IRVisitor {
public:
  std::set<std::string> names;
  using IRVisitor::visit;
  void visit(const te::Variable *op) override { names.insert(op->name); }
  void visit(const te::Load *op) override {
    names.insert(op->name);
    IRVisitor::visit(op);
  }
  void visit(const te::Store *op) override {
    names.insert(op->name);
    IRVisitor::visit(op);
  }
};

// Translates the statements and expressions of one module. One instance per compile() call,

} // namespace

// ---- statements ----------------------------------------------------------------------------

void Emitter::visit(const te::Store *op) {
  const BufferInfo *buffer = lookupBuffer(op->name);
  if (!buffer) return;
  memorySinceBarrier_ = true;
  te::Type t = op->value.type();
  llvm::Value *value = codegen(op->value);
  if (t.element_of().is_bool()) value = b_.CreateZExt(value, storageType(t));
  const auto *ramp = op->index.as<te::Ramp>();
  llvm::Instruction *access;
  if (t.is_scalar()) {
    access = b_.CreateAlignedStore(value, elementPointer(*buffer, codegen(op->index)),
                                   accessAlignment(*buffer, op->index, 1));
  } else if (ramp && te::is_one(ramp->stride)) {
    access = b_.CreateAlignedStore(value, elementPointer(*buffer, codegen(ramp->base)),
                                   accessAlignment(*buffer, ramp->base, t.lanes));
  } else {
    llvm::Value *ptrs = elementPointer(*buffer, codegen(op->index));
    access = b_.CreateMaskedScatter(value, ptrs, llvm::Align(std::max(1, buffer->elemType.bits / 8)));
  }
  addAliasInfo(access, *buffer);
}

void Emitter::visit(const te::For *op) {
  switch (op->for_kind) {
  case te::ForKind::Serial: emitSerialLoop(op, nullptr); return;
  case te::ForKind::Parallel: emitParallelLoop(op); return;
  case te::ForKind::Unrolled:
  case te::ForKind::Vectorized: {
    // Lowering normally rewrites these away; if one survives, emit a serial loop and ask
    // LLVM to do the transformation.
    llvm::Metadata *hint[] = {llvm::MDString::get(ctx_, op->for_kind == te::ForKind::Unrolled
                                                            ? "llvm.loop.unroll.full"
                                                            : "llvm.loop.vectorize.enable"),
                              llvm::ConstantAsMetadata::get(b_.getTrue())};
    emitSerialLoop(op, llvm::MDNode::get(ctx_, op->for_kind == te::ForKind::Unrolled
                                                   ? llvm::ArrayRef<llvm::Metadata *>(hint, 1)
                                                   : llvm::ArrayRef<llvm::Metadata *>(hint, 2)));
    return;
  }
  case te::ForKind::GPUCooperative:
    // Lowering shares it out among a GPU work-group's work-items (CooperativeLoops.h); on a
    // CPU one thread runs it all.
    if (gpu())
      return fail("cooperative loop '" + op->name + "' was not shared out among the work-items (lowered without share_cooperative_loops, or in thread loops of an extent not known at compile time)");
    emitSerialLoop(op, nullptr);
    return;
  case te::ForKind::GPUBlock:
  case te::ForKind::GPUThread:
    if (gpu())
      return emitGPUIndexLoop(op);
    fail("loop '" + op->name + "' is bound to a GPU " + te::for_kind_name(op->for_kind) +
         " but target '" + codegen_.target().name + "' is a CPU");
    return;
  }
}

// A GPU loop of a kernel is its launch's grid: the variable is the block (or thread) index
// along the next dimension (x, y, z in the order the loops nest) plus the loop's min; the
// launch has exactly `extent` of them (lowering/te_to_loops/OutlineGPU.h).
void Emitter::emitGPUIndexLoop(const te::For *op) {
  bool block = op->for_kind == te::ForKind::GPUBlock;
  int &seen = block ? gpuBlockLoops_ : gpuThreadLoops_;
  if (seen == 3)
    return fail("more than 3 GPU " + std::string(te::for_kind_name(op->for_kind)) + " loops");
  static const llvm::Intrinsic::ID ctaid[] = {llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x,
                                              llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_y,
                                              llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_z};
  static const llvm::Intrinsic::ID tid[] = {llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x,
                                            llvm::Intrinsic::nvvm_read_ptx_sreg_tid_y,
                                            llvm::Intrinsic::nvvm_read_ptx_sreg_tid_z};
  llvm::Value *index = b_.CreateIntrinsic(block ? ctaid[seen] : tid[seen], {}, {});
  ++seen;
  if (!block) {
    const int64_t *extent = te::as_const_int(op->extent);
    if (!extent)
      return fail("GPU thread loop '" + op->name + "' has an extent not known at compile time");
    gpuThreadIds_.push_back({index, *extent});
  }
  llvm::Value *v = b_.CreateAdd(index, codegen(op->min), op->name, false, true);
  push(vars_, op->name, v);
  codegen(op->body);
  pop(vars_, op->name);
}

// The work-item's index within its group, dimension 0 (x) fastest.
llvm::Value *Emitter::gpuLocalId() {
  llvm::Value *lid = b_.getInt32(0);
  for (auto it = gpuThreadIds_.rbegin(); it != gpuThreadIds_.rend(); ++it)
    lid = b_.CreateAdd(b_.CreateMul(lid, b_.getInt32(int32_t(it->second))), it->first);
  return lid;
}

/// A work-group barrier, unless nothing touched memory since the last one.
void Emitter::emitBarrier() {
  if (memorySinceBarrier_)
    b_.CreateIntrinsic(llvm::Intrinsic::nvvm_barrier0, {}, {});
  memorySinceBarrier_ = false;
}

/// A buffer in the work-group's shared memory: a global of the kernel in address space 3,
/// addressed through a generic pointer (LLVM infers the address space back for its accesses).
llvm::Value *Emitter::sharedBuffer(const te::Allocate *op, int64_t count) {
  auto *type = llvm::ArrayType::get(storageType(op->type), uint64_t(std::max<int64_t>(count, 1)));
  auto *global = new llvm::GlobalVariable(module_, type, false, llvm::GlobalValue::InternalLinkage,
                                          llvm::UndefValue::get(type), funcName_ + "." + op->name,
                                          nullptr, llvm::GlobalValue::NotThreadLocal, 3);
  global->setAlignment(llvm::Align(kBufferAlignment));
  return b_.CreateAddrSpaceCast(global, b_.getPtrTy(), op->name);
}

void Emitter::emitSerialLoop(const te::For *op, llvm::MDNode *loopHint) {
  llvm::Value *min = codegen(op->min);
  llvm::Value *end = b_.CreateAdd(min, codegen(op->extent), op->name + ".end", false, true);
  llvm::BasicBlock *preheader = b_.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx_, op->name + ".loop", fn_);
  auto *after = llvm::BasicBlock::Create(ctx_, op->name + ".after", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(min, end), loop, after);

  b_.SetInsertPoint(loop);
  llvm::PHINode *var = b_.CreatePHI(min->getType(), 2, op->name);
  var->addIncoming(min, preheader);
  push(vars_, op->name, static_cast<llvm::Value *>(var));
  memorySinceBarrier_ = true; // the previous iteration's
  codegen(op->body);
  pop(vars_, op->name);
  memorySinceBarrier_ = true;
  llvm::Value *next = b_.CreateAdd(var, llvm::ConstantInt::get(var->getType(), 1), op->name + ".next",
                                   false, true);
  var->addIncoming(next, b_.GetInsertBlock());
  llvm::BranchInst *back = b_.CreateCondBr(b_.CreateICmpSLT(next, end), loop, after);
  if (loopHint) {
    // Self-referential loop ID node, as LLVM's loop metadata requires.
    llvm::TempMDTuple temp = llvm::MDNode::getTemporary(ctx_, {});
    llvm::MDNode *id = llvm::MDNode::get(ctx_, {temp.get(), loopHint});
    id->replaceOperandWith(0, id);
    back->setMetadata(llvm::LLVMContext::MD_loop, id);
  }
  b_.SetInsertPoint(after);
}

// Outlines the loop body into `i32 <func>.par.<loop>(i32 task, ptr closure)` and calls
// strata_parallel_for with a stack-allocated closure holding every variable and buffer of
// the enclosing scopes that the body uses (sorted by name, for a deterministic layout).
void Emitter::emitParallelLoop(const te::For *op) {
  if (gpu())
    return fail("parallel loop '" + op->name + "' inside a GPU kernel");
  llvm::Value *min = codegen(op->min);
  llvm::Value *extent = codegen(op->extent);

  CollectNames collect;
  collect.dispatch(op->body);
  std::vector<std::string> capturedVars, capturedBuffers;
  for (const std::string &name : collect.names) {
    if (name == op->name) continue;
    if (vars_.count(name)) capturedVars.push_back(name);
    if (buffers_.count(name)) capturedBuffers.push_back(name);
  }
  // Layout: { min, captured variables..., captured buffer pointers... }.
  std::vector<llvm::Type *> fieldTypes = {min->getType()};
  for (const std::string &name : capturedVars) fieldTypes.push_back(vars_[name].back()->getType());
  for (size_t i = 0; i < capturedBuffers.size(); ++i) fieldTypes.push_back(b_.getPtrTy());
  auto *closureType = llvm::StructType::get(ctx_, fieldTypes);

  // The closure lives in the caller's entry block, so loops around this one reuse it.
  llvm::IRBuilder<> entryBuilder(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
  llvm::AllocaInst *closure = entryBuilder.CreateAlloca(closureType, nullptr, op->name + ".closure");
  std::vector<llvm::Value *> fields = {min};
  for (const std::string &name : capturedVars) fields.push_back(vars_[name].back());
  for (const std::string &name : capturedBuffers) fields.push_back(buffers_[name].back().base);
  for (size_t i = 0; i < fields.size(); ++i)
    b_.CreateStore(fields[i], b_.CreateStructGEP(closureType, closure, i));

  // Emit the task function with fresh scopes holding only the captured names.
  auto *taskType = llvm::FunctionType::get(b_.getInt32Ty(), {b_.getInt32Ty(), b_.getPtrTy()}, false);
  auto *task = llvm::Function::Create(taskType, llvm::Function::InternalLinkage,
                                      funcName_ + ".par." + op->name, module_);
  setFunctionAttributes(*task);
  task->getArg(0)->setName("task");
  task->getArg(1)->setName("closure");
  task->addParamAttr(1, llvm::Attribute::NoAlias);

  auto savedVars = std::move(vars_);
  auto savedBuffers = std::move(buffers_);
  auto savedMultiples = multiples_;
  auto savedHeap = std::move(heapAllocations_);
  llvm::Function *savedFn = fn_;
  llvm::MDNode *savedDomain = aliasDomain_;
  aliasDomain_ = nullptr;
  llvm::IRBuilderBase::InsertPoint savedIP = b_.saveIP();
  vars_.clear();
  buffers_.clear();
  heapAllocations_.clear();
  fn_ = task;

  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", task));
  auto field = [&](size_t i, const std::string &name) {
    return b_.CreateLoad(fieldTypes[i], b_.CreateStructGEP(closureType, task->getArg(1), i), name);
  };
  llvm::Value *taskMin = field(0, op->name + ".min");
  size_t index = 1;
  for (const std::string &name : capturedVars) push(vars_, name, static_cast<llvm::Value *>(field(index++, name)));
  for (const std::string &name : capturedBuffers) {
    auto *ptr = llvm::cast<llvm::LoadInst>(field(index++, name));
    const BufferInfo &saved = savedBuffers[name].back();
    ptr->setMetadata(llvm::LLVMContext::MD_align,
                     llvm::MDNode::get(ctx_, llvm::ConstantAsMetadata::get(b_.getInt64(saved.alignment))));
    ptr->setMetadata(llvm::LLVMContext::MD_nonnull, llvm::MDNode::get(ctx_, {}));
    push(buffers_, name, BufferInfo{ptr, saved.elemType, newAliasScope(name), saved.alignment});
  }
  llvm::Value *loopVar = b_.CreateAdd(taskMin, task->getArg(0), op->name, false, true);
  push(vars_, op->name, loopVar);
  codegen(op->body);
  b_.CreateRet(b_.getInt32(0));

  vars_ = std::move(savedVars);
  buffers_ = std::move(savedBuffers);
  multiples_ = std::move(savedMultiples);
  heapAllocations_ = std::move(savedHeap);
  fn_ = savedFn;
  aliasDomain_ = savedDomain;
  b_.restoreIP(savedIP);

  llvm::Function *parallelFor = declareRuntime("strata_parallel_for", b_.getInt32Ty(),
                                               {b_.getPtrTy(), b_.getPtrTy(), b_.getInt32Ty()});
  llvm::Value *status = b_.CreateCall(parallelFor, {task, closure, extent}, op->name + ".status");
  returnIfNonZero(status);
}

void Emitter::visit(const te::Allocate *op) {
  int64_t elemBytes = std::max(1, op->type.bits / 8);
  llvm::Type *elemType = storageType(op->type);
  bool constant = true;
  int64_t count = 1;
  llvm::Value *dynamicCount = b_.getInt64(1);
  for (const Expr &extent : op->extents) {
    const int64_t *c = te::as_const_int(extent);
    if (c) count *= *c;
    else constant = false;
    dynamicCount = b_.CreateMul(dynamicCount, b_.CreateSExt(codegen(extent), b_.getInt64Ty()));
  }
  if (gpu() && op->memory_type == te::MemoryType::GPUShared) {
    if (!constant) // OutlineGPU checks this already
      return fail("shared buffer '" + op->name + "' has a size not known at compile time");
    push(buffers_, op->name, BufferInfo{sharedBuffer(op, count), op->type, newAliasScope(op->name)});
    codegen(op->body);
    pop(buffers_, op->name);
    return;
  }
  bool onStack = constant && op->memory_type != te::MemoryType::Heap &&
                 count * elemBytes <= kMaxStackAllocationBytes;
  if (gpu() && (!onStack || count * elemBytes > te::kMaxGPUPrivateBytes))
    return fail("buffer '" + op->name + "' is too large (or not of a constant size) for a GPU thread");
  llvm::Value *base;
  if (onStack) {
    // In the entry block, so an allocation inside a loop does not grow the stack per
    // iteration; SROA turns small Register/Stack buffers with constant indices into SSA.
    llvm::IRBuilder<> entryBuilder(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
    llvm::AllocaInst *alloca = entryBuilder.CreateAlloca(
        llvm::ArrayType::get(elemType, static_cast<uint64_t>(std::max<int64_t>(count, 1))), nullptr, op->name);
    alloca->setAlignment(llvm::Align(kBufferAlignment));
    base = alloca;
  } else {
    llvm::Function *alloc = declareRuntime("strata_aligned_alloc", b_.getPtrTy(), {b_.getInt64Ty()});
    llvm::Value *bytes = b_.CreateMul(dynamicCount, b_.getInt64(elemBytes), op->name + ".bytes");
    auto *call = b_.CreateCall(alloc, {bytes}, op->name);
    call->addRetAttr(llvm::Attribute::NoAlias);
    base = call;
    llvm::Value *isNull = b_.CreateICmpEQ(base, llvm::ConstantPointerNull::get(b_.getPtrTy()));
    returnIfNonZero(b_.CreateSelect(isNull, b_.getInt32(STRATA_ERROR_OUT_OF_MEMORY), b_.getInt32(0)));
    heapAllocations_.push_back(base);
  }
  push(buffers_, op->name, BufferInfo{base, op->type, newAliasScope(op->name)});
  codegen(op->body);
  pop(buffers_, op->name);
  if (!onStack) {
    heapAllocations_.pop_back();
    b_.CreateCall(declareRuntime("strata_aligned_free", b_.getVoidTy(), {b_.getPtrTy()}), {base});
  }
}

void Emitter::visit(const te::IfThenElse *op) {
  llvm::Value *cond = codegen(op->condition);
  if (op->condition.type().is_vector()) {
    fail("IfThenElse needs a scalar condition, got " + te::to_string(op->condition));
    return;
  }
  auto *thenBlock = llvm::BasicBlock::Create(ctx_, "then", fn_);
  auto *elseBlock = op->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "else", fn_) : nullptr;
  auto *after = llvm::BasicBlock::Create(ctx_, "endif", fn_);
  b_.CreateCondBr(cond, thenBlock, elseBlock ? elseBlock : after);
  b_.SetInsertPoint(thenBlock);
  codegen(op->then_case);
  b_.CreateBr(after);
  if (elseBlock) {
    b_.SetInsertPoint(elseBlock);
    codegen(op->else_case);
    b_.CreateBr(after);
  }
  b_.SetInsertPoint(after);
  memorySinceBarrier_ = true; // either way: a barrier in one branch is not in the other
}

void Emitter::visit(const te::Block *op) {
  for (const Stmt &s : op->stmts) codegen(s);
}

void Emitter::visit(const te::LetStmt *op) {
  llvm::Value *v = nameValue(codegen(op->value), op->name);
  push(vars_, op->name, v);
  bool isInt = op->value.type().is_int_or_uint() && op->value.type().is_scalar();
  if (isInt) push(multiples_, op->name, knownMultiple(op->value));
  codegen(op->body);
  if (isInt) pop(multiples_, op->name);
  pop(vars_, op->name);
}

void Emitter::visit(const te::ProducerConsumer *op) { codegen(op->body); }
void Emitter::visit(const te::Evaluate *op) { codegen(op->value); }

void Emitter::visit(const te::Provide *op) {
  fail("codegen needs storage-flattened IR, but found Provide to '" + op->name + "'");
}

void Emitter::visit(const te::Realize *op) {
  fail("codegen needs storage-flattened IR, but found Realize of '" + op->name + "'");
}

// ---- functions ---------------------------------------------------------------------------

llvm::Error Emitter::emitFunction(const te::LoweredFunc &func) {
  error_.clear();
  funcName_ = func.name;
  if (module_.getFunction(func.name))
    return llvm::createStringError("function '" + func.name + "' is defined twice");
  std::vector<llvm::Type *> params(func.args.size(), b_.getPtrTy());
  // A CPU function returns a status; a GPU kernel returns nothing (it cannot fail).
  llvm::Type *ret = gpu() ? b_.getVoidTy() : b_.getInt32Ty();
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(ret, params, false),
                                    llvm::Function::ExternalLinkage, func.name, module_);
  setFunctionAttributes(*fn);
  fn_ = fn;
  gpuBlockLoops_ = gpuThreadLoops_ = 0;
  gpuThreadIds_.clear();
  memorySinceBarrier_ = true;
  if (gpu()) { // LLVM 19 marks NVPTX kernels with nvvm.annotations
    llvm::Metadata *md[] = {llvm::ValueAsMetadata::get(fn), llvm::MDString::get(ctx_, "kernel"),
                            llvm::ConstantAsMetadata::get(b_.getInt32(1))};
    module_.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(ctx_, md));
  }
  aliasDomain_ = nullptr;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
  for (size_t i = 0; i < func.args.size(); ++i) {
    const te::LoweredArg &arg = func.args[i];
    if (!arg.type.is_scalar())
      return llvm::createStringError("function '" + func.name + "': argument '" + arg.name +
                                     "' must have a scalar element type");
    fn->getArg(i)->setName(arg.name);
    fn->addParamAttr(i, llvm::Attribute::NoAlias);
    fn->addParamAttr(i, llvm::Attribute::NonNull);
    fn->addParamAttr(i, llvm::Attribute::getWithAlignment(ctx_, llvm::Align(arg.alignment)));
    // A statically known size lets LLVM hoist and speculate loads.
    int64_t elems = 1;
    bool known = true;
    for (int64_t extent : arg.shape) {
      if (extent <= 0) known = false;
      else elems *= extent;
    }
    if (known && !arg.shape.empty())
      fn->addDereferenceableParamAttr(i, elems * std::max(1, arg.type.bits / 8));
    if (buffers_.count(arg.name))
      return llvm::createStringError("function '" + func.name + "': duplicate argument '" + arg.name + "'");
    push(buffers_, arg.name, BufferInfo{fn->getArg(i), arg.type, newAliasScope(arg.name), arg.alignment});
  }
  if (!func.body.defined()) return llvm::createStringError("function '" + func.name + "' has no body");
  codegen(func.body);
  if (gpu())
    b_.CreateRetVoid();
  else
    b_.CreateRet(b_.getInt32(0));
  buffers_.clear();
  vars_.clear();
  multiples_.clear();
  if (!error_.empty()) return llvm::createStringError("codegen of '" + func.name + "': " + error_);
  if (gpu())
    return llvm::Error::success();

  // name_argv(void **args): the same function for callers that hold arguments in an array.
  auto *argv = llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy()}, false),
                                      llvm::Function::ExternalLinkage, func.name + "_argv", module_);
  setFunctionAttributes(*argv);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", argv));
  std::vector<llvm::Value *> callArgs;
  for (size_t i = 0; i < func.args.size(); ++i)
    callArgs.push_back(b_.CreateLoad(b_.getPtrTy(), b_.CreateConstGEP1_64(b_.getPtrTy(), argv->getArg(0), i),
                                     func.args[i].name));
  b_.CreateRet(b_.CreateCall(fn, callArgs));
  return llvm::Error::success();
}

} // namespace strata::targets::detail
