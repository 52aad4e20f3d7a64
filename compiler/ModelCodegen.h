//===- ModelCodegen.h - the model-level entry points in LLVM IR -----------===//
//
// Kernels come from the loop-IR code generator; this file adds what glues
// them into a model: constants as aligned read-only globals, the run function
// that calls each kernel on its planned buffers, and the query functions of
// the AOT header (NAME_num_inputs, NAME_input_shape, ...). JIT and AOT use the
// same functions.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/KernelInfo.h"
#include "compiler/MemoryPlan.h"
#include "dialects/graph/reference/HostTensor.h"

#include "llvm/IR/Module.h"

namespace strata {

struct TensorSignature {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// The element-type code NAME_input_dtype/NAME_output_dtype return:
/// 0 = float32, 1 = int64, 2 = int32, 3 = bool (one byte, 0 or 1), 4 = int8,
/// 5 = uint8, 6 = int16, 7 = uint16, 8 = uint32.
int dtypeCode(DType t);

/// One kernel launch: the function to call and where each of its buffer
/// arguments (kernel inputs, then results) lives.
struct KernelCall {
  std::string function;
  std::vector<Storage> args;
};

/// A model's kernels compiled for a GPU API (OpenCL or CUDA): one program, launched in order.
struct DeviceLaunch {
  std::string kernel;        // its name in `source`
  std::vector<Storage> args; // each buffer parameter; scratch lives in the arena past the plan
  int dims = 1;
  int64_t global[3] = {1, 1, 1}, local[3] = {1, 1, 1};
};
struct DeviceProgram {
  enum class API { OpenCL, CUDA } api = API::OpenCL;
  std::string source; // OpenCL C, or PTX
  std::vector<DeviceLaunch> launches;
  int64_t workspaceBytes = 0; // the plan's arena plus the largest kernel scratch
};

/// Adds `int32_t NAME_run(const void *const *inputs, void *const *outputs, void *workspace)`
/// and the header's query functions to a module that already holds the kernel functions.
/// With `profile` (one KernelInfo per call), every kernel call is timed and the module also
/// exports
///   int32_t NAME_num_kernels(void);
///   const uint64_t *NAME_profile_counters(void); // per kernel: total ns, calls
///   void NAME_profile_reset(void);
///   void NAME_profile_print(double peak_gflops);  // strata_profile_print's table
/// With `device`, NAME_run instead hands the inputs, outputs and the program to the runtime's
/// strata_cl_run or strata_cuda_run (the workspace stays on the device; NAME_workspace_size is
/// 0), `calls` are not used, and the module also exports
///   int32_t NAME_run_device(void *const *inputs, void *const *outputs); // device buffers
///   int32_t NAME_device_context(void **context); // the cl_context / CUcontext they live in
///   void NAME_release(void);                     // frees the device resources
void emitModelFunctions(llvm::Module &module, const std::string &name, const ModelSignature &sig,
                        const MemoryPlan &plan, const std::vector<KernelCall> &calls,
                        const std::vector<KernelInfo> *profile = nullptr,
                        const DeviceProgram *device = nullptr);

} // namespace strata
