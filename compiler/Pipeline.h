//===- Pipeline.h - the whole compiler, stage by stage --------------------===//
#pragma once

#include "compiler/KernelInfo.h"
#include "compiler/ModelCodegen.h"
#include "compiler/frontends/GraphBuilder.h"
#include "compiler/tuning/CostModel.h"
#include "compiler/tuning/TuningLog.h"
#include "targets/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace strata {

/// Where to stop and print (--emit).
enum class EmitStage { None, Graph, Schedules, TE, Loops, LLVM, Asm, OpenCL, PTX };

/// Parses "graph", "schedules", "te", "loops", "llvm", "asm", "opencl" or "ptx".
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
  /// Times every kernel call (NAME_profile_* functions; see ModelCodegen.h).
  bool profile = false;
  /// Tuned schedules: each kernel takes the best record for its workload on `target`
  /// (measured with `tuningThreads` where the log has such records); null for defaults.
  std::shared_ptr<const tuning::TuningDatabase> tuning;
  int tuningThreads = 1;
  /// Kernels without a tuning record take the schedule this model ranks best (--auto-schedule).
  std::shared_ptr<const tuning::CostModel> autoSchedule;
};

/// An LLVM module with the context it lives in (one context per module, so that modules can
/// be optimized and compiled on separate threads).
struct CodeModule {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
};

/// The result of compilation, not yet optimized: the model module (NAME_run, NAME_num_inputs,
/// ..., the weights) and the kernels split by size into up to kKernelModules modules, which
/// emitObjects compiles in parallel. Empty when the pipeline stopped at --emit.
struct CompiledModel {
  std::vector<CodeModule> modules; // the model module first
  ModelSignature signature;
  int64_t workspaceBytes = 0;
  /// Bytes of all intermediate tensors, as if none shared memory (the arena's upper bound).
  int64_t intermediateBytes = 0;
  std::vector<KernelInfo> kernels; // in run order
};

llvm::Expected<CompiledModel> compileModel(const std::string &modelPath, const PipelineOptions &options);

/// Stages 1 and 2 of compileModel: the model imported into `ctx` and optimized (fused into
/// kernels, each with its default schedule); its function is "main".
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> optimizeGraph(const std::string &modelPath,
                                                                const PipelineOptions &options,
                                                                mlir::MLIRContext &ctx);

/// How many modules a model's kernels are split into. Fixed, not the core count, so that the
/// objects (and an AOT library) are the same on every machine.
constexpr size_t kKernelModules = 6;

/// Optimizes and compiles every module of `model` into an object, in parallel
/// (targets::emitObjects); with `timings`, prints the stage's wall time like compileModel.
llvm::Expected<std::vector<std::vector<char>>> emitObjects(CompiledModel &model,
                                                           const targets::Target &target,
                                                           bool timings = false);

/// Checks that a name can prefix C symbols.
llvm::Error checkSymbolName(const std::string &name);

} // namespace strata
