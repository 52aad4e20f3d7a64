// Helpers shared by the tests of strata_cl_run and strata_cuda_run: building a small
// strata_gpu_program, running it on one float input and one float output, running it from
// several threads at once, and setting the device variable for one scope.
#ifndef STRATA_TEST_UNIT_RUNTIME_GPUPROGRAMBUILDER_H
#define STRATA_TEST_UNIT_RUNTIME_GPUPROGRAMBUILDER_H

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "strata_runtime.h"

namespace strata::testing {

// strata_cl_run or strata_cuda_run.
using GpuRunFn = int32_t (*)(strata_gpu_state *, const strata_gpu_program *, const void *const *,
                             void *const *);

// A one-dimensional launch of `kernel` (unused dimensions 1).
inline strata_gpu_launch launch1d(int32_t kernel, const strata_gpu_arg *args, int32_t num_args, int64_t global,
                                  int64_t local) {
  strata_gpu_launch l{};
  l.kernel = kernel;
  l.num_args = num_args;
  l.args = args;
  l.dims = 1;
  l.global[0] = global;
  l.local[0] = local;
  for (int d = 1; d < 3; ++d) l.global[d] = l.local[d] = 1;
  return l;
}

// A program of one input and one output, without workspace or constants (the caller may add
// them). Every pointer must outlive the program.
inline strata_gpu_program gpuProgram(const char *name, const char *source, const char *const *kernel_names,
                                     int32_t num_kernels, const strata_gpu_launch *launches, int32_t num_launches,
                                     const int64_t *input_bytes, const int64_t *output_bytes) {
  strata_gpu_program program{};
  program.name = name;
  program.source = source;
  program.num_kernels = num_kernels;
  program.kernel_names = kernel_names;
  program.num_launches = num_launches;
  program.launches = launches;
  program.num_inputs = 1;
  program.num_outputs = 1;
  program.input_bytes = input_bytes;
  program.output_bytes = output_bytes;
  return program;
}

// One run of a program of one float input and one float output.
inline int32_t runGpu(GpuRunFn run, strata_gpu_state *state, const strata_gpu_program &program, const float *in,
                      float *out) {
  const void *inputs[] = {in};
  void *outputs[] = {out};
  return run(state, &program, inputs, outputs);
}

// What runConcurrently saw: per thread, 0, the status of its first failed run, or -1 for a wrong
// element; and what went wrong.
struct ConcurrentRuns {
  std::vector<int> failures;
  std::vector<std::string> messages;
};

// Runs `program` from 4 threads, 5 times each, on one state. Run r of thread t gets
// makeInput(t * 5 + r) and must give expected(in, i) in each of the n output elements.
template <class MakeInput, class Expected>
ConcurrentRuns runConcurrently(GpuRunFn run, const strata_gpu_program &program, int n, MakeInput makeInput,
                               Expected expected) {
  strata_gpu_state state{};
  ConcurrentRuns result{std::vector<int>(4, 0), std::vector<std::string>(4)};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 5; ++r) {
        std::vector<float> in = makeInput(t * 5 + r), out(n);
        int32_t status = runGpu(run, &state, program, in.data(), out.data());
        if (status != STRATA_OK) {
          result.failures[t] = status;
          result.messages[t] = strata_last_error();
          return;
        }
        for (int i = 0; i < n; ++i)
          if (out[i] != expected(in, i)) {
            result.failures[t] = -1;
            result.messages[t] = "wrong element " + std::to_string(i);
            return;
          }
      }
    });
  for (auto &thread : threads) thread.join();
  return result;
}

// Sets an environment variable (STRATA_OPENCL_DEVICE, STRATA_CUDA_DEVICE) for one scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  std::string name_;
};

} // namespace strata::testing

#endif // STRATA_TEST_UNIT_RUNTIME_GPUPROGRAMBUILDER_H
