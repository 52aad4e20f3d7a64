//===- Executable.cpp - the public JIT API (include/strata/strata.h) ------===//
#include "strata/strata.h"

#include "compiler/HostRun.h"
#include "compiler/Pipeline.h"
#include "compiler/tuning/AutoSchedule.h"
#include "compiler/jit/JitEngine.h"

#include "runtime/strata_runtime.h"

namespace strata {

using RunFn = int32_t(const void *const *, void *const *, void *);
using RunDeviceFn = int32_t(void *const *, void *const *);
using ContextFn = int32_t(void **);
using MessageFn = const char *(int32_t);
using CountersFn = const uint64_t *();
using ResetFn = void();
using PrintFn = void(double);

struct Executable::Impl {
  ~Impl() {
    if (release) // a GPU model's device resources go with its code
      release();
  }
  std::unique_ptr<jit::JitEngine> engine; // owns the code
  void (*release)() = nullptr;
  std::vector<TensorInfo> inputs, outputs;
  size_t workspaceBytes = 0, intermediateBytes = 0;
  RunFn *run = nullptr;
  MessageFn *message = nullptr;
  // Set for GPU targets.
  RunDeviceFn *runDevice = nullptr;
  ContextFn *deviceContext = nullptr;
  // Set when compiled with profiling.
  std::vector<KernelInfo> kernels;
  CountersFn *counters = nullptr;
  ResetFn *resetProfile = nullptr;
  PrintFn *printProfile = nullptr;
};

static std::vector<TensorInfo> toInfos(const std::vector<TensorSignature> &sigs) {
  std::vector<TensorInfo> infos;
  for (const auto &s : sigs)
    infos.push_back({s.name, toElementType(s.dtype), s.shape});
  return infos;
}

Result<Executable> compile(const std::string &modelPath, const CompileOptions &options) {
  auto fail = [](llvm::Error err) { return Status::error(llvm::toString(std::move(err))); };
  auto target = targets::parseTarget(options.target);
  if (!target)
    return fail(target.takeError());
  if (auto err = target->checkRunsOnHost())
    return fail(std::move(err));
  PipelineOptions po;
  po.target = *target;
  po.name = "strata_jit";
  po.import.inputShapes = options.input_shapes;
  po.profile = options.profile;
  if (!options.tuning_log.empty()) {
    std::vector<std::string> warnings;
    auto db = tuning::loadDatabase(options.tuning_log, warnings);
    if (!db)
      return fail(db.takeError());
    for (const std::string &w : warnings)
      llvm::errs() << "strata: warning: " << w << "\n";
    po.tuning = *db;
    po.tuningThreads = options.num_threads > 0 ? options.num_threads : strata_get_num_threads();
  }
  if (options.auto_schedule || !options.auto_schedule_model.empty()) {
    auto model = tuning::loadCostModel(options.auto_schedule_model, *target);
    if (!model)
      return fail(model.takeError());
    po.autoSchedule = *model;
  }
  for (const auto &[name, c] : options.constant_inputs) {
    TensorInfo info{name, c.dtype, c.shape};
    if (c.data.size() != info.num_bytes())
      return Status::error("constant input '" + name + "' has " + std::to_string(c.data.size()) +
                           " bytes of data for " + std::to_string(info.num_bytes()) + " (" +
                           shapeStr(c.shape) + " " + dtypeName(toDType(c.dtype)) + ")");
    po.import.constantInputs[name] = fromConstantTensor(c);
  }
  auto compiled = compileModel(modelPath, po);
  if (!compiled)
    return fail(compiled.takeError());

  auto impl = std::make_shared<Executable::Impl>();
  auto engine = jit::JitEngine::create(*target);
  if (!engine)
    return fail(engine.takeError());
  impl->engine = std::move(*engine);
  auto objects = emitObjects(*compiled, *target);
  if (!objects)
    return fail(objects.takeError());
  for (std::vector<char> &object : *objects)
    if (auto err = impl->engine->addObject(std::move(object)))
      return fail(std::move(err));
  auto run = impl->engine->lookupFunction<RunFn>("strata_jit_run");
  if (!run)
    return fail(run.takeError());
  auto message = impl->engine->lookupFunction<MessageFn>("strata_jit_error_message");
  if (!message)
    return fail(message.takeError());
  impl->run = *run;
  impl->message = *message;
  if (target->isGPU()) {
    auto release = impl->engine->lookupFunction<void()>("strata_jit_release");
    auto runDevice = impl->engine->lookupFunction<RunDeviceFn>("strata_jit_run_device");
    auto context = impl->engine->lookupFunction<ContextFn>("strata_jit_device_context");
    if (!release || !runDevice || !context)
      return fail(llvm::joinErrors(llvm::joinErrors(release.takeError(), runDevice.takeError()),
                                   context.takeError()));
    impl->release = *release;
    impl->runDevice = *runDevice;
    impl->deviceContext = *context;
  }
  impl->inputs = toInfos(compiled->signature.inputs);
  impl->outputs = toInfos(compiled->signature.outputs);
  impl->workspaceBytes = compiled->workspaceBytes;
  impl->intermediateBytes = compiled->intermediateBytes;
  if (options.profile) {
    impl->kernels = compiled->kernels;
    auto counters = impl->engine->lookupFunction<CountersFn>("strata_jit_profile_counters");
    auto reset = impl->engine->lookupFunction<ResetFn>("strata_jit_profile_reset");
    auto print = impl->engine->lookupFunction<PrintFn>("strata_jit_profile_print");
    if (!counters || !reset || !print)
      return fail(llvm::joinErrors(llvm::joinErrors(counters.takeError(), reset.takeError()),
                                   print.takeError()));
    impl->counters = *counters;
    impl->resetProfile = *reset;
    impl->printProfile = *print;
  }
  if (options.num_threads > 0)
    set_num_threads(options.num_threads);
  return Executable(std::move(impl));
}

const std::vector<TensorInfo> &Executable::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo> &Executable::outputs() const { return impl_->outputs; }
size_t Executable::workspace_size() const { return impl_->workspaceBytes; }
size_t Executable::intermediate_bytes() const { return impl_->intermediateBytes; }

std::vector<KernelProfile> Executable::profile() const {
  std::vector<KernelProfile> out;
  if (!impl_ || !impl_->counters)
    return out;
  const uint64_t *slots = impl_->counters();
  for (size_t i = 0; i < impl_->kernels.size(); ++i) {
    const KernelInfo &k = impl_->kernels[i];
    KernelProfile p{k.name, k.nodes, k.schedule.str(), k.workloadKey, k.flops, k.bytes,
                    (double)__atomic_load_n(&slots[2 * i], __ATOMIC_RELAXED) * 1e-9,
                    __atomic_load_n(&slots[2 * i + 1], __ATOMIC_RELAXED)};
    out.push_back(std::move(p));
  }
  return out;
}

void Executable::reset_profile() const {
  if (impl_ && impl_->resetProfile)
    impl_->resetProfile();
}

void Executable::print_profile(double peakGflops) const {
  if (impl_ && impl_->printProfile)
    impl_->printProfile(peakGflops);
}

Status Executable::run(const void *const *inputs, void *const *outputs, void *workspace) const {
  if (!impl_)
    return Status::error("run: the Executable is empty (compile failed or was never called)");
  // The generated strata_jit_run checks its arguments (NULL arrays and buffers, an unaligned
  // workspace) and names the bad one.
  int32_t status = impl_->run(inputs, outputs, workspace);
  if (status == 0)
    return Status();
  std::string message = impl_->message(status);
  llvm::StringRef rest(message);
  if (rest.consume_front("strata_jit_run: "))
    return Status::error("run: " + rest.str());
  return Status::error("run failed: " + message);
}

/// "run: 2 input buffers given, but the model has 1 inputs (x)", or OK when the counts match.
static Status checkCounts(const char *api, size_t inputs, size_t outputs, const std::vector<TensorInfo> &ins,
                          const std::vector<TensorInfo> &outs) {
  auto count = [&](const char *what, size_t given, const std::vector<TensorInfo> &expected) {
    std::string names;
    for (size_t i = 0; i < expected.size(); ++i)
      names += (i ? ", " : "") + expected[i].name;
    return Status::error(std::string(api) + ": " + std::to_string(given) + " " + what +
                         " buffers given, but the model has " + std::to_string(expected.size()) + " " + what +
                         "s (" + names + ")");
  };
  if (inputs != ins.size())
    return count("input", inputs, ins);
  if (outputs != outs.size())
    return count("output", outputs, outs);
  return Status();
}

Status Executable::run(const std::vector<const void *> &inputs, const std::vector<void *> &outputs,
                       void *workspace) const {
  if (!impl_)
    return Status::error("run: the Executable is empty (compile failed or was never called)");
  if (Status s = checkCounts("run", inputs.size(), outputs.size(), impl_->inputs, impl_->outputs); !s.ok())
    return s;
  return run(inputs.data(), outputs.data(), workspace);
}

/// The GPU entry points' common checks: an Executable compiled for a GPU target.
static Status needsDevice(const std::shared_ptr<const Executable::Impl> &impl, const char *api) {
  if (!impl)
    return Status::error(std::string(api) + ": the Executable is empty (compile failed or was never called)");
  if (!impl->runDevice)
    return Status::error(std::string(api) + ": the model was compiled for the CPU; device buffers need a GPU "
                                            "target (opencl, cuda-sm80, cuda-sm90)");
  return Status();
}

Status Executable::run_device(void *const *inputs, void *const *outputs) const {
  if (Status s = needsDevice(impl_, "run_device"); !s.ok())
    return s;
  int32_t status = impl_->runDevice(inputs, outputs);
  return status == 0 ? Status() : Status::error("run_device failed: " + std::string(impl_->message(status)));
}

Status Executable::run_device(const std::vector<void *> &inputs, const std::vector<void *> &outputs) const {
  if (Status s = needsDevice(impl_, "run_device"); !s.ok())
    return s;
  if (Status s = checkCounts("run_device", inputs.size(), outputs.size(), impl_->inputs, impl_->outputs); !s.ok())
    return s;
  return run_device(inputs.data(), outputs.data());
}

Result<void *> Executable::device_context() const {
  if (Status s = needsDevice(impl_, "device_context"); !s.ok())
    return s;
  void *context = nullptr;
  int32_t status = impl_->deviceContext(&context);
  if (status != 0)
    return Status::error("device_context failed: " + std::string(impl_->message(status)));
  return context;
}

void set_num_threads(int n) { strata_set_num_threads(n); }

const char *version() { return STRATA_VERSION; }

} // namespace strata
