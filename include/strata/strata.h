//===- strata.h - Strata's C++ JIT API ------------------------------------===//
//
// Load a model (.onnx, .json, .mlir), compile it in-process for this machine
// and run it on caller-owned buffers:
//
//   strata::CompileOptions options;                 // target "host", all cores
//   auto exe = strata::compile("model.onnx", options);
//   if (!exe.ok()) { std::cerr << exe.error() << "\n"; return 1; }
//   std::vector<float> x(exe->inputs()[0].num_elements()), y(exe->outputs()[0].num_elements());
//   const void *in[] = {x.data()};  void *out[] = {y.data()};
//   strata::Status s = exe->run(in, out);
//
// Errors are values carrying messages; nothing here throws. An Executable is
// immutable after compilation and may be run from several threads at once.
// No LLVM or MLIR header is included.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/Status.h"

namespace strata {

/// Element types of model inputs and outputs; Bool is one byte (0 or 1).
enum class ElementType { Float32, Int64, Int32, Bool, Int8, UInt8, Int16, UInt16, UInt32 };

/// Bytes per element.
inline size_t element_size(ElementType t) {
  switch (t) {
  case ElementType::Int64: return 8;
  case ElementType::Bool:
  case ElementType::Int8:
  case ElementType::UInt8: return 1;
  case ElementType::Int16:
  case ElementType::UInt16: return 2;
  default: return 4;
  }
}

/// Name, element type and static shape of a model input or output.
struct TensorInfo {
  std::string name;
  ElementType dtype = ElementType::Float32;
  std::vector<int64_t> shape;
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  size_t num_bytes() const { return (size_t)num_elements() * element_size(dtype); }
};

/// A tensor value given at compile time: its elements exactly as a run()
/// buffer holds them (row-major, element_size(dtype) bytes each; bool one byte).
struct ConstantTensor {
  ElementType dtype = ElementType::Float32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

struct CompileOptions {
  /// host, x86-64, x86-64-avx2 or x86-64-avx512 (the JIT runs only what this CPU can), or a GPU:
  /// opencl, cuda-sm80, cuda-sm90 (kernels run on the device; run() copies in and out).
  std::string target = "host";
  /// Threads for parallel loops; 0 means the machine's cores (or STRATA_NUM_THREADS).
  int num_threads = 0;
  /// Fixes dynamic input dimensions: input name -> shape.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  /// Binds inputs to values at compile time (they disappear from inputs()): for inputs that
  /// decide shapes, such as a Reshape's target shape or a Slice's starts.
  std::map<std::string, ConstantTensor> constant_inputs;
  /// Times every kernel call (Executable::profile); costs two clock reads per kernel.
  bool profile = false;
  /// A tuning log (JSON Lines from `strata tune`): each kernel takes the best record for its
  /// workload measured on exactly this target (with num_threads threads where the log has
  /// such records); the others keep their default schedules. Skipped log lines are printed
  /// to stderr as warnings.
  std::string tuning_log;
  /// Kernels without a tuning record take the schedule a pretrained cost model ranks best
  /// (no measurements): the model shipped for the target's ISA, or auto_schedule_model.
  bool auto_schedule = false;
  std::string auto_schedule_model;
};

/// One kernel of a model compiled with profiling: what it is and the time its calls took.
struct KernelProfile {
  std::string name;     // the kernel ("conv2d_3")
  std::string nodes;    // the model nodes it covers, comma-separated
  std::string schedule; // template and knob values
  std::string workload; // the workload key tuning records are matched by
  int64_t flops = 0;    // per call (2 per multiply-add)
  int64_t bytes = 0;    // compulsory traffic per call
  double seconds = 0;   // summed over calls
  uint64_t calls = 0;
};

class Executable {
public:
  Executable() = default;
  const std::vector<TensorInfo> &inputs() const;
  const std::vector<TensorInfo> &outputs() const;
  /// Bytes of scratch memory one run needs (64-byte aligned when passed in).
  size_t workspace_size() const;
  /// Bytes of all intermediate tensors together: what the workspace would be if none shared.
  size_t intermediate_bytes() const;
  /// Runs on dense row-major buffers in model order. With workspace == nullptr
  /// the run allocates its own scratch memory. A NULL array or buffer, or a workspace that is
  /// not 64-byte aligned, is an error status naming the argument.
  Status run(const void *const *inputs, void *const *outputs, void *workspace = nullptr) const;
  /// The same, also checking that there is one buffer per model input and output.
  Status run(const std::vector<const void *> &inputs, const std::vector<void *> &outputs,
             void *workspace = nullptr) const;

  /// GPU targets (opencl, cuda-sm80/90): runs on buffers already on the device, with no
  /// copies. inputs[i] / outputs[i] are OpenCL cl_mem handles created in device_context()'s
  /// context, or CUDA device pointers on the model's device, cast to void *; each must hold the
  /// whole tensor (checked). Finish writing the inputs first (OpenCL: a blocking write or
  /// clFinish; CUDA: the legacy default stream or a blocking stream orders your work before the
  /// model's); the outputs are complete when it returns. An error on a CPU target.
  Status run_device(void *const *inputs, void *const *outputs) const;
  Status run_device(const std::vector<void *> &inputs, const std::vector<void *> &outputs) const;
  /// GPU targets: the OpenCL cl_context, or the device's primary CUcontext (the CUDA runtime's),
  /// that the model runs in; sets the model up on the device. Valid while the Executable lives.
  Result<void *> device_context() const;

  /// Per-kernel times of the runs since compilation or reset_profile(), in run order; empty
  /// unless compiled with CompileOptions::profile.
  std::vector<KernelProfile> profile() const;
  void reset_profile() const;
  /// Prints the profile to stdout, longest kernels first, with GFLOP/s as % of `peak_gflops`
  /// (the FMA peak of the threads used; <= 0 measures one core's).
  void print_profile(double peak_gflops = 0) const;

  struct Impl;
  explicit Executable(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

private:
  std::shared_ptr<const Impl> impl_;
};

/// Imports, optimizes and JIT-compiles a model file.
Result<Executable> compile(const std::string &model_path, const CompileOptions &options = {});

/// Sets the number of threads parallel loops use (process-wide).
void set_num_threads(int n);

/// Strata's version ("0.9.0").
const char *version();

} // namespace strata
