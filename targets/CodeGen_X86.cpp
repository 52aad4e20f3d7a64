#include "targets/CodeGen_X86.h"

#include "llvm/IR/Function.h"

namespace strata::targets {

void CodeGen_X86::addTargetFunctionAttributes(llvm::Function &fn) const {
  // LLVM's tuning for most AVX-512 CPUs prefers 256-bit vectors and would split our
  // explicit <16 x float> operations into two ymm halves. Schedules that chose 16 lanes
  // mean zmm registers, so say so (this is what clang does for 512-bit intrinsics).
  if (target().hasFeature("avx512f")) {
    fn.addFnAttr("prefer-vector-width", "512");
    fn.addFnAttr("min-legal-vector-width", "512");
  }
}

} // namespace strata::targets
