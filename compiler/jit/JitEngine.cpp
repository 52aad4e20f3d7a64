#include "compiler/jit/JitEngine.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Target/TargetMachine.h"
#include "runtime/strata_runtime.h"
#include "targets/Emit.h"

namespace strata::jit {

namespace {

// The runtime functions compiled code may call. Binding them by address (rather than
// relying on the process's dynamic symbol table) works whether or not the executable
// exports its symbols, and whichever copy of the (weak) runtime the linker kept.
llvm::orc::SymbolMap runtimeSymbols(llvm::orc::LLJIT &jit) {
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, auto *function) {
    symbols[jit.mangleAndIntern(name)] = {
        llvm::orc::ExecutorAddr::fromPtr(reinterpret_cast<void *>(function)),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  };
  add("strata_status_string", &strata_status_string);
  add("strata_last_error", &strata_last_error);
  add("strata_set_error", &strata_set_error);
  add("strata_clear_error", &strata_clear_error);
  add("strata_check_run_args", &strata_check_run_args);
  add("strata_aligned_alloc", &strata_aligned_alloc);
  add("strata_aligned_free", &strata_aligned_free);
  add("strata_parallel_for", &strata_parallel_for);
  add("strata_set_num_threads", &strata_set_num_threads);
  add("strata_profile_now", &strata_profile_now);
  add("strata_profile_add", &strata_profile_add);
  add("strata_profile_reset", &strata_profile_reset);
  add("strata_profile_print", &strata_profile_print);
  add("strata_get_num_threads", &strata_get_num_threads);
  add("strata_cl_run", &strata_cl_run);
  add("strata_cuda_run", &strata_cuda_run);
  add("strata_cl_run_device", &strata_cl_run_device);
  add("strata_cuda_run_device", &strata_cuda_run_device);
  add("strata_cl_context", &strata_cl_context);
  add("strata_cuda_context", &strata_cuda_context);
  add("strata_cl_release", &strata_cl_release);
  add("strata_cuda_release", &strata_cuda_release);
  return symbols;
}

} // namespace

JitEngine::JitEngine(targets::Target target, std::unique_ptr<llvm::orc::LLJIT> jit,
                     std::unique_ptr<llvm::TargetMachine> tm)
    : target_(std::move(target)), jit_(std::move(jit)), tm_(std::move(tm)) {}

JitEngine::~JitEngine() = default;

llvm::Expected<std::unique_ptr<JitEngine>> JitEngine::create(const targets::Target &target) {
  if (llvm::Error err = target.checkRunsOnHost()) return std::move(err);
  targets::initializeLLVMTargets();

  llvm::orc::JITTargetMachineBuilder builder{llvm::Triple(target.triple)};
  builder.setCPU(target.cpu);
  llvm::SmallVector<llvm::StringRef, 64> features;
  llvm::StringRef(target.features).split(features, ',', -1, /*KeepEmpty=*/false);
  builder.addFeatures(std::vector<std::string>(features.begin(), features.end()));
  builder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  builder.setRelocationModel(llvm::Reloc::PIC_);

  auto tm = builder.createTargetMachine();
  if (!tm) return tm.takeError();
  // LinkProcessSymbolsByDefault (the default) makes libc/libm visible to compiled code.
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(builder).create();
  if (!jit) return jit.takeError();
  if (llvm::Error err =
          (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(runtimeSymbols(**jit))))
    return std::move(err);
  return std::unique_ptr<JitEngine>(
      new JitEngine(target, std::move(*jit), std::move(*tm)));
}

llvm::Error JitEngine::addModule(std::unique_ptr<llvm::Module> module,
                                 std::unique_ptr<llvm::LLVMContext> context, bool optimize) {
  // On every early return the module must die before its context; the order in which
  // parameters are destroyed is up to the compiler, so hand ownership to one object first.
  llvm::orc::ThreadSafeModule owned(std::move(module), std::move(context));
  return addModule(std::move(owned), optimize);
}

llvm::Error JitEngine::addModule(llvm::orc::ThreadSafeModule owned, bool optimize) {
  llvm::Module *module = owned.getModuleUnlocked();
  if (!module || !owned.getContext().getContext()) return llvm::createStringError("JitEngine::addModule: null module");
  if (&module->getContext() != owned.getContext().getContext())
    return llvm::createStringError("JitEngine::addModule: module '" + module->getName().str() +
                                   "' does not belong to the given context");
  module->setTargetTriple(jit_->getTargetTriple().str());
  module->setDataLayout(jit_->getDataLayout());
  if (optimize) {
    std::lock_guard<std::mutex> lock(optimizeMutex_);
    if (llvm::Error err = targets::optimizeModule(*module, *tm_)) return err;
  }
  return jit_->addIRModule(std::move(owned));
}

llvm::Error JitEngine::addObject(std::vector<char> object) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()),
                                                     "strata-object");
  return jit_->addObjectFile(std::move(buffer));
}

llvm::Expected<void *> JitEngine::lookup(llvm::StringRef name) {
  auto address = jit_->lookup(name);
  if (!address) {
    // ORC's message ("Symbols not found: [ _foo ]") is accurate but cryptic for users.
    std::string detail = llvm::toString(address.takeError());
    return llvm::createStringError("JIT: no symbol '" + name.str() + "' (" + detail + ")");
  }
  return address->toPtr<void *>();
}

} // namespace strata::jit
