#include "targets/CodeGen_LLVM.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "targets/CodeGen_AArch64.h"
#include "targets/CodeGen_Emitter.h"
#include "targets/CodeGen_NVPTX.h"
#include "targets/CodeGen_X86.h"
#include "targets/Emit.h"

namespace strata::targets {

CodeGen_LLVM::CodeGen_LLVM(Target target) : target_(std::move(target)) {}
CodeGen_LLVM::~CodeGen_LLVM() = default;

void CodeGen_LLVM::addTargetFunctionAttributes(llvm::Function &) const {}

std::unique_ptr<CodeGen_LLVM> CodeGen_LLVM::create(const Target &target) {
  switch (target.arch) {
  case Arch::X86_64: return std::make_unique<CodeGen_X86>(target);
  case Arch::AArch64: return std::make_unique<CodeGen_AArch64>(target);
  case Arch::NVPTX64: return std::make_unique<CodeGen_NVPTX>(target);
  }
  return nullptr;
}

llvm::Expected<std::unique_ptr<llvm::Module>> CodeGen_LLVM::compile(llvm::ArrayRef<te::LoweredFunc> funcs,
                                                                    llvm::StringRef moduleName,
                                                                    llvm::LLVMContext &context) const {
  auto tm = target_.createTargetMachine();
  if (!tm) return tm.takeError();
  auto module = std::make_unique<llvm::Module>(moduleName, context);
  configureModule(*module, **tm);
  detail::Emitter emitter(*this, *module);
  for (const te::LoweredFunc &func : funcs)
    if (llvm::Error err = emitter.emitFunction(func)) return std::move(err);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os))
    return llvm::createStringError("codegen produced invalid LLVM IR (a Strata bug): " + os.str());
  return std::move(module);
}

} // namespace strata::targets
