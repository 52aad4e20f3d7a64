//===- CodeGen_NVPTX.cpp --------------------------------------------------===//
#include "targets/CodeGen_NVPTX.h"

#include "targets/Emit.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdlib>
#include <set>

namespace strata::targets {

namespace {

/// Declarations the NVPTX backend cannot select, redirected to libdevice's __nv_ functions.
/// Returns whether the module now calls libdevice.
bool redirectToLibdevice(llvm::Module &m) {
  static const std::set<std::string> libm = {
      "sin",  "cos",  "tan",  "asin",  "acos",  "atan",  "sinh",  "cosh",  "asinh",  "acosh",
      "atanh", "tanh", "erf", "sinf", "cosf", "tanf", "asinf", "acosf", "atanf", "sinhf",
      "coshf", "asinhf", "acoshf", "atanhf", "tanhf", "erff"};
  std::vector<llvm::Function *> declarations;
  for (llvm::Function &f : m)
    if (f.isDeclaration())
      declarations.push_back(&f);
  bool any = false;
  for (llvm::Function *f : declarations) {
    std::string to;
    bool f32 = f->getReturnType()->isFloatTy();
    switch (f->getIntrinsicID()) {
    case llvm::Intrinsic::pow: to = f32 ? "__nv_powf" : "__nv_pow"; break;
    case llvm::Intrinsic::exp: to = f32 ? "__nv_expf" : "__nv_exp"; break;
    case llvm::Intrinsic::log: to = f32 ? "__nv_logf" : "__nv_log"; break;
    case llvm::Intrinsic::not_intrinsic:
      if (libm.count(f->getName().str()))
        to = "__nv_" + f->getName().str();
      break;
    default: break;
    }
    if (to.empty() || f->getReturnType()->isVectorTy())
      continue;
    llvm::FunctionCallee nv = m.getOrInsertFunction(to, f->getFunctionType());
    f->replaceAllUsesWith(nv.getCallee());
    f->eraseFromParent();
    any = true;
  }
  return any;
}

llvm::Error linkLibdevice(llvm::Module &m) {
  std::string path = findLibdevice();
  if (path.empty())
    return llvm::createStringError(
        "the kernels call CUDA's libdevice (pow, f64 exp/log, trigonometry), which was not "
        "found: install the CUDA toolkit, or set CUDA_HOME or STRATA_LIBDEVICE");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError("cannot read libdevice '" + path + "': " + buffer.getError().message());
  auto lib = llvm::parseBitcodeFile((*buffer)->getMemBufferRef(), m.getContext());
  if (!lib)
    return llvm::createStringError("cannot read libdevice '" + path + "': " +
                                   llvm::toString(lib.takeError()));
  (*lib)->setTargetTriple(m.getTargetTriple());
  (*lib)->setDataLayout(m.getDataLayout());
  std::set<std::string> kernels;
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      kernels.insert(f.getName().str());
  if (llvm::Linker::linkModules(m, std::move(*lib), llvm::Linker::Flags::LinkOnlyNeeded))
    return llvm::createStringError("cannot link libdevice '" + path + "'");
  // Only the kernels are entry points; libdevice's functions inline into them.
  for (llvm::Function &f : m)
    if (!f.isDeclaration() && !kernels.count(f.getName().str()))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  // libdevice asks __nvvm_reflect whether to flush denormals: it must not (IEEE floats).
  m.addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", uint32_t(0));
  return llvm::Error::success();
}

} // namespace

std::string findLibdevice() {
  std::vector<std::string> candidates;
  if (const char *p = std::getenv("STRATA_LIBDEVICE"))
    candidates.push_back(p);
  if (const char *home = std::getenv("CUDA_HOME"))
    candidates.push_back(std::string(home) + "/nvvm/libdevice/libdevice.10.bc");
  candidates.push_back("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc");
  candidates.push_back("/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc");
  for (const std::string &c : candidates)
    if (llvm::sys::fs::exists(c))
      return c;
  return "";
}

llvm::Expected<std::string> emitPTX(const std::vector<te::LoweredFunc> &kernels,
                                    const Target &target) {
  Target device = target.cudaKernelTarget();
  llvm::LLVMContext context;
  CodeGen_NVPTX codegen(device);
  auto module = codegen.compile(kernels, target.name + "_kernels", context);
  if (!module)
    return module.takeError();
  if (redirectToLibdevice(**module))
    if (llvm::Error err = linkLibdevice(**module))
      return std::move(err);
  return emitAssembly(**module, device);
}

} // namespace strata::targets
