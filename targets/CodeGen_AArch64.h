// AArch64 (NEON) specifics of code generation.
#ifndef STRATA_TARGETS_CODEGEN_AARCH64_H
#define STRATA_TARGETS_CODEGEN_AARCH64_H

#include "targets/CodeGen_LLVM.h"

namespace strata::targets {

class CodeGen_AArch64 : public CodeGen_LLVM {
public:
  explicit CodeGen_AArch64(Target target) : CodeGen_LLVM(std::move(target)) {}
  void addTargetFunctionAttributes(llvm::Function &fn) const override;
};

} // namespace strata::targets

#endif
