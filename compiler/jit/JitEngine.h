// The low-level JIT: compiles LLVM modules into this process with ORC's LLJIT and hands out
// function addresses. The model-level JIT API (include/strata/) sits on top of this.
//
// Each engine is independent (its own ExecutionSession and code memory), so a process may
// hold several; the code an engine compiled lives until the engine is destroyed. Compiled
// code can call the Strata runtime (strata_parallel_for, strata_aligned_alloc, ...), which
// is linked into this library and bound to the JIT as absolute symbols, plus anything the
// process has loaded (libc, libm).
#ifndef STRATA_COMPILER_JIT_JITENGINE_H
#define STRATA_COMPILER_JIT_JITENGINE_H

#include <memory>
#include <mutex>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/Support/Error.h"
#include "targets/Target.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
namespace orc {
class LLJIT;
}
} // namespace llvm

namespace strata::jit {

class JitEngine {
public:
  // Fails if code for `target` cannot run on this machine (wrong architecture or missing
  // CPU features: the message names them).
  static llvm::Expected<std::unique_ptr<JitEngine>> create(const targets::Target &target);
  ~JitEngine();
  JitEngine(const JitEngine &) = delete;
  JitEngine &operator=(const JitEngine &) = delete;

  // Adds a module (and takes its context). The module's triple and data layout are set to
  // the engine's; unless `optimize` is false it is verified and run through the O3 pipeline
  // first. Symbols must be unique across the modules of one engine.
  llvm::Error addModule(std::unique_ptr<llvm::Module> module,
                        std::unique_ptr<llvm::LLVMContext> context, bool optimize = true);
  llvm::Error addModule(llvm::orc::ThreadSafeModule module, bool optimize = true);

  // Adds a relocatable object compiled for this engine's target (targets::emitObject).
  llvm::Error addObject(std::vector<char> object);

  // The address of a function or global defined by an added module (compiling it now if
  // needed). Unknown names are an error naming the symbol.
  llvm::Expected<void *> lookup(llvm::StringRef name);

  template <typename Fn> llvm::Expected<Fn *> lookupFunction(llvm::StringRef name) {
    auto address = lookup(name);
    if (!address) return address.takeError();
    return reinterpret_cast<Fn *>(*address);
  }

  const targets::Target &target() const { return target_; }

private:
  JitEngine(targets::Target target, std::unique_ptr<llvm::orc::LLJIT> jit,
            std::unique_ptr<llvm::TargetMachine> tm);

  targets::Target target_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  // Used only to run the IR optimization pipeline; guarded because a TargetMachine is not
  // meant to be used by two pass pipelines at once.
  std::unique_ptr<llvm::TargetMachine> tm_;
  std::mutex optimizeMutex_;
};

} // namespace strata::jit

#endif
