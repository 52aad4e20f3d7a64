// Inline f32 implementations of exp, log, tanh and erf, emitted as LLVM IR.
//
// Why not call libm: LLVM lowers llvm.exp on a vector to one libm call per lane, which
// turns a vectorized loop back into scalar code. These are straight-line polynomials
// (Cephes-style range reduction) that work on float and <N x float> alike, so vector code
// stays vector code, and scalar and vector lanes give bit-identical results.
// Accuracy (checked against libm in test/unit/targets/CodeGenTest.cpp): about 2 ulp for
// exp/log/tanh, a few 1e-7 relative for erf. NaN, +-inf, 0 and denormal inputs are handled.
#ifndef STRATA_TARGETS_MATHFUNCTIONS_H
#define STRATA_TARGETS_MATHFUNCTIONS_H

#include "llvm/IR/IRBuilder.h"

namespace strata::targets::math {

/// Instructions of the target the functions use where they help: AVX-512's vscalefps applies
/// exp's 2^n in one instruction instead of nine (the same bits: both round y * 2^n once).
struct MathTarget {
  bool avx512f = false, avx512vl = false;
};

// Each takes and returns a float or a fixed vector of floats.
llvm::Value *emitExpF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t = {});
llvm::Value *emitLogF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t = {});
llvm::Value *emitTanhF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t = {});
llvm::Value *emitErfF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t = {});

} // namespace strata::targets::math

#endif
