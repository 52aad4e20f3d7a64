// x86-64 specifics of code generation (SSE2 / AVX2 / AVX-512 feature sets).
#ifndef STRATA_TARGETS_CODEGEN_X86_H
#define STRATA_TARGETS_CODEGEN_X86_H

#include "targets/CodeGen_LLVM.h"

namespace strata::targets {

class CodeGen_X86 : public CodeGen_LLVM {
public:
  explicit CodeGen_X86(Target target) : CodeGen_LLVM(std::move(target)) {}
  void addTargetFunctionAttributes(llvm::Function &fn) const override;
};

} // namespace strata::targets

#endif
