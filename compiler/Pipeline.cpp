//===- Pipeline.cpp - every stage of Strata, in order ---------------------===//
//
//   1. import           .onnx / .json / .mlir -> graph dialect (frontends/)
//   2. graph passes     fold constants (+ batch norm into conv) -> channel-blocked
//                       convolution chains (NCHW{lanes}) -> fuse into graph.kernel
//                       regions -> assign and verify a schedule per kernel
//   3. memory plan      inputs, outputs, constants, arena offsets (MemoryPlan)
//   4. kernel lowering  per kernel: compute definitions + schedule template ->
//                       tensor expressions -> loop nest (lowering/)
//   5. LLVM codegen     loop nests -> LLVM functions (targets/), plus the
//                       model functions NAME_run etc. (ModelCodegen); for a GPU
//                       target instead (compileForDevice): GPU loop nests ->
//                       launches (OutlineGPU) -> OpenCL C or PTX, and a NAME_run
//                       that hands the launches to the runtime
//   6. object code      left to the callers: the JIT (compiler/jit) or AOT
//                       packaging (compiler/aot)
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"
#include "compiler/tuning/ApplyLog.h"
#include "compiler/tuning/AutoSchedule.h"

#include "compiler/MemoryPlan.h"
#include "compiler/frontends/FirstDiagnostic.h"
#include "compiler/frontends/Importer.h"
#include "dialects/graph/reference/Interpreter.h"
#include "dialects/graph/Passes.h"
#include "lowering/schedules/Passes.h"
#include "lowering/graph_to_te/KernelLowering.h"
#include "targets/CodeGen_LLVM.h"
#include "targets/CodeGen_NVPTX.h"
#include "targets/CodeGen_OpenCL.h"
#include "lowering/te_to_loops/OutlineGPU.h"
#include "runtime/strata_runtime.h"
#include "targets/Emit.h"
#include "dialects/te/IRVisitor.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Timer.h"

#include <chrono>
#include <limits>

using namespace mlir;

namespace strata {

llvm::Expected<EmitStage> parseEmitStage(llvm::StringRef name) {
  if (name == "graph")
    return EmitStage::Graph;
  if (name == "schedules")
    return EmitStage::Schedules;
  if (name == "te")
    return EmitStage::TE;
  if (name == "loops")
    return EmitStage::Loops;
  if (name == "llvm")
    return EmitStage::LLVM;
  if (name == "asm")
    return EmitStage::Asm;
  if (name == "opencl")
    return EmitStage::OpenCL;
  if (name == "ptx")
    return EmitStage::PTX;
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "unknown --emit stage '" + name.str() +
                                     "' (valid: graph, schedules, te, loops, llvm, asm, opencl, ptx)");
}

llvm::Error checkSymbolName(const std::string &name) {
  bool ok = !name.empty() && !std::isdigit((unsigned char)name[0]);
  for (char c : name)
    ok = ok && (std::isalnum((unsigned char)c) || c == '_');
  if (!ok)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--name '" + name + "' is not a C identifier");
  return llvm::Error::success();
}

namespace {

/// Loads and stores in a lowered kernel: a proxy for the size of its LLVM IR (unrolled loops
/// are already unrolled).
size_t codeSize(const te::LoweredFunc &f) {
  struct Counter : te::IRVisitor {
    size_t n = 0;
    void visit(const te::Load *op) override { ++n, IRVisitor::visit(op); }
    void visit(const te::Store *op) override { ++n, IRVisitor::visit(op); }
  } counter;
  counter.dispatch(f.body);
  return counter.n;
}

/// The kernels in up to kKernelModules groups of about equal code size (largest first, each
/// into the smallest group; ties by position), each group in run order. Deterministic.
std::vector<std::vector<te::LoweredFunc>> splitKernels(std::vector<te::LoweredFunc> funcs) {
  size_t parts = std::min(kKernelModules, funcs.size());
  std::vector<size_t> order(funcs.size()), sizes(funcs.size()), load(parts, 0), part(funcs.size());
  for (size_t i = 0; i < funcs.size(); ++i)
    order[i] = i, sizes[i] = codeSize(funcs[i]);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  for (size_t i : order) {
    size_t smallest = std::min_element(load.begin(), load.end()) - load.begin();
    part[i] = smallest;
    load[smallest] += sizes[i] + 1;
  }
  std::vector<std::vector<te::LoweredFunc>> groups(parts);
  for (size_t i = 0; i < funcs.size(); ++i)
    groups[part[i]].push_back(std::move(funcs[i]));
  return groups;
}

/// Declares in `model` the kernel `k` of another module: i32 (ptr, ...), external.
llvm::Error declareKernel(llvm::Module &model, const llvm::Function &k) {
  if (!k.getReturnType()->isIntegerTy(32) ||
      llvm::any_of(k.args(), [](const llvm::Argument &a) { return !a.getType()->isPointerTy(); }))
    return llvm::createStringError("internal error: kernel '" + k.getName().str() +
                                   "' is not i32 (ptr, ...)");
  auto *ptr = llvm::PointerType::get(model.getContext(), 0);
  std::vector<llvm::Type *> params(k.arg_size(), ptr);
  auto *type = llvm::FunctionType::get(llvm::Type::getInt32Ty(model.getContext()), params, false);
  auto *decl = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, k.getName(), model);
  decl->setVisibility(llvm::GlobalValue::HiddenVisibility);
  decl->addFnAttr(llvm::Attribute::NoUnwind);
  return llvm::Error::success();
}

/// Times one stage when asked to.
class StageTimer {
public:
  StageTimer(bool enabled, const char *stage) : enabled(enabled), stage(stage) {}
  ~StageTimer() {
    if (enabled)
      llvm::errs() << llvm::format("strata: %-16s %8.1f ms\n", stage,
                                   std::chrono::duration<double, std::milli>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
  }

private:
  bool enabled;
  const char *stage;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

llvm::Error mlirError(const std::string &path, const std::string &diag, const char *what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what + (diag.empty() ? "" : ": " + diag));
}

/// Graph-level passes, in order.
LogicalResult runGraphPasses(ModuleOp module, const targets::Target &target) {
  PassManager pm(module.getContext());
  auto &fn = pm.nest<func::FuncOp>();
  fn.addPass(graph::createFoldConstants());
  // Channel blocks and packed panels are sized for a CPU's vector registers; GPU templates
  // tile plain layouts through shared memory instead.
  if (!target.isGPU()) {
    graph::BlockLayoutOptions layout;
    layout.block = target.vectorLanesF32;
    fn.addPass(graph::createBlockLayout(layout));
  }
  fn.addPass(graph::createFuse());
  schedules::AssignSchedulesOptions scheduling;
  scheduling.targetName = target.name;
  fn.addPass(schedules::createAssignSchedules(scheduling));
  return pm.run(module);
}

ModelSignature signatureOf(func::FuncOp fn) {
  auto describe = [](Type type, StringAttr name) {
    auto t = llvm::cast<RankedTensorType>(type);
    TensorSignature s;
    s.name = name ? name.str() : "";
    s.dtype = reference::dtypeOf(t.getElementType());
    s.shape.assign(t.getShape().begin(), t.getShape().end());
    return s;
  };
  ModelSignature sig;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    sig.inputs.push_back(describe(fn.getArgument(i).getType(),
                                  fn.getArgAttrOfType<StringAttr>(i, "strata.name")));
  for (unsigned i = 0; i < fn.getNumResults(); ++i)
    sig.outputs.push_back(describe(fn.getResultTypes()[i],
                                   fn.getResultAttrOfType<StringAttr>(i, "strata.name")));
  for (size_t i = 0; i < sig.inputs.size(); ++i)
    if (sig.inputs[i].name.empty())
      sig.inputs[i].name = "input" + std::to_string(i);
  for (size_t i = 0; i < sig.outputs.size(); ++i)
    if (sig.outputs[i].name.empty())
      sig.outputs[i].name = "output" + std::to_string(i);
  return sig;
}

/// The generated code indexes tensors with 32-bit integers (the TE IR's index type), so a
/// tensor of 2^31 elements or more is refused here, naming the input or node that makes it.
llvm::Error checkIndexableSizes(func::FuncOp fn, const std::string &path) {
  constexpr int64_t kMaxElements = std::numeric_limits<int32_t>::max();
  auto tooLarge = [&](Value v, const std::string &what) -> llvm::Error {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() <= kMaxElements)
      return llvm::Error::success();
    std::string shape = shapeStr(std::vector<int64_t>(type.getShape().begin(), type.getShape().end()));
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + what + " has shape " + shape + ", " +
                                       std::to_string(type.getNumElements()) +
                                       " elements; the generated code indexes tensors with 32-bit "
                                       "integers (at most 2^31 - 1 elements)");
  };
  for (auto [i, arg] : llvm::enumerate(fn.getArguments())) {
    auto name = fn.getArgAttrOfType<StringAttr>(i, "strata.name");
    if (auto err = tooLarge(arg, "input '" + (name ? name.str() : std::to_string(i)) + "'"))
      return err;
  }
  llvm::Error err = llvm::Error::success();
  fn.walk([&](Operation *op) {
    std::string node = "an operation";
    if (auto loc = llvm::dyn_cast<NameLoc>(op->getLoc()))
      node = "node '" + loc.getName().str() + "'";
    for (Value r : op->getResults())
      if (auto e = tooLarge(r, node + "'s result")) {
        err = std::move(e);
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return err;
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>> optimizeGraph(const std::string &path,
                                                    const PipelineOptions &options,
                                                    MLIRContext &mlirContext) {
  mlirContext.disableMultithreading(); // deterministic and cheap for small graphs
  frontend::FirstDiagnostic diag(mlirContext);

  // 1. Import.
  OwningOpRef<ModuleOp> module;
  {
    StageTimer t(options.timings, "import");
    auto imported = frontend::importModel(path, mlirContext, options.import);
    if (!imported)
      return imported.takeError();
    module = std::move(*imported);
  }
  auto fn = module->lookupSymbol<func::FuncOp>("main");
  if (auto err = checkIndexableSizes(fn, path))
    return std::move(err);

  // 2. Graph passes.
  {
    StageTimer t(options.timings, "graph passes");
    if (failed(runGraphPasses(*module, options.target)))
      return mlirError(path, diag.message(""), "graph optimization failed");
  }
  ensureOutputsAreKernelResults(fn);
  return module;
}

/// A launch of an outlined kernel as a function of its own for LLVM's NVPTX backend: its
/// buffers the parameters, its GPU loops around its body, dimension x outermost (the order in
/// which codegen assigns them).
static te::LoweredFunc launchFunction(const te::LoweredFunc &f, const te::GPUProgram &program,
                                      const te::GPULaunch &l) {
  te::LoweredFunc k;
  k.name = l.name;
  for (const std::string &buffer : l.buffers) {
    auto arg = std::find_if(f.args.begin(), f.args.end(),
                            [&](const te::LoweredArg &a) { return a.name == buffer; });
    if (arg != f.args.end()) {
      k.args.push_back(*arg);
      // A device buffer plus an offset (a multiple of STRATA_ALIGNMENT): see strata_runtime.h.
      k.args.back().alignment = STRATA_GPU_BUFFER_ALIGNMENT;
      continue;
    }
    for (const te::GPUScratch &s : program.scratch)
      if (s.name == buffer)
        k.args.push_back({s.name, s.type, {s.elements}, false, MemoryPlan::kAlignment});
  }
  te::Stmt body = l.body;
  auto wrap = [&](std::vector<te::GPUIndex> loops, te::ForKind kind) {
    std::sort(loops.begin(), loops.end(),
              [](const te::GPUIndex &a, const te::GPUIndex &b) { return a.dim > b.dim; });
    for (const te::GPUIndex &i : loops)
      body = te::For::make(i.name, i.min, te::IntImm::make(te::Int(32), i.extent), kind, body);
  };
  wrap(l.threads, te::ForKind::GPUThread);
  wrap(l.blocks, te::ForKind::GPUBlock);
  k.body = body;
  return k;
}

/// Step 5 for a GPU target: each kernel's loop nests outlined into device kernels (OpenCL C,
/// or PTX), and the model module, whose NAME_run launches them through the runtime.
static llvm::Expected<CompiledModel> compileForDevice(const std::string &path,
                                                     const PipelineOptions &options,
                                                     CompiledModel out, const MemoryPlan &plan,
                                                     const std::vector<te::LoweredFunc> &funcs,
                                                     const std::vector<KernelCall> &calls) {
  StageTimer t(options.timings, "opencl codegen");
  auto align = [](int64_t n) {
    return (n + MemoryPlan::kAlignment - 1) / MemoryPlan::kAlignment * MemoryPlan::kAlignment;
  };
  bool cuda = options.target.device == targets::Device::CUDA;
  DeviceProgram device;
  device.api = cuda ? DeviceProgram::API::CUDA : DeviceProgram::API::OpenCL;
  if (!cuda)
    device.source = targets::openclPrelude() + "\n";
  std::vector<te::LoweredFunc> ptxKernels;
  int64_t scratchStart = align(plan.arenaBytes), scratchMax = 0;
  for (size_t k = 0; k < funcs.size(); ++k) {
    const te::LoweredFunc &f = funcs[k];
    auto program = te::outline_gpu_kernels(f);
    if (!program.ok())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + program.error());
    if (cuda) {
      for (const te::GPULaunch &l : program->launches)
        ptxKernels.push_back(launchFunction(f, *program, l));
    } else {
      auto source = targets::emitOpenCL(f, *program);
      if (!source)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       path + ": " + llvm::toString(source.takeError()));
      device.source += *source;
    }
    // Kernels run one after another, so they share one scratch region past the plan's arena.
    std::map<std::string, int64_t> scratchOffset;
    int64_t scratchBytes = 0;
    for (const te::GPUScratch &s : program->scratch) {
      scratchOffset[s.name] = scratchStart + scratchBytes;
      scratchBytes += align(s.elements * std::max(1, s.type.bits / 8));
    }
    scratchMax = std::max(scratchMax, scratchBytes);
    for (const te::GPULaunch &l : program->launches) {
      DeviceLaunch d;
      d.kernel = l.name;
      for (const std::string &buffer : l.buffers) {
        auto arg = std::find_if(f.args.begin(), f.args.end(),
                                [&](const te::LoweredArg &a) { return a.name == buffer; });
        if (arg != f.args.end())
          d.args.push_back(calls[k].args[arg - f.args.begin()]);
        else
          d.args.push_back(Storage{Storage::Kind::Arena, 0, scratchOffset.at(buffer)});
      }
      d.dims = (int)std::max({l.blocks.size(), l.threads.size(), size_t(1)});
      for (int dim = 0; dim < 3; ++dim) {
        d.local[dim] = l.groupSize(dim);
        d.global[dim] = l.groups(dim) * l.groupSize(dim);
      }
      device.launches.push_back(std::move(d));
    }
  }
  device.workspaceBytes = scratchStart + scratchMax;
  if (cuda) {
    auto ptx = targets::emitPTX(ptxKernels, options.target);
    if (!ptx)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path + ": " + llvm::toString(ptx.takeError()));
    device.source = std::move(*ptx);
  }
  if (options.emit == EmitStage::OpenCL || options.emit == EmitStage::PTX) {
    *options.emitStream << device.source;
    return CompiledModel{};
  }
  auto codegen = targets::CodeGen_LLVM::create(options.target);
  CodeModule model{std::make_unique<llvm::LLVMContext>(), nullptr};
  auto main = codegen->compile({}, options.name, *model.context);
  if (!main)
    return main.takeError();
  model.module = std::move(*main);
  emitModelFunctions(*model.module, options.name, out.signature, plan, calls, nullptr, &device);
  std::string verifyErrors;
  llvm::raw_string_ostream os(verifyErrors);
  if (llvm::verifyModule(*model.module, &os))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal error: invalid LLVM IR: " + verifyErrors);
  out.workspaceBytes = 0; // on the device
  out.modules.push_back(std::move(model));
  return out;
}

llvm::Expected<CompiledModel> compileModel(const std::string &path, const PipelineOptions &options) {
  if (auto err = checkSymbolName(options.name))
    return std::move(err);
  auto unsupported = [](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (options.emit == EmitStage::OpenCL && options.target.device != targets::Device::OpenCL)
    return unsupported("--emit opencl needs --target opencl (target '" + options.target.name + "')");
  if (options.emit == EmitStage::PTX && options.target.device != targets::Device::CUDA)
    return unsupported("--emit ptx needs --target cuda-sm80 or cuda-sm90 (target '" +
                       options.target.name + "')");
  if (options.target.isGPU() && options.profile)
    return unsupported("--profile is not supported on target '" + options.target.name + "' yet");
  MLIRContext mlirContext;
  auto optimized = optimizeGraph(path, options, mlirContext);
  if (!optimized)
    return optimized.takeError();
  OwningOpRef<ModuleOp> module = std::move(*optimized);
  auto fn = module->lookupSymbol<func::FuncOp>("main");
  if (options.emit == EmitStage::Graph) {
    OpPrintingFlags flags;
    flags.elideLargeElementsAttrs(16);
    module->print(*options.emitStream, flags);
    return CompiledModel{};
  }

  std::set<std::string> tuned;
  if (options.tuning) {
    std::vector<std::string> warnings;
    tuned = tuning::applyTuningLog(fn, *options.tuning, options.target, options.tuningThreads,
                                   warnings);
    for (const std::string &w : warnings)
      llvm::errs() << "strata: warning: " << w << "\n";
  }
  std::set<std::string> modelled;
  if (options.autoSchedule)
    modelled = tuning::autoSchedule(fn, *options.autoSchedule, options.target, tuned);
  std::vector<KernelInfo> kernels;
  for (auto kernel : fn.getBody().front().getOps<graph::KernelOp>()) {
    auto schedule = schedules::scheduleOf(kernel, options.target);
    if (!schedule)
      return schedule.takeError();
    kernels.push_back(describeKernel(kernel, *schedule));
    const std::string &name = kernels.back().name;
    kernels.back().from = tuned.count(name) ? "log" : modelled.count(name) ? "model" : "default";
  }
  if (options.emit == EmitStage::Schedules) {
    printSchedules(*options.emitStream, kernels);
    return CompiledModel{};
  }

  // 3. Memory plan.
  auto plan = planMemory(fn);
  if (!plan)
    return plan.takeError();

  // 4. Kernel lowering, on every core: each lowering has its own te::Context and only reads
  //    the graph. (Serially when it prints, so that the dump is in kernel order.)
  CompiledModel out;
  out.signature = signatureOf(fn);
  out.workspaceBytes = plan->arenaBytes;
  out.intermediateBytes = plan->intermediateBytes;
  out.kernels = kernels;
  auto kernelOps = llvm::to_vector(fn.getBody().front().getOps<graph::KernelOp>());
  std::vector<te::LoweredFunc> funcs(kernelOps.size());
  std::vector<KernelCall> calls;
  {
    StageTimer t(options.timings, "kernel lowering");
    std::vector<std::string> errors(kernelOps.size());
    auto lower = [&](size_t k) {
      graph::KernelOp kernel = kernelOps[k];
      lowering::KernelLoweringOptions ko;
      ko.functionName = options.name + "_" + kernel.getSymName().str();
      if (options.emit == EmitStage::TE)
        ko.teDump = options.emitStream;
      if (options.emit == EmitStage::Loops)
        ko.loopsDump = options.emitStream;
      auto lowered = lowering::lowerKernel(kernel, kernels[k].schedule, options.target, ko);
      if (lowered)
        funcs[k] = std::move(*lowered);
      else
        errors[k] = path + ": kernel '" + kernel.getSymName().str() +
                    "': " + llvm::toString(lowered.takeError());
    };
    if (options.emit == EmitStage::TE || options.emit == EmitStage::Loops)
      for (size_t k = 0; k < kernelOps.size(); ++k)
        lower(k);
    else
      llvm::parallelFor(0, kernelOps.size(), lower);
    for (const std::string &e : errors)
      if (!e.empty())
        return llvm::createStringError(llvm::inconvertibleErrorCode(), e);
    for (size_t k = 0; k < kernelOps.size(); ++k) {
      KernelCall call{funcs[k].name, {}};
      for (Value v : kernelOps[k].getInputs())
        call.args.push_back(plan->storage.lookup(v));
      for (Value v : kernelOps[k].getResults())
        call.args.push_back(plan->storage.lookup(v));
      // Caller-owned buffers are only known to be element-aligned.
      for (size_t i = 0; i < call.args.size(); ++i) {
        auto kind = call.args[i].kind;
        if (kind == Storage::Kind::Input || kind == Storage::Kind::Output)
          funcs[k].args[i].alignment = std::max(1, funcs[k].args[i].type.bits / 8);
      }
      calls.push_back(std::move(call));
    }
  }
  if (options.emit == EmitStage::TE || options.emit == EmitStage::Loops)
    return CompiledModel{};
  if (options.target.isGPU())
    return compileForDevice(path, options, std::move(out), *plan, funcs, calls);

  // 5. LLVM code generation: the kernels into kKernelModules modules of about equal size, each
  //    in its own context, then the model module, which declares the kernels it calls.
  {
    StageTimer t(options.timings, "llvm codegen");
    auto codegen = targets::CodeGen_LLVM::create(options.target);
    std::vector<std::vector<te::LoweredFunc>> partFuncs = splitKernels(std::move(funcs));
    size_t parts = partFuncs.size();
    CodeModule model{std::make_unique<llvm::LLVMContext>(), nullptr};
    auto main = codegen->compile({}, options.name, *model.context);
    if (!main)
      return main.takeError();
    model.module = std::move(*main);
    out.modules.push_back(std::move(model));
    // Each part in its own context, so on every core (codegen is stateless).
    std::vector<CodeModule> partModules(parts);
    std::vector<std::string> errors(parts);
    llvm::parallelFor(0, parts, [&](size_t p) {
      partModules[p].context = std::make_unique<llvm::LLVMContext>();
      auto module = codegen->compile(partFuncs[p], options.name + "_kernels" + std::to_string(p),
                                     *partModules[p].context);
      if (module)
        partModules[p].module = std::move(*module);
      else
        errors[p] = llvm::toString(module.takeError());
    });
    for (const std::string &e : errors)
      if (!e.empty())
        return llvm::createStringError(llvm::inconvertibleErrorCode(), e);
    for (size_t p = 0; p < parts; ++p) {
      CodeModule part = std::move(partModules[p]);
      for (const auto &f : partFuncs[p]) {
        // Kernels are called from the model module and hidden outside the model's code.
        llvm::Function *k = part.module->getFunction(f.name);
        k->setVisibility(llvm::GlobalValue::HiddenVisibility);
        if (auto err = declareKernel(*out.modules[0].module, *k))
          return std::move(err);
        if (auto *argv = part.module->getFunction(f.name + "_argv"))
          argv->setLinkage(llvm::GlobalValue::InternalLinkage);
      }
      out.modules.push_back(std::move(part));
    }
    emitModelFunctions(*out.modules[0].module, options.name, out.signature, *plan, calls,
                       options.profile ? &kernels : nullptr);
    for (const CodeModule &m : out.modules) {
      std::string verifyErrors;
      llvm::raw_string_ostream os(verifyErrors);
      if (llvm::verifyModule(*m.module, &os))
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "internal error: invalid LLVM IR: " + verifyErrors);
    }
  }
  if (options.emit == EmitStage::LLVM || options.emit == EmitStage::Asm) {
    StageTimer t(options.timings, "llvm optimize");
    for (CodeModule &m : out.modules) {
      if (options.emit == EmitStage::LLVM) {
        auto tm = options.target.createTargetMachine();
        if (!tm)
          return tm.takeError();
        targets::configureModule(*m.module, **tm);
        if (auto err = targets::optimizeModule(*m.module, **tm))
          return std::move(err);
        *options.emitStream << targets::printModule(*m.module);
      } else {
        auto text = targets::emitAssembly(*m.module, options.target);
        if (!text)
          return text.takeError();
        *options.emitStream << *text;
      }
    }
    out.modules.clear();
  }
  return out;
}

llvm::Expected<std::vector<std::vector<char>>> emitObjects(CompiledModel &model,
                                                           const targets::Target &target,
                                                           bool timings) {
  StageTimer t(timings, "llvm optimize+mc");
  std::vector<llvm::Module *> modules;
  for (CodeModule &m : model.modules)
    modules.push_back(m.module.get());
  return targets::emitObjects(modules, target);
}

} // namespace strata
