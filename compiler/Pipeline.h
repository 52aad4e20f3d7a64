//===- Pipeline.h - the whole compiler, stage by stage --------------------===//
#pragma once

#include "compiler/ModelCodegen.h"
#include "compiler/frontends/GraphBuilder.h"
#include "targets/Target.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace strata {

/// Where to stop and print (--emit).
enum class EmitStage { None, Graph, TE, Loops, LLVM, Asm };

/// Parses "graph", "te", "loops", "llvm" or "asm".
llvm::Expected<EmitStage> parseEmitStage(llvm::StringRef name);

struct PipelineOptions {
  targets::Target target;
  frontend::ImportOptions import;
  /// Prefix of every exported symbol (NAME_run, ...); a C identifier.
  std::string name = "model";
  EmitStage emit = EmitStage::None;
  llvm::raw_ostream *emitStream = nullptr;
  /// Prints each stage's wall time to stderr.
  bool timings = false;
};

/// The result of compilation: an LLVM module holding the kernels and the
/// model functions (NAME_run, NAME_num_inputs, ...), not yet optimized.
struct CompiledModel {
  std::unique_ptr<llvm::LLVMContext> llvmContext;
  std::unique_ptr<llvm::Module> module; // null when the pipeline stopped at --emit
  ModelSignature signature;
  int64_t workspaceBytes = 0;
  int64_t intermediateBytes = 0; // MemoryPlan::intermediateBytes
};

llvm::Expected<CompiledModel> compileModel(const std::string &modelPath, const PipelineOptions &options);

/// Checks that a name can prefix C symbols.
llvm::Error checkSymbolName(const std::string &name);

} // namespace strata
