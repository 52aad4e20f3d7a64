// strata_cl_run (runtime/opencl.c) on whatever OpenCL device the machine has: real kernels
// through the workspace and the constants, build failures, argument checks, device selection.
// Where OpenCL is missing, strata_cl_run reports STRATA_ERROR_UNSUPPORTED and the tests skip.
#include <gtest/gtest.h>

#include <algorithm>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "GpuProgramBuilder.h"
#include "strata_runtime.h"

namespace {

using namespace strata::testing;

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
    launches = {launch1d(0, kScaleArgs, 3, kGlobal, kLocal), launch1d(1, kAdd1Args, 2, kGlobal, kLocal)};
    program = gpuProgram("cls", source, kKernelNames, 2, launches.data(), int32_t(launches.size()), &kTensorBytes,
                         &kTensorBytes);
    program.workspace_bytes = kWsOffset + kTensorBytes;
    program.constants = constants.data();
    program.constants_bytes = int64_t(constants.size() * sizeof(float));
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
  return runGpu(strata_cl_run, state, program, in, out);
}

// One run of `program` on a fresh input, for the tests that check only how it fails.
int32_t runOnce(strata_gpu_state *state, const strata_gpu_program &program) {
  std::vector<float> in = makeInput(0), out(kN);
  return run(state, program, in.data(), out.data());
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

TEST(OpenCLRuntimeTest, ReleaseFreesAndTheNextRunSetsUpAgain) {
  strata_cl_release(nullptr); // nothing to free: fine
  strata_gpu_state unused{};
  strata_cl_release(&unused);
  EXPECT_EQ(unused.impl, nullptr);
  Model model;
  strata_gpu_state state{};
  std::vector<float> in = makeInput(3), out(kN);
  int32_t status = run(&state, model.program, in.data(), out.data());
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_OK) << strata_last_error();
  strata_cl_release(&state);
  EXPECT_EQ(state.impl, nullptr);
  // Released, the state is as new: it may even serve another program now.
  Model other;
  std::fill(out.begin(), out.end(), -7.0f);
  ASSERT_EQ(run(&state, other.program, in.data(), out.data()), STRATA_OK) << strata_last_error();
  for (int i = 0; i < kN; ++i) ASSERT_EQ(out[i], in[i] * other.c(i) + 1.0f) << "element " << i;
  strata_cl_release(&state);
}

TEST(OpenCLRuntimeTest, ConcurrentRunsOfOneModel) {
  Model model;
  auto [failures, messages] =
      runConcurrently(strata_cl_run, model.program, kN, makeInput,
                      [&](const std::vector<float> &in, int i) { return in[i] * model.c(i) + 1.0f; });
  SKIP_IF_NO_OPENCL(failures[0]);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t << ": " << messages[t];
}

TEST(OpenCLRuntimeTest, BuildFailureReportsTheLog) {
  Model model("__kernel void scale(__global float *ws, ulong off) { this is not C; }\n");
  strata_gpu_state state{};
  int32_t status = runOnce(&state, model.program);
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
  int32_t status = runOnce(&state, program);
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

TEST(OpenCLRuntimeTest, DeviceVariableOutOfRange) {
  ScopedEnv env("STRATA_OPENCL_DEVICE", "9:9");
  Model model;
  strata_gpu_state state{};
  int32_t status = runOnce(&state, model.program);
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  std::string message = strata_last_error();
  EXPECT_NE(message.find("STRATA_OPENCL_DEVICE='9:9'"), std::string::npos) << message;
  EXPECT_NE(message.find("available: 0:0"), std::string::npos) << message;
  EXPECT_EQ(state.impl, nullptr);
}

TEST(OpenCLRuntimeTest, DeviceVariableBadFormat) {
  ScopedEnv env("STRATA_OPENCL_DEVICE", "gpu");
  Model model;
  strata_gpu_state state{};
  int32_t status = runOnce(&state, model.program);
  SKIP_IF_NO_OPENCL(status);
  ASSERT_EQ(status, STRATA_ERROR_INVALID_ARGUMENT) << strata_last_error();
  EXPECT_NE(std::string(strata_last_error()).find("is not 'P:D'"), std::string::npos) << strata_last_error();
}

} // namespace
