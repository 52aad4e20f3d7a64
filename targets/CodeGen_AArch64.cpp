#include "targets/CodeGen_AArch64.h"

#include "llvm/IR/Function.h"

namespace strata::targets {

void CodeGen_AArch64::addTargetFunctionAttributes(llvm::Function &fn) const {
  // Leaf kernels need no frame pointer chains for unwinding through them; keeping x29
  // free gives the register allocator one more register in register-blocked micro-kernels.
  fn.addFnAttr("frame-pointer", "non-leaf");
}

} // namespace strata::targets
