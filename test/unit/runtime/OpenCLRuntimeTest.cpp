// strata_cl_run (runtime/opencl.c) on whatever OpenCL device the machine has: real kernels
// through the workspace and the constants, build failures, argument checks, device selection.
// Where OpenCL is missing, strata_cl_run reports STRATA_ERROR_UNSUPPORTED and the tests skip.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "strata_runtime.h"

namespace {

constexpr int kN = 1000;
constexpr int64_t kLocal = 64;
constexpr int64_t kGlobal = 1024; // kN rounded up to a multiple of kLocal
constexpr int64_t kConstOffset = 256; // where c starts in the constants (64-byte aligned, nonzero)
constexpr int64_t kWsOffset = 128;    // where the intermediate starts in the workspace

// Each kernel adds the byte offsets itself (the compiler's convention: parameter 2i is the
// buffer, 2i+1 its offset).
const char *kSource = R"CL(
#define N 1000
#define AT(T, buf, off) ((__global T *)((__global char *)(buf) + (off)))
__kernel void scale(__global float *ws, ulong ws_off, __global float *in, ulong in_off,
                    __global float *c, ulong c_off) {
  size_t i = get_global_id(0);
  if (i < N) AT(float, ws, ws_off)[i] = AT(float, in, in_off)[i] * AT(float, c, c_off)[i];
}
__kernel void add1(__global float *out, ulong out_off, __global float *ws, ulong ws_off) {
  size_t i = get_global_id(0);
  if (i < N) AT(float, out, out_off)[i] = AT(float, ws, ws_off)[i] + 1.0f;
}
)CL";

const char *const kKernelNames[] = {"scale", "add1"};

// Buffers: 0 workspace, 1 constants, 2 the input, 3 the output.
const strata_gpu_arg kScaleArgs[] = {
    {STRATA_GPU_WORKSPACE, 0, kWsOffset}, {STRATA_GPU_FIRST_INPUT, 0, 0}, {STRATA_GPU_CONSTANTS, 0, kConstOffset}};
const strata_gpu_arg kAdd1Args[] = {{STRATA_GPU_FIRST_INPUT + 1, 0, 0}, {STRATA_GPU_WORKSPACE, 0, kWsOffset}};

strata_gpu_launch launch1d(int32_t kernel, const strata_gpu_arg *args, int32_t num_args) {
  strata_gpu_launch l{};
  l.kernel = kernel;
  l.num_args = num_args;
  l.args = args;
  l.dims = 1;
  l.global[0] = kGlobal;
  l.local[0] = kLocal;
  for (int d = 1; d < 3; ++d) l.global[d] = l.local[d] = 1;
  return l;
}

const int64_t kTensorBytes = kN * sizeof(float);

// The two-kernel model; `launches` must outlive the program.
struct Model {
  std::vector<float> constants;
  std::vector<strata_gpu_launch> launches;
  strata_gpu_program program{};

  explicit Model(const char *source = kSource) {
    // NaN before c, so a kernel reading at the wrong offset cannot produce the right numbers.
    constants.assign(kConstOffset / sizeof(float) + kN, std::numeric_limits<float>::quiet_NaN());
    for (int i = 0; i < kN; ++i) constants[kConstOffset / sizeof(float) + i] = 0.25f * float(i % 9) - 1.0f;
    launches = {launch1d(0, kScaleArgs, 3), launch1d(1, kAdd1Args, 2)};
    program.name = "cls";
    program.source = source;
    program.num_kernels = 2;
    program.kernel_names = kKernelNames;
    program.num_launches = int32_t(launches.size());
    program.launches = launches.data();
    program.workspace_bytes = kWsOffset + kTensorBytes;
    program.constants = constants.data();
    program.constants_bytes = int64_t(constants.size() * sizeof(float));
    program.num_inputs = 1;
    program.num_outputs = 1;
    program.input_bytes = &kTensorBytes;
    program.output_bytes = &kTensorBytes;
  }
  float c(int i) const { return constants[kConstOffset / sizeof(float) + i]; }
};

// Products of these are exact in float, so the check does not depend on FMA contraction.
std::vector<float> makeInput(int seed) {
  std::vector<float> in(kN);
  for (int i = 0; i < kN; ++i) in[i] = float((i + seed) % 37) - 18.0f;
  return in;
}

int32_t run(strata_gpu_state *state, const strata_gpu_program &program, const float *in, float *out) {
  const void *inputs[] = {in};
  void *outputs[] = {out};
  return strata_cl_run(state, &program, inputs, outputs);
}

#define SKIP_IF_NO_OPENCL(status)                                                                  \
  if ((status) == STRATA_ERROR_UNSUPPORTED) GTEST_SKIP() << "no OpenCL platform/device: " << strata_last_error()

TEST(OpenCLRuntimeTest, TwoLaunchesThroughWorkspaceAndConstants) {
  Model model;
  strata_gpu_state state{};
  for (int seed = 0; seed < 2; ++seed) { // the second run reuses the set-up state
    std::vector<float> in = makeInput(seed), out(kN, -7.0f);
    int32_t status = run(&state, model.program, in.data(), out.data());
    SKIP_IF_NO_OPENCL(status);
    ASSERT_EQ(status, STRATA_OK) << strata_last_error();
    ASSERT_NE(state.impl, nullptr);
    for (int i = 0; i < kN; ++i) {
      float ws = in[i] * model.c(i);
      ASSERT_EQ(out[i], ws + 1.0f) << "element " << i << ", run " << seed;
    }
  }
  // The state is bound to that program.
  Model other;
  std::vector<float> in = makeInput(0), out(kN);
  EXPECT_EQ(run(&state, other.program, in.data(), out.data()), STRATA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(strata_last_error()).find("another program"), std::string::npos) << strata_last_error();
}

TEST(OpenCLRuntimeTest, ConcurrentRunsOfOneModel) {
  Model model;
  strata_gpu_state state{};
  std::vector<int> failures(4, 0);
  std::vector<std::string> messages(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 5; ++r) {
        std::vector<float> in = makeInput(t * 5 + r), out(kN);
        int32_t status = run(&state, model.program, in.data(), out.data());
        if (status != STRATA_OK) {
          failures[t] = status;
          messages[t] = strata_last_error();
          return;
        }
        for (int i = 0; i < kN; ++i)
          if (out[i] != in[i] * model.c(i) + 1.0f) {
            failures[t] = -1;
            messages[t] = "wrong element " + std::to_string(i);
            return;
          }
      }
    });
  for (auto &thread : threads) thread.join();
  SKIP_IF_NO_OPENCL(failures[0]);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t << ": " << messages[t];
}

TEST(OpenCLRuntimeTest, BuildFailureReportsTheLog) {
  Model model("__kernel void scale(__global float *ws, ulong off) { this is not C; }\n");
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_ERROR_KERNEL) << strata_last_error();
  std::string message = strata_last_error();
  EXPECT_NE(message.find("model 'cls'"), std::string::npos) << message;
  EXPECT_NE(message.find("failed to build"), std::string::npos) << message;
  EXPECT_NE(message.find("error"), std::string::npos) << message; // from the compiler's log
  EXPECT_EQ(state.impl, nullptr);
}

// Each case gets a fresh state: a state is bound to one program.
void expectInvalid(const strata_gpu_program &program, const char *expected) {
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, program, in.data(), out.data());
  SKIP_IF_NO_OPENCL(status);
  EXPECT_EQ(status, STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  EXPECT_NE(std::string(strata_last_error()).find(expected), std::string::npos) << strata_last_error();
  EXPECT_EQ(state.impl, nullptr);
}

TEST(OpenCLRuntimeTest, BadArgumentsAreRejected) {
  {
    Model model;
    model.launches[1].kernel = 2;
    expectInvalid(model.program, "kernel index 2 is out of range");
  }
  {
    Model model;
    model.launches[0].dims = 0;
    expectInvalid(model.program, "dims is 0");
  }
  {
    Model model;
    model.launches[0].dims = 4;
    expectInvalid(model.program, "dims is 4");
  }
  {
    Model model;
    const strata_gpu_arg args[] = {{STRATA_GPU_WORKSPACE, 0, 0}, {4, 0, 0}};
    model.launches[1].args = args;
    expectInvalid(model.program, "buffer index 4 is out of range");
  }
  {
    Model model;
    const strata_gpu_arg args[] = {{STRATA_GPU_WORKSPACE, 0, -64}, {STRATA_GPU_WORKSPACE, 0, 0}};
    model.launches[1].args = args;
    expectInvalid(model.program, "offset -64");
  }
  {
    Model model;
    model.launches[0].global[0] = 1000; // not a multiple of 64
    expectInvalid(model.program, "not a positive multiple of the local size");
  }
  {
    Model model;
    strata_gpu_state state{};
    float out[1];
    void *outputs[] = {out};
    EXPECT_EQ(strata_cl_run(&state, &model.program, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(strata_last_error()).find("inputs is NULL"), std::string::npos) << strata_last_error();
    EXPECT_EQ(strata_cl_run(nullptr, &model.program, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(strata_cl_run(&state, nullptr, nullptr, outputs), STRATA_ERROR_INVALID_ARGUMENT);
  }
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  explicit ScopedEnv(const char *value) { setenv("STRATA_OPENCL_DEVICE", value, 1); }
  ~ScopedEnv() { unsetenv("STRATA_OPENCL_DEVICE"); }
};

TEST(OpenCLRuntimeTest, DeviceVariableOutOfRange) {
  ScopedEnv env("9:9");
  Model model;
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  std::string message = strata_last_error();
  EXPECT_NE(message.find("STRATA_OPENCL_DEVICE='9:9'"), std::string::npos) << message;
  EXPECT_NE(message.find("available: 0:0"), std::string::npos) << message;
  EXPECT_EQ(state.impl, nullptr);
}

TEST(OpenCLRuntimeTest, DeviceVariableBadFormat) {
  ScopedEnv env("gpu");
  Model model;
  strata_gpu_state state{};
  std::vector<float> in = makeInput(0), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  EXPECT_NE(std::string(strata_last_error()).find("is not 'P:D'"), std::string::npos) << strata_last_error();
}

} // namespace
