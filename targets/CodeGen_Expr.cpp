// Emitter: helpers and expressions (see CodeGen_Emitter.h).
#include <algorithm>

#include "dialects/te/IROperator.h"
#include "dialects/te/IRPrinter.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"
#include "runtime/strata_runtime.h"
#include "targets/CodeGen_Emitter.h"
#include "targets/MathFunctions.h"

namespace strata::targets::detail {

// ---- helpers ---------------------------------------------------------------------------------

void Emitter::fail(const std::string &message) {
  if (error_.empty()) error_ = message;
}

llvm::Type *Emitter::llvmType(te::Type t) {
  llvm::Type *scalar = nullptr;
  switch (t.code) {
  case te::TypeCode::Int:
  case te::TypeCode::UInt: scalar = llvm::IntegerType::get(ctx_, t.bits); break;
  case te::TypeCode::Bool: scalar = llvm::Type::getInt1Ty(ctx_); break;
  case te::TypeCode::Handle: scalar = llvm::PointerType::get(ctx_, 0); break;
  case te::TypeCode::Float:
    if (t.bits == 16) scalar = llvm::Type::getHalfTy(ctx_);
    else if (t.bits == 64) scalar = llvm::Type::getDoubleTy(ctx_);
    else scalar = llvm::Type::getFloatTy(ctx_);
    break;
  }
  return t.lanes > 1 ? llvm::FixedVectorType::get(scalar, t.lanes) : scalar;
}

llvm::Type *Emitter::storageType(te::Type t) {
  if (t.is_bool()) return llvmType(te::UInt(8, t.lanes));
  return llvmType(t);
}

llvm::Value *Emitter::codegen(const Expr &e) {
  value_ = nullptr;
  dispatch(e);
  if (!value_) {
    fail("no code for expression " + te::to_string(e));
    value_ = llvm::PoisonValue::get(llvmType(e.type()));
  }
  llvm::Value *result = value_;
  value_ = nullptr;
  return result;
}

llvm::Function *Emitter::declareRuntime(const char *name, llvm::Type *ret,
                                        llvm::ArrayRef<llvm::Type *> args) {
  auto callee = module_.getOrInsertFunction(name, llvm::FunctionType::get(ret, args, false));
  auto *fn = llvm::cast<llvm::Function>(callee.getCallee());
  fn->setDoesNotThrow();
  return fn;
}

void Emitter::setFunctionAttributes(llvm::Function &fn) {
  const Target &target = codegen_.target();
  fn.addFnAttr("target-cpu", target.cpu);
  if (!target.features.empty()) fn.addFnAttr("target-features", target.features);
  fn.setDoesNotThrow();
  fn.addFnAttr(llvm::Attribute::NoRecurse);
  codegen_.addTargetFunctionAttributes(fn);
}

// Returns `status` from the current function when it is non-zero, freeing the heap
// allocations that are live at this point first.
void Emitter::returnIfNonZero(llvm::Value *status) {
  auto *failBlock = llvm::BasicBlock::Create(ctx_, "fail", fn_);
  auto *okBlock = llvm::BasicBlock::Create(ctx_, "ok", fn_);
  llvm::MDBuilder md(ctx_);
  b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(0)), failBlock, okBlock,
                  md.createUnlikelyBranchWeights());
  b_.SetInsertPoint(failBlock);
  llvm::Function *freeFn = declareRuntime("strata_aligned_free", b_.getVoidTy(), {b_.getPtrTy()});
  for (auto it = heapAllocations_.rbegin(); it != heapAllocations_.rend(); ++it)
    b_.CreateCall(freeFn, {*it});
  b_.CreateRet(status);
  b_.SetInsertPoint(okBlock);
}

const BufferInfo *Emitter::lookupBuffer(const std::string &name) {
  auto it = buffers_.find(name);
  if (it == buffers_.end()) {
    fail("unknown buffer '" + name + "'");
    return nullptr;
  }
  return &it->second.back();
}

llvm::Value *Emitter::elementPointer(const BufferInfo &buffer, llvm::Value *index) {
  return b_.CreateInBoundsGEP(storageType(buffer.elemType), buffer.base, index);
}

// The largest power of two (up to 1024) known to divide the integer value of e. Used to
// prove vector loads and stores aligned: lowering emits indices like x_o * 16 + c.
int64_t Emitter::knownMultiple(const Expr &e) {
  constexpr int64_t kCap = 1024;
  if (const auto *imm = e.as<te::IntImm>()) {
    if (imm->value == 0) return kCap;
    return std::min<int64_t>(kCap, imm->value & -imm->value);
  }
  if (const auto *v = e.as<te::Variable>()) {
    auto it = multiples_.find(v->name);
    return it == multiples_.end() ? 1 : it->second.back();
  }
  if (const auto *add = e.as<te::Add>()) return std::min(knownMultiple(add->a), knownMultiple(add->b));
  if (const auto *sub = e.as<te::Sub>()) return std::min(knownMultiple(sub->a), knownMultiple(sub->b));
  if (const auto *mul = e.as<te::Mul>())
    return std::min(kCap, knownMultiple(mul->a) * knownMultiple(mul->b));
  if (const auto *let = e.as<te::Let>()) return knownMultiple(let->body);
  // Either operand's value (a tile shifted inward at the edge: min(x_o * 64, n - 64)).
  if (const auto *mn = e.as<te::Min>()) return std::min(knownMultiple(mn->a), knownMultiple(mn->b));
  if (const auto *mx = e.as<te::Max>()) return std::min(knownMultiple(mx->a), knownMultiple(mx->b));
  if (const auto *sel = e.as<te::Select>())
    return std::min(knownMultiple(sel->true_value), knownMultiple(sel->false_value));
  return 1;
}

llvm::MDNode *Emitter::newAliasScope(const std::string &bufferName) {
  llvm::MDBuilder md(ctx_);
  if (!aliasDomain_) aliasDomain_ = md.createAnonymousAliasScopeDomain(fn_->getName());
  return md.createAnonymousAliasScope(aliasDomain_, bufferName);
}

// Tags a load/store/gather/scatter of `buffer`: it is in the buffer's scope and does not
// alias any other buffer in scope (visited in name order, so the metadata is deterministic).
void Emitter::addAliasInfo(llvm::Instruction *access, const BufferInfo &buffer) {
  if (!buffer.scope) return;
  std::vector<llvm::Metadata *> others;
  for (const auto &[name, stack] : buffers_)
    if (stack.back().scope && stack.back().scope != buffer.scope) others.push_back(stack.back().scope);
  access->setMetadata(llvm::LLVMContext::MD_alias_scope, llvm::MDNode::get(ctx_, {buffer.scope}));
  if (!others.empty()) access->setMetadata(llvm::LLVMContext::MD_noalias, llvm::MDNode::get(ctx_, others));
}

llvm::Align Emitter::accessAlignment(const BufferInfo &buffer, const Expr &baseIndex, int lanes) {
  int64_t elemBytes = std::max<int64_t>(1, buffer.elemType.bits / 8);
  int64_t align = std::min(buffer.alignment, elemBytes * knownMultiple(baseIndex));
  align = std::min<int64_t>(align, elemBytes * static_cast<int64_t>(llvm::PowerOf2Ceil(lanes)));
  return llvm::Align(std::max(align, elemBytes));
}

// ---- expressions ------------------------------------------------------------------------------

void Emitter::visit(const te::IntImm *op) {
  value_ = llvm::ConstantInt::get(llvmType(op->type), static_cast<uint64_t>(op->value), op->type.is_int());
}

void Emitter::visit(const te::FloatImm *op) { value_ = llvm::ConstantFP::get(llvmType(op->type), op->value); }

void Emitter::visit(const te::Variable *op) {
  auto it = vars_.find(op->name);
  if (it == vars_.end()) {
    fail("unknown variable '" + op->name + "'");
    return;
  }
  value_ = it->second.back();
}

void Emitter::visit(const te::Cast *op) {
  te::Type from = op->value.type(), to = op->type;
  llvm::Value *v = codegen(op->value);
  llvm::Type *dst = llvmType(to);
  if (from == to) {
    value_ = v;
  } else if (to.is_bool()) {
    value_ = from.is_float() ? b_.CreateFCmpUNE(v, llvm::Constant::getNullValue(v->getType()))
                             : b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  } else if (from.is_bool()) {
    value_ = to.is_float() ? b_.CreateUIToFP(v, dst) : b_.CreateZExt(v, dst);
  } else if (from.is_float() && to.is_float()) {
    value_ = b_.CreateFPCast(v, dst);
  } else if (from.is_float()) {
    // Saturating, so that a value the type cannot hold is defined (plain fptosi gives poison).
    // Unsigned targets go through int64 and wrap, as the reference does (-1.0 -> 255 for u8).
    if (to.is_int()) {
      value_ = b_.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {dst, v->getType()}, {v});
    } else {
      llvm::Type *wide = llvmType(te::Int(64, to.lanes));
      value_ = b_.CreateTrunc(b_.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {wide, v->getType()}, {v}), dst);
    }
  } else if (to.is_float()) {
    auto convert = [&](llvm::Value *x, llvm::Type *t) {
      return from.is_int() ? b_.CreateSIToFP(x, t) : b_.CreateUIToFP(x, t);
    };
    if (from.bits == 64 && to.bits < 64 && to.lanes > 1 && codegen_.target().arch == Arch::AArch64) {
      // LLVM 19 lowers a vector of 64-bit integers to float on AArch64 through double
      // (scvtf .2d, then fcvtn): two roundings, so 2^60 + 2^36 + 1 becomes 2^60, not
      // 2^60 + 2^37. The scalar scvtf rounds once: lane by lane.
      value_ = llvm::PoisonValue::get(dst);
      for (int i = 0; i < to.lanes; ++i)
        value_ = b_.CreateInsertElement(value_, convert(b_.CreateExtractElement(v, (uint64_t)i), dst->getScalarType()),
                                        (uint64_t)i);
    } else {
      value_ = convert(v, dst);
    }
  } else if (from.is_int_or_uint() && to.is_int_or_uint()) {
    value_ = b_.CreateIntCast(v, dst, /*isSigned=*/from.is_int());
  } else {
    fail("unsupported cast from " + te::to_string(from) + " to " + te::to_string(to));
  }
}

// Signed integer arithmetic never overflows in the IR (IR.h), so it is marked nsw.
void Emitter::visit(const te::Add *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  if (op->type.is_float()) value_ = b_.CreateFAdd(a, b);
  else value_ = b_.CreateAdd(a, b, "", /*HasNUW=*/false, /*HasNSW=*/op->type.is_int());
}

void Emitter::visit(const te::Sub *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  if (op->type.is_float()) value_ = b_.CreateFSub(a, b);
  else value_ = b_.CreateSub(a, b, "", false, op->type.is_int());
}

void Emitter::visit(const te::Mul *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  if (op->type.is_float()) value_ = b_.CreateFMul(a, b);
  else value_ = b_.CreateMul(a, b, "", false, op->type.is_int());
}

// Integer division rounds toward negative infinity, modulo is Euclidean, and a zero divisor
// gives 0 (IR.h). Positive constant powers of two become shifts and masks. A signed divisor
// of -1 is taken out of sdiv/srem (INT_MIN / -1 traps on x86): the quotient is the wrapping
// negation and the remainder 0.
void Emitter::visit(const te::Div *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  te::Type t = op->type;
  if (t.is_float()) {
    value_ = b_.CreateFDiv(a, b);
    return;
  }
  const int64_t *constB = te::as_const_int(op->b);
  if (constB && *constB > 0 && llvm::isPowerOf2_64(*constB)) {
    llvm::Value *shift = llvm::ConstantInt::get(a->getType(), llvm::Log2_64(*constB));
    value_ = t.is_int() ? b_.CreateAShr(a, shift) : b_.CreateLShr(a, shift);
    return;
  }
  llvm::Value *zero = llvm::Constant::getNullValue(a->getType());
  if (t.is_int() && constB && *constB == -1) {
    value_ = b_.CreateSub(zero, a);
    return;
  }
  SafeDivisor d = safeDivisor(b, constB, t);
  llvm::Value *q;
  if (t.is_uint()) {
    q = b_.CreateUDiv(a, d.value);
  } else {
    // Truncating quotient, minus one when the remainder is non-zero and its sign differs
    // from the divisor's.
    q = b_.CreateSDiv(a, d.value);
    llvm::Value *r = b_.CreateSRem(a, d.value);
    llvm::Value *adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero),
                                       b_.CreateICmpNE(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(d.value, zero)));
    q = b_.CreateSub(q, b_.CreateZExt(adjust, a->getType()));
    if (d.isMinusOne)
      q = b_.CreateSelect(d.isMinusOne, b_.CreateSub(zero, a), q);
  }
  value_ = d.isZero ? b_.CreateSelect(d.isZero, zero, q) : q;
}

// The divisor with 0 (and, for signed types, -1) replaced by 1, plus the conditions to patch
// the result with; no condition where a constant divisor rules the case out.
Emitter::SafeDivisor Emitter::safeDivisor(llvm::Value *b, const int64_t *constB, te::Type t) {
  if (constB && *constB != 0 && (t.is_uint() || *constB != -1))
    return {b, nullptr, nullptr};
  llvm::Type *ty = b->getType();
  llvm::Value *isZero = b_.CreateICmpEQ(b, llvm::Constant::getNullValue(ty));
  llvm::Value *isMinusOne = t.is_int() ? b_.CreateICmpEQ(b, llvm::Constant::getAllOnesValue(ty)) : nullptr;
  llvm::Value *replace = isMinusOne ? b_.CreateOr(isZero, isMinusOne) : isZero;
  return {b_.CreateSelect(replace, llvm::ConstantInt::get(ty, 1), b), isZero, isMinusOne};
}

void Emitter::visit(const te::Mod *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  te::Type t = op->type;
  if (t.is_float()) { // a - b * floor(a / b)
    llvm::Value *fl = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(a, b));
    value_ = b_.CreateFSub(a, b_.CreateFMul(b, fl));
    return;
  }
  const int64_t *constB = te::as_const_int(op->b);
  if (constB && *constB > 0 && llvm::isPowerOf2_64(*constB)) {
    value_ = b_.CreateAnd(a, llvm::ConstantInt::get(a->getType(), *constB - 1));
    return;
  }
  llvm::Value *zero = llvm::Constant::getNullValue(a->getType());
  if (t.is_int() && constB && *constB == -1) {
    value_ = zero;
    return;
  }
  // x mod -1 is 0, which srem by the replacement 1 gives too.
  SafeDivisor d = safeDivisor(b, constB, t);
  llvm::Value *r;
  if (t.is_uint()) {
    r = b_.CreateURem(a, d.value);
  } else {
    r = b_.CreateSRem(a, d.value);
    llvm::Value *absB = b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, d.value, b_.getFalse());
    r = b_.CreateSelect(b_.CreateICmpSLT(r, zero), b_.CreateAdd(r, absB), r);
  }
  value_ = d.isZero ? b_.CreateSelect(d.isZero, zero, r) : r;
}

namespace {

/// True if `v` is a float constant (or a vector of them) without NaNs.
bool isNonNaNConstant(llvm::Value *v) {
  return llvm::isa<llvm::Constant>(v) && llvm::PatternMatch::match(v, llvm::PatternMatch::m_NonNaN());
}

/// NaN-propagating float min/max (numpy's minimum/maximum, the reference interpreter):
/// isnan(a) ? a : (a `ordered` b ? a : b), so NaN in b picks b. Against a constant b that is not
/// NaN, one unordered compare says the same, a `unordered` b ? a : b. It must: LLVM 19's
/// InstCombine folds the two selects over a = fabs(x) and b = 0 into x > 0 ? |x| : 0, which is
/// wrong for negative x (tools/fuzz-models found Abs -> Relu returning 0), while it folds the
/// single compare right.
llvm::Value *floatMinMax(llvm::IRBuilderBase &b, llvm::Value *x, llvm::Value *y, bool isMax) {
  if (isNonNaNConstant(y))
    return b.CreateSelect(isMax ? b.CreateFCmpUGT(x, y) : b.CreateFCmpULT(x, y), x, y);
  llvm::Value *ordered = isMax ? b.CreateFCmpOGT(x, y) : b.CreateFCmpOLT(x, y);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, b.CreateSelect(ordered, x, y));
}

} // namespace

// Float min/max are select(a < b, a, b) / select(a > b, a, b) where neither is NaN: this is
// exactly what x86 minps/maxps compute.
void Emitter::visit(const te::Min *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  te::Type t = op->type;
  if (t.is_float()) value_ = floatMinMax(b_, a, b, false);
  else if (t.is_int()) value_ = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a, b);
  else value_ = b_.CreateBinaryIntrinsic(llvm::Intrinsic::umin, a, b);
}

void Emitter::visit(const te::Max *op) {
  llvm::Value *a = codegen(op->a), *b = codegen(op->b);
  te::Type t = op->type;
  if (t.is_float()) value_ = floatMinMax(b_, a, b, true);
  else if (t.is_int()) value_ = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a, b);
  else value_ = b_.CreateBinaryIntrinsic(llvm::Intrinsic::umax, a, b);
}

void Emitter::compare(const Expr &a, const Expr &b, llvm::CmpInst::Predicate fp,
                      llvm::CmpInst::Predicate sp, llvm::CmpInst::Predicate up) {
  llvm::Value *va = codegen(a), *vb = codegen(b);
  te::Type t = a.type();
  if (t.is_float()) value_ = b_.CreateFCmp(fp, va, vb);
  else value_ = b_.CreateICmp(t.is_int() ? sp : up, va, vb);
}

using P = llvm::CmpInst::Predicate;
void Emitter::visit(const te::EQ *op) { compare(op->a, op->b, P::FCMP_OEQ, P::ICMP_EQ, P::ICMP_EQ); }
// NaN != anything is true.
void Emitter::visit(const te::NE *op) { compare(op->a, op->b, P::FCMP_UNE, P::ICMP_NE, P::ICMP_NE); }
void Emitter::visit(const te::LT *op) { compare(op->a, op->b, P::FCMP_OLT, P::ICMP_SLT, P::ICMP_ULT); }
void Emitter::visit(const te::LE *op) { compare(op->a, op->b, P::FCMP_OLE, P::ICMP_SLE, P::ICMP_ULE); }
void Emitter::visit(const te::GT *op) { compare(op->a, op->b, P::FCMP_OGT, P::ICMP_SGT, P::ICMP_UGT); }
void Emitter::visit(const te::GE *op) { compare(op->a, op->b, P::FCMP_OGE, P::ICMP_SGE, P::ICMP_UGE); }

void Emitter::visit(const te::And *op) { value_ = b_.CreateAnd(codegen(op->a), codegen(op->b)); }
void Emitter::visit(const te::Or *op) { value_ = b_.CreateOr(codegen(op->a), codegen(op->b)); }
void Emitter::visit(const te::Not *op) { value_ = b_.CreateNot(codegen(op->a)); }

void Emitter::visit(const te::Select *op) {
  // LLVM's select takes a scalar i1 condition with vector operands as IR.h allows.
  llvm::Value *c = codegen(op->condition);
  llvm::Value *t = codegen(op->true_value), *f = codegen(op->false_value);
  value_ = b_.CreateSelect(c, t, f);
}

void Emitter::visit(const te::Load *op) {
  const BufferInfo *buffer = lookupBuffer(op->name);
  if (!buffer) return;
  memorySinceBarrier_ = true;
  te::Type t = op->type;
  llvm::Type *memType = storageType(t);
  llvm::Value *loaded;
  const auto *ramp = op->index.as<te::Ramp>();
  const auto *bcast = op->index.as<te::Broadcast>();
  llvm::Instruction *access;
  if (t.is_scalar()) {
    llvm::Value *ptr = elementPointer(*buffer, codegen(op->index));
    loaded = access = b_.CreateAlignedLoad(memType, ptr, accessAlignment(*buffer, op->index, 1));
  } else if (ramp && te::is_one(ramp->stride)) {
    // A dense vector: one (possibly unaligned) vector load.
    llvm::Value *ptr = elementPointer(*buffer, codegen(ramp->base));
    loaded = access = b_.CreateAlignedLoad(memType, ptr, accessAlignment(*buffer, ramp->base, t.lanes));
  } else if (bcast) {
    // Every lane reads the same element: load it once and splat.
    llvm::Value *ptr = elementPointer(*buffer, codegen(bcast->value));
    access = b_.CreateAlignedLoad(storageType(t.element_of()), ptr, accessAlignment(*buffer, bcast->value, 1));
    loaded = splat(t.lanes, access);
  } else {
    llvm::Value *ptrs = elementPointer(*buffer, codegen(op->index));
    int64_t elemBytes = std::max(1, buffer->elemType.bits / 8);
    loaded = access = b_.CreateMaskedGather(memType, ptrs, llvm::Align(elemBytes));
  }
  addAliasInfo(access, *buffer);
  value_ = t.element_of().is_bool() ? b_.CreateTrunc(loaded, llvmType(t)) : loaded;
}

void Emitter::visit(const te::Ramp *op) {
  llvm::Value *base = codegen(op->base), *stride = codegen(op->stride);
  std::vector<llvm::Constant *> steps;
  for (int lane = 0; lane < op->lanes; ++lane)
    steps.push_back(op->base.type().is_float()
                        ? llvm::ConstantFP::get(base->getType(), lane)
                        : llvm::ConstantInt::get(base->getType(), lane));
  llvm::Value *laneIndex = llvm::ConstantVector::get(steps);
  llvm::Value *offsets = op->type.is_float()
                             ? b_.CreateFMul(splat(op->lanes, stride), laneIndex)
                             : b_.CreateMul(splat(op->lanes, stride), laneIndex, "", false, op->type.is_int());
  value_ = op->type.is_float() ? b_.CreateFAdd(splat(op->lanes, base), offsets)
                               : b_.CreateAdd(splat(op->lanes, base), offsets, "", false, op->type.is_int());
}

void Emitter::visit(const te::Broadcast *op) { value_ = splat(op->lanes, codegen(op->value)); }

void Emitter::visit(const te::Let *op) {
  llvm::Value *v = nameValue(codegen(op->value), op->name);
  push(vars_, op->name, v);
  bool isInt = op->value.type().is_int_or_uint() && op->value.type().is_scalar();
  if (isInt) push(multiples_, op->name, knownMultiple(op->value));
  value_ = codegen(op->body);
  if (isInt) pop(multiples_, op->name);
  pop(vars_, op->name);
}

void Emitter::visit(const te::Call *op) {
  if (op->call_type != te::CallType::Intrinsic) {
    fail("codegen needs storage-flattened IR, but found a call to Func '" + op->name + "'");
    return;
  }
  value_ = emitIntrinsic(op);
}

// Scalarized libm call for math LLVM has no intrinsic for (f64 tanh/erf, trigonometry).
llvm::Value *Emitter::perLaneLibmCall(const char *name, llvm::Value *x) {
  llvm::Type *scalar = x->getType()->getScalarType();
  llvm::Function *fn = declareRuntime(name, scalar, {scalar});
  fn->setDoesNotAccessMemory();
  auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(x->getType());
  if (!vt) return b_.CreateCall(fn, {x});
  llvm::Value *result = llvm::PoisonValue::get(vt);
  for (unsigned lane = 0; lane < vt->getNumElements(); ++lane)
    result = b_.CreateInsertElement(result, b_.CreateCall(fn, {b_.CreateExtractElement(x, lane)}), lane);
  return result;
}

// Exact wrapping base^exponent by square-and-multiply over every exponent bit (straight-line,
// so it vectorizes lane-wise). A negative exponent gives 1/base^|e| truncated toward zero:
// 1 for base 1, ±1 for base -1 by the exponent's parity, else 0.
llvm::Value *Emitter::integerPow(llvm::Value *base, llvm::Value *exponent) {
  llvm::Type *ty = base->getType();
  unsigned bits = ty->getScalarSizeInBits();
  llvm::Value *zero = llvm::Constant::getNullValue(ty), *one = llvm::ConstantInt::get(ty, 1);
  llvm::Value *result = one, *square = base;
  for (unsigned bit = 0; bit + 1 < bits; ++bit) {
    llvm::Value *set = b_.CreateICmpNE(b_.CreateAnd(exponent, llvm::ConstantInt::get(ty, uint64_t(1) << bit)), zero);
    result = b_.CreateSelect(set, b_.CreateMul(result, square), result);
    square = b_.CreateMul(square, square);
  }
  llvm::Value *minusOne = llvm::Constant::getAllOnesValue(ty);
  llvm::Value *odd = b_.CreateICmpNE(b_.CreateAnd(exponent, one), zero);
  llvm::Value *negative = b_.CreateSelect(b_.CreateICmpEQ(base, one), one,
                                          b_.CreateSelect(b_.CreateICmpEQ(base, minusOne),
                                                          b_.CreateSelect(odd, minusOne, one), zero));
  return b_.CreateSelect(b_.CreateICmpSLT(exponent, zero), negative, result);
}

llvm::Value *Emitter::emitIntrinsic(const te::Call *op) {
  std::vector<llvm::Value *> args;
  for (const Expr &arg : op->args) args.push_back(codegen(arg));
  te::Type t = op->type;
  const std::string &name = op->name;
  using llvm::Intrinsic::ID;
  auto unary = [&](ID id) { return b_.CreateUnaryIntrinsic(id, args[0]); };

  if (name == te::intrinsic::abs) {
    if (t.is_float()) return unary(llvm::Intrinsic::fabs);
    if (t.is_uint()) return args[0];
    return b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, args[0], b_.getFalse());
  }
  if (name == te::intrinsic::sqrt) return unary(llvm::Intrinsic::sqrt);
  if (name == te::intrinsic::floor) return unary(llvm::Intrinsic::floor);
  if (name == te::intrinsic::ceil) return unary(llvm::Intrinsic::ceil);
  if (name == te::intrinsic::round) return unary(llvm::Intrinsic::roundeven);
  if (name == te::intrinsic::pow)
    return t.is_float() ? b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, args[0], args[1])
                        : integerPow(args[0], args[1]);
  if (name == te::intrinsic::fmuladd)
    return b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {args[0]->getType()}, args);
  if (name == te::intrinsic::gpu_local_id || name == te::intrinsic::gpu_barrier) {
    if (!gpu()) {
      fail("intrinsic '" + name + "' in code for CPU target '" + codegen_.target().name + "'");
      return b_.getInt32(0);
    }
    if (name == te::intrinsic::gpu_local_id) return gpuLocalId();
    emitBarrier();
    return b_.getInt32(0);
  }

#define STRATA_LIBM_CALL(f)                                                                        \
  if (name == te::intrinsic::f) return perLaneLibmCall(t.bits == 32 ? #f "f" : #f, args[0]);
  STRATA_TE_FOR_EACH_LIBM_FUNCTION(STRATA_LIBM_CALL)
#undef STRATA_LIBM_CALL

  // exp/log/tanh/erf: inline polynomials for f32 (and f16 via f32); libm for f64.
  using MathFn = llvm::Value *(*)(llvm::IRBuilderBase &, llvm::Value *, const math::MathTarget &);
  MathFn f32 = nullptr;
  ID f64Intrinsic = llvm::Intrinsic::not_intrinsic;
  const char *f64Libm = nullptr;
  if (name == te::intrinsic::exp) f32 = math::emitExpF32, f64Intrinsic = llvm::Intrinsic::exp;
  else if (name == te::intrinsic::log) f32 = math::emitLogF32, f64Intrinsic = llvm::Intrinsic::log;
  else if (name == te::intrinsic::tanh) f32 = math::emitTanhF32, f64Libm = "tanh";
  else if (name == te::intrinsic::erf) f32 = math::emitErfF32, f64Libm = "erf";
  if (!f32) {
    fail("unsupported intrinsic '" + name + "'");
    return nullptr;
  }
  const targets::Target &target = codegen_.target();
  math::MathTarget mt;
  mt.avx512f = !gpu() && target.hasFeature("avx512f");
  mt.avx512vl = !gpu() && target.hasFeature("avx512vl");
  if (t.bits == 32) return f32(b_, args[0], mt);
  if (t.bits == 16) {
    llvm::Value *wide = b_.CreateFPExt(args[0], llvmType(te::Float(32, t.lanes)));
    return b_.CreateFPTrunc(f32(b_, wide, mt), args[0]->getType());
  }
  if (f64Intrinsic != llvm::Intrinsic::not_intrinsic) return unary(f64Intrinsic);
  return perLaneLibmCall(f64Libm, args[0]);
}

} // namespace strata::targets::detail
