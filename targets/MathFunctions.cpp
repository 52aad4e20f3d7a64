#include "targets/MathFunctions.h"

#include <cmath>
#include <initializer_list>
#include <limits>

#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/IntrinsicsX86.h"

namespace strata::targets::math {

namespace {

// Helpers that build constants of the shape of `x` (scalar or vector).
llvm::Constant *f(llvm::Value *x, double v) { return llvm::ConstantFP::get(x->getType(), v); }

llvm::Type *intTypeLike(llvm::Value *x) {
  llvm::Type *i32 = llvm::Type::getInt32Ty(x->getContext());
  if (auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(x->getType()))
    return llvm::FixedVectorType::get(i32, vt->getNumElements());
  return i32;
}

llvm::Constant *i(llvm::Value *x, int64_t v) { return llvm::ConstantInt::get(intTypeLike(x), v); }

// Horner evaluation: ((c0 * t + c1) * t + c2) ... with plain (uncontracted) mul/add, so
// results do not depend on whether the target has FMA.
llvm::Value *horner(llvm::IRBuilderBase &b, llvm::Value *t, std::initializer_list<double> coeffs) {
  auto it = coeffs.begin();
  llvm::Value *acc = f(t, *it++);
  for (; it != coeffs.end(); ++it) acc = b.CreateFAdd(b.CreateFMul(acc, t), f(t, *it));
  return acc;
}

llvm::Value *isNaN(llvm::IRBuilderBase &b, llvm::Value *x) { return b.CreateFCmpUNO(x, x); }

// Rounds to the nearest integer (ties to even) without SSE4.1/roundps: adding and
// subtracting 1.5 * 2^23 pushes the fraction bits out. Valid for |v| < 2^22; callers clamp.
llvm::Value *roundToInt(llvm::IRBuilderBase &b, llvm::Value *v) {
  llvm::Value *magic = f(v, 12582912.0);
  return b.CreateFSub(b.CreateFAdd(v, magic), magic);
}

// 2^n for integer n in [-126, 127], as a float built from its exponent bits.
llvm::Value *pow2(llvm::IRBuilderBase &b, llvm::Value *xLike, llvm::Value *n) {
  llvm::Value *bits = b.CreateShl(b.CreateAdd(n, i(xLike, 127)), i(xLike, 23));
  return b.CreateBitCast(bits, xLike->getType());
}

// y * 2^n for a float n with AVX-512's vscalefps (rounded once, overflow to inf, underflow
// through denormals), or null where the target or the vector width has none.
llvm::Value *scalef(llvm::IRBuilderBase &b, llvm::Value *y, llvm::Value *n, const MathTarget &t) {
  auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(y->getType());
  if (!vt || !t.avx512f)
    return nullptr;
  unsigned lanes = vt->getNumElements();
  llvm::Intrinsic::ID id = lanes == 16                 ? llvm::Intrinsic::x86_avx512_mask_scalef_ps_512
                           : lanes == 8 && t.avx512vl ? llvm::Intrinsic::x86_avx512_mask_scalef_ps_256
                           : lanes == 4 && t.avx512vl ? llvm::Intrinsic::x86_avx512_mask_scalef_ps_128
                                                      : llvm::Intrinsic::not_intrinsic;
  if (id == llvm::Intrinsic::not_intrinsic)
    return nullptr;
  std::vector<llvm::Value *> args{y, n, llvm::UndefValue::get(vt)};
  args.push_back(lanes == 16 ? b.getInt16(0xffff) : b.getInt8(lanes == 8 ? 0xff : 0x0f));
  if (lanes == 16)
    args.push_back(b.getInt32(4)); // the current rounding mode
  return b.CreateIntrinsic(id, {}, args);
}

} // namespace

llvm::Value *emitExpF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n ln2 in [-ln2/2, ln2/2].
  // Clamping to [-104, 89] keeps n in [-150, 129]; 2^n is applied as two halves so the
  // result overflows to inf or underflows through denormals to 0 like libm does.
  llvm::Value *xc = b.CreateSelect(b.CreateFCmpOGT(x, f(x, 89.0)), f(x, 89.0), x);
  xc = b.CreateSelect(b.CreateFCmpOLT(xc, f(x, -104.0)), f(x, -104.0), xc);
  llvm::Value *n = roundToInt(b, b.CreateFMul(xc, f(x, 1.44269504088896341)));
  // ln2 split in two (Cody-Waite) so n * ln2_hi is exact.
  llvm::Value *r = b.CreateFSub(xc, b.CreateFMul(n, f(x, 0.693359375)));
  r = b.CreateFSub(r, b.CreateFMul(n, f(x, -2.12194440e-4)));
  llvm::Value *p = horner(b, r, {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3,
                                 4.1665795894E-2, 1.6666665459E-1, 5.0000001201E-1});
  llvm::Value *y = b.CreateFAdd(b.CreateFAdd(b.CreateFMul(p, b.CreateFMul(r, r)), r), f(x, 1.0));
  // A NaN passes the clamps (each keeps x where its compare is false) and every operation
  // after them, so it comes out NaN without a select of its own.
  if (llvm::Value *scaled = scalef(b, y, n, t))
    return scaled;
  llvm::Value *ni = b.CreateFPToSI(n, intTypeLike(x));
  llvm::Value *n1 = b.CreateAShr(ni, i(x, 1));
  llvm::Value *n2 = b.CreateSub(ni, n1);
  return b.CreateFMul(b.CreateFMul(y, pow2(b, x, n1)), pow2(b, x, n2));
}

llvm::Value *emitLogF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(x) = log1p(m - 1) + e ln2.
  // Denormals are scaled by 2^23 first so the exponent field is meaningful.
  llvm::Value *denormal = b.CreateFCmpOLT(x, f(x, std::numeric_limits<float>::min()));
  llvm::Value *xs = b.CreateSelect(denormal, b.CreateFMul(x, f(x, 8388608.0)), x);
  llvm::Value *bits = b.CreateBitCast(xs, intTypeLike(x));
  llvm::Value *e = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, i(x, 23)), i(x, 0xff)), i(x, 126));
  e = b.CreateSub(e, b.CreateSelect(denormal, i(x, 23), i(x, 0)));
  llvm::Value *m = b.CreateBitCast(b.CreateOr(b.CreateAnd(bits, i(x, 0x007fffff)), i(x, 0x3f000000)),
                                   x->getType()); // in [0.5, 1)
  llvm::Value *small = b.CreateFCmpOLT(m, f(x, 0.707106781186547524));
  e = b.CreateSub(e, b.CreateZExt(small, intTypeLike(x)));
  m = b.CreateSelect(small, b.CreateFSub(b.CreateFAdd(m, m), f(x, 1.0)), b.CreateFSub(m, f(x, 1.0)));
  llvm::Value *z = b.CreateFMul(m, m);
  llvm::Value *p = horner(b, m, {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                                 -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                                 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1});
  llvm::Value *y = b.CreateFMul(b.CreateFMul(p, m), z);
  llvm::Value *fe = b.CreateSIToFP(e, x->getType());
  y = b.CreateFAdd(y, b.CreateFMul(fe, f(x, -2.12194440e-4)));
  y = b.CreateFSub(y, b.CreateFMul(z, f(x, 0.5)));
  llvm::Value *result = b.CreateFAdd(b.CreateFAdd(m, y), b.CreateFMul(fe, f(x, 0.693359375)));
  // Special values, in increasing priority.
  const double inf = std::numeric_limits<double>::infinity();
  result = b.CreateSelect(b.CreateFCmpOLT(x, f(x, 0.0)), f(x, std::nan("")), result);
  result = b.CreateSelect(b.CreateFCmpOEQ(x, f(x, 0.0)), f(x, -inf), result);
  result = b.CreateSelect(b.CreateFCmpOEQ(x, f(x, inf)), f(x, inf), result);
  return b.CreateSelect(isNaN(b, x), x, result);
}

llvm::Value *emitTanhF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &t) {
  // Small |x|: odd polynomial (no cancellation near 0). Otherwise 1 - 2 / (exp(2|x|) + 1),
  // which saturates to 1 for large |x| because exp overflows to inf.
  llvm::Value *ax = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  llvm::Value *z = b.CreateFMul(x, x);
  llvm::Value *p = horner(b, z, {-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2,
                                 1.33314422036E-1, -3.33332819422E-1});
  llvm::Value *small = b.CreateFAdd(b.CreateFMul(b.CreateFMul(p, z), x), x);
  llvm::Value *e = emitExpF32(b, b.CreateFAdd(ax, ax), t);
  llvm::Value *large = b.CreateFSub(f(x, 1.0), b.CreateFDiv(f(x, 2.0), b.CreateFAdd(e, f(x, 1.0))));
  large = b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, large, x);
  return b.CreateSelect(b.CreateFCmpOLT(ax, f(x, 0.625)), small, large);
}

llvm::Value *emitErfF32(llvm::IRBuilderBase &b, llvm::Value *x, const MathTarget &target) {
  // |x| < 1: Cephes' odd polynomial, accurate in relative terms near 0.
  // |x| >= 1: Abramowitz & Stegun 7.1.26, 1 - t P(t) exp(-x^2) with t = 1 / (1 + p|x|),
  // absolute error 1.5e-7, which is relative error < 2e-7 since erf(1) > 0.84.
  llvm::Value *ax = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  llvm::Value *z = b.CreateFMul(x, x);
  llvm::Value *p = horner(b, z, {7.853861353153693E-5, -8.010193625184903E-4, 5.188327685732524E-3,
                                 -2.685381193529856E-2, 1.128358514861418E-1,
                                 -3.761262582423300E-1, 1.128379165726710E0});
  llvm::Value *small = b.CreateFMul(x, p);
  llvm::Value *t = b.CreateFDiv(f(x, 1.0), b.CreateFAdd(f(x, 1.0), b.CreateFMul(ax, f(x, 0.3275911))));
  llvm::Value *q = b.CreateFMul(horner(b, t, {1.061405429, -1.453152027, 1.421413741, -0.284496736,
                                              0.254829592}),
                                t);
  llvm::Value *large = b.CreateFSub(f(x, 1.0), b.CreateFMul(q, emitExpF32(b, b.CreateFNeg(z), target)));
  large = b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, large, x);
  return b.CreateSelect(b.CreateFCmpOLT(ax, f(x, 1.0)), small, large);
}

} // namespace strata::targets::math
