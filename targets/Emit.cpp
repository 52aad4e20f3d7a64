#include "targets/Emit.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace strata::targets {

void configureModule(llvm::Module &module, const llvm::TargetMachine &tm) {
  module.setTargetTriple(tm.getTargetTriple().str());
  module.setDataLayout(tm.createDataLayout());
}

llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &tm) {
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(module, &os))
    return llvm::createStringError("invalid LLVM module '" + module.getName().str() +
                                   "': " + os.str());

  // Vectorization and unrolling are decided by the schedule and already explicit in the IR.
  // LLVM's own loop vectorizer and full unroller only re-analyzed and blew up the scalar loop
  // nests: compiling the cls model took 47 s with them and 0.9 s without.
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = false;
  tuning.SLPVectorization = false;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder builder(&tm, tuning);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(module, mam);
  return llvm::Error::success();
}

namespace {

// Runs the (legacy, as LLVM 19 requires for codegen) backend pipeline into `out`.
llvm::Error emit(llvm::Module &module, const Target &target, bool optimize,
                 llvm::CodeGenFileType kind, llvm::raw_pwrite_stream &out) {
  auto tm = target.createTargetMachine();
  if (!tm) return tm.takeError();
  if (module.getTargetTriple() != (*tm)->getTargetTriple().str())
    return llvm::createStringError("module '" + module.getName().str() + "' was built for '" +
                                   module.getTargetTriple() + "', not for target '" +
                                   target.name + "' (" + target.triple + ")");
  module.setDataLayout((*tm)->createDataLayout());
  if (optimize) {
    if (llvm::Error err = optimizeModule(module, **tm)) return err;
  } else {
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyModule(module, &os))
      return llvm::createStringError("invalid LLVM module: " + os.str());
  }
  llvm::legacy::PassManager passes;
  if ((*tm)->addPassesToEmitFile(passes, out, nullptr, kind))
    return llvm::createStringError("target '" + target.name + "' cannot emit this file type");
  passes.run(module);
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<char>> emitObject(llvm::Module &module, const Target &target,
                                             bool optimize) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream out(buffer);
  if (llvm::Error err = emit(module, target, optimize, llvm::CodeGenFileType::ObjectFile, out))
    return std::move(err);
  return std::vector<char>(buffer.begin(), buffer.end());
}

llvm::Expected<std::vector<std::vector<char>>> emitObjects(const std::vector<llvm::Module *> &modules,
                                                           const Target &target) {
  std::vector<std::vector<char>> objects(modules.size());
  std::vector<std::string> errors(modules.size());
  llvm::parallelFor(0, modules.size(), [&](size_t i) {
    auto object = emitObject(*modules[i], target);
    if (object)
      objects[i] = std::move(*object);
    else
      errors[i] = llvm::toString(object.takeError());
  });
  for (const std::string &e : errors)
    if (!e.empty())
      return llvm::createStringError(e);
  return objects;
}

llvm::Expected<std::string> emitAssembly(llvm::Module &module, const Target &target,
                                         bool optimize) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream out(buffer);
  if (llvm::Error err = emit(module, target, optimize, llvm::CodeGenFileType::AssemblyFile, out))
    return std::move(err);
  return std::string(buffer.begin(), buffer.end());
}

std::string printModule(const llvm::Module &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return os.str();
}

} // namespace strata::targets
