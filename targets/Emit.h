// From an LLVM module to what users ask for: optimized IR, assembly, or an object file.
//
// Every entry point is deterministic: the same module and target give byte-identical
// output (no timestamps, no pointer-ordered iteration, fixed pass pipeline).
#ifndef STRATA_TARGETS_EMIT_H
#define STRATA_TARGETS_EMIT_H

#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "targets/Target.h"

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace strata::targets {

// Sets the module's triple and data layout to the machine's. Codegen does this when it
// creates a module; hand-built modules (tests, tools) call it before optimizing.
void configureModule(llvm::Module &module, const llvm::TargetMachine &tm);

// Verifies the module (a broken module is an error, not a crash) and runs LLVM's O3
// pipeline (new pass manager) tuned for `tm`, without LLVM's vectorizers and unrollers (the
// schedule already decided those).
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &tm);

// Optimizes (unless `optimize` is false) and emits a relocatable ELF object.
llvm::Expected<std::vector<char>> emitObject(llvm::Module &module, const Target &target,
                                             bool optimize = true);

// emitObject for several modules at once, on every core (llvm::parallelFor); the objects
// come back in the modules' order, so the output does not depend on the thread count. Each
// module must own its LLVMContext (contexts are not thread-safe). The first module's error wins.
llvm::Expected<std::vector<std::vector<char>>> emitObjects(const std::vector<llvm::Module *> &modules,
                                                           const Target &target);

// Same, but textual assembly (`--emit=asm`).
llvm::Expected<std::string> emitAssembly(llvm::Module &module, const Target &target,
                                         bool optimize = true);

// The module as textual LLVM IR (`--emit=llvm`).
std::string printModule(const llvm::Module &module);

} // namespace strata::targets

#endif
